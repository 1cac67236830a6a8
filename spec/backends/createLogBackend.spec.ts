import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { VirtualTimeScheduler } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogBackend } from '../../src/backends/createLogBackend.js';
import { formatLegacyEvent } from '../../src/backends/formatLegacyEvent.js';
import type { AuditPluginError, DeliveryReport } from '../../src/contract/AuditBackend.js';
import { decodeEvent } from '../../src/events/decodeEvent.js';
import { corpusDir, corpusEvents } from '../helpers/corpus.js';
import { event } from './recordingBackend.js';

/** A PassThrough whose written text is collected. */
function sink() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString('utf8')));
  return { stream, text: () => text };
}

/** A Writable that holds every write until the test releases it (or fails it). */
function manualWritable(highWaterMark = 1) {
  const writes: { text: string; callback: (err?: Error | null) => void }[] = [];
  const stream = new Writable({
    highWaterMark,
    decodeStrings: false,
    write(chunk: string, _enc, callback) {
      writes.push({ text: chunk, callback });
    },
  });
  return { stream, writes };
}

const quiet = { onError: () => {} };
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('createLogBackend', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rx-audit-log-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is named log and validates its options with upstream messages', () => {
    expect(createLogBackend(new PassThrough()).name).toBe('log');
    expect(() => createLogBackend(new PassThrough(), { format: 'yaml' as never })).toThrow(
      'log format "yaml" is not in list of known formats (legacy,json)',
    );
    expect(() => createLogBackend(new PassThrough(), { format: { password: 'x' } as never })).toThrow(
      'log format an object is not in list of known formats (legacy,json)',
    );
    expect(() => createLogBackend(new PassThrough(), { groupVersion: 'v1' as never })).toThrow(
      'log.groupVersion must be one of',
    );
    expect(() => createLogBackend(new PassThrough(), { onError: 'stderr' as never })).toThrow(
      'log.onError must be a function, got "stderr"',
    );
  });

  describe('json', () => {
    it('writes one event per line with kind/apiVersion; every corpus event round-trips through decodeEvent', async () => {
      const events = corpusEvents();
      const out = sink();
      const log = createLogBackend(out.stream, { format: 'json' });
      expect(await log.processEvents(...events)).toBe(true);
      const lines = out.text().split('\n');
      expect(lines.pop()).toBe('');
      expect(lines).toHaveLength(events.length);
      lines.forEach((line, i) => {
        const parsed = JSON.parse(line) as { kind: string; apiVersion: string };
        expect(parsed.kind).toBe('Event');
        expect(parsed.apiVersion).toBe('audit.k8s.io/v1');
        expect(decodeEvent(parsed)).toEqual(events[i]);
      });
    });

    it('writes the configured group version and still round-trips', async () => {
      const events = corpusEvents().slice(0, 50);
      const out = sink();
      const log = createLogBackend(out.stream, { groupVersion: 'audit.k8s.io/v1beta1' });
      await log.processEvents(...events);
      const lines = out.text().trimEnd().split('\n');
      expect(lines.map((l) => (JSON.parse(l) as { apiVersion: string }).apiVersion)).toEqual(
        events.map(() => 'audit.k8s.io/v1beta1'),
      );
      expect(lines.map((l) => decodeEvent(JSON.parse(l)))).toEqual(events);
    });

    it('escapes <, >, & as Go encoding/json does (as in real apiserver logs)', async () => {
      const out = sink();
      const e = event('amp', { requestURI: '/api/v1/pods?labelSelector=a%3Db&limit=500', userAgent: '<x>' });
      await createLogBackend(out.stream).processEvents(e);
      const line = out.text();
      expect(line).toContain('"requestURI":"/api/v1/pods?labelSelector=a%3Db\\u0026limit=500"');
      expect(line).toContain('"userAgent":"\\u003cx\\u003e"');
      expect(decodeEvent(JSON.parse(line))).toEqual(e);
    });

    it('writes the lines of a real v1 apiserver log byte for byte as the apiserver wrote them', async () => {
      const original = readFileSync(
        path.join(corpusDir, 'openshift__cluster-logging-operator__audit_in.log'),
        'utf8',
      )
        .split('\n')
        .filter((line) => line !== '');
      expect(original).toHaveLength(100);
      const out = sink();
      await createLogBackend(out.stream).processEvents(...original.map((l) => decodeEvent(JSON.parse(l))));
      expect(out.text()).toBe(original.map((l) => l + '\n').join(''));
    });
  });

  describe('legacy', () => {
    it('writes the apiserver one-line format, one line per event', async () => {
      const out = sink();
      const log = createLogBackend(out.stream, { format: 'legacy' });
      const events = [
        event('1'),
        event('2', {
          user: { username: 'admin', groups: ['system:masters'] },
          impersonatedUser: { username: 'bob' },
          objectRef: { namespace: 'kube-system' },
          responseStatus: { code: 404 },
          sourceIPs: ['10.1.2.3'],
          userAgent: 'kubectl/v1.30',
          requestReceivedTimestamp: '2024-01-02T03:04:05.678900Z',
        }),
      ];
      expect(await log.processEvents(...events)).toBe(true);
      expect(out.text()).toBe(
        '0001-01-01T00:00:00Z AUDIT: id="1" stage="ResponseComplete" ip="<unknown>" method="list" ' +
          'user="<none>" groups="<none>" as="<self>" asgroups="<lookup>" user-agent="" namespace="<none>" ' +
          'uri="/api/v1/namespaces/default/pods" response="<deferred>"\n' +
          '2024-01-02T03:04:05.6789Z AUDIT: id="2" stage="ResponseComplete" ip="10.1.2.3" method="list" ' +
          'user="admin" groups="\\"system:masters\\"" as="bob" asgroups="<lookup>" user-agent="kubectl/v1.30" ' +
          'namespace="kube-system" uri="/api/v1/namespaces/default/pods" response="404"\n',
      );
    });

    it('formats a real impersonated, forbidden request from the corpus', async () => {
      const first = readFileSync(path.join(corpusDir, 'liggitt__audit2rbac__demo@501d132.log'), 'utf8').split(
        '\n',
      )[0];
      const out = sink();
      await createLogBackend(out.stream, { format: 'legacy' }).processEvents(
        decodeEvent(JSON.parse(first ?? '')),
      );
      expect(out.text()).toBe(
        '2017-09-11T19:55:05Z AUDIT: id="033d17af-082d-4b24-aa22-627752e83d71" stage="ResponseComplete" ' +
          'ip="::1" method="list" user="system:admin" groups="\\"system:masters\\",\\"system:authenticated\\"" ' +
          'as="bob" asgroups="\\"system:authenticated\\"" user-agent="" namespace="default" ' +
          'uri="/api/v1/namespaces/default/pods" response="403"\n',
      );
    });

    it('every corpus event is one line equal to formatLegacyEvent', async () => {
      const events = corpusEvents();
      const out = sink();
      await createLogBackend(out.stream, { format: 'legacy' }).processEvents(...events);
      expect(out.text()).toBe(events.map((e) => formatLegacyEvent(e) + '\n').join(''));
    });
  });

  it('reports write errors on errors$ (plugin log, send-failed) once per call and never throws', async () => {
    const stream = new Writable({
      write(_chunk, _enc, callback) {
        callback(new Error('EIO: disk on fire'));
      },
    });
    const handled: AuditPluginError[] = [];
    const log = createLogBackend(stream, { onError: (e) => handled.push(e) });
    const errors: AuditPluginError[] = [];
    const deliveries: DeliveryReport[] = [];
    log.errors$.subscribe((e) => errors.push(e));
    log.deliveries$.subscribe((d) => deliveries.push(d));
    expect(await log.processEvents(event('1'), event('2'))).toBe(false);
    // The stream is now destroyed; later calls fail the same way instead of throwing.
    expect(await log.processEvents(event('3'))).toBe(false);
    expect(errors.map((e) => [e.plugin, e.reason, e.events.map((x) => x.auditID)])).toEqual([
      ['log', 'send-failed', ['1', '2']],
      ['log', 'send-failed', ['3']],
    ]);
    expect(errors[0]?.error.message).toBe('audit log write failed: EIO: disk on fire');
    expect(handled).toEqual(errors);
    expect(deliveries.map((d) => [d.events, d.ok])).toEqual([
      [2, false],
      [1, false],
    ]);
    const s = log.stats();
    expect([s.accepted, s.delivered, s.failed['send-failed'], s.batches, s.queued, s.inFlight]).toEqual([
      3, 0, 3, 2, 0, 0,
    ]);
    await log.shutdown();
  });

  it('reports an event that cannot be encoded as invalid and writes the rest', async () => {
    const out = sink();
    const log = createLogBackend(out.stream, quiet);
    const errors: AuditPluginError[] = [];
    log.errors$.subscribe((e) => errors.push(e));
    expect(await log.processEvents(event('bad', { requestObject: { n: 1n } }), event('ok'))).toBe(false);
    expect(errors.map((e) => [e.reason, e.events.map((x) => x.auditID)])).toEqual([['invalid', ['bad']]]);
    expect(
      out
        .text()
        .trimEnd()
        .split('\n')
        .map((l) => decodeEvent(JSON.parse(l)).auditID),
    ).toEqual(['ok']);
  });

  it('respects backpressure: a later call waits for drain, in order; processEvents resolves when written', async () => {
    const { stream, writes } = manualWritable(1);
    const log = createLogBackend(stream, { format: 'legacy' });
    let firstDone = false;
    const first = log.processEvents(event('1'), event('2')).then((ok) => ((firstDone = true), ok));
    const second = log.processEvents(event('3'));
    await tick();
    expect(writes).toHaveLength(1);
    expect(writes[0]?.text.split('\n')).toHaveLength(3);
    expect(firstDone).toBe(false);
    expect([log.stats().inFlight, log.stats().queued]).toEqual([2, 1]);

    writes[0]?.callback();
    expect(await first).toBe(true);
    await tick();
    expect(writes).toHaveLength(2);
    expect(writes[1]?.text).toMatch(/^\S+ AUDIT: id="3" /);
    writes[1]?.callback();
    expect(await second).toBe(true);
    expect(log.stats().delivered).toBe(3);
  });

  it('flush waits for pending writes', async () => {
    const { stream, writes } = manualWritable(1);
    const log = createLogBackend(stream);
    void log.processEvents(event('1'));
    void log.processEvents(event('2'));
    let flushed = false;
    const flushing = log.flush().then(() => (flushed = true));
    await tick();
    expect(flushed).toBe(false);
    writes[0]?.callback();
    await tick();
    expect(flushed).toBe(false);
    writes[1]?.callback();
    await flushing;
    expect(log.stats().delivered).toBe(2);
  });

  it('appends to a file it opened and closes it on shutdown; later events are reported shut-down', async () => {
    const file = path.join(dir, 'audit.log');
    writeFileSync(file, 'earlier line\n');
    const log = createLogBackend(file, quiet);
    const errors: AuditPluginError[] = [];
    log.errors$.subscribe((e) => errors.push(e));
    log.run();
    expect(await log.processEvents(event('1'), event('2'))).toBe(true);
    void log.processEvents(event('3'));
    await log.shutdown();
    await log.shutdown(); // idempotent
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('earlier line');
    expect(lines.slice(1).map((l) => decodeEvent(JSON.parse(l)).auditID)).toEqual(['1', '2', '3']);

    expect(await log.processEvents(event('4'))).toBe(false);
    expect(errors.map((e) => [e.reason, e.error.message, e.events.map((x) => x.auditID)])).toEqual([
      ['shut-down', 'audit log shut down', ['4']],
    ]);
  });

  it('reports a file that cannot be opened as send-failed instead of throwing', async () => {
    const log = createLogBackend(path.join(dir, 'missing-folder', 'audit.log'), quiet);
    const errors: AuditPluginError[] = [];
    log.errors$.subscribe((e) => errors.push(e));
    expect(await log.processEvents(event('1'))).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.reason).toBe('send-failed');
    expect(errors[0]?.error.message).toMatch(/^audit log write failed: ENOENT/);
    await log.shutdown();
  });

  it('does not end a stream it was given', async () => {
    const out = sink();
    const log = createLogBackend(out.stream);
    await log.processEvents(event('1'));
    await log.shutdown();
    expect(out.stream.writableEnded).toBe(false);
    expect(out.text().split('\n')).toHaveLength(2);
  });

  it('shutdown with a timeout reports what is not written, the write in progress too, and resolves (virtual time)', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { stream, writes } = manualWritable(1);
    const log = createLogBackend(stream, { scheduler, ...quiet });
    const errors: AuditPluginError[] = [];
    log.errors$.subscribe((e) => errors.push(e));
    const first = log.processEvents(event('1'));
    const second = log.processEvents(event('2'));
    let done = false;
    const shutting = log.shutdown({ timeout: 5_000 }).then(() => (done = true));
    await tick();
    expect(done).toBe(false);
    scheduler.flush(); // the 5 s pass
    await shutting;
    expect(await first).toBe(false);
    expect(await second).toBe(false);
    expect(errors.map((e) => [e.reason, e.error.message, e.events.map((x) => x.auditID)])).toEqual([
      ['send-failed', 'audit log shutdown timed out', ['1']],
      ['send-failed', 'audit log shutdown timed out', ['2']],
    ]);
    expect(log.stats()).toMatchObject({ accepted: 2, delivered: 0, queued: 0, inFlight: 0 });
    // A stream that calls back late changes nothing: each event ended once, at the deadline.
    writes[0]?.callback();
    await tick();
    expect(errors).toHaveLength(2);
    expect(log.stats()).toMatchObject({ delivered: 0, inFlight: 0 });
  });
});
