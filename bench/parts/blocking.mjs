// Part 5: blocking mode — sequential round trips, one event per processEvents call, each awaiting its POST —
// against a bare node:http request loop doing the same (one EventList of one event per request, keep-alive),
// and against the same POSTs made with a bare axios instance (keep-alive agent, no redirects) — the issue 12
// target is rx-audit ≤ 1.15× bare axios — and with that instance given `proxy: false` as well, as rx-audit's
// sender is: the difference between the two axios loops is axios' own cost of that setting.
import { Agent } from 'node:http';
import { loadCorpus, makeEvents } from '../lib/corpus.mjs';
import { bareAxios, createPoster, eventListOf, floorBlocking } from '../lib/floor.mjs';
import { loadLibrary, missingLibrary } from '../lib/library.mjs';
import { interleavedRounds, median, runPart } from '../lib/part.mjs';
import { startReceiver } from '../lib/receiver.mjs';

runPart(async (config) => {
  const { calls = 3_000, rounds = 3, warmup = 500 } = config;
  const lib = await loadLibrary();
  const missing = missingLibrary(lib);
  const corpus = loadCorpus(typeof lib.decodeEvent === 'function' ? lib.decodeEvent : undefined);
  const events = makeEvents(corpus, calls);
  const receiver = await startReceiver();

  // Each contender's client is made once and kept for every round, as a service keeps one (and as the
  // throughput part does): a new one per round would charge every round with its warm-up.
  const rxBlocking = async () => {
    const backend = lib.createWebhookBackend({
      mode: 'blocking',
      target: { url: receiver.url },
      onError: () => {},
    });
    backend.run();
    return {
      async run(count) {
        let failed = 0;
        for (let i = 0; i < count; i++) {
          if (!(await backend.processEvents(events[i % events.length]))) failed++;
        }
        if (failed) throw new Error(`blocking: ${failed} of ${count} calls failed`);
      },
      close: () => backend.shutdown(),
    };
  };
  const axiosLoop = (extra) => async () => {
    const agent = new Agent({ keepAlive: true });
    const client = bareAxios(agent, extra);
    return {
      async run(count) {
        // The natural call: axios stringifies the object once (a string body it would JSON.parse to check it).
        for (let i = 0; i < count; i++)
          await client.post(receiver.url, eventListOf(events[i % events.length]));
      },
      close: async () => agent.destroy(),
    };
  };
  const all = [
    {
      key: 'floor',
      label: 'bare node:http loop',
      open: async () => {
        const poster = createPoster(receiver.url, 1);
        return { run: (count) => floorBlocking(events, poster, count), close: async () => poster.close() };
      },
    },
    { key: 'axios', label: 'bare axios loop', open: axiosLoop({}) },
    { key: 'axiosDirect', label: 'bare axios loop, proxy: false', open: axiosLoop({ proxy: false }) },
    ...(missing ? [] : [{ key: 'rx', label: 'rx-audit blocking', open: rxBlocking }]),
  ];
  // `only: ['rx']` runs a subset (for profiling one contender).
  const contenders = config.only ? all.filter((c) => config.only.includes(c.key)) : all;
  const runOnce = async (c, count) => {
    await receiver.reset();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await c.session.run(count);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (count === calls) (c.cpuMs ??= []).push((cpu.user + cpu.system) / 1000);
    const { items, requests, connections } = await receiver.count();
    c.connections = connections;
    if (items !== count || requests !== count) {
      throw new Error(`${c.key}: receiver got ${requests} requests with ${items} events, expected ${count}`);
    }
    return ms;
  };
  for (const c of contenders) c.session = await c.open();
  for (const c of contenders) await runOnce(c, warmup);
  const times = await interleavedRounds(contenders, rounds, (c) => runOnce(c, calls));
  for (const c of contenders) await c.session.close();
  await receiver.close();
  const results = {};
  for (const c of contenders) {
    const ms = median(times[c.key]);
    results[c.key] = {
      label: c.label,
      ms,
      cpuMs: median(c.cpuMs),
      perSec: (calls / ms) * 1000,
      rounds: times[c.key],
      connections: c.connections,
    };
  }
  return { calls, rounds, skipped: missing, results };
});
