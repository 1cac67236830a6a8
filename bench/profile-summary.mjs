// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function, top N, as percentages,
// each with the callers it was reached from (so native frames like "(anonymous)" get a name to blame).
// Usage: node bench/profile-summary.mjs <file.cpuprofile> [--top=25] [--group]
// --group: self time per package instead (rx-audit, rxjs, axios, node core, bench, gc, idle…), native frames
// charged to the nearest JavaScript caller's package.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
if (!file) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [--top=25]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

const label = (id) => {
  const { callFrame } = byId.get(id);
  const url = callFrame.url.replace('file://', '');
  const where = url ? ` ${relative(process.cwd(), url)}:${callFrame.lineNumber + 1}` : '';
  return `${callFrame.functionName || '(anonymous)'}${where}`;
};

const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const rows = new Map();
for (const [id, us] of selfUs) {
  const key = label(id);
  const row = rows.get(key) ?? { us: 0, callers: new Map() };
  row.us += us;
  const parent = parentOf.get(id);
  const caller = parent === undefined ? '(root)' : label(parent);
  row.callers.set(caller, (row.callers.get(caller) ?? 0) + us);
  rows.set(key, row);
}
const groupOf = (id) => {
  for (let cur = id; cur !== undefined; cur = parentOf.get(cur)) {
    const { functionName, url } = byId.get(cur).callFrame;
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'program';
    if (!url) continue; // native frame: charge it to its caller
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (pkg) return pkg[1];
    if (url.startsWith('node:')) return 'node core';
    if (/\/dist\/(esm|cjs)\//.test(url)) return 'rx-audit (dist)';
    if (url.includes('/bench/')) return 'bench harness';
    return url;
  }
  return 'native';
};

const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
if (args.includes('--group')) {
  const groups = new Map();
  for (const [id, us] of selfUs) groups.set(groupOf(id), (groups.get(groupOf(id)) ?? 0) + us);
  for (const [group, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${pct(us)} ${(us / 1000).toFixed(0).padStart(6)} ms  ${group}`);
  }
  process.exit(0);
}
for (const [key, row] of [...rows].sort((a, b) => b[1].us - a[1].us).slice(0, top)) {
  console.log(`${pct(row.us)} ${(row.us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
  const callers = [...row.callers].sort((a, b) => b[1] - a[1]).slice(0, 3);
  if (key.startsWith('(') || callers.length > 1) {
    for (const [caller, us] of callers) console.log(`${' '.repeat(16)}← ${pct(us).trim()} ${caller}`);
  }
}
