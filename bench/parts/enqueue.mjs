// Part 3: the cost of one processEvents call in batch mode (1 event and 100 events per call), against the
// floor of one JSON.stringify per event. The sender completes at once without looking at the batch, so this
// measures accepting, snapshotting and batching — not the network. Measured twice: with the default byte
// bounds (maxBufferBytes, maxBatchBytes), which need each snapshot's exact UTF-8 bytes, and with both set to
// Infinity; the second floor, JSON.stringify + Buffer.byteLength, is what any exact byte bound pays.
import { EMPTY } from 'rxjs';
import { loadCorpus, makeEvents } from '../lib/corpus.mjs';
import { loadLibrary, missingLibrary } from '../lib/library.mjs';
import { gc, median, runPart } from '../lib/part.mjs';

runPart(async (config) => {
  const { calls = 100_000, repeats = 5, pool = 10_000 } = config;
  const lib = await loadLibrary();
  const missing = missingLibrary(lib);
  const corpus = loadCorpus(typeof lib.decodeEvent === 'function' ? lib.decodeEvent : undefined);
  const events = makeEvents(corpus, pool);
  const groups = [];
  for (let i = 0; i + 100 <= pool; i += 100) groups.push(events.slice(i, i + 100));

  let sink = 0;
  const stringifyLoop = (count) => {
    let len = 0;
    for (let i = 0; i < count; i++) len += JSON.stringify(events[i % pool]).length;
    sink += len;
  };
  const measureLoop = (count) => {
    let bytes = 0;
    for (let i = 0; i < count; i++) bytes += Buffer.byteLength(JSON.stringify(events[i % pool]));
    sink += bytes;
  };
  const unbounded = { maxBufferBytes: Infinity, maxBatchBytes: Infinity };
  const makeBackend = (bounds = {}) => {
    const backend = lib.createWebhookBackend({
      mode: 'batch',
      sender: () => EMPTY,
      batch: { bufferSize: 1_000_000, maxBatchSize: 100, maxBatchWait: 60_000, ...bounds },
      onError: () => {},
    });
    backend.run();
    return backend;
  };
  const singleLoop = (backend, count) => {
    for (let i = 0; i < count; i++) void backend.processEvents(events[i % pool]);
  };
  const groupLoop = (backend, count) => {
    for (let i = 0; i < count; i++) void backend.processEvents(...groups[i % groups.length]);
  };
  const nsPer = (fn, count) => {
    gc();
    const t0 = process.hrtime.bigint();
    fn(count);
    return Number(process.hrtime.bigint() - t0) / count;
  };

  const samples = {
    stringify: [],
    measure: [],
    single: [],
    group: [],
    singleUnbounded: [],
    groupUnbounded: [],
  };
  let reported = 0;
  // One backend per loop for the whole run, as a service keeps one: warmed up with the floors first, so the JIT
  // has settled, and flushed after each timed loop, outside the timing.
  const backends = missing ? {} : { bounded: makeBackend(), unbounded: makeBackend(unbounded) };
  const warm = Math.max(1, Math.round(calls / 4));
  stringifyLoop(warm);
  measureLoop(warm);
  for (const backend of Object.values(backends)) {
    backend.errors$.subscribe((e) => (reported += e.events.length));
    singleLoop(backend, warm);
    groupLoop(backend, Math.max(1, Math.round(warm / 100)));
    await backend.flush();
  }
  const warmedUp = Object.values(backends).map((backend) => backend.stats().accepted);
  const groupCalls = Math.max(1, Math.round(calls / 100));
  const backendLoop = (which, loop, count) => async () => {
    const ns = nsPer((n) => loop(backends[which], n), count);
    await backends[which].flush();
    return ns;
  };
  const loops = [
    ['stringify', async () => nsPer(stringifyLoop, calls)],
    ['measure', async () => nsPer(measureLoop, calls)],
    ...(missing
      ? []
      : [
          ['single', backendLoop('bounded', singleLoop, calls)],
          ['group', backendLoop('bounded', groupLoop, groupCalls)],
          ['singleUnbounded', backendLoop('unbounded', singleLoop, calls)],
          ['groupUnbounded', backendLoop('unbounded', groupLoop, groupCalls)],
        ]),
  ];
  // Interleaved, the order rotating each repeat, so no loop always runs first or after the same neighbour.
  for (let r = 0; r < repeats; r++) {
    for (let k = 0; k < loops.length; k++) {
      const [key, run] = loops[(k + r) % loops.length];
      samples[key].push(await run());
    }
  }
  let accepted = 0;
  for (const [i, backend] of Object.values(backends).entries()) {
    accepted += backend.stats().accepted - (warmedUp[i] ?? 0);
    await backend.shutdown();
  }
  if (!missing && (accepted !== 2 * repeats * (calls + groupCalls * 100) || reported !== 0)) {
    throw new Error(`enqueue: accepted ${accepted} events, ${reported} reported — expected all accepted`);
  }
  const perCall = (list) => (missing ? null : median(list));
  const perEvent = (list) => (missing ? null : median(list) / 100);
  return {
    calls,
    skipped: missing,
    stringifyNsPerEvent: median(samples.stringify),
    measureNsPerEvent: median(samples.measure),
    singleNsPerCall: perCall(samples.single),
    groupNsPerCall: perCall(samples.group),
    groupNsPerEvent: perEvent(samples.group),
    singleUnboundedNsPerCall: perCall(samples.singleUnbounded),
    groupUnboundedNsPerCall: perCall(samples.groupUnbounded),
    groupUnboundedNsPerEvent: perEvent(samples.groupUnbounded),
    samples,
    sink: sink > 0,
  };
});
