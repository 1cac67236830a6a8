// Spool part 2: a batch webhook backend with a spool against the same backend in memory.
//   throughput  — N corpus events in 1-event calls: in-memory batch mode, spool sync 'interval', spool 'always'
//                 (the issue asks for 'interval' ≥ 0.7× in memory);
//   always      — events/s of awaited 1-event and 100-event calls with sync 'always';
//   replay      — heap while replaying 100 000 and 1 000 000 spooled events (flat: 1M within 1.5× of 100k).
// Run by bench/run.mjs (`--only=spool`); alone, after `npm run build`: node --expose-gc bench/parts/spool.mjs ['{"quick":true}']
// Numbers from a loaded machine are only rough.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { getHeapStatistics } from 'node:v8';
import { loadCorpus, makeEvents } from '../lib/corpus.mjs';
import { loadLibrary, missingLibrary } from '../lib/library.mjs';
import { median, runPart } from '../lib/part.mjs';
import { startReceiver } from '../lib/receiver.mjs';

const quiet = () => {};
const MB = 1024 * 1024;

function tempDir() {
  return mkdtempSync(join(tmpdir(), 'rx-audit-bench-spool-'));
}

function backendFor(lib, url, spool, batch = {}) {
  return lib.createWebhookBackend({
    mode: 'batch',
    target: { url },
    batch: { bufferSize: 10_000, maxBatchSize: 400, maxBatchWait: 50, maxInFlight: 4, ...batch },
    ...(spool ? { spool } : {}),
    onError: quiet,
  });
}

/** Offers `events` in 1-event calls, 1000 per macrotask, keeping at most `window` undelivered. */
async function ship(backend, events, window) {
  const t0 = performance.now();
  let i = 0;
  while (i < events.length) {
    const s = backend.stats();
    const backlog = s.accepted - s.delivered;
    if (backlog >= window) {
      await new Promise((r) => setTimeout(r, 1));
      continue;
    }
    const end = Math.min(i + 1000, i + window - backlog, events.length);
    for (; i < end; i++) void backend.processEvents(events[i]);
    await nextTurn();
  }
  await backend.flush();
  return performance.now() - t0;
}

async function throughput(lib, url, events, rounds) {
  const contenders = [
    { key: 'memory', spool: undefined },
    { key: 'interval', spool: 'interval' },
    { key: 'always', spool: 'always' },
  ];
  const times = Object.fromEntries(contenders.map((c) => [c.key, []]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(k + round) % contenders.length];
      const dir = tempDir();
      const backend = backendFor(lib, url, c.spool ? { dir, sync: c.spool } : undefined);
      backend.run();
      times[c.key].push(await ship(backend, events, 10_000));
      await backend.shutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const rate = (key) => Math.round(events.length / (median(times[key]) / 1000));
  return {
    events: events.length,
    memoryPerSecond: rate('memory'),
    intervalPerSecond: rate('interval'),
    alwaysPerSecond: rate('always'),
    intervalVsMemory: Number((rate('interval') / rate('memory')).toFixed(2)),
  };
}

async function always(lib, url, events) {
  const out = {};
  for (const size of [1, 100]) {
    const dir = tempDir();
    const backend = backendFor(lib, url, { dir, sync: 'always' });
    backend.run();
    const n = size === 1 ? Math.min(2_000, events.length) : events.length;
    const t0 = performance.now();
    for (let i = 0; i < n; i += size) await backend.processEvents(...events.slice(i, i + size));
    out[`calls${size}PerSecond`] = Math.round(n / ((performance.now() - t0) / 1000));
    await backend.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

async function replay(lib, url, corpus, total) {
  const dir = tempDir();
  try {
    // Fill the spool with the store alone (a backend that is not run would keep them too, but this is faster).
    const { openSpoolStore } = await import('../../dist/esm/spool/openSpoolStore.js');
    const store = openSpoolStore({ dir, maxBytes: 2 ** 36, sync: 'interval', syncIntervalMs: 1000 });
    const jsons = corpus.map((e) => JSON.stringify(e));
    for (let i = 0; i < total; i += 1000) {
      const chunk = [];
      for (let k = i; k < Math.min(total, i + 1000); k++) chunk.push(jsons[k % jsons.length]);
      await store.append(chunk);
    }
    store.close();
    globalThis.gc();
    const before = getHeapStatistics().used_heap_size;
    let peak = 0;
    const sampler = setInterval(() => {
      const used = getHeapStatistics().used_heap_size;
      if (used > peak) peak = used;
    }, 5);
    const t0 = performance.now();
    const backend = backendFor(lib, url, { dir, maxBytes: 2 ** 36 });
    backend.run();
    // The live heap halfway through (after a full GC): what replay holds, whatever the spool's size.
    let midHeap = null;
    while (backend.stats().spooledEvents > 0) {
      if (midHeap === null && backend.stats().delivered >= total / 2) {
        globalThis.gc();
        midHeap = getHeapStatistics().used_heap_size;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const ms = performance.now() - t0;
    clearInterval(sampler);
    await backend.shutdown();
    return {
      total,
      ms: Math.round(ms),
      heapBeforeMB: +(before / MB).toFixed(1),
      midReplayHeapMB: +((midHeap ?? 0) / MB).toFixed(1),
      peakHeapMB: +(peak / MB).toFixed(1),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runPart(async (config) => {
  const { quick = false } = config;
  const lib = await loadLibrary();
  const missing = missingLibrary(lib);
  if (missing) return { skipped: missing };
  if (typeof globalThis.gc !== 'function') throw new Error('run the spool part with --expose-gc');
  const corpus = loadCorpus(typeof lib.decodeEvent === 'function' ? lib.decodeEvent : undefined);
  const receiver = await startReceiver();
  try {
    const {
      only = 'throughput,always,replay',
      replaySizes = quick ? [20_000, 200_000] : [100_000, 1_000_000],
    } = config;
    const parts = new Set(only.split(','));
    const events = makeEvents(corpus, quick ? 20_000 : 100_000);
    const results = {
      ...(parts.has('throughput')
        ? { throughput: await throughput(lib, receiver.url, events, quick ? 1 : 3) }
        : {}),
      ...(parts.has('always') ? { always: await always(lib, receiver.url, events.slice(0, 20_000)) } : {}),
      replay: [],
    };
    if (!parts.has('replay')) return results;
    for (const size of replaySizes) results.replay.push(await replay(lib, receiver.url, corpus, size));
    const [small, large] = results.replay;
    results.replayHeapRatio = Number((large.midReplayHeapMB / small.midReplayHeapMB).toFixed(2));
    results.replayPeakRatio = Number((large.peakHeapMB / small.peakHeapMB).toFixed(2));
    return results;
  } finally {
    await receiver.close();
  }
});
