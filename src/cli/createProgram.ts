import { Command, Option } from 'commander';
import { BATCH_DEFAULTS, BLOCKING_ATTEMPTS, RETRY_DEFAULTS, WEBHOOK_DEFAULTS } from '../contract/options.js';
import { GROUP_VERSIONS } from '../events/GroupVersion.js';
import { JETSTREAM_SENDER_DEFAULTS } from '../nats/jetStreamSenderDefaults.js';
import type { CliIO } from './CliIO.js';
import type { DemoCommandOptions } from './demoCommand.js';
import { packageVersion } from './packageVersion.js';
import { DEFAULT_MAX_RECORD_BYTES } from './readLogRecords.js';
import { SERVE_DEFAULTS } from './serveDefaults.js';
import { fraction, integerIn } from './parseOptionValue.js';
import type { ServeCommandOptions } from './serveCommand.js';
import type { ShipCommandOptions } from './shipCommand.js';

const SERVE_EXAMPLES = `
Examples:
  $ rx-audit serve --port 8080 --out events.jsonl
  $ rx-audit serve --port 8080 --fail-rate 0.1 --delay-ms 50      # a flaky, slow webhook for testing retries
  $ rx-audit serve --port 8443 --host 0.0.0.0 --tls-cert tls.crt --tls-key tls.key --client-ca ca.crt \\
      --token-file /etc/rx-audit/token --out /var/log/audit/events.jsonl --out-max-bytes 104857600 --out-keep 10
  $ rx-audit serve --port 0                                       # any free port; the URL is printed

Endpoints: POST any path (an EventList, optionally Content-Encoding: gzip); GET /healthz (200 ok) and
GET /metrics (Prometheus text), neither needing the token.`;

const SHIP_EXAMPLES = `
Examples:
  $ rx-audit ship /var/log/kubernetes/audit.log --url http://127.0.0.1:8080/
  $ rx-audit ship audit.log.gz --kubeconfig webhook.kubeconfig --max-batch-size 400 --max-batch-wait 30000
  $ tail -n +1 -f audit.log | rx-audit ship - --url http://127.0.0.1:8080/ --max-batch-wait 1000
  $ rx-audit ship audit.log --url http://127.0.0.1:8080/ --mode blocking --group-version audit.k8s.io/v1beta1
  $ rx-audit ship --follow /var/log/kubernetes/audit.log --checkpoint /var/lib/rx-audit/audit.checkpoint \\
      --kubeconfig /etc/rx-audit/webhook.kubeconfig --max-batch-wait 1000 --log-format json    # as a sidecar

Input: JSON lines, or JSON documents (an EventList, an array of events, pretty-printed or not, concatenated
objects), detected by itself. SIGTERM/SIGINT stop reading, drain for at most --drain-timeout; again: exit 130.

Exit code: 0 when every valid event was delivered, 1 when any was not (or none was valid), 2 for a usage error.`;

const DEMO_EXAMPLES = `
Examples:
  $ rx-audit demo
  $ rx-audit demo --fail-rate 0.3 --repeat 10      # 3 000 events

Starts "serve" on a free loopback port, ships the bundled sample log (300 real audit events) to it in batch
mode while the server fails some POSTs at random, and proves every event arrived exactly once.`;

// Commands are loaded when they run, so `--help` and `--version` start fast.

/**
 * Builds the `rx-audit` command line (commander): `serve`, `ship` and `demo`, with `--help` and `--version`.
 * Every command sets `state.exitCode`; parse errors throw commander's `CommanderError` (see `runCli`).
 *
 * @param io Where the commands read and write.
 * @param state Receives the exit code of the command that ran.
 * @returns The program, ready for `parseAsync`.
 */
export function createProgram(io: CliIO, state: { exitCode: number }): Command {
  const program = new Command('rx-audit')
    .description(
      'Ship Kubernetes audit logs to an audit webhook, or receive them — the apiserver audit webhook backend on RxJS.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand(false)
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Commander may spread an error over lines (a suggestion on the next one); users get ONE line.
      outputError: (text, write) =>
        write(
          `rx-audit: ${text
            .replace(/^error: /, '')
            .replace(/\s*\n\s*/g, ' ')
            .trim()}\n`,
        ),
    });

  program.addHelpText(
    'after',
    `
Examples:
  $ rx-audit demo                                          # serve + ship on loopback, exactly-once report
  $ rx-audit serve --port 8080 --out events.jsonl
  $ rx-audit ship audit.log --url http://127.0.0.1:8080/

Run "rx-audit <command> --help" for a command's options.`,
  );

  program
    .command('serve')
    .description(
      'receive audit events: a webhook that decodes each POSTed EventList and appends its events as JSON lines',
    )
    .addOption(
      new Option('-p, --port <port>', 'port to listen on (0: any free port)')
        .argParser(integerIn(0, 65535))
        .default(SERVE_DEFAULTS.port),
    )
    .option('--host <host>', 'address to listen on', SERVE_DEFAULTS.host)
    .option(
      '-o, --out <file>',
      'append received events to this file as JSON lines (default: none, events are only counted)',
    )
    .addOption(
      new Option('--fail-rate <fraction>', 'answer this fraction of POSTs with 503 (to test retries)')
        .argParser(fraction)
        .default(0),
    )
    .addOption(
      new Option('--delay-ms <ms>', 'wait this long before answering each POST')
        .argParser(integerIn(0))
        .default(0),
    )
    .addOption(
      new Option(
        '--out-max-bytes <n>',
        'rotate --out before it would pass this many bytes (default: no rotation)',
      ).argParser(integerIn(1)),
    )
    .addOption(
      new Option('--out-keep <n>', 'rotated --out files kept (out.1 newest … out.N oldest)')
        .argParser(integerIn(1, 1000))
        .default(SERVE_DEFAULTS.outKeep),
    )
    .addOption(
      new Option('--max-body-bytes <n>', 'largest POST body, counted after decompression (else 413)')
        .argParser(integerIn(1))
        .default(SERVE_DEFAULTS.maxBodyBytes),
    )
    .addOption(
      new Option(
        '--max-buffered-bytes <n>',
        'body bytes held across all requests, after decompression (else 503, Retry-After) ' +
          `(default: ${SERVE_DEFAULTS.maxBufferedBytes / 1024 / 1024} MiB, or 8 × --max-body-bytes if larger)`,
      ).argParser(integerIn(1)),
    )
    .addOption(
      new Option('--max-connections <n>', 'open connections at most (more are refused)')
        .argParser(integerIn(1))
        .default(SERVE_DEFAULTS.maxConnections),
    )
    .option(
      '--tls-cert <file>',
      'serve HTTPS with this PEM certificate, with --tls-key (default: plain HTTP)',
    )
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option(
      '--client-ca <file>',
      'require client certificates signed by this PEM CA: mutual TLS (default: no client certificate)',
    )
    .option(
      '--token-file <file>',
      'require "Authorization: Bearer <token in file>" (else 401); re-read when the file changes (default: no token)',
    )
    .option('--token <token>', 'like --token-file, the token given inline (visible in the process list)')
    .option('--no-summary', 'do not print the live summary line')
    .option(
      '--jetstream <url>',
      'a gateway: publish accepted events to NATS JetStream at this URL, with --subject (default: none, --out)',
    )
    .option('--subject <subject>', 'JetStream subject of --jetstream; a stream must store it (default: none)')
    .addOption(
      new Option('--publish-timeout <ms>', 'with --jetstream: answer 503 when the acks take longer')
        .argParser(integerIn(1))
        .default(JETSTREAM_SENDER_DEFAULTS.timeout),
    )
    .addOption(
      new Option('--log-format <format>', 'text, or json: one JSON object per line on stderr (for pods)')
        .choices(['text', 'json'])
        .default('text'),
    )
    .addHelpText('after', SERVE_EXAMPLES)
    .action(async (options: ServeCommandOptions) => {
      const { serveCommand } = await import('./serveCommand.js');
      state.exitCode = await serveCommand(options, io);
    });

  program
    .command('ship')
    .description('replay an apiserver audit log (JSON lines or documents, plain or gzip) to an audit webhook')
    .argument('<file>', 'audit log file, or - for stdin')
    .option('--url <url>', 'webhook URL (used as-is, path included)')
    .option('--kubeconfig <file>', 'webhook kubeconfig, as the apiserver reads --audit-webhook-config-file')
    .option(
      '--jetstream <url>',
      'publish to NATS JetStream at this URL instead of a webhook, with --subject (default: none, a webhook)',
    )
    .option('--subject <subject>', 'JetStream subject of --jetstream; a stream must store it (default: none)')
    .addOption(
      new Option('--mode <mode>', 'batch: buffered, concurrent POSTs; blocking: one awaited POST at a time')
        .choices(['batch', 'blocking'])
        .default('batch'),
    )
    .addOption(
      new Option('--max-batch-size <n>', 'events per POST at most')
        .argParser(integerIn(1))
        .default(BATCH_DEFAULTS.maxBatchSize),
    )
    .addOption(
      new Option('--max-batch-wait <ms>', 'a partial batch is sent after this long')
        .argParser(integerIn(0))
        .default(BATCH_DEFAULTS.maxBatchWait),
    )
    .addOption(
      new Option('--buffer-size <n>', 'events held in memory at most (reading pauses while full)')
        .argParser(integerIn(1))
        .default(BATCH_DEFAULTS.bufferSize),
    )
    .addOption(
      new Option(
        '--max-batch-bytes <n>',
        'a batch is cut before its EventList body would pass this many bytes',
      )
        .argParser(integerIn(1))
        .default(BATCH_DEFAULTS.maxBatchBytes),
    )
    .addOption(
      new Option(
        '--when-full <mode>',
        'block: a full buffer makes ship wait; drop: the rest is reported as queue-blocked (batch mode)',
      )
        .choices(['block', 'drop'])
        .default('block'),
    )
    .addOption(
      new Option('--compression <kind>', 'gzip: compress each POST body (Content-Encoding: gzip)')
        .choices(['none', 'gzip'])
        .default('none'),
    )
    .addOption(
      new Option('--group-version <version>', 'audit.k8s.io version of the EventLists sent')
        .choices(GROUP_VERSIONS)
        .default(WEBHOOK_DEFAULTS.groupVersion),
    )
    .addOption(
      new Option('--timeout <ms>', 'per-request timeout')
        .argParser(integerIn(1))
        .default(WEBHOOK_DEFAULTS.timeout),
    )
    .addOption(
      new Option(
        '--retry-attempts <n>',
        `attempts per POST in all (default: ${RETRY_DEFAULTS.attempts} in batch mode, ${BLOCKING_ATTEMPTS} in blocking mode)`,
      ).argParser(integerIn(1)),
    )
    .addOption(
      new Option(
        '--retry-initial-delay <ms>',
        `first retry delay; each next one is ${RETRY_DEFAULTS.factor} times longer`,
      )
        .argParser(integerIn(0))
        .default(RETRY_DEFAULTS.initialDelay),
    )
    .addOption(
      new Option(
        '--max-line-bytes <n>',
        'longest line or JSON document read; a longer one is skipped as invalid',
      )
        .argParser(integerIn(1))
        .default(DEFAULT_MAX_RECORD_BYTES),
    )
    .option(
      '--follow',
      'keep reading as the file grows; follow rotation (rename or truncate), like tail -F',
      false,
    )
    .option(
      '--checkpoint <file>',
      'save the position after the last ended event here (atomically); a restart resumes there (default: none)',
    )
    .option(
      '--spool <dir>',
      'durable spool folder (batch mode): accepted events survive a crash and are sent first on the next run (default: none)',
    )
    .addOption(
      new Option('--drain-timeout <ms>', 'after SIGTERM/SIGINT, send what was accepted for at most this long')
        .argParser(integerIn(0))
        .default(10_000),
    )
    .option('--no-progress', 'do not show the progress bar / progress lines')
    .addOption(
      new Option('--log-format <format>', 'text, or json: one JSON object per line on stderr (for pods)')
        .choices(['text', 'json'])
        .default('text'),
    )
    .addHelpText('after', SHIP_EXAMPLES)
    .action(async (file: string, options: ShipCommandOptions) => {
      const { shipCommand } = await import('./shipCommand.js');
      state.exitCode = await shipCommand(file, options, io);
    });

  program
    .command('demo')
    .description(
      'serve + ship the bundled sample log on loopback, with random failures; prove exactly-once delivery',
    )
    .addOption(
      new Option(
        '--fail-rate <fraction>',
        'fraction of POSTs the server fails (default: random, 0.2–0.35)',
      ).argParser(fraction),
    )
    .addOption(
      new Option('--repeat <n>', 'ship the sample this many times (fresh auditIDs each time)')
        .argParser(integerIn(1, 1000))
        .default(1),
    )
    .option('--no-progress', 'do not show the progress bar')
    .addHelpText('after', DEMO_EXAMPLES)
    .action(async (options: DemoCommandOptions) => {
      const { demoCommand } = await import('./demoCommand.js');
      state.exitCode = await demoCommand(options, io);
    });

  return program;
}
