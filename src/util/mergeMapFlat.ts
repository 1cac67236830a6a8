import type { ObservableInput, ObservedValueOf, OperatorFunction } from 'rxjs';
import { from, mergeMap, queueScheduler, subscribeOn } from 'rxjs';

/**
 * `mergeMap(project, concurrent)` whose inners are subscribed on the queue scheduler. When an inner completes
 * during its own subscribe (a synchronous sender), `mergeMap` starts the next buffered one from inside that
 * completion; over a backlog the stack grows by one subscribe per inner and, past a few hundred, overflows —
 * a RangeError rxjs hands to a stopped subscriber and drops, so the rest is never sent nor reported. On the
 * queue scheduler an inner started while another is being subscribed waits for that subscribe to return:
 * the backlog runs as a loop. An inner started from anywhere else is subscribed at once, as with `mergeMap`.
 */
export function mergeMapFlat<T, O extends ObservableInput<unknown>>(
  project: (value: T) => O,
  concurrent: number,
): OperatorFunction<T, ObservedValueOf<O>> {
  return mergeMap((value: T) => from(project(value)).pipe(subscribeOn(queueScheduler)), concurrent);
}
