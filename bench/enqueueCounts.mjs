// The enqueue part's loops, counted instead of timed: instructions and level-1 cache misses per call under
// valgrind (callgrind with its cache simulator), for one JSON.stringify and for one processEvents(event) in
// batch mode with a sender that completes at once. Counts do not move with the machine's load the way times
// do (the same build gives the same counts within about 1 %), so two builds can be compared to a few
// instructions per call; and the cache misses show what a time cannot: how much code a call runs through.
//
//   node bench/enqueueCounts.mjs [--calls=20000] [--rounds=3] [--lib=/path/to/dist/esm/index.js]
//
// Needs valgrind (Debian's package). Slow: about 3 minutes for the defaults. Not part of `npm run bench`.
// Each round counts a stringify segment and a processEvents segment, each after a warm-up; a segment is
// what runs between two calls of os.loadavg() (callgrind dumps its counters before each one), so module
// loading, the warm-up and the corpus are left out.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from './lib/part.mjs';

const self = fileURLToPath(import.meta.url);
const args = parseArgs(process.argv.slice(2));

if (args.get('child') === true) {
  await child(Number(args.get('calls')), Number(args.get('rounds')), String(args.get('lib')));
} else {
  parent();
}

async function child(calls, rounds, libPath) {
  const { EMPTY } = await import('rxjs');
  const { loadavg } = await import('node:os');
  const { loadCorpus, makeEvents } = await import('./lib/corpus.mjs');
  const lib = await import(pathToFileURL(libPath).href);
  const pool = 2_000;
  const events = makeEvents(loadCorpus(lib.decodeEvent), pool);
  const backend = lib.createWebhookBackend({
    mode: 'batch',
    sender: () => EMPTY,
    batch: { bufferSize: 1_000_000, maxBatchSize: 100, maxBatchWait: 60_000 },
    onError: () => {},
  });
  backend.run();
  let sink = 0;
  const stringify = (n) => {
    for (let i = 0; i < n; i++) sink += JSON.stringify(events[i % pool]).length;
  };
  const enqueue = (n) => {
    for (let i = 0; i < n; i++) void backend.processEvents(events[i % pool]);
  };
  for (let w = 0; w < 2; w++) {
    stringify(calls);
    enqueue(calls);
    await backend.flush();
  }
  for (let r = 0; r < rounds; r++) {
    loadavg();
    stringify(calls);
    loadavg();
    enqueue(calls);
    await backend.flush();
    loadavg();
  }
  await backend.shutdown();
  if (sink === 0) throw new Error('nothing was stringified');
}

function parent() {
  const calls = Number(args.get('calls') ?? 20_000);
  const rounds = Number(args.get('rounds') ?? 3);
  const lib = String(args.get('lib') ?? join(self, '..', '..', 'dist', 'esm', 'index.js'));
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.error('enqueueCounts: valgrind is not installed (apt-get install valgrind)');
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'rx-audit-counts-'));
  try {
    execFileSync(
      'valgrind',
      [
        '--tool=callgrind',
        '--cache-sim=yes',
        '--dump-before=uv_loadavg',
        `--callgrind-out-file=${join(dir, 'out')}`,
        process.execPath,
        // One thread: the collector's and the compiler's work is counted where it is caused.
        '--single-threaded',
        self,
        '--child',
        `--calls=${calls}`,
        `--rounds=${rounds}`,
        `--lib=${lib}`,
      ],
      { stdio: ['ignore', 'inherit', 'ignore'] },
    );
    // Dumps: 1 is everything before the first mark; then per round a stringify segment, a processEvents
    // segment and the gap before the next round's first mark.
    const dumps = readdirSync(dir)
      .map((name) => ({ name, part: Number(name.split('.').pop()) }))
      .filter((d) => Number.isInteger(d.part) && d.part > 1)
      .sort((a, b) => a.part - b.part)
      .map((d) => counts(readFileSync(join(dir, d.name), 'utf8')));
    const rows = [];
    for (let r = 0; r < rounds; r++) {
      const [s, p] = [dumps[3 * r], dumps[3 * r + 1]];
      if (s === undefined || p === undefined) throw new Error(`round ${r + 1}: missing callgrind dumps`);
      rows.push({ round: r + 1, s, p });
    }
    const per = (v) => (v / calls).toFixed(0).padStart(8);
    console.log(`per call, ${calls} calls per segment, ${lib}`);
    console.log(
      'round   stringify Ir   processEvents Ir   ratio   stringify I1 misses   processEvents I1 misses',
    );
    for (const { round, s, p } of rows) {
      console.log(
        `${String(round).padStart(5)}   ${per(s.Ir)}       ${per(p.Ir)}         ${(p.Ir / s.Ir).toFixed(3)}   ` +
          `${per(s.I1mr)}              ${per(p.I1mr)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The `summary:` counts of one callgrind dump, by event name. */
function counts(text) {
  const names = /^events: (.+)$/m.exec(text)?.[1].split(' ');
  const values = /^summary: (.+)$/m.exec(text)?.[1].split(' ').map(Number);
  if (names === undefined || values === undefined) throw new Error('a callgrind dump without a summary');
  return Object.fromEntries(names.map((name, i) => [name, values[i] ?? 0]));
}
