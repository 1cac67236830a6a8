// `rx-audit serve` under hostile load, all at once: a 100 MB body, 2 000 slow connections (slowloris: headers a
// byte at a time) and a gzip bomb (256 MiB of zeros in ~250 KB). Samples the server's RSS every 100 ms and asks
// GET /healthz every 250 ms; passes when serve stays up, answers healthz throughout and stays under 300 MB RSS.
//
//   npm run build && node bench/serveHostile.mjs [--slow=2000] [--body-mb=100] [--seconds=15]
//
// Run it on a quiet machine for numbers worth quoting; it prints what it measured and exits 1 on a failure.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value ?? 'true'];
  }),
);
const SLOW = Number(args.get('slow') ?? 2000);
const BODY_MB = Number(args.get('body-mb') ?? 100);
const SECONDS = Number(args.get('seconds') ?? 15);
const RSS_LIMIT_MB = 300;

const serve = spawn(
  process.execPath,
  [join(root, 'dist/cjs/cli/main.js'), 'serve', '--port', '0', '--no-summary'],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const url = await new Promise((resolve, reject) => {
  let seen = '';
  serve.stdout.on('data', (chunk) => {
    seen += chunk;
    const match = /listening on (\S+)/.exec(seen);
    if (match) resolve(new URL(match[1]));
  });
  serve.on('exit', (code) => reject(new Error(`serve exited early (${code})`)));
});
let serveExited = null;
serve.on('exit', (code, signal) => (serveExited = signal ?? code));

const rss = () => {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${serve.pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? 0 : Number(kb) / 1024;
  } catch {
    return 0;
  }
};
let maxRss = rss();
const rssTimer = setInterval(() => (maxRss = Math.max(maxRss, rss())), 100);

const health = { ok: 0, failed: 0, slowest: 0 };
const healthTimer = setInterval(() => {
  const started = performance.now();
  const req = request(new URL('/healthz', url), { agent: false, timeout: 5000 }, (res) => {
    res.resume();
    res.on('end', () => {
      if (res.statusCode === 200) health.ok++;
      else health.failed++;
      health.slowest = Math.max(health.slowest, performance.now() - started);
    });
  });
  req.on('error', () => health.failed++);
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.end();
}, 250);

// 1. Slowloris: SLOW connections, each sending its request headers one byte per second.
const sockets = [];
let refused = 0;
const closedAfter = [];
const opened = performance.now();
for (let i = 0; i < SLOW; i++) {
  const socket = connect(Number(url.port), url.hostname);
  socket.on('error', () => refused++);
  socket.on('close', () => closedAfter.push(performance.now() - opened));
  socket.on('connect', () => socket.write('POST / HTTP/1.1\r\nHost: x\r\n'));
  sockets.push(socket);
}
const drip = setInterval(() => {
  for (const socket of sockets) if (socket.writable) socket.write('X');
}, 1000);

// 2. A BODY_MB body of empty items, chunked (no Content-Length), as fast as the server takes it.
const hostileBody = new Promise((resolve) => {
  const req = request(url, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, agent: false });
  req.on('response', (res) => {
    res.resume();
    resolve(`answered ${res.statusCode}`);
  });
  req.on('error', (err) => resolve(`connection ended (${err.code ?? err.message})`));
  const chunk = Buffer.from('{},'.repeat(21_846)); // ~64 KiB
  let sent = 0;
  req.write('{"items":[');
  const pump = () => {
    while (sent < BODY_MB * 1024 * 1024) {
      sent += chunk.length;
      if (!req.write(chunk)) return void req.once('drain', pump);
    }
    req.end('{}]}');
  };
  pump();
});

// 3. A gzip bomb.
const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 });
const bombed = new Promise((resolve) => {
  const req = request(url, {
    method: 'POST',
    headers: { 'Content-Encoding': 'gzip', 'Content-Length': bomb.length },
    agent: false,
  });
  req.on('response', (res) => {
    res.resume();
    resolve(`answered ${res.statusCode}`);
  });
  req.on('error', (err) => resolve(`connection ended (${err.code ?? err.message})`));
  req.end(bomb);
});

const [bodyResult, bombResult] = await Promise.all([hostileBody, bombed]);
await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
clearInterval(drip);
clearInterval(healthTimer);
clearInterval(rssTimer);
const openSlow = sockets.filter((s) => !s.destroyed).length;
for (const socket of sockets) socket.destroy();
serve.kill('SIGTERM');
await new Promise((resolve) => (serveExited === null ? serve.once('exit', resolve) : resolve()));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
}
const up = serveExited === 0;
const passed = up && health.failed === 0 && health.ok > 0 && maxRss < RSS_LIMIT_MB;
console.log(
  [
    `rx-audit serve under hostile load (${SECONDS} s after the bodies were answered)`,
    `  ${BODY_MB} MB body:      ${bodyResult}`,
    `  gzip bomb:         ${(bomb.length / 1024).toFixed(0)} KB → 256 MiB, ${bombResult}`,
    `  slow connections:  ${SLOW} opened, ${refused} refused/reset, ${openSlow} still open at the end;` +
      ` closed by the server after a median ${median(closedAfter).toFixed(0)} ms`,
    `  /healthz:          ${health.ok} ok, ${health.failed} failed, slowest ${health.slowest.toFixed(0)} ms`,
    `  max RSS:           ${maxRss.toFixed(0)} MB (limit ${RSS_LIMIT_MB} MB)`,
    `  serve exit:        ${serveExited}`,
    `  result:            ${passed ? 'PASS' : 'FAIL'}`,
  ].join('\n'),
);
process.exit(passed ? 0 : 1);
