// The producer every throughput contender shares: offers events in chunks, one macrotask per chunk, and never
// holds more than `bufferSize` undelivered events (it waits for the contender to report progress).
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * @param {readonly unknown[]} events
 * @param {{ chunk: number, bufferSize: number }} options
 * @param {{ offer(event: unknown): void, backlog(): number, progress(): Promise<void> }} sink
 */
export async function offerAll(events, { chunk, bufferSize }, sink) {
  let i = 0;
  while (i < events.length) {
    const free = bufferSize - sink.backlog();
    if (free <= 0) {
      await sink.progress();
      continue;
    }
    const end = Math.min(i + chunk, i + free, events.length);
    for (; i < end; i++) sink.offer(events[i]);
    await nextTurn();
  }
}

/** A latch the contenders resolve whenever something was delivered, so the producer can wait without polling. */
export function createProgress() {
  let waiting = null;
  return {
    wait() {
      if (!waiting) {
        let resolve;
        const promise = new Promise((r) => (resolve = r));
        waiting = { promise, resolve };
      }
      return waiting.promise;
    },
    signal() {
      if (waiting) {
        const { resolve } = waiting;
        waiting = null;
        resolve();
      }
    },
  };
}
