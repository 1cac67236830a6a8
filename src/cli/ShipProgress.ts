import cliProgress from 'cli-progress';

/** What `ship` has done so far, as the progress display shows it. */
export interface ShipCounts {
  /** Valid events read from the log. */
  read: number;
  /** Lines skipped because they were not valid JSON or not valid audit events. */
  invalid: number;
  /** Events the webhook acknowledged. */
  delivered: number;
  /** Events reported as not delivered (`errors$`). */
  failed: number;
  /** Retried POSTs. */
  retries: number;
  /** Raw bytes of the input read so far. */
  bytes: number;
  /** The last failed attempt's message (redacted), while batches are being retried. */
  lastError?: string | undefined;
}

/** A writable terminal stream (stderr). */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** Options of {@link ShipProgress}. */
export interface ShipProgressOptions {
  /** The input size in bytes when known; enables the bar, the percentage and the ETA. */
  totalBytes: number | undefined;
  /** Current counts, polled for each redraw. */
  counts: () => ShipCounts;
  /** Show anything at all. @default true */
  enabled?: boolean;
  /** Prefix of the plain (non-TTY) lines. @default 'rx-audit ship' */
  label?: string;
  /** How often a plain progress line is printed when the stream is not a TTY, in ms. @default 5000 */
  plainIntervalMs?: number;
  /** When the stream is not a TTY, print a last plain line on `stop()`. @default false */
  plainFinalLine?: boolean;
}

/**
 * The `ship` progress display: a `cli-progress` bar (events read / delivered / failed, retries, rate, and
 * percentage + ETA when the input size is known) when `stream` is a TTY; otherwise a plain status line every few
 * seconds, so CI logs and pipes get no control characters.
 */
export class ShipProgress {
  private readonly started = Date.now();
  private readonly label: string;
  private multibar: cliProgress.MultiBar | undefined;
  private bar: cliProgress.SingleBar | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: ShipProgressOptions,
  ) {
    this.label = options.label ?? 'rx-audit ship';
    if (options.enabled === false) return;
    if (stream.isTTY === true) {
      const sized = options.totalBytes !== undefined && options.totalBytes > 0;
      const counts =
        '{read} read | {delivered} delivered | {failed} failed | {retries} retries | {rate}/s{lastError}';
      this.multibar = new cliProgress.MultiBar(
        {
          stream,
          format: sized ? `{bar} {percentage}% | ${counts} | ETA {eta_formatted}` : counts,
          hideCursor: true,
          clearOnComplete: false,
          fps: 10,
          barsize: 20,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar = this.multibar.create(sized ? (options.totalBytes ?? 1) : 1, 0, this.payload());
      this.timer = setInterval(() => this.redraw(), 100);
    } else {
      this.timer = setInterval(
        () => this.stream.write(`${this.label}: ${this.statusLine()}\n`),
        options.plainIntervalMs ?? 5000,
      );
    }
    this.timer.unref();
  }

  /** Prints a line above the bar (or plainly), e.g. an invalid-line report. */
  log(line: string): void {
    if (this.multibar) this.multibar.log(`${line}\n`);
    else this.stream.write(`${line}\n`);
  }

  /** Events delivered per second since the display started. */
  rate(): number {
    const seconds = (Date.now() - this.started) / 1000;
    return seconds > 0 ? this.options.counts().delivered / seconds : 0;
  }

  /** The counts as one plain line. */
  statusLine(): string {
    const c = this.options.counts();
    const total = this.options.totalBytes;
    const percent = total !== undefined && total > 0 ? `${Math.floor((100 * c.bytes) / total)}% | ` : '';
    const error = c.lastError === undefined ? '' : ` | last error: ${c.lastError}`;
    return `${percent}${c.read} read | ${c.delivered} delivered | ${c.failed} failed | ${c.retries} retries | ${Math.round(this.rate())} ev/s${error}`;
  }

  /** Redraws once more with the final counts and removes the timer. Idempotent. */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.multibar === undefined && this.options.plainFinalLine === true) {
      this.stream.write(`${this.label}: ${this.statusLine()}\n`);
    }
    if (this.multibar) {
      this.redraw();
      this.multibar.stop();
      this.multibar = undefined;
    }
  }

  private redraw(): void {
    const sized = this.options.totalBytes !== undefined && this.options.totalBytes > 0;
    this.bar?.update(sized ? this.options.counts().bytes : 0, this.payload());
  }

  private payload(): Record<string, number | string> {
    const { read, delivered, failed, retries, lastError } = this.options.counts();
    return {
      read,
      delivered,
      failed,
      retries,
      rate: Math.round(this.rate()),
      lastError: lastError === undefined ? '' : ` | last error: ${lastError.slice(0, 80)}`,
    };
  }
}
