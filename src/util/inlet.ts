import type { Subscriber } from 'rxjs';
import { Observable, Subject, config } from 'rxjs';

/** A source fed like a `Subject` (`next`, `complete`), for one subscriber at a time: see {@link inlet}. */
export interface Inlet<T> {
  readonly source$: Observable<T>;
  next(value: T): void;
  complete(): void;
}

/**
 * A `Subject` for one subscriber: each `next` goes straight to the subscriber (none: dropped, as a Subject
 * with no observers drops it); `complete` ends it, and a later subscriber completes at once. The engine's
 * input is one: rxjs' `Subject.next`, in the ES5 build Node loads, makes a closure and an iterator per value,
 * on the caller's path for every event (callgrind: a third fewer level-1 instruction-cache misses per
 * one-event call, 112-120 down to 74-77). A second subscriber while one is subscribed gets
 * an error. With rxjs' deprecated synchronous error handling on, values go through a `Subject` after all: its
 * `next` is where rxjs throws a subscriber's error back to the caller.
 */
export function inlet<T>(): Inlet<T> {
  let current: Subscriber<T> | undefined;
  let completed = false;
  const source$ = new Observable<T>((subscriber) => {
    if (completed) return subscriber.complete();
    if (current !== undefined) return subscriber.error(new Error('an inlet takes one subscriber at a time'));
    current = subscriber;
    return () => {
      if (current === subscriber) current = undefined;
    };
  });
  const relay = new Subject<T>();
  relay.subscribe((value) => current?.next(value));
  return {
    source$,
    next: (value) => {
      if (config.useDeprecatedSynchronousErrorHandling) relay.next(value);
      else current?.next(value);
    },
    complete: () => {
      completed = true;
      current?.complete();
    },
  };
}
