// Part 1+2: batch throughput of rx-audit vs the bare node:http floor vs OpenTelemetry JS, same events,
// same receiver process, median of several interleaved rounds.
import { throughputContenders, throughputOptions } from '../lib/contenders.mjs';
import { loadCorpus, makeEvents, averageSize } from '../lib/corpus.mjs';
import { loadLibrary, missingLibrary } from '../lib/library.mjs';
import { gc, interleavedRounds, median, runPart } from '../lib/part.mjs';
import { startReceiver } from '../lib/receiver.mjs';

runPart(async (config) => {
  const { n = 100_000, rounds = 3, warmup = 10_000 } = config;
  const options = throughputOptions(config);
  const lib = await loadLibrary();
  const missing = missingLibrary(lib);
  const corpus = loadCorpus(typeof lib.decodeEvent === 'function' ? lib.decodeEvent : undefined);
  const events = makeEvents(corpus, n);
  const receiver = await startReceiver();

  const all = throughputContenders(missing ? null : lib, receiver, options, {
    otelBodies: config.otelBodies,
  });
  // `only: ['rx']` runs a subset (for profiling one contender).
  const contenders = config.only ? all.filter((c) => config.only.includes(c.key)) : all;

  const runOnce = async (contender, list) => {
    gc();
    await receiver.reset();
    const cpu0 = process.cpuUsage();
    const r = await contender.session.run(list);
    const cpu = process.cpuUsage(cpu0);
    // Sender CPU time (user + system): less disturbed by other load on the machine than wall time.
    (contender.cpuMs ??= []).push((cpu.user + cpu.system) / 1000);
    const { items, connections, cpuMs } = await receiver.count();
    contender.connections = connections;
    contender.receiverCpuMs = cpuMs;
    if (items !== list.length || r.failed) {
      throw new Error(
        `${contender.key}: receiver counted ${items} of ${list.length} events (${r.failed} reported failed)`,
      );
    }
    return r.ms;
  };

  // Each contender's client is made once and kept for every round (see throughputContenders).
  for (const c of contenders) c.session = await c.open();
  const warm = events.slice(0, warmup);
  for (const c of contenders) await runOnce(c, warm);
  for (const c of contenders) c.cpuMs = [];
  const times = await interleavedRounds(contenders, rounds, (c) => runOnce(c, events));
  for (const c of contenders) await c.session.close();
  await receiver.close();

  const results = {};
  for (const c of contenders) {
    const ms = median(times[c.key]);
    results[c.key] = {
      label: c.label,
      ms,
      eventsPerSec: (n / ms) * 1000,
      rounds: times[c.key],
      cpuMs: median(c.cpuMs),
      connections: c.connections,
      receiverCpuMs: c.receiverCpuMs,
    };
  }
  return {
    n,
    rounds,
    options,
    corpusEvents: corpus.length,
    averageEventBytes: averageSize(corpus),
    skipped: missing,
    results,
  };
});
