// Spool part 1: the spool's store against lmdb — append throughput for each sync mode (1-event and 100-event
// calls), read-back-and-remove throughput, and what each does with a damaged data file.
// Not wired into bench/run.mjs; run it on its own after `npm run build`:
//   node bench/parts/spool-store.mjs ['{"events":20000}']
// Numbers from a loaded machine are only rough; the damage results do not depend on load.
import { spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPart } from '../lib/part.mjs';

const self = fileURLToPath(import.meta.url);
const event = (i) =>
  JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `0b5c1d1e-${String(i).padStart(8, '0')}`,
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods?limit=500',
    verb: 'list',
    user: {
      username: 'system:serviceaccount:kube-system:replicaset-controller',
      groups: ['system:serviceaccounts'],
    },
    sourceIPs: ['10.0.0.12'],
    userAgent: 'kube-controller-manager/v1.30.0 (linux/amd64) kubernetes/abcdef0',
    objectRef: { resource: 'pods', namespace: 'default', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: '2026-12-01T09:00:00.000000Z',
    stageTimestamp: '2026-12-01T09:00:00.001234Z',
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
  });

async function segmentStore(dir, sync) {
  const { openSpoolStore } = await import('../../dist/esm/spool/openSpoolStore.js');
  const store = openSpoolStore({ dir, maxBytes: 2 ** 34, sync, syncIntervalMs: 1000 });
  return {
    append: (jsons) => store.append(jsons),
    drain: () => {
      let n = 0;
      for (;;) {
        const records = store.read(1000, 4 << 20);
        if (records.length === 0) return n;
        store.remove(records.map((r) => r.key));
        n += records.length;
      }
    },
    close: () => store.close(),
  };
}

async function lmdbStore(dir, sync) {
  const { open } = await import('lmdb');
  // 'interval': no sync per commit, an explicit sync every second; 'always': each append waits for `flushed`.
  const db = open({ path: dir, encoding: 'string', noSync: sync === 'interval' });
  const timer = sync === 'interval' ? setInterval(() => db.sync?.(() => undefined), 1000) : undefined;
  let next = 0;
  return {
    append: async (jsons) => {
      for (const json of jsons) db.put(next++, json);
      await (sync === 'always' ? db.flushed : db.committed);
    },
    drain: async () => {
      let n = 0;
      for (;;) {
        const batch = [...db.getRange({ limit: 1000 })];
        if (batch.length === 0) return n;
        await db.transaction(() => {
          for (const { key } of batch) db.remove(key);
        });
        n += batch.length;
      }
    },
    close: async () => {
      clearInterval(timer);
      await db.close();
    },
  };
}

async function measure(make, sync, callSize, events) {
  const dir = mkdtempSync(join(tmpdir(), 'rx-audit-bench-spool-'));
  try {
    const store = await make(dir, sync);
    const jsons = Array.from({ length: events }, (_, i) => event(i));
    let t = performance.now();
    for (let i = 0; i < events; i += callSize) await store.append(jsons.slice(i, i + callSize));
    const appendRate = events / ((performance.now() - t) / 1000);
    t = performance.now();
    const drained = await store.drain();
    const drainRate = drained / ((performance.now() - t) / 1000);
    await store.close();
    return {
      appendPerSecond: Math.round(appendRate),
      readAndRemovePerSecond: Math.round(drainRate),
      drained,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** In a child: write 20 000 records, close, put 20 random 64-byte runs of garbage into the data file, read all. */
async function damageChild(kind, seed) {
  const dir = mkdtempSync(join(tmpdir(), 'rx-audit-bench-damage-'));
  const store = await (kind === 'lmdb' ? lmdbStore : segmentStore)(dir, 'interval');
  for (let i = 0; i < 20_000; i += 100)
    await store.append(Array.from({ length: 100 }, (_, k) => event(i + k)));
  await store.close();
  const file =
    kind === 'lmdb'
      ? join(dir, 'data.mdb')
      : join(
          dir,
          readdirSync(dir).find((f) => f.endsWith('.log')),
        );
  const size = statSync(file).size;
  const fd = openSync(file, 'r+');
  let r = seed;
  const rnd = () => (r = (r * 1103515245 + 12345) % 2147483648);
  for (let k = 0; k < 20; k++) {
    const garbage = Buffer.alloc(64);
    for (let j = 0; j < 64; j++) garbage[j] = rnd() & 255;
    writeSync(fd, garbage, 0, 64, rnd() % size);
  }
  closeSync(fd);
  let served;
  try {
    const again = await (kind === 'lmdb' ? lmdbStore : segmentStore)(dir, 'interval');
    served = await again.drain();
    await again.close();
  } catch (error) {
    served = `error: ${String(error?.message ?? error).slice(0, 60)}`;
  }
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ served }));
}

if (process.argv[2] === 'damage') {
  await damageChild(process.argv[3], Number(process.argv[4]));
} else {
  runPart(async (config) => {
    const { events = 20_000, alwaysEvents = 2_000, seeds = 8 } = config;
    const results = { throughput: [], damage: [] };
    for (const [name, make] of [
      ['segment files', segmentStore],
      ['lmdb', lmdbStore],
    ]) {
      for (const sync of ['interval', 'always']) {
        for (const callSize of [1, 100]) {
          const n = sync === 'always' && callSize === 1 ? alwaysEvents : events;
          results.throughput.push({
            store: name,
            sync,
            callSize,
            events: n,
            ...(await measure(make, sync, callSize, n)),
          });
        }
      }
    }
    for (const kind of ['segment', 'lmdb']) {
      const outcome = { store: kind, crashed: 0, errors: 0, servedOf20000: [] };
      for (let seed = 1; seed <= seeds; seed++) {
        const child = spawnSync(process.execPath, [self, 'damage', kind, String(seed)], { encoding: 'utf8' });
        if (child.status !== 0 || child.signal) {
          outcome.crashed++;
          continue;
        }
        const { served } = JSON.parse(child.stdout);
        if (typeof served === 'string') outcome.errors++;
        else outcome.servedOf20000.push(served);
      }
      results.damage.push(outcome);
    }
    return results;
  });
}
