#!/usr/bin/env node
// Proves the published package works: `npm pack` the built package, install the tarball into a separate
// temporary project, then `import` (ESM) and `require` (CommonJS) it there and decode a real corpus event.
//
// Offline and fast: the tarball's dependencies and peer dependencies are installed as links to this
// repository's node_modules, with an empty private npm cache and --offline, so nothing is fetched.
//
// Usage: node scripts/pack-test.mjs [--keep]    (run `npm run build` first; exits 2 when dist/ is missing)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpusFile = path.resolve(
  root,
  'spec/fixtures/corpus/openshift__cluster-logging-operator__raw_audit_openshift.json',
);
const keep = process.argv.includes('--keep');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

for (const built of ['dist/esm/index.js', 'dist/cjs/index.js']) {
  if (!existsSync(path.join(root, built))) {
    console.error(`pack-test: ${built} is missing — run \`npm run build\` first`);
    process.exit(2);
  }
}

const work = mkdtempSync(path.join(os.tmpdir(), 'rx-audit-pack-'));
const run = (args, cwd) =>
  execFileSync(npm, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
  });

try {
  // 1. Pack exactly what `npm publish` would upload.
  const [packed] = JSON.parse(run(['pack', '--ignore-scripts', '--json', '--pack-destination', work], root));
  const tarball = path.join(work, packed.filename);
  const files = packed.files.map((f) => f.path);
  console.log(`pack-test: packed ${packed.filename} (${files.length} files, ${packed.size} bytes)`);

  // 2. A separate project that installs the tarball, its dependencies and peers linked from here.
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  // Optional peers (express, NestJS, prom-client) stay out: the core entry points must load without them.
  const optional = manifest.peerDependenciesMeta ?? {};
  const needed = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}).filter((name) => optional[name]?.optional !== true),
  ];
  const links = needed.map((name) => {
    const dir = path.join(root, 'node_modules', name);
    if (!existsSync(dir)) throw new Error(`pack-test: ${name} is not installed in ${root}/node_modules`);
    return dir;
  });
  const project = path.join(work, 'consumer');
  mkdirSync(project);
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true }) + '\n',
  );
  run(
    [
      'install',
      '--offline',
      '--cache',
      path.join(work, 'npm-cache'),
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--no-package-lock',
      tarball,
      ...links,
    ],
    project,
  );

  // 3. ESM and CommonJS consumers, each decoding a corpus event and resolving rx-audit/testing.
  writeFileSync(
    path.join(project, 'esm.mjs'),
    `import { readFileSync } from 'node:fs';
import { decodeEvent, encodeEventList, GROUP_VERSIONS, isAuditDecodeError } from 'rx-audit';
import * as testing from 'rx-audit/testing';
const event = decodeEvent(JSON.parse(readFileSync(process.argv[2], 'utf8')));
const list = encodeEventList([event], 'audit.k8s.io/v1beta1');
let rejected = false;
try { decodeEvent({ kind: 0 }); } catch (err) { rejected = isAuditDecodeError(err); }
console.log(JSON.stringify({ auditID: event.auditID, apiVersion: list.apiVersion, versions: GROUP_VERSIONS.length,
  rejected, testing: typeof testing.startReceiver, url: import.meta.resolve('rx-audit') }));
`,
  );
  writeFileSync(
    path.join(project, 'cjs.cjs'),
    `const { readFileSync } = require('node:fs');
const { decodeEvent, encodeEventList, GROUP_VERSIONS, isAuditDecodeError } = require('rx-audit');
const testing = require('rx-audit/testing');
const event = decodeEvent(JSON.parse(readFileSync(process.argv[2], 'utf8')));
const list = encodeEventList([event], 'audit.k8s.io/v1beta1');
let rejected = false;
try { decodeEvent({ kind: 0 }); } catch (err) { rejected = isAuditDecodeError(err); }
console.log(JSON.stringify({ auditID: event.auditID, apiVersion: list.apiVersion, versions: GROUP_VERSIONS.length,
  rejected, testing: typeof testing.startReceiver, url: require.resolve('rx-audit') }));
`,
  );
  const expectedID = JSON.parse(readFileSync(corpusFile, 'utf8')).auditID;
  const failures = [];
  for (const [flavour, script, buildDir] of [
    ['import', 'esm.mjs', `${path.sep}dist${path.sep}esm${path.sep}`],
    ['require', 'cjs.cjs', `${path.sep}dist${path.sep}cjs${path.sep}`],
  ]) {
    const out = JSON.parse(
      execFileSync(process.execPath, [script, corpusFile], { cwd: project, encoding: 'utf8' }).trim(),
    );
    const resolved = out.url.startsWith('file:') ? fileURLToPath(out.url) : out.url;
    const checks = {
      'decodes the corpus event': out.auditID === expectedID,
      'encodes a v1beta1 EventList': out.apiVersion === 'audit.k8s.io/v1beta1' && out.versions === 3,
      'rejects invalid input with AuditDecodeError': out.rejected === true,
      'resolves rx-audit/testing': out.testing === 'function',
      'loads the installed tarball, not this checkout':
        resolved.startsWith(project) && resolved.includes(buildDir),
    };
    for (const [check, ok] of Object.entries(checks)) {
      if (!ok) failures.push(`${flavour}: ${check} (got ${JSON.stringify(out)})`);
    }
    console.log(`pack-test: ${flavour}('rx-audit') ok → ${path.relative(project, resolved)}`);
  }

  // 4. Every file the exports map and bin point at is in the tarball.
  const targets = new Set();
  const collect = (value) => {
    if (typeof value === 'string') targets.add(value.replace(/^\.\//, ''));
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(manifest.exports);
  collect(manifest.bin);
  for (const target of targets) {
    if (target !== 'package.json' && !files.includes(target)) failures.push(`tarball lacks ${target}`);
  }

  if (failures.length > 0) {
    console.error(`pack-test: FAILED\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log('pack-test: ok');
  }
} finally {
  if (keep) console.log(`pack-test: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
