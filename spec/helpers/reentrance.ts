// The harness of the re-entrance accounting properties: the test and the backend's callbacks give events, flush
// and shut down through one object, which records what was given and what was started, and which of run() and a
// shutdown came first (it decides what stats() must say).
import fc from 'fast-check';
import type { AuditBackend } from '../../src/contract/AuditBackend.js';
import type { AuditEvent } from '../../src/events/Event.js';
import type { virtualClock } from './fixtures.js';

/** What a callback does when it re-enters the backend. */
export type Reentry = 'process' | 'flush' | 'shutdown' | 'none';

/**
 * The scenario fields of re-entrance, for a property's `fc.record`: which callbacks re-enter (`from`), what
 * each re-entry does in turn, how many re-entries in all, the shutdown's timeout, and the step run() comes at.
 */
export const reentranceFields = {
  from: fc.record({ onError: fc.boolean(), sender: fc.boolean(), subscriber: fc.boolean() }),
  reentries: fc.array(fc.constantFrom<Reentry>('process', 'process', 'flush', 'shutdown', 'none'), {
    minLength: 1,
    maxLength: 8,
  }),
  budget: fc.nat(12),
  shutdownTimeout: fc.option(fc.nat(150), { nil: undefined }),
  runAt: fc.nat(3),
};

/** One step of the test: events given (after `wait` virtual milliseconds), or a flush. */
export type Step = { kind: 'events'; wait: number; count: number } | { kind: 'flush'; wait: number };

/** What the harness needs of a scenario. */
export interface ReentranceScenario {
  readonly reentries: readonly Reentry[];
  /** Re-entries allowed in all. */
  readonly budget: number;
  readonly shutdownTimeout: number | undefined;
  readonly steps: readonly Step[];
  /** run() before this step (events given before it wait for it). */
  readonly runAt: number;
}

export class Reentrance {
  /** The audit IDs given, by the test and by callbacks. */
  readonly given: string[] = [];
  /** Every call started (processEvents, flush, shutdown), to await at the end. */
  readonly pending: Promise<unknown>[] = [];
  /** Which came first, run() or a shutdown. */
  first: 'run' | 'shutdown' | undefined;
  #backend: AuditBackend | undefined;
  #budget: number;
  #reentry = 0;
  #made = 0;

  constructor(
    private readonly scenario: ReentranceScenario,
    /** The `n`-th event given (from 0). */
    private readonly makeEvent: (n: number) => AuditEvent,
  ) {
    this.#budget = scenario.budget;
  }

  /** The backend under test (set once it is built: its callbacks may re-enter only then). */
  set backend(backend: AuditBackend) {
    this.#backend = backend;
  }

  get backend(): AuditBackend {
    if (this.#backend === undefined) throw new Error('the backend is not built yet');
    return this.#backend;
  }

  give(count: number): void {
    const events = Array.from({ length: count }, () => this.makeEvent(this.#made++));
    this.given.push(...events.map((e) => e.auditID));
    this.pending.push(this.backend.processEvents(...events));
  }

  shutdown(): Promise<void> {
    this.first ??= 'shutdown';
    const timeout = this.scenario.shutdownTimeout;
    return this.backend.shutdown(timeout === undefined ? {} : { timeout });
  }

  /** What a callback does: the next re-entry of the scenario, while the budget lasts. */
  reenter(): void {
    if (this.#budget <= 0) return;
    this.#budget--;
    const { reentries } = this.scenario;
    const what = reentries[this.#reentry++ % reentries.length] as Reentry;
    if (what === 'process') this.give(1 + (this.#reentry % 3));
    else if (what === 'flush') this.pending.push(this.backend.flush());
    else if (what === 'shutdown') this.pending.push(this.shutdown());
  }

  /** Whether a callback re-entered at least once. */
  get reentered(): boolean {
    return this.#budget < this.scenario.budget;
  }

  /** Runs the steps (run() at `runAt`), shuts down, and lets everything settle, re-entries included. */
  async drive(clock: ReturnType<typeof virtualClock>): Promise<void> {
    const { steps, runAt } = this.scenario;
    for (const [i, step] of steps.entries()) {
      if (i === runAt) this.run();
      await clock.advanceBy(step.wait);
      if (step.kind === 'events') this.give(step.count);
      else this.pending.push(this.backend.flush());
    }
    if (runAt >= steps.length) this.run();
    const drained = this.shutdown();
    await clock.advanceBy(100_000);
    await drained;
    // Re-entries may have added work after the drain began: let everything settle.
    for (let i = 0; i < 5; i++) await clock.advanceBy(100_000);
    await Promise.all(this.pending);
  }

  private run(): void {
    this.first ??= 'run';
    this.backend.run();
  }
}
