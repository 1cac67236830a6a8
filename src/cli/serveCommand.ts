import type { CliIO } from './CliIO.js';
import type { LogFormat } from './CliLog.js';
import { createCliLog } from './CliLog.js';
import type { JetStreamFlags } from '../nats/openJetStreamForCli.js';
import { openJetStreamSink, resolveJetStreamFlags } from '../nats/openJetStreamForCli.js';
import { CliUsageError } from './CliUsageError.js';
import { JETSTREAM_SENDER_DEFAULTS } from '../nats/jetStreamSenderDefaults.js';
import type { ServeOptions } from './startServe.js';
import { startServe } from './startServe.js';

/** Options of `rx-audit serve` (see `rx-audit serve --help` and docs/cli.md). */
export interface ServeCommandOptions extends ServeOptions, JetStreamFlags {
  /** Print the live summary line. @default true */
  summary: boolean;
  /** @default 'text' */
  logFormat: LogFormat;
}

/**
 * Runs `rx-audit serve`: the receiving webhook, with a live one-line summary, until SIGINT or SIGTERM; then
 * closes cleanly (requests in progress finished, `--out` fsynced) and prints the final summary.
 *
 * @param options The parsed flags.
 * @param io Where to write, and the signals to stop on.
 * @returns 0 after a clean shutdown.
 */
export async function serveCommand(options: ServeCommandOptions, io: CliIO): Promise<number> {
  const log = createCliLog(options.logFormat, 'serve', io);
  const jetStream = resolveJetStreamFlags(
    options,
    { '--out': options.out },
    (message) => new CliUsageError(message),
  );
  const sink =
    jetStream === undefined
      ? undefined
      : await openJetStreamSink(jetStream, options.publishTimeout ?? JETSTREAM_SENDER_DEFAULTS.timeout);
  const serve = await startServe({
    ...options,
    ...(sink === undefined ? {} : { sink }),
    onNotice: (line) => log.info(`rx-audit serve: ${line}`),
  }).catch(async (err: unknown) => {
    await sink?.close();
    throw err;
  });
  const { stderr } = io;
  log.out(`rx-audit serve listening on ${serve.url}`, { url: serve.url });
  if (options.out !== undefined)
    log.out(`rx-audit serve appending events to ${options.out}`, { out: options.out });
  if (jetStream !== undefined) log.out(`rx-audit serve publishing events to ${jetStream.description}`);
  if (options.failRate > 0)
    log.out(`rx-audit serve failing ${Math.round(options.failRate * 100)}% of POSTs with 503 on purpose`);
  if (!serve.metrics) log.info('rx-audit serve: GET /metrics answers 501: install prom-client to enable it');

  // A TTY gets one line redrawn in place; a pipe, a file or JSON logs get a line every few seconds when
  // something changed.
  const tty = stderr.isTTY === true && options.logFormat === 'text';
  let last = '';
  const timer = options.summary
    ? setInterval(
        () => {
          const line = serve.tally.line();
          const unchanged = line.replace(/\(\d+\/s\)/, '') === last;
          last = line.replace(/\(\d+\/s\)/, '');
          // Cut to the terminal's width: a wrapped line could not be redrawn in place.
          if (tty) stderr.write(`\r\x1b[2K${line.slice(0, Math.max(20, (stderr.columns ?? 120) - 1))}`);
          else if (!unchanged) log.info(`rx-audit serve: ${line}`, summaryFields(serve.tally.totals));
        },
        tty ? 250 : 5000,
      )
    : undefined;

  // Listeners stay for the whole run: a second signal while closing exits at once (130), never by the default
  // action of a signal nobody listens to.
  let signalled: string | undefined;
  let stopped: (name: string) => void = () => undefined;
  const onSignal = (name: string) => (): void => {
    if (signalled === undefined) {
      signalled = name;
      stopped(name);
      return;
    }
    io.stderr.write(`rx-audit serve: ${name} again — exiting now: ${serve.tally.line()}\n`);
    process.exit(130);
  };
  const onInt = onSignal('SIGINT');
  const onTerm = onSignal('SIGTERM');
  io.signals.on('SIGINT', onInt);
  io.signals.on('SIGTERM', onTerm);
  const signal = await new Promise<string>((resolve) => (stopped = resolve));
  if (timer !== undefined) clearInterval(timer);
  if (tty && options.summary) stderr.write('\r\x1b[2K');
  await serve.close();
  io.signals.removeListener('SIGINT', onInt);
  io.signals.removeListener('SIGTERM', onTerm);
  log.out(`rx-audit serve stopped (${signal}): ${serve.tally.line()}`, {
    signal,
    ...summaryFields(serve.tally.totals),
  });
  return 0;
}

function summaryFields(t: {
  events: number;
  posts: number;
  rejected: number;
  unauthorized: number;
  injected: number;
  tooLarge: number;
  otherErrors: number;
}): Record<string, number> {
  return {
    events: t.events,
    posts: t.posts,
    rejected: t.rejected,
    unauthorized: t.unauthorized,
    injected: t.injected,
    tooLarge: t.tooLarge,
    otherErrors: t.otherErrors,
  };
}
