// The enqueue part's loops, counted instead of timed: instructions and level-1 instruction-cache misses per
// call under valgrind (callgrind with its cache simulator), for one JSON.stringify and for one
// processEvents(event) in batch mode with a sender that completes at once. Counts do not move with the
// machine's load the way times do (the same build gives the same counts within about 1 %), so two builds can
// be compared to a few instructions per call; and the cache misses show what a time cannot: how much code a
// call runs through.
//
//   node bench/enqueueCounts.mjs [--calls=20000] [--rounds=3] [--lib=/path/to/dist/esm/index.js] [--pieces] [--time]
//
// --pieces also counts the path in pieces built by hand around the same serializer: the serializer alone
// (with a shared settled promise), a Subject push, a Subject into batchEvents (no buffer room, accounting or
// send), the design card's least (a Subject into batchEvents into mergeMap, each batch sent with an
// AbortSignal and counted; no buffer room, reports, retry or timeout), then the whole backend. --time runs the same loops timed instead,
// without valgrind: paired with the stringify loop of the same round, a full GC before each loop, as the
// enqueue part does (more rounds: the default is then 30).
//
// Counting needs valgrind (Debian's package) and is slow: about 5 minutes for the defaults, 10 with --pieces.
// Not part of `npm run bench`. A segment is what runs between two calls of os.loadavg() (callgrind dumps its
// counters before each one), so module loading, the corpus and the warm-up are left out.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { countSegments, hasValgrind } from './lib/callgrind.mjs';
import { median, parseArgs } from './lib/part.mjs';

const self = fileURLToPath(import.meta.url);
const args = parseArgs(process.argv.slice(2));
const pieces = args.has('pieces');
const timed = args.has('time');
const calls = Number(args.get('calls') ?? 20_000);
const rounds = Number(args.get('rounds') ?? (timed ? 30 : 3));
const lib = String(args.get('lib') ?? join(self, '..', '..', 'dist', 'esm', 'index.js'));

if (args.get('child') === true) await child();
else if (timed) await timeLoops();
else countLoops();

/** The loops, by name; `stringify` first. Each runs `n` calls; `settle()` ends what a loop left pending. */
async function makeLoops() {
  const { EMPTY, Subject, from, mergeMap, tap } = await import('rxjs');
  const { loadCorpus, makeEvents } = await import('./lib/corpus.mjs');
  const api = await import(pathToFileURL(lib).href);
  const pool = 2_000;
  const events = makeEvents(loadCorpus(api.decodeEvent), pool);
  const backend = api.createWebhookBackend({
    mode: 'batch',
    sender: () => EMPTY,
    batch: { bufferSize: 1_000_000, maxBatchSize: 100, maxBatchWait: 60_000 },
    onError: () => {},
  });
  backend.run();
  let sink = 0;
  const loops = {
    stringify: (n) => {
      for (let i = 0; i < n; i++) sink += JSON.stringify(events[i % pool]).length;
    },
  };
  const flush$ = new Subject();
  if (pieces) {
    // Internal modules of the same build: the engine's serializer and item, and the batching operator.
    const dist = dirname(lib);
    const { itemSerializer } = await import(pathToFileURL(join(dist, 'transport', 'encodeItems.js')).href);
    const { engineItem, itemSizes } = await import(
      pathToFileURL(join(dist, 'engine', 'EngineBatch.js')).href
    );
    const serialize = itemSerializer('audit.k8s.io/v1');
    const answer = Promise.resolve(true);
    let answers = 0; // the loops' stand-in for returning the settled promise
    let held = [];
    const subject = new Subject();
    subject.subscribe((item) => {
      held.push(item);
      if (held.length === 100) held = [];
    });
    // The engine's cut: batches of 100 in a window of a minute, under 3 MiB.
    const cut = () =>
      api.batchEvents({
        maxBatchSize: 100,
        maxBatchWait: 60_000,
        maxBatchBytes: 3 * 1024 * 1024,
        ...itemSizes,
        flush: flush$,
      });
    const batching = new Subject();
    batching.pipe(cut()).subscribe((batch) => (sink += batch.length));
    // The design card's least with a send: a Subject into batchEvents, each batch sent through mergeMap (4 in
    // flight) by the same sender, with the AbortSignal the sender contract gives every attempt, and counted
    // when it ends. No buffer room, reports, retry, timeout or re-entrancy guard.
    const card = new Subject();
    const counted = { accepted: 0, delivered: 0 };
    const send = () => EMPTY;
    card
      .pipe(
        cut(),
        mergeMap((batch) => {
          const controller = new AbortController();
          const delivered = () => (counted.delivered += batch.length);
          return from(send(batch, controller.signal)).pipe(tap({ complete: delivered }));
        }, 4),
      )
      .subscribe();
    Object.assign(loops, {
      serializer: (n) => {
        for (let i = 0; i < n; i++) {
          sink += serialize(events[i % pool]).length;
          if (answer) answers++;
        }
      },
      subject: (n) => {
        for (let i = 0; i < n; i++) {
          subject.next(engineItem(serialize(events[i % pool]), undefined));
          if (answer) answers++;
        }
      },
      batchEvents: (n) => {
        for (let i = 0; i < n; i++) {
          batching.next(engineItem(serialize(events[i % pool]), undefined));
          if (answer) answers++;
        }
      },
      designCard: (n) => {
        for (let i = 0; i < n; i++) {
          counted.accepted++;
          card.next(engineItem(serialize(events[i % pool]), undefined));
          if (answer) answers++;
        }
      },
    });
  }
  loops.processEvents = (n) => {
    for (let i = 0; i < n; i++) void backend.processEvents(events[i % pool]);
  };
  const settle = async () => {
    await backend.flush();
    flush$.next();
  };
  const close = async () => {
    await backend.shutdown();
    if (sink === 0) throw new Error('nothing was stringified');
  };
  return { loops, settle, close };
}

async function child() {
  const { loadavg } = await import('node:os');
  const { loops, settle, close } = await makeLoops();
  for (let w = 0; w < 2; w++) {
    for (const loop of Object.values(loops)) {
      loop(calls);
      await settle();
    }
  }
  for (let r = 0; r < rounds; r++) {
    for (const loop of Object.values(loops)) {
      loadavg();
      loop(calls);
      await settle();
      loadavg();
    }
  }
  await close();
}

async function timeLoops() {
  const { loops, settle, close } = await makeLoops();
  const names = Object.keys(loops);
  const ns = Object.fromEntries(names.map((name) => [name, []]));
  for (let r = -2; r < rounds; r++) {
    // Rotating order, so no loop always runs first or after the same neighbour; two rounds of warm-up.
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + Math.max(r, 0)) % names.length];
      globalThis.gc?.();
      const t0 = process.hrtime.bigint();
      loops[name](calls);
      const t = Number(process.hrtime.bigint() - t0) / calls;
      await settle();
      if (r >= 0) ns[name].push(t);
    }
  }
  await close();
  if (globalThis.gc === undefined) console.log('(run with node --expose-gc for a full GC before each loop)');
  console.log(`${calls} calls per loop, ${rounds} rounds, ${lib}`);
  console.log('loop             ns per call   paired vs stringify');
  for (const name of names) {
    const paired = median(ns[name].map((t, i) => t / ns.stringify[i]));
    console.log(`${name.padEnd(15)}  ${median(ns[name]).toFixed(0).padStart(11)}   ${paired.toFixed(3)}`);
  }
}

function countLoops() {
  if (!hasValgrind()) {
    console.error('enqueueCounts: valgrind is not installed (apt-get install valgrind)');
    process.exit(2);
  }
  const names = [
    'stringify',
    ...(pieces ? ['serializer', 'subject', 'batchEvents', 'designCard'] : []),
    'processEvents',
  ];
  const dumps = countSegments(
    self,
    ['--child', `--calls=${calls}`, `--rounds=${rounds}`, `--lib=${lib}`, ...(pieces ? ['--pieces'] : [])],
    { cacheSim: true },
  );
  if (dumps.length < rounds * names.length) throw new Error('missing callgrind dumps');
  const per = (v) => (v / calls).toFixed(0);
  console.log(`per call, ${calls} calls per segment, ${lib}`);
  console.log('round  loop            instructions  vs stringify  I1 misses');
  for (let r = 0; r < rounds; r++) {
    const row = dumps.slice(r * names.length, (r + 1) * names.length);
    for (const [i, name] of names.entries()) {
      const c = row[i];
      console.log(
        `${String(r + 1).padStart(5)}  ${name.padEnd(15)} ${per(c.Ir).padStart(12)}  ` +
          `${(c.Ir / row[0].Ir).toFixed(3).padStart(12)}  ${per(c.I1mr).padStart(9)}`,
      );
    }
  }
}
