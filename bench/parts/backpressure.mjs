// Part 6: whenFull 'block' (issue 14) — a tight `for … await processEvents(e)` loop against a producer that
// paces its own calls by hand (drop mode; when the buffer is full it waits for the next finished batch on
// deliveries$ before calling again). Same events, same receiver; the target is block ≥ 0.9× the hand-paced one.
import { firstValueFrom } from 'rxjs';
import { loadCorpus, makeEvents } from '../lib/corpus.mjs';
import { loadLibrary, missingLibrary } from '../lib/library.mjs';
import { interleavedRounds, median, runPart } from '../lib/part.mjs';
import { startReceiver } from '../lib/receiver.mjs';

runPart(async (config) => {
  const { n = 50_000, rounds = 3, warmup = 5_000 } = config;
  const batch = { bufferSize: 1_000, maxBatchSize: 100, maxBatchWait: 1_000, maxInFlight: 4 };
  const lib = await loadLibrary();
  const missing = missingLibrary(lib);
  const corpus = loadCorpus(typeof lib.decodeEvent === 'function' ? lib.decodeEvent : undefined);
  const events = makeEvents(corpus, n);
  const receiver = await startReceiver();

  const backendFor = (whenFull) => {
    const backend = lib.createWebhookBackend({
      mode: 'batch',
      target: { url: receiver.url },
      batch: { ...batch, whenFull },
      onError: () => {},
    });
    backend.run();
    return backend;
  };
  const blockLoop = async (count) => {
    const backend = backendFor('block');
    let refused = 0;
    for (let i = 0; i < count; i++) if (!(await backend.processEvents(events[i % n]))) refused++;
    await backend.shutdown();
    return refused;
  };
  const handPaced = async (count) => {
    const backend = backendFor('drop');
    let refused = 0;
    for (let i = 0; i < count; i++) {
      const s = backend.stats();
      if (s.queued + s.inFlight >= batch.bufferSize) await firstValueFrom(backend.deliveries$);
      if (!(await backend.processEvents(events[i % n]))) refused++;
    }
    await backend.shutdown();
    return refused;
  };
  const contenders = missing
    ? []
    : [
        { key: 'paced', label: 'drop, paced by hand (deliveries$)', run: handPaced },
        { key: 'block', label: "whenFull: 'block', tight loop", run: blockLoop },
      ];
  const runOnce = async (c, count) => {
    await receiver.reset();
    const t0 = performance.now();
    const refused = await c.run(count);
    const ms = performance.now() - t0;
    const { items } = await receiver.count();
    if (refused !== 0 || items !== count) {
      throw new Error(`${c.key}: ${refused} refused, receiver got ${items} of ${count}`);
    }
    return ms;
  };
  for (const c of contenders) await runOnce(c, warmup);
  const times = await interleavedRounds(contenders, rounds, (c) => runOnce(c, n));
  await receiver.close();
  const results = {};
  for (const c of contenders) {
    const ms = median(times[c.key]);
    results[c.key] = { label: c.label, ms, perSec: (n / ms) * 1000, rounds: times[c.key] };
  }
  return { n, rounds, batch, skipped: missing, results };
});
