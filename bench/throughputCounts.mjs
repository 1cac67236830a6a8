// The throughput part's contenders, counted instead of timed: the instructions the sending process runs per
// event under valgrind (callgrind), one contender per process: the floor (bare node:http), the floor's loop over
// a bare axios instance, rx-audit with the floor's node:http POSTer as a custom sender (rx-audit apart from its
// HTTP client), and rx-audit batch mode. Same events, receiver and load as the throughput part (batches of 100,
// 4 in flight, 10 000 undelivered at most).
//
// The part's times move by a quarter from run to run on a shared machine, and contenders that share a process
// share its garbage collector. Counts move far less: two full runs of one build here agreed within 2-3 % per
// contender (the floor 89 651 and 88 112 instructions per event, rx-audit 104 431 and 107 549), collection and
// compilation included (one V8 thread). What is left is the receiver: under valgrind the sender is slow and the
// receiver is not, so how much is queued when moves a little from run to run, and rounds differ by where the
// collections fall. What counts leave out is the kernel's share (system CPU time) and what a cache miss costs.
//
//   node bench/throughputCounts.mjs [--n=20000] [--rounds=2] [--warmups=2] [--only=floor,axios,rxOverPoster,rx] [--json]
//
// Needs valgrind (Debian's package); about 70 seconds per contender with the defaults. `npm run bench` runs it
// (its `counts` part) when valgrind is installed.
import { fileURLToPath } from 'node:url';
import { throughputContenders, throughputOptions } from './lib/contenders.mjs';
import { countSegments, hasValgrind } from './lib/callgrind.mjs';
import { loadCorpus, makeEvents } from './lib/corpus.mjs';
import { loadLibrary, missingLibrary } from './lib/library.mjs';
import { gc, median, parseArgs } from './lib/part.mjs';
import { startReceiver } from './lib/receiver.mjs';

const self = fileURLToPath(import.meta.url);
const args = parseArgs(process.argv.slice(2));
const n = Number(args.get('n') ?? 20_000);
const rounds = Number(args.get('rounds') ?? 2);
// Rounds the JIT warms up in, counted and left out: the compiler runs on the main thread here, and its work
// shows in the counts until the code is warm.
const warmups = Number(args.get('warmups') ?? 2);
// The throughput part's load, with windows of a minute: under valgrind a second's window would cut batches
// by time that the same load cuts by size at full speed.
const loadOptions = throughputOptions({ maxBatchWait: 60_000 });
const contendersFor = (lib, receiver) =>
  throughputContenders(lib, receiver, loadOptions, { otelBodies: [], overPoster: true });
// Labels only: nothing is opened.
const labels = Object.fromEntries(contendersFor({}, { url: '' }).map((c) => [c.key, c.label]));

if (args.has('child')) await child(String(args.get('child')));
else {
  const only = String(args.get('only') ?? 'floor,axios,rxOverPoster,rx').split(',');
  const result = countContenders(only);
  if (args.has('json')) console.log(JSON.stringify(result));
  else printCounts(result);
}

/**
 * Counts each contender in a process of its own.
 * @returns {{ n: number, rounds: number, warmups: number, contenders: Array<{ key: string, label: string, perEvent: number[] }> }}
 */
function countContenders(keys) {
  if (!hasValgrind())
    throw new Error('throughputCounts: valgrind is not installed (apt-get install valgrind)');
  const contenders = keys.map((key) => {
    const segments = countSegments(
      self,
      [`--child=${key}`, `--n=${n}`, `--rounds=${rounds}`, `--warmups=${warmups}`],
      {
        nodeFlags: ['--expose-gc'],
      },
    );
    // The first segments are the warm-up rounds'.
    const counted = segments.slice(warmups);
    if (counted.length < rounds) throw new Error(`throughputCounts: ${key}: missing callgrind dumps`);
    return { key, label: labels[key] ?? key, perEvent: counted.slice(0, rounds).map((c) => c.Ir / n) };
  });
  return { n, rounds, warmups, contenders };
}

function printCounts({ contenders }) {
  const floor = contenders.find((c) => c.key === 'floor');
  console.log(`instructions per event, ${n} events per round, ${rounds} rounds, one process per contender`);
  for (const c of contenders) {
    const per = median(c.perEvent);
    const vs = floor ? (per / median(floor.perEvent)).toFixed(3) : '—';
    console.log(
      `${c.label.padEnd(24)} ${per.toFixed(0).padStart(8)}  vs floor ${vs}  rounds ${c.perEvent.map((v) => v.toFixed(0)).join(', ')}`,
    );
  }
}

/** One contender: `warmups` rounds, then `rounds` more (all marked, the warm-ups left out by the parent) (os.loadavg() marks a segment's ends). */
async function child(key) {
  const { loadavg } = await import('node:os');
  const lib = await loadLibrary();
  const missing = missingLibrary(lib);
  if (missing && key === 'rx') throw new Error(missing);
  const events = makeEvents(loadCorpus(missing ? undefined : lib.decodeEvent), n);
  const receiver = await startReceiver();
  const contender = contendersFor(missing ? null : lib, receiver).find((c) => c.key === key);
  if (contender === undefined) throw new Error(`throughputCounts: no contender ${key}`);
  const session = await contender.open(); // kept for every round, as the timed part does
  const once = async () => {
    await receiver.reset();
    gc(); // as the timed part does: each round starts from the same heap, whatever the one before left
    loadavg();
    const r = await session.run(events);
    loadavg();
    const { items } = await receiver.count();
    if (items !== events.length || r.failed)
      throw new Error(`${key}: receiver counted ${items} of ${events.length}`);
  };
  for (let r = 0; r < warmups + rounds; r++) await once();
  await session.close();
  await receiver.close();
}
