// Test helper: the real apiserver audit logs vendored in `spec/fixtures/corpus` (sources and licences in its README).
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeEvent } from '../../src/events/decodeEvent.js';
import type { AuditEvent } from '../../src/events/Event.js';

/** The repository root (this file is `<root>/spec/helpers/corpus.ts`). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `<repo root>/spec/fixtures/corpus`. */
export const corpusDir = path.resolve(repoRoot, 'spec/fixtures/corpus');

/** The deliberately invalid sample (`{"kind": 0}`), which holds no event. */
export const INVALID_SAMPLE = 'falcosecurity__falco__fal_01_003.json';

/** Whether a corpus file is the deliberately invalid sample that every decoder must reject. */
export function isInvalidSample(file: string): boolean {
  return path.basename(file) === INVALID_SAMPLE;
}

/** The corpus files holding events (everything but README.md), sorted by name. */
export function corpusFiles(): string[] {
  return readdirSync(corpusDir)
    .filter((name) => name !== 'README.md' && !name.startsWith('.'))
    .sort();
}

/**
 * Parses a corpus file's text: a UTF-8 BOM is stripped; a file that parses as one JSON value (a pretty-printed
 * event, or an `EventList` whose `items` are returned with the list's `apiVersion` copied onto items that have
 * none) gives that; otherwise each non-empty line is one JSON event.
 */
export function parseCorpusText(text: string): unknown[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let whole: unknown;
  try {
    whole = JSON.parse(body);
  } catch {
    return body
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as unknown);
  }
  if (isEventList(whole)) {
    const apiVersion = whole.apiVersion;
    return whole.items.map((item) =>
      apiVersion !== undefined && typeof item === 'object' && item !== null && !('apiVersion' in item)
        ? { ...item, apiVersion }
        : item,
    );
  }
  return [whole];
}

function isEventList(value: unknown): value is { kind: 'EventList'; apiVersion?: unknown; items: unknown[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'EventList' &&
    Array.isArray((value as { items?: unknown }).items)
  );
}

/** Every corpus file with its raw (undecoded) events, in file-name order. */
export function loadCorpusEvents(): { file: string; raw: unknown[] }[] {
  return corpusFiles().map((file) => ({
    file,
    raw: parseCorpusText(readFileSync(path.join(corpusDir, file), 'utf8')),
  }));
}

let decoded: AuditEvent[] | undefined;
let serialized: string[] | undefined;

/** All valid corpus events decoded to v1 (cached, so treat them as read-only; 861 events). */
export function corpusEvents(): readonly AuditEvent[] {
  decoded ??= loadCorpusEvents()
    .filter(({ file }) => !isInvalidSample(file))
    .flatMap(({ raw }) => raw.map((event) => decodeEvent(event)));
  return decoded;
}

/** Options of {@link corpusSample}. */
export interface CorpusSampleOptions {
  /**
   * Deep-copy every event, so a test may mutate it freely. `false` gives shallow copies that share nested
   * objects with the cached corpus (much faster for benchmarks of 100k events; treat them as read-only).
   * @default true
   */
  deepCopy?: boolean;
}

/**
 * `n` decoded `audit.k8s.io/v1` events cycled from the corpus (in file-name order), each with a fresh
 * `auditID` (a random UUID).
 *
 * @param n How many events.
 * @param options See {@link CorpusSampleOptions}.
 * @returns `n` events.
 */
export function corpusSample(n: number, options: CorpusSampleOptions = {}): AuditEvent[] {
  const all = corpusEvents();
  const out = new Array<AuditEvent>(n);
  if (options.deepCopy === false) {
    for (let i = 0; i < n; i++) out[i] = { ...(all[i % all.length] as AuditEvent), auditID: randomUUID() };
    return out;
  }
  // Re-parsing cached JSON is the cheapest deep copy here (structuredClone is about 2x slower).
  serialized ??= all.map((event) => JSON.stringify(event));
  for (let i = 0; i < n; i++) {
    const event = JSON.parse(serialized[i % serialized.length] as string) as AuditEvent;
    event.auditID = randomUUID();
    out[i] = event;
  }
  return out;
}
