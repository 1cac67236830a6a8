import type { ObservableInput, ObservedValueOf, OperatorFunction, Subscription } from 'rxjs';
import { Observable, from, mergeMap } from 'rxjs';

/**
 * `mergeMap(project, concurrent)` that keeps a backlog of inners ending at once off the stack. When an inner
 * completes during its own subscribe (a synchronous sender), `mergeMap` starts the next buffered one from inside
 * that completion; over a backlog the stack grows by one subscribe per inner and, past a few hundred, overflows —
 * a RangeError rxjs hands to a stopped subscriber and drops, so the rest is never sent nor reported. Here an
 * inner started while another is being subscribed waits for that subscribe to return, and the first one runs
 * the backlog as a loop (a trampoline, as rxjs' queue scheduler, without its scheduled actions). An inner
 * started from anywhere else is subscribed at once, as with `mergeMap`.
 */
export function mergeMapFlat<T, O extends ObservableInput<unknown>>(
  project: (value: T) => O,
  concurrent: number,
): OperatorFunction<T, ObservedValueOf<O>> {
  const waiting: Array<() => void> = [];
  let subscribing = false;
  const start = (subscribe: () => void): void => {
    if (subscribing) {
      waiting.push(subscribe);
      return;
    }
    subscribing = true;
    try {
      subscribe();
      for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) next();
    } finally {
      subscribing = false;
    }
  };
  return mergeMap(
    (value: T) =>
      new Observable<ObservedValueOf<O>>((subscriber) => {
        let inner: Subscription | undefined;
        start(() => {
          if (subscriber.closed) return;
          try {
            inner = from(project(value)).subscribe(subscriber);
          } catch (error) {
            subscriber.error(error); // as mergeMap does with a throwing project; the loop goes on
          }
        });
        return () => inner?.unsubscribe();
      }),
    concurrent,
  );
}
