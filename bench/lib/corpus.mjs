// Loads the real audit events vendored in spec/fixtures/corpus and makes N of them with fresh auditIDs.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (bench/lib/../..). */
export const repoRoot = resolve(here, '..', '..');
/** The vendored corpus, `spec/fixtures/corpus` under the repository root. */
export const corpusDir = resolve(repoRoot, 'spec', 'fixtures', 'corpus');

function rawObjects(file, text) {
  const trimmed = text.trim();
  if (file.endsWith('.json')) {
    const value = JSON.parse(trimmed);
    if (value && value.kind === 'EventList') {
      return value.items.map((item) => ({ apiVersion: value.apiVersion, ...item }));
    }
    return [value];
  }
  return trimmed
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

/** Reads every valid event in the corpus, decoded to audit.k8s.io/v1 when `decodeEvent` is given. */
export function loadCorpus(decodeEvent) {
  const events = [];
  for (const file of readdirSync(corpusDir).sort()) {
    if (!/\.(log|jsonl|json)$/.test(file)) continue;
    let objects;
    try {
      objects = rawObjects(file, readFileSync(join(corpusDir, file), 'utf8'));
    } catch {
      continue;
    }
    for (const object of objects) {
      if (!object || typeof object !== 'object' || typeof object.auditID !== 'string') continue; // the invalid sample
      if (decodeEvent) {
        try {
          events.push(decodeEvent(object));
        } catch {
          // A corpus event the decoder rejects is not ours to judge here; the decode specs cover it.
        }
      } else {
        events.push(object);
      }
    }
  }
  if (events.length === 0) throw new Error(`no audit events found in ${corpusDir}`);
  return events;
}

/** `n` events cycled from `corpus`, each a shallow copy with a fresh auditID (built before any timing). */
export function makeEvents(corpus, n) {
  const events = new Array(n);
  for (let i = 0; i < n; i++) {
    events[i] = { ...corpus[i % corpus.length], auditID: randomUUID() };
  }
  return events;
}

/** Average JSON size of the corpus events, in bytes. */
export function averageSize(corpus) {
  let total = 0;
  for (const event of corpus) total += Buffer.byteLength(JSON.stringify(event));
  return Math.round(total / corpus.length);
}
