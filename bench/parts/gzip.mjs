// Part: `compression: 'gzip'` against `'none'` — batch-mode throughput on loopback, bytes on the wire, and the
// event loop's longest stall (perf_hooks monitorEventLoopDelay) while one 10 MB batch is compressed.
//
//   npm run build && node --expose-gc bench/parts/gzip.mjs ['{"n":50000,"rounds":3}']
//
// The receiver runs in a child process (this file with --receiver): it inflates gzip bodies, counts events and
// raw bytes, and answers 200. Numbers from a loaded machine are only indicative.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gunzip, gzipSync } from 'node:zlib';
import { loadCorpus, makeEvents } from '../lib/corpus.mjs';
import { loadLibrary, missingLibrary } from '../lib/library.mjs';
import { gc, interleavedRounds, median, runPart } from '../lib/part.mjs';

if (process.argv.includes('--receiver')) {
  let items = 0;
  let requests = 0;
  let wireBytes = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => {
      chunks.push(c);
      wireBytes += c.length;
    });
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const done = (error, body) => {
        if (error) return void res.writeHead(400).end(String(error.message));
        items += JSON.parse(body.toString('utf8')).items.length;
        requests++;
        res.writeHead(200).end();
      };
      if (req.headers['content-encoding'] === 'gzip') gunzip(raw, done);
      else done(null, raw);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send({ ready: true, port: server.address().port }));
  process.on('message', (msg) => {
    if (msg.cmd === 'reset') items = requests = wireBytes = 0;
    if (msg.cmd === 'count') process.send({ id: msg.id, items, requests, wireBytes });
  });
} else {
  runPart(main);
}

function startReceiver() {
  const child = fork(fileURLToPath(import.meta.url), ['--receiver'], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map();
  const call = (cmd) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ cmd, id });
    });
  return new Promise((resolve) => {
    child.on('message', (msg) => {
      if (msg.ready) {
        resolve({
          url: `http://127.0.0.1:${msg.port}/audit`,
          reset: () => child.send({ cmd: 'reset' }),
          count: () => call('count'),
          close: () => child.kill(),
        });
      } else pending.get(msg.id)?.(msg);
    });
  });
}

async function main(config) {
  const { n = 50_000, rounds = 3, batchSize = 500, maxInFlight = 8, stallBytes = 10 * 1024 * 1024 } = config;
  const lib = await loadLibrary();
  const missing = missingLibrary(lib);
  if (missing) return { skipped: missing };
  const corpus = loadCorpus(lib.decodeEvent);
  const events = makeEvents(corpus, n);
  const receiver = await startReceiver();

  const runOnce = async (c) => {
    receiver.reset();
    const backend = lib.createWebhookBackend({
      mode: 'batch',
      target: { url: receiver.url },
      compression: c.key,
      // 'block': n events of ~1.5 kB pass the 64 MiB maxBufferBytes default; the producer waits, nothing is dropped.
      batch: { bufferSize: n, maxBatchSize: batchSize, maxBatchWait: 50, maxInFlight, whenFull: 'block' },
      onError: () => {},
    });
    backend.run();
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += 1000) await backend.processEvents(...events.slice(i, i + 1000));
    await backend.shutdown();
    const ms = performance.now() - t0;
    const { items, wireBytes } = await receiver.count();
    if (items !== n) throw new Error(`${c.key}: receiver got ${items} of ${n} events`);
    c.wireBytes = wireBytes;
    return ms;
  };
  const contenders = [{ key: 'none' }, { key: 'gzip' }];
  for (const c of contenders) await runOnce(c); // warm-up
  const times = await interleavedRounds(contenders, rounds, runOnce);
  const none = median(times.none);
  const gzip = median(times.gzip);

  // The stall: one batch of ~10 MB through the HTTP sender with gzip, the event loop watched at 1 ms resolution.
  const big = [];
  let bytes = 0;
  for (let i = 0; bytes < stallBytes; i++) {
    const event = { ...corpus[i % corpus.length], auditID: `stall-${i}` };
    bytes += Buffer.byteLength(JSON.stringify(event)) + 1;
    big.push(event);
  }
  const body = JSON.stringify(lib.encodeEventList(big));
  const stall = async (compression) => {
    const http = lib.createHttpSender({ url: receiver.url }, { compression });
    gc(); // with --expose-gc: a collection left over from the throughput rounds is not counted as a stall
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    await new Promise((resolve, reject) =>
      http
        .send({ events: big, body }, new AbortController().signal)
        .subscribe({ error: reject, complete: resolve }),
    );
    histogram.disable();
    http.close();
    // The histogram's values are the delay past the resolution, in nanoseconds.
    return histogram.max / 1e6;
  };
  await stall('gzip'); // warm-up
  // The median of three runs' longest stalls: one collection landing in a run is the machine, not gzip.
  const stallGzip = median([await stall('gzip'), await stall('gzip'), await stall('gzip')]);
  const stallNone = median([await stall('none'), await stall('none'), await stall('none')]);
  const t0 = performance.now();
  gzipSync(body);
  const syncGzipMs = performance.now() - t0;
  receiver.close();

  const result = {
    level: lib.GZIP_LEVEL ?? 6,
    n,
    batchSize,
    maxInFlight,
    throughput: {
      noneMs: none,
      gzipMs: gzip,
      noneEventsPerSec: Math.round((n / none) * 1000),
      gzipEventsPerSec: Math.round((n / gzip) * 1000),
      ratio: Number((none / gzip).toFixed(2)),
      target: '>= 0.7',
    },
    wire: {
      noneBytes: contenders[0].wireBytes,
      gzipBytes: contenders[1].wireBytes,
      ratio: Number((contenders[1].wireBytes / contenders[0].wireBytes).toFixed(3)),
      target: '<= 0.2',
    },
    stall: {
      batchBytes: Buffer.byteLength(body),
      gzipMaxStallMs: Number(stallGzip.toFixed(1)),
      noneMaxStallMs: Number(stallNone.toFixed(1)),
      gzipSyncWouldBlockMs: Number(syncGzipMs.toFixed(1)),
      target: '< 20 ms',
    },
  };
  process.stderr.write(
    `gzip level ${result.level}: throughput ${result.throughput.ratio}x uncompressed ` +
      `(${result.throughput.gzipEventsPerSec} vs ${result.throughput.noneEventsPerSec} events/s), ` +
      `bytes on the wire ${result.wire.ratio}x, longest event-loop stall while a ` +
      `${(result.stall.batchBytes / 1048576).toFixed(1)} MB batch is compressed ${result.stall.gzipMaxStallMs} ms ` +
      `(gzipSync would block ${result.stall.gzipSyncWouldBlockMs} ms)\n`,
  );
  return result;
}
