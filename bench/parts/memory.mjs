// Part 4: memory while 1 000 000 events stream through a batch backend with bufferSize 10 000.
// scenario 'flow': the receiver answers; the producer offers only what the backend can hold (never drops).
// scenario 'stalled': the receiver never answers; the buffer fills, every further call is dropped and reported.
// Run with --expose-gc: heap is measured after a full GC at 100 000 and at 1 000 000 offered events.
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { getHeapStatistics } from 'node:v8';
import { loadCorpus } from '../lib/corpus.mjs';
import { loadLibrary, missingLibrary } from '../lib/library.mjs';
import { createProgress } from '../lib/offer.mjs';
import { gc, runPart } from '../lib/part.mjs';
import { startReceiver } from '../lib/receiver.mjs';

const MB = 1024 * 1024;

runPart(async (config) => {
  const { scenario = 'flow', total = 1_000_000, mark = 100_000, bufferSize = 10_000, chunk = 1_000 } = config;
  const lib = await loadLibrary();
  const missing = missingLibrary(lib);
  if (missing) return { scenario, skipped: missing };
  if (typeof globalThis.gc !== 'function') throw new Error('run the memory part with --expose-gc');
  const corpus = loadCorpus(typeof lib.decodeEvent === 'function' ? lib.decodeEvent : undefined);
  const receiver = await startReceiver();
  if (scenario === 'stalled') await receiver.stall(true);

  const backend = lib.createWebhookBackend({
    mode: 'batch',
    target: { url: receiver.url },
    batch: { bufferSize, maxBatchSize: 100, maxBatchWait: 1_000, maxInFlight: 4 },
    // Long enough that stalled requests stay in flight for the whole run instead of timing out.
    timeout: 600_000,
    onError: () => {},
  });
  const dropped = { calls: 0, events: 0, other: 0 };
  const errors = backend.errors$.subscribe((e) => {
    if (e.reason === 'queue-blocked') {
      dropped.calls++;
      dropped.events += e.events.length;
    } else dropped.other += e.events.length;
  });
  const progress = createProgress();
  const deliveries = backend.deliveries$.subscribe(() => progress.signal());
  backend.run();

  let peakHeap = 0;
  const sampleHeap = () => {
    const used = getHeapStatistics().used_heap_size;
    if (used > peakHeap) peakHeap = used;
  };
  const settledHeap = () => {
    gc();
    const { heapUsed, rss } = process.memoryUsage();
    return { heapMB: heapUsed / MB, rssMB: rss / MB };
  };
  gc();
  const baseline = settledHeap();
  const at = {};
  let offered = 0;
  const t0 = performance.now();
  while (offered < total) {
    let room = chunk;
    if (scenario === 'flow') {
      const s = backend.stats();
      room = Math.min(chunk, bufferSize - s.queued - s.inFlight);
      if (room <= 0) {
        await progress.wait();
        continue;
      }
    }
    // Stop exactly at the mark so both heap readings are taken at the same point of a chunk.
    const end = Math.min(offered + room, offered < mark ? mark : total);
    for (; offered < end; offered++) {
      // Fresh events on the fly: a shallow copy of a corpus event with a new auditID, as an apiserver makes them.
      void backend.processEvents({ ...corpus[offered % corpus.length], auditID: randomUUID() });
    }
    sampleHeap();
    if (offered === mark) at.mark = settledHeap();
    await nextTurn();
  }
  at.total = settledHeap();
  const offerMs = performance.now() - t0;
  if (scenario === 'stalled') await receiver.stall(false);
  await backend.flush();
  const stats = backend.stats();
  await backend.shutdown();
  errors.unsubscribe();
  deliveries.unsubscribe();
  const { items } = await receiver.count();
  await receiver.close();
  const after = settledHeap();
  return {
    scenario,
    total,
    mark,
    bufferSize,
    offerMs,
    baselineHeapMB: baseline.heapMB,
    heapAtMarkMB: at.mark.heapMB,
    heapAtTotalMB: at.total.heapMB,
    heapAfterDrainMB: after.heapMB,
    heapGrowth: at.total.heapMB / at.mark.heapMB,
    peakHeapMB: peakHeap / MB,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    accepted: stats.accepted,
    delivered: stats.delivered,
    received: items,
    droppedCalls: dropped.calls,
    droppedEvents: dropped.events,
    otherFailures: dropped.other,
  };
});
