// Blocking mode, paired: rx-audit builds against a bare axios loop, the sending process's CPU per call. Each
// round runs every contender back to back (the order rotating) for a short burst; the ratio to bare axios is
// taken within the round and the median of those ratios is printed, so slow drift in the machine's speed
// cancels within a round (the medians of `npm run bench` move ±30 % on a shared machine; this holds to ±4 %).
// Two more contenders split rx-audit's cost: `axiosDirect`, the bare axios loop with `proxy: false` as
// rx-audit's sender has it, and `sender`, the first build's createHttpSender called directly with each body
// (the HTTP sender without the backend in front of it).
//   node bench/blockingPaired.mjs                        # this checkout's dist/
//   node bench/blockingPaired.mjs '{"before":"/tmp/old/dist/esm/index.js","after":"dist/esm/index.js"}'
// Environment: R (rounds, default 80).
import { Agent } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadCorpus, makeEvents } from './lib/corpus.mjs';
import { bareAxios, eventListOf } from './lib/floor.mjs';
import { startReceiver } from './lib/receiver.mjs';
const paths = process.argv[2] ? JSON.parse(process.argv[2]) : { rx: 'dist/esm/index.js' };
const libs = Object.fromEntries(
  await Promise.all(
    Object.entries(paths).map(async ([k, p]) => [k, await import(pathToFileURL(resolve(p)).href)]),
  ),
);
const events = makeEvents(loadCorpus(Object.values(libs)[0].decodeEvent), 3000);
const receiver = await startReceiver();
const backends = Object.fromEntries(
  Object.entries(libs).map(([k, lib]) => {
    const b = lib.createWebhookBackend({
      mode: 'blocking',
      target: { url: receiver.url },
      onError: () => {},
    });
    b.run();
    return [k, b];
  }),
);
const agent = new Agent({ keepAlive: true });
const agentDirect = new Agent({ keepAlive: true });
const client = bareAxios(agent);
const clientDirect = bareAxios(agentDirect, { proxy: false });
const sender = Object.values(libs)[0].createHttpSender({ url: receiver.url });
const never = new AbortController().signal;
let i = 0;
const V = {
  ax: async (n) => {
    for (let k = 0; k < n; k++, i++) await client.post(receiver.url, eventListOf(events[i % 3000]));
  },
  axiosDirect: async (n) => {
    for (let k = 0; k < n; k++, i++) await clientDirect.post(receiver.url, eventListOf(events[i % 3000]));
  },
  sender: async (n) => {
    for (let k = 0; k < n; k++, i++) {
      const event = events[i % 3000];
      const batch = { events: [event], body: JSON.stringify(eventListOf(event)) };
      await new Promise((resolve, reject) =>
        sender.send(batch, never).subscribe({ complete: resolve, error: reject }),
      );
    }
  },
};
for (const [k, b] of Object.entries(backends))
  V[k] = async (n) => {
    for (let j = 0; j < n; j++, i++) if (!(await b.processEvents(events[i % 3000]))) throw new Error('x');
  };
const keys = Object.keys(V);
for (const k of keys) await V[k](500);
const ratios = Object.fromEntries(keys.map((k) => [k, []]));
const N = 150,
  R = Number(process.env.R ?? 80);
for (let r = 0; r < R; r++) {
  const cpu = {};
  for (let j = 0; j < keys.length; j++) {
    const k = keys[(j + r) % keys.length];
    const c0 = process.cpuUsage();
    await V[k](N);
    const c = process.cpuUsage(c0);
    cpu[k] = c.user + c.system;
  }
  for (const k of keys) ratios[k].push(cpu[k] / cpu.ax);
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(keys.map((k) => `${k} ${med(ratios[k]).toFixed(3)}`).join('  '));
for (const b of Object.values(backends)) await b.shutdown();
agent.destroy();
agentDirect.destroy();
sender.close();
await receiver.close();
process.exit(0);
