import { describe, expect, it } from 'vitest';
import { AuditError, isAuditError } from '../../src/events/AuditError.js';
import type { AuditDecodeError } from '../../src/events/AuditDecodeError.js';
import { decodeEvent } from '../../src/events/decodeEvent.js';
import { PolicyError } from '../../src/policy/PolicyError.js';
import { KubeconfigError } from '../../src/transport/KubeconfigError.js';
import { WebhookError } from '../../src/transport/WebhookError.js';
import { SpoolError } from '../../src/spool/SpoolError.js';
import { JetStreamGatewayError } from '../../src/nats/JetStreamGatewayError.js';
import { JetStreamPublishError } from '../../src/nats/JetStreamPublishError.js';
import { CliUsageError } from '../../src/cli/CliUsageError.js';
import { SendAbortedError } from '../../src/transport/sendAttempt.js';
import { FileTooLargeError } from '../../src/util/readBoundedFile.js';
import { RequestBodyError } from '../../src/util/readRequestBody.js';

describe('AuditError', () => {
  it('is the base of every error class, with one field for the problems', () => {
    const decode = (() => {
      try {
        decodeEvent({ level: 'Loud' });
      } catch (error) {
        return error;
      }
    })() as AuditDecodeError;
    const errors = [
      decode,
      new KubeconfigError('/k.yaml', ['clusters.0.cluster.server: missing']),
      new PolicyError(['rules.0.level: expected one of None|Metadata|Request|RequestResponse']),
      new WebhookError('HTTP 503', { status: 503 }),
      new SpoolError('/var/spool', 'spool /var/spool is in use (pid 1)'),
      new JetStreamPublishError('no stream stores audit.x', { failure: 'no-stream', subject: 'audit.x' }),
      new JetStreamGatewayError('JetStream unreachable', 503, undefined),
      // The internal ones too (they reach users as causes, or as the CLI's exit-2 line).
      new CliUsageError('--url is not a valid URL'),
      new SendAbortedError('the send was abandoned'),
      new FileTooLargeError('file is larger than 4 bytes'),
      new RequestBodyError(413, 'body is larger than 4 bytes'),
    ];
    for (const error of errors) {
      expect(error).toBeInstanceOf(AuditError);
      expect(isAuditError(error)).toBe(true);
    }
    expect(decode.problems.length).toBeGreaterThan(0);
    expect(Object.keys(decode)).not.toContain('errors'); // one field name for the list: `problems`
    expect(errors[1]?.problems).toEqual(['clusters.0.cluster.server: missing']);
    for (const error of errors.slice(3)) expect(error.problems).toEqual([]);
    expect(errors.map((e) => e.name)).toEqual([
      'AuditDecodeError',
      'KubeconfigError',
      'PolicyError',
      'WebhookError',
      'SpoolError',
      'JetStreamPublishError',
      'JetStreamGatewayError',
      'CliUsageError',
      'SendAbortedError',
      'FileTooLargeError',
      'RequestBodyError',
    ]);
    expect([(errors[9] as FileTooLargeError).code, (errors[10] as RequestBodyError).status]).toEqual([
      'EFBIG',
      413,
    ]);
  });

  it('keeps the cause, and the guard also accepts a look-alike from another copy of the module', () => {
    const cause = new Error('root');
    const error = new AuditError('wrapped', { problems: ['a: b'], omitted: 2, cause });
    expect([error.cause, error.problems, error.omitted]).toEqual([cause, ['a: b'], 2]);
    expect(isAuditError(Object.assign(new Error('x'), { problems: [] }))).toBe(true);
    expect(isAuditError(new Error('x'))).toBe(false);
    expect(isAuditError('x')).toBe(false);
  });
});
