// The receiving webhook, run in its own process (see receiver.mjs). It reads every body, counts items
// cheaply by searching the raw bytes for one marker per item, and answers 200. Controlled over IPC.
import { createServer } from 'node:http';

// One marker per item: an audit EventList item has exactly one "auditID" key (checked on the corpus);
// an OTLP/JSON log record has exactly one "observedTimeUnixNano" key.
const EVENT_MARKER = Buffer.from('"auditID":');
const OTLP_MARKER = Buffer.from('"observedTimeUnixNano":');
const OTLP_RESPONSE = Buffer.from('{}');

let items = 0;
let requests = 0;
let bytes = 0;
let connections = 0;
let stalled = false;
let cpuAtReset = process.cpuUsage();
const cpuMs = () => {
  const { user, system } = process.cpuUsage(cpuAtReset);
  return Math.round((user + system) / 1000);
};
const held = [];
const waiters = [];

function countIn(buf, marker, from) {
  let n = 0;
  let i = buf.indexOf(marker, from);
  while (i !== -1) {
    n++;
    i = buf.indexOf(marker, i + marker.length);
  }
  return n;
}

function settleWaiters() {
  for (let i = waiters.length - 1; i >= 0; i--) {
    const w = waiters[i];
    if (items >= w.items) {
      waiters.splice(i, 1);
      clearTimeout(w.timer);
      process.send({ id: w.id, items, requests, bytes });
    }
  }
}

function respond(req, res) {
  if (req.url === '/v1/logs') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': OTLP_RESPONSE.length });
    res.end(OTLP_RESPONSE);
  } else {
    res.writeHead(200, { 'content-length': 0 });
    res.end();
  }
}

const server = createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
  const marker = req.url === '/v1/logs' ? OTLP_MARKER : EVENT_MARKER;
  // Count chunk by chunk without concatenating; a marker split across two chunks is found in the seam.
  let tail = null;
  let n = 0;
  req.on('data', (chunk) => {
    bytes += chunk.length;
    if (tail !== null) {
      const seam = Buffer.concat([tail, chunk.subarray(0, marker.length - 1)]);
      n += countIn(seam, marker, 0);
    }
    n += countIn(chunk, marker, 0);
    tail = chunk.length >= marker.length - 1 ? chunk.subarray(chunk.length - (marker.length - 1)) : chunk;
  });
  req.on('end', () => {
    items += n;
    requests++;
    if (stalled) held.push([req, res]);
    else respond(req, res);
    settleWaiters();
  });
});
server.on('connection', () => connections++);
server.keepAliveTimeout = 120_000;
server.headersTimeout = 130_000;
server.requestTimeout = 0;

process.on('message', (msg) => {
  switch (msg.cmd) {
    case 'reset':
      items = 0;
      requests = 0;
      bytes = 0;
      connections = 0;
      cpuAtReset = process.cpuUsage();
      process.send({ id: msg.id });
      break;
    case 'count':
      process.send({ id: msg.id, items, requests, bytes, connections, cpuMs: cpuMs() });
      break;
    case 'stall':
      stalled = msg.on;
      if (!stalled) for (const [req, res] of held.splice(0)) respond(req, res);
      process.send({ id: msg.id, held: held.length });
      break;
    case 'waitFor': {
      const w = { id: msg.id, items: msg.items, timer: null };
      w.timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        process.send({ id: msg.id, items, requests, bytes, timedOut: true });
      }, msg.timeoutMs ?? 60_000);
      waiters.push(w);
      settleWaiters();
      break;
    }
    case 'close':
      for (const [req, res] of held.splice(0)) respond(req, res);
      server.closeAllConnections();
      server.close(() => process.exit(0));
      break;
  }
});

server.listen(0, '127.0.0.1', () => {
  process.send({ ready: true, port: server.address().port });
});
process.on('disconnect', () => process.exit(0));
