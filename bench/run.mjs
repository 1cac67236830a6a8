// rx-audit benchmarks: `npm run bench` (builds first). Each part runs in its own process (receivers in yet
// another), results are printed as tables and written to bench/results.md. See docs/performance.md.
//
//   node bench/run.mjs [--quick] [--only=throughput,counts,enqueue,memory,blocking,backpressure,gzip,spool] [--otel-body=object|string|both]
//                      [--profile] [--no-write]
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, parseArgs } from './lib/part.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const args = parseArgs(process.argv.slice(2));
const quick = args.has('quick');
const only = typeof args.get('only') === 'string' ? new Set(args.get('only').split(',')) : null;
const otelArg = args.get('otel-body') ?? 'object';
const otelBodies = otelArg === 'both' ? ['object', 'string'] : [otelArg];
const profileDir = join(benchDir, 'profiles');

const config = quick
  ? {
      throughput: { n: 20_000, rounds: 1, warmup: 2_000, otelBodies },
      counts: { n: 5_000, rounds: 1, warmups: 1 },
      enqueue: { calls: 10_000, repeats: 5 },
      memory: { total: 200_000, mark: 20_000 },
      blocking: { calls: 500, rounds: 1, warmup: 50 },
      backpressure: { n: 5_000, rounds: 1, warmup: 500 },
      gzip: { n: 10_000, rounds: 1 },
      spool: { quick: true },
    }
  : {
      // Rounds on this machine vary up to 2× within one process: 5 interleaved rounds, not 3, for the medians.
      throughput: { n: 100_000, rounds: 5, warmup: 10_000, otelBodies },
      // Under valgrind (about 50 times slower): bench/throughputCounts.mjs's defaults, about 70 s per contender.
      counts: {},
      // Short loops, many repeats: the verdict is the paired ratio (each repeat against its own stringify loop).
      enqueue: { calls: 20_000, repeats: 40 },
      memory: { total: 1_000_000, mark: 100_000 },
      blocking: { calls: 3_000, rounds: 7, warmup: 300 },
      backpressure: { n: 50_000, rounds: 3, warmup: 5_000 },
      gzip: { n: 50_000, rounds: 3 },
      spool: {},
    };

function runPart(name, partConfig) {
  const execArgv = ['--expose-gc'];
  if (args.has('profile')) {
    mkdirSync(profileDir, { recursive: true });
    execArgv.push(
      '--cpu-prof',
      `--cpu-prof-dir=${profileDir}`,
      `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`,
    );
  }
  const started = performance.now();
  process.stderr.write(`bench: ${name} …`);
  return new Promise((resolve) => {
    const child = fork(join(benchDir, 'parts', `${name.split(':')[0]}.mjs`), [JSON.stringify(partConfig)], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let outcome = null;
    child.on('message', (msg) => (outcome = msg));
    child.on('exit', (code) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stderr.write(` ${seconds} s\n`);
      if (outcome?.result) resolve(outcome.result);
      else resolve({ error: outcome?.error ?? `exited with code ${code}` });
    });
  });
}

/** Runs bench/throughputCounts.mjs (valgrind): its JSON, or `{ error }` when it cannot run. */
function runCounts(countsConfig) {
  const started = performance.now();
  process.stderr.write('bench: throughput counts …');
  try {
    const out = execFileSync(
      process.execPath,
      [
        join(benchDir, 'throughputCounts.mjs'),
        '--json',
        ...Object.entries(countsConfig).map(([k, v]) => `--${k}=${v}`),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return JSON.parse(out.trim().split('\n').pop());
  } catch (error) {
    const why = String(error.stderr ?? error.message)
      .trim()
      .split('\n')
      .pop();
    return { error: why.includes('valgrind') ? `not counted (${why})` : `failed: ${why}` };
  } finally {
    process.stderr.write(` ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
}

const fmt = (value, digits = 0) =>
  value === null || value === undefined || Number.isNaN(value)
    ? 'n/a'
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ratio = (value) => (value === null || value === undefined ? 'n/a' : value.toFixed(2));
const verdict = (value, ok) => (value === null || value === undefined ? 'n/a' : ok ? 'met' : 'missed');

/** A markdown table, column widths padded so it also reads well in a terminal. */
function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

const sections = [];
const targets = [];
const notes = [];
const skipNote = (part, result) => {
  if (result.error) notes.push(`**${part} failed:** \`${String(result.error).split('\n')[0]}\``);
  else if (result.skipped) notes.push(`**${part}:** rx-audit not measured — ${result.skipped}.`);
};

const wanted = (part) => !only || only.has(part);
const startedAt = new Date();
const t0 = performance.now();

if (wanted('throughput')) {
  const r = await runPart('throughput', config.throughput);
  skipNote('Throughput', r);
  if (!r.error) {
    const floor = r.results.floor;
    const rx = r.results.rx;
    const otel = r.results.otelObject ?? r.results.otelString;
    const best = (c) => Math.min(...c.rounds);
    const rows = Object.values(r.results).map((c) => [
      c.label,
      fmt(c.ms),
      fmt(c.eventsPerSec),
      ratio(c.ms / floor.ms),
      ratio(best(c) / best(floor)),
      fmt(c.cpuMs),
      ratio(c.cpuMs / floor.cpuMs),
      c.rounds.map((ms) => fmt(ms)).join(', '),
    ]);
    sections.push(
      `### Throughput: ${fmt(r.n)} events, batch mode\n\n` +
        `Real events cycled from the corpus (${r.corpusEvents} events, ${fmt(r.averageEventBytes)} bytes of JSON on average), ` +
        `fresh auditIDs; receiver in a separate process on 127.0.0.1. Batches of ${r.options.batchSize}, ` +
        `${r.options.maxInFlight} in flight, at most ${fmt(r.options.bufferSize)} undelivered events, ` +
        `offered ${fmt(r.options.chunk)} per event-loop turn. Median of ${r.rounds} interleaved rounds after a warm-up.\n\n` +
        table(
          [
            'contender',
            'median ms',
            'events/s',
            'time vs floor',
            'best vs best',
            'sender CPU ms',
            'CPU vs floor',
            'rounds (ms)',
          ],
          rows,
        ) +
        '\n\n"best vs best" compares the fastest round of each (on a busy machine, noise only adds time); ' +
        '"sender CPU ms" is the median CPU time (user + system) of the sending process, also less sensitive to other load.',
    );
    // Issue 12's targets: the sending process within 1.10× of the bare node:http floor, CPU and wall time.
    const rxFloor = rx ? rx.ms / floor.ms : null;
    const rxFloorCpu = rx ? rx.cpuMs / floor.cpuMs : null;
    targets.push([
      'throughput sender CPU rx-audit / floor',
      '≤ 1.10',
      ratio(rxFloorCpu),
      verdict(rxFloorCpu, rxFloorCpu <= 1.1),
    ]);
    targets.push([
      'throughput time rx-audit / floor',
      '≤ 1.10',
      ratio(rxFloor),
      verdict(rxFloor, rxFloor <= 1.1),
    ]);
    // What the HTTP client alone costs: the floor's loop and bodies over a bare axios instance. rx-audit sends
    // with axios, so this is the least it can cost; rx-audit over it is what rx-audit adds.
    const axiosFloor = r.results.axios;
    if (axiosFloor) {
      const clientCpu = axiosFloor.cpuMs / floor.cpuMs;
      targets.push(['throughput sender CPU bare axios / floor', '(none)', ratio(clientCpu), '—']);
      if (rx) {
        const added = rx.cpuMs / axiosFloor.cpuMs;
        const addedTime = rx.ms / axiosFloor.ms;
        targets.push(['throughput sender CPU rx-audit / bare axios', '(none)', ratio(added), '—']);
        targets.push(['throughput time rx-audit / bare axios', '(none)', ratio(addedTime), '—']);
      }
    }
    for (const o of [r.results.otelObject, r.results.otelString].filter(Boolean)) {
      const v = rx ? rx.ms / o.ms : null;
      targets.push([`throughput time rx-audit / ${o.label}`, '≤ 0.5', ratio(v), verdict(v, v <= 0.5)]);
    }
    if (!otel) notes.push('OpenTelemetry was not run.');
  }
}

// The same contenders counted instead of timed (bench/throughputCounts.mjs, one process each, under valgrind):
// the steady figure, with what it leaves out (the kernel's share, what a cache miss costs); and rx-audit over
// the floor's own POSTer, which splits what rx-audit adds into its engine's share and its HTTP client's.
if (wanted('counts')) {
  const counts = runCounts(config.counts);
  if (counts.error) notes.push(`**Throughput counts:** ${counts.error}`);
  else {
    const by = Object.fromEntries(counts.contenders.map((c) => [c.key, { ...c, per: median(c.perEvent) }]));
    const rows = counts.contenders.map((c) => [
      c.label,
      fmt(by[c.key].per),
      ratio(by[c.key].per / by.floor.per),
      c.perEvent.map((v) => fmt(v)).join(', '),
    ]);
    sections.push(
      `### Throughput, counted: ${fmt(counts.n)} events, batch mode\n\n` +
        `The throughput part's contenders and load, each in a process of its own under valgrind (callgrind): ` +
        `the instructions the sending process runs per event, garbage collection and the JIT included (one V8 ` +
        `thread), the kernel's share not. "rx-audit over the floor's POSTer" sends each batch's body with the floor's ` +
        `node:http POSTer as a custom sender: rx-audit without its HTTP client. Windows of a minute (under valgrind, a ` +
        `second's window would cut batches by time). Median of ${counts.rounds} rounds after ${counts.warmups} ` +
        `warm-up rounds, a full collection before each; rounds differ by where collections fall, and two runs of one build by 2-3 %.\n\n` +
        table(['contender', 'instructions per event', 'vs floor', 'rounds'], rows),
    );
    const row = (label, a, b) => {
      if (a && b) targets.push([label, '(none)', ratio(a.per / b.per), '—']);
    };
    row('throughput instructions rx-audit / floor', by.rx, by.floor);
    row('throughput instructions bare axios / floor', by.axios, by.floor);
    row("throughput instructions rx-audit over the floor's POSTer / floor", by.rxOverPoster, by.floor);
    row("throughput instructions rx-audit / rx-audit over the floor's POSTer", by.rx, by.rxOverPoster);
  }
}

if (wanted('enqueue')) {
  const r = await runPart('enqueue', config.enqueue);
  skipNote('Enqueue', r);
  if (!r.error) {
    const s = r.stringifyNsPerEvent;
    const m = r.measureNsPerEvent;
    // Best of the loops against the best stringify loop: other load only ever adds time.
    const best = (key, per = 1) => (r.samples[key]?.length ? Math.min(...r.samples[key]) / per : null);
    const bestStringify = best('stringify');
    // Paired: each repeat's loop against the stringify loop of the same repeat, the median of those ratios. The
    // machine's speed drifts over seconds; within a repeat it mostly cancels.
    const paired = (key, per = 1) =>
      r.samples[key]?.length
        ? median(r.samples[key].map((ns, i) => ns / per / r.samples.stringify[i]))
        : null;
    const row = (label, perCall, perEvent, key, per = 1) => [
      label,
      fmt(perCall),
      fmt(perEvent),
      ratio(perEvent && perEvent / s),
      ratio(perEvent && perEvent / m),
      ratio(best(key, per) && best(key, per) / bestStringify),
      ratio(paired(key, per)),
    ];
    sections.push(
      `### Enqueue cost: batch mode, sender that completes at once\n\n` +
        `Median of ${r.samples.stringify.length} interleaved timed loops of ${fmt(r.calls)} calls (100-event calls: ${fmt(r.calls / 100)} calls), after a warm-up. ` +
        `The byte bounds (maxBufferBytes, maxBatchBytes) are exact UTF-8 bytes, but they count each snapshot by an upper bound ` +
        `(3 bytes per UTF-16 code unit) and measure only near a limit: measuring (Buffer.byteLength) flattens the string ` +
        `JSON.stringify built in parts and scans it, which the bare stringify never does — the second floor. ` +
        `"no byte bounds" sets both to Infinity; far from the limits the two should match. ` +
        `"paired" is the median of each repeat's ratio to the stringify loop of the same repeat.\n\n` +
        table(
          [
            'operation',
            'ns per call',
            'ns per event',
            'vs JSON.stringify',
            'vs stringify + byteLength',
            'best vs best stringify',
            'paired vs stringify',
          ],
          [
            row('JSON.stringify(event)', s, s, 'stringify'),
            row('Buffer.byteLength(JSON.stringify(event))', m, m, 'measure'),
            row('processEvents(event)', r.singleNsPerCall, r.singleNsPerCall, 'single'),
            row('processEvents(...100 events)', r.groupNsPerCall, r.groupNsPerEvent, 'group', 100),
            row(
              'processEvents(event), no byte bounds',
              r.singleUnboundedNsPerCall,
              r.singleUnboundedNsPerCall,
              'singleUnbounded',
            ),
            row(
              'processEvents(...100 events), no byte bounds',
              r.groupUnboundedNsPerCall,
              r.groupUnboundedNsPerEvent,
              'groupUnbounded',
              100,
            ),
          ],
        ),
    );
    const target = (label, v) => targets.push([label, '≤ 1.15', ratio(v), verdict(v, v <= 1.15)]);
    const of = (ns, floor) => (ns ? ns / floor : null);
    const info = (label, v) => targets.push([label, '(none)', ratio(v), '—']);
    target('enqueue, 1 event per call / JSON.stringify (paired)', paired('single'));
    target('enqueue, 100 events per call, per event / JSON.stringify (paired)', paired('group', 100));
    target('enqueue, 1 event, no byte bounds / JSON.stringify (paired)', paired('singleUnbounded'));
    target(
      'enqueue, 100 events, no byte bounds, per event / JSON.stringify (paired)',
      paired('groupUnbounded', 100),
    );
    info('enqueue, 1 event per call / JSON.stringify (medians)', of(r.singleNsPerCall, s));
    info('enqueue, 100 events per call, per event / JSON.stringify (medians)', of(r.groupNsPerEvent, s));
    targets.push([
      'stringify + byteLength / JSON.stringify (what measuring every event costs)',
      '(none)',
      ratio(m / s),
      '—',
    ]);
    targets.push([
      'enqueue, 1 event per call / stringify + byteLength',
      '(none)',
      ratio(of(r.singleNsPerCall, m)),
      '—',
    ]);
    targets.push([
      'enqueue, 100 events per call, per event / stringify + byteLength',
      '(none)',
      ratio(of(r.groupNsPerEvent, m)),
      '—',
    ]);
  }
}

if (wanted('memory')) {
  const rows = [];
  for (const scenario of ['flow', 'stalled']) {
    const r = await runPart(`memory:${scenario}`, { ...config.memory, scenario });
    skipNote(`Memory (${scenario})`, r);
    if (r.error || r.skipped) continue;
    rows.push([
      scenario === 'flow' ? 'receiver answering' : 'receiver stalled',
      fmt(r.total),
      fmt(r.accepted),
      fmt(r.droppedEvents),
      fmt(r.heapAtMarkMB, 1),
      fmt(r.heapAtTotalMB, 1),
      ratio(r.heapGrowth),
      fmt(r.peakHeapMB, 1),
      fmt(r.peakRssMB, 1),
    ]);
    targets.push([
      `memory (${scenario}): heap after ${fmt(r.total)} / after ${fmt(r.mark)}`,
      '≤ 1.5',
      ratio(r.heapGrowth),
      verdict(r.heapGrowth, r.heapGrowth <= 1.5),
    ]);
    if (r.delivered !== r.accepted || r.received !== r.accepted || r.otherFailures) {
      notes.push(
        `**Memory (${scenario}):** accepted ${r.accepted}, delivered ${r.delivered}, receiver counted ${r.received}, other failures ${r.otherFailures}.`,
      );
    }
  }
  if (rows.length) {
    const m = config.memory;
    sections.push(
      `### Memory: ${fmt(m.total)} events, bufferSize 10,000\n\n` +
        `One process per scenario, run with \`--expose-gc\`; heap measured after a full GC when ${fmt(m.mark)} and ${fmt(m.total)} events were offered. ` +
        `Answering: the producer offers only what the backend can hold. Stalled: the receiver never answers, so the buffer fills ` +
        `and every further call is dropped and reported as \`queue-blocked\`.\n\n` +
        table(
          [
            'scenario',
            'offered',
            'accepted',
            'dropped',
            `heap MB @${fmt(m.mark)}`,
            `heap MB @${fmt(m.total)}`,
            'growth',
            'peak heap MB',
            'peak RSS MB',
          ],
          rows,
        ),
    );
  }
}

if (wanted('blocking')) {
  const r = await runPart('blocking', config.blocking);
  skipNote('Blocking', r);
  if (!r.error) {
    const floor = r.results.floor;
    const axiosRun = r.results.axios;
    const rows = Object.values(r.results).map((c) => [
      c.label,
      fmt(c.perSec),
      fmt((c.ms / r.calls) * 1000, 1),
      ratio(c.ms / floor.ms),
      axiosRun ? ratio(c.ms / axiosRun.ms) : '—',
      axiosRun ? ratio(Math.min(...c.rounds) / Math.min(...axiosRun.rounds)) : '—',
      fmt((c.cpuMs / r.calls) * 1000, 1),
      axiosRun ? ratio(c.cpuMs / axiosRun.cpuMs) : '—',
    ]);
    sections.push(
      `### Blocking mode: ${fmt(r.calls)} sequential calls of 1 event\n\n` +
        `Each call awaits its POST before the next starts. Median of ${r.rounds} interleaved rounds; ` +
        `"CPU" is the sending process's user + system time (the receiver runs in another process).\n\n` +
        table(
          [
            'contender',
            'round trips/s',
            'µs per round trip',
            'time vs floor',
            'time vs bare axios',
            'best vs best bare axios',
            'sender CPU µs per call',
            'CPU vs bare axios',
          ],
          rows,
        ),
    );
    if (r.results.rx) {
      const v = r.results.rx.ms / floor.ms;
      targets.push(['blocking round trip rx-audit / bare loop', '(none)', ratio(v), '—']);
      if (r.results.axios) {
        const a = r.results.rx.ms / r.results.axios.ms;
        targets.push([
          'blocking round trip rx-audit / bare axios',
          '≤ 1.15',
          ratio(a),
          a <= 1.15 ? 'met' : 'missed',
        ]);
        const cpu = r.results.rx.cpuMs / r.results.axios.cpuMs;
        targets.push(['blocking sender CPU rx-audit / bare axios', '(none)', ratio(cpu), '—']);
      }
      const direct = r.results.axiosDirect;
      if (direct) {
        const label = 'blocking round trip rx-audit / bare axios with proxy: false';
        targets.push([label, '(none)', ratio(r.results.rx.ms / direct.ms), '—']);
        const cpuLabel = 'blocking sender CPU rx-audit / bare axios with proxy: false';
        targets.push([cpuLabel, '(none)', ratio(r.results.rx.cpuMs / direct.cpuMs), '—']);
      }
    }
  }
}

if (wanted('backpressure')) {
  const r = await runPart('backpressure', config.backpressure);
  skipNote('Backpressure', r);
  if (!r.error && r.results.block && r.results.paced) {
    const rows = Object.values(r.results).map((c) => [
      c.label,
      fmt(c.ms),
      fmt(c.perSec),
      ratio(c.perSec / r.results.paced.perSec),
    ]);
    sections.push(
      `### Backpressure: ${fmt(r.n)} events, one per awaited call, buffer ${fmt(r.batch.bufferSize)}\n\n` +
        `Batches of ${r.batch.maxBatchSize}, ${r.batch.maxInFlight} in flight, real receiver. Median of ${r.rounds} interleaved rounds.\n\n` +
        table(['producer', 'median ms', 'events/s', 'throughput vs paced'], rows),
    );
    const v = r.results.block.perSec / r.results.paced.perSec;
    targets.push([
      "whenFull 'block' tight loop / hand-paced producer",
      '≥ 0.9',
      ratio(v),
      v >= 0.9 ? 'met' : 'missed',
    ]);
  }
}

if (wanted('gzip')) {
  const r = await runPart('gzip', config.gzip);
  skipNote('Gzip', r);
  if (!r.error && r.throughput) {
    const t = r.throughput;
    sections.push(
      `### Gzip: ${fmt(r.n)} events, batches of ${fmt(r.batchSize)}, ${r.maxInFlight} in flight, level ${r.level}\n\n` +
        `\`compression: 'gzip'\` against \`'none'\` through a batch backend to a real receiver (which inflates). ` +
        `The stall is the event loop's longest delay (monitorEventLoopDelay) while one ` +
        `${fmt(r.stall.batchBytes / 1048576, 1)} MB batch is compressed and sent; gzipSync would block ${fmt(r.stall.gzipSyncWouldBlockMs, 1)} ms.\n\n` +
        table(
          ['compression', 'median ms', 'events/s', 'bytes on the wire', 'longest stall ms'],
          [
            [
              'none',
              fmt(t.noneMs),
              fmt(t.noneEventsPerSec),
              fmt(r.wire.noneBytes),
              fmt(r.stall.noneMaxStallMs, 1),
            ],
            [
              'gzip',
              fmt(t.gzipMs),
              fmt(t.gzipEventsPerSec),
              fmt(r.wire.gzipBytes),
              fmt(r.stall.gzipMaxStallMs, 1),
            ],
          ],
        ),
    );
    targets.push([
      'gzip throughput / uncompressed',
      '≥ 0.7',
      ratio(t.ratio),
      verdict(t.ratio, t.ratio >= 0.7),
    ]);
    targets.push([
      'gzip bytes on the wire / uncompressed',
      '≤ 0.2',
      ratio(r.wire.ratio),
      verdict(r.wire.ratio, r.wire.ratio <= 0.2),
    ]);
    const stall = r.stall.gzipMaxStallMs;
    targets.push([
      `gzip longest event-loop stall, ${fmt(r.stall.batchBytes / 1048576, 1)} MB batch (ms)`,
      '< 20',
      fmt(stall, 1),
      verdict(stall, stall < 20),
    ]);
  }
}

if (wanted('spool')) {
  const r = await runPart('spool', config.spool);
  skipNote('Spool', r);
  if (!r.error && r.throughput) {
    const t = r.throughput;
    const [small, large] = r.replay;
    sections.push(
      `### Spool: ${fmt(t.events)} events in 1-event calls, a batch backend with a spool against it in memory

` +
        `Median of the interleaved rounds; \`'always'\` with awaited calls is bound by the disk's flush latency. ` +
        `Replay: the live heap halfway through (after a full GC) and the peak, replaying what a spool holds.\n\n` +
        table(
          ['contender', 'events/s', 'vs in memory'],
          [
            ['in memory', fmt(t.memoryPerSecond), '1.00'],
            ["spool, sync 'interval'", fmt(t.intervalPerSecond), ratio(t.intervalVsMemory)],
            ["spool, sync 'always'", fmt(t.alwaysPerSecond), ratio(t.alwaysPerSecond / t.memoryPerSecond)],
            ["'always', awaited 1-event calls", fmt(r.always.calls1PerSecond), '—'],
            ["'always', awaited 100-event calls", fmt(r.always.calls100PerSecond), '—'],
          ],
        ) +
        '\n\n' +
        table(
          ['replayed events', 'ms', 'heap halfway MB', 'peak heap MB'],
          r.replay.map((x) => [fmt(x.total), fmt(x.ms), fmt(x.midReplayHeapMB, 1), fmt(x.peakHeapMB, 1)]),
        ),
    );
    const v = t.intervalVsMemory;
    targets.push(["spool sync 'interval' throughput / in memory", '≥ 0.7', ratio(v), verdict(v, v >= 0.7)]);
    const heap = r.replayHeapRatio;
    targets.push([
      `spool replay heap, ${fmt(large.total)} / ${fmt(small.total)} events`,
      '≤ 1.5',
      ratio(heap),
      verdict(heap, heap <= 1.5),
    ]);
  }
}

let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: benchDir, encoding: 'utf8' }).trim();
} catch {
  // not a git checkout
}
const totalSeconds = ((performance.now() - t0) / 1000).toFixed(0);
const machine =
  `- Date: ${startedAt.toISOString()}\n` +
  `- Node.js ${process.version} on ${process.platform}/${process.arch}\n` +
  `- CPU: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${fmt(totalmem() / 1024 ** 3, 1)} GiB memory\n` +
  `- Commit: ${commit}${quick ? ' — **quick run (reduced sizes), not for comparison**' : ''}\n` +
  `- Whole run: ${totalSeconds} s`;
const summary = table(['target', 'goal', 'measured', 'verdict'], targets);
const report =
  `# rx-audit benchmark results\n\n` +
  `Written by \`npm run bench\` (bench/run.mjs); see docs/performance.md for what each number means. ` +
  `Numbers from a shared or busy machine are noisy: compare ratios from one run, not absolute numbers across runs.\n\n` +
  `${machine}\n\n## Targets\n\n${summary}\n\n${notes.map((n) => `- ${n}`).join('\n')}${notes.length ? '\n\n' : ''}` +
  `## Details\n\n${sections.join('\n\n')}\n`;

console.log(`\n${machine}\n\n${summary}\n`);
for (const n of notes) console.log(`- ${n}`);
console.log(`\n${sections.join('\n\n')}\n`);
if (!args.has('no-write')) {
  writeFileSync(join(benchDir, 'results.md'), report);
  console.log('written: bench/results.md');
}
