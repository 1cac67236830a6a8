// Part 3: the cost of one processEvents call in batch mode (1 event and 100 events per call), against the
// floor of one JSON.stringify per event. The sender completes at once without looking at the batch, so this
// measures accepting, snapshotting and batching — not the network.
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
  const makeBackend = () => {
    const backend = lib.createWebhookBackend({
      mode: 'batch',
      sender: () => EMPTY,
      batch: { bufferSize: 1_000_000, maxBatchSize: 100, maxBatchWait: 60_000 },
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

  const samples = { stringify: [], single: [], group: [] };
  let accepted = 0;
  let reported = 0;
  // Warm up every path first so the JIT has settled before anything is timed.
  stringifyLoop(calls / 4);
  if (!missing) {
    const backend = makeBackend();
    singleLoop(backend, calls / 4);
    groupLoop(backend, calls / 400);
    await backend.shutdown();
  }
  const groupCalls = Math.max(1, Math.round(calls / 100));
  for (let r = 0; r < repeats; r++) {
    samples.stringify.push(nsPer(stringifyLoop, calls));
    if (missing) continue;
    const backend = makeBackend();
    const errors = backend.errors$.subscribe((e) => (reported += e.events.length));
    samples.single.push(nsPer((count) => singleLoop(backend, count), calls));
    samples.group.push(nsPer((count) => groupLoop(backend, count), groupCalls));
    await backend.flush();
    accepted += backend.stats().accepted;
    await backend.shutdown();
    errors.unsubscribe();
  }
  if (!missing && (accepted !== repeats * (calls + groupCalls * 100) || reported !== 0)) {
    throw new Error(`enqueue: accepted ${accepted} events, ${reported} reported — expected all accepted`);
  }
  const stringifyNs = median(samples.stringify);
  return {
    calls,
    skipped: missing,
    stringifyNsPerEvent: stringifyNs,
    singleNsPerCall: missing ? null : median(samples.single),
    groupNsPerCall: missing ? null : median(samples.group),
    groupNsPerEvent: missing ? null : median(samples.group) / 100,
    samples,
    sink: sink > 0,
  };
});
