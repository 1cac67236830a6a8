// The floor: what shipping audit events costs with nothing but node:http — each event JSON.stringify'd once,
// bodies pre-joined as an EventList, POSTed over a keep-alive agent with bounded concurrency.
import { Agent, request } from 'node:http';
import axios from 'axios';
import { createProgress, offerAll } from './offer.mjs';

const PREFIX = '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[';
const SUFFIX = ']}';

/** Wraps pre-stringified items into an EventList body. */
export function eventListBody(items) {
  return PREFIX + items.join(',') + SUFFIX;
}

/**
 * A bare keep-alive POSTer: `post(body)` resolves after the whole 2xx response was read. The body is encoded
 * to UTF-8 once (`Buffer.from`), which also gives the content-length without a second pass.
 */
export function createPoster(url, maxSockets) {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets });
  const post = (text) =>
    new Promise((resolve, reject) => {
      const body = Buffer.from(text);
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode >= 200 && res.statusCode < 300
              ? resolve()
              : reject(new Error(`status ${res.statusCode}`)),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}

/**
 * The bare axios instance of every bench contender: keep-alive `agent`, no redirects, axios' defaults otherwise.
 * `extra` is merged into its config (`{ proxy: false }`, the one setting rx-audit's sender adds that costs
 * axios itself; see docs/performance.md).
 */
export function bareAxios(agent, extra = {}) {
  return axios.create({
    httpAgent: agent,
    maxRedirects: 0,
    headers: { 'Content-Type': 'application/json' },
    ...extra,
  });
}

/** The `EventList` object of one event, as the blocking loops over bare axios send it. */
export function eventListOf(event) {
  return { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [event] };
}

/**
 * The same POSTer made with a bare axios instance ({@link bareAxios}): what the chosen HTTP client costs on
 * its own, before anything rx-audit adds.
 */
export function createAxiosPoster(url, maxSockets) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const client = bareAxios(agent);
  // A Buffer, as the node:http floor sends: axios would JSON.parse a string body to check it (stringifySafely).
  const post = (text) => client.post(url, Buffer.from(text)).then(() => undefined);
  return { post, close: () => agent.destroy() };
}

/**
 * Ships `events` with `poster` (the floor's {@link createPoster}, or another, e.g. {@link createAxiosPoster}), at
 * most `maxInFlight` POSTs at a time; resolves when every batch was answered. The poster is the caller's: it
 * lives across calls, as a service's client does.
 * @returns {Promise<{ delivered: number, batches: number }>}
 */
export async function floorBatch(events, poster, { batchSize, maxInFlight, bufferSize, chunk }) {
  const progress = createProgress();
  const queue = [];
  let head = 0;
  let parts = [];
  let offered = 0;
  let delivered = 0;
  let batches = 0;
  let inFlight = 0;
  let failure = null;
  let allSent = null;

  const pump = () => {
    while (inFlight < maxInFlight && head < queue.length) {
      const { body, count } = queue[head];
      queue[head++] = undefined;
      inFlight++;
      poster.post(body).then(
        () => {
          inFlight--;
          delivered += count;
          batches++;
          progress.signal();
          pump();
        },
        (error) => {
          failure = error;
          inFlight--;
          progress.signal();
          pump();
        },
      );
    }
    if (allSent && inFlight === 0 && head === queue.length) allSent();
  };
  const cut = () => {
    queue.push({ body: eventListBody(parts), count: parts.length });
    parts = [];
    pump();
  };

  await offerAll(
    events,
    { chunk, bufferSize },
    {
      offer(event) {
        offered++;
        parts.push(JSON.stringify(event));
        if (parts.length === batchSize) cut();
      },
      backlog: () => offered - delivered,
      progress: () => progress.wait(),
    },
  );
  if (parts.length > 0) cut();
  await new Promise((resolve) => {
    allSent = resolve;
    pump();
  });
  if (failure) throw failure;
  return { delivered, batches };
}

/** Sequential round trips with `poster` (the caller's, kept across calls), one event per POST, awaiting each. */
export async function floorBlocking(events, poster, calls) {
  for (let i = 0; i < calls; i++) {
    await poster.post(eventListBody([JSON.stringify(events[i % events.length])]));
  }
}
