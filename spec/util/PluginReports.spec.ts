import { describe, expect, it } from 'vitest';
import type { AuditPluginError } from '../../src/contract/AuditBackend.js';
import { emptyStats } from '../../src/contract/AuditBackend.js';
import { PluginReports } from '../../src/util/PluginReports.js';
import { auditEvent } from '../helpers/fixtures.js';

describe('PluginReports', () => {
  it('counts each report by reason, routes it, then emits it on errors$ — once each', () => {
    const order: string[] = [];
    const routed: AuditPluginError[] = [];
    const reports = new PluginReports('truncate', (item) => {
      order.push(`route ${item.reason}`);
      // Routed first: a handler already sees the report counted.
      order.push(`counted ${reports.failed[item.reason]}`);
      routed.push(item);
    });
    const emitted: AuditPluginError[] = [];
    reports.errors$.subscribe((item) => {
      order.push(`emit ${item.reason}`);
      emitted.push(item);
    });
    const error = new Error('event is too large even after truncating');
    reports.report('too-large', error, [auditEvent('a'), auditEvent('b')]);
    reports.report('invalid', new Error('x'), [auditEvent('c')]);
    expect(order).toEqual([
      'route too-large',
      'counted 2',
      'emit too-large',
      'route invalid',
      'counted 1',
      'emit invalid',
    ]);
    expect(emitted).toEqual(routed);
    expect(emitted[0]).toMatchObject({ plugin: 'truncate', reason: 'too-large', error });
    expect(emitted[0]?.events.map((e) => e.auditID)).toEqual(['a', 'b']);
    expect(reports.failed).toEqual({ ...emptyStats().failed, 'too-large': 2, invalid: 1 });
  });

  it('adds its counts to a delegate`s, even one that leaves a reason out', () => {
    const reports = new PluginReports('union', () => undefined);
    reports.report('send-failed', new Error('union: backend b failed to flush'), []);
    reports.report('send-failed', new Error('union: backend b failed to process events'), [auditEvent('a')]);
    const partial = { 'queue-blocked': 3 } as ReturnType<typeof emptyStats>['failed'];
    expect(reports.addTo(partial)).toEqual({ ...emptyStats().failed, 'queue-blocked': 3, 'send-failed': 1 });
  });
});
