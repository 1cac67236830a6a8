import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_STREAM_DEFAULTS, ensureAuditStream } from '../../src/nats/ensureAuditStream.js';
import type { NatsServer } from './fixtures/natsServer.js';
import { removeStoreDirs, startNatsServer } from './fixtures/natsServer.js';

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.stop();
  removeStoreDirs();
});

async function streamConfig(name: string) {
  const nc = await connect({ servers: server.url });
  try {
    return (await (await jetstreamManager(nc)).streams.info(name)).config;
  } finally {
    await nc.close();
  }
}

describe('ensureAuditStream', () => {
  it('creates the AUDIT stream on audit.> with a 2-minute duplicate window by default', async () => {
    await ensureAuditStream({ servers: server.url });
    const config = await streamConfig('AUDIT');
    expect(config).toMatchObject({
      name: 'AUDIT',
      subjects: ['audit.>'],
      num_replicas: 1,
      max_bytes: -1,
      max_age: 0,
      duplicate_window: 120_000 * 1_000_000,
    });
    expect(AUDIT_STREAM_DEFAULTS).toEqual({
      stream: 'AUDIT',
      subjects: ['audit.>'],
      replicas: 1,
      duplicateWindowMs: 120_000,
    });
  });

  it('updates an existing stream to the given settings and is idempotent', async () => {
    const options = { servers: server.url, stream: 'LIMITS', subjects: ['limits.a', 'limits.b.>'] };
    await ensureAuditStream(options);
    await ensureAuditStream({
      ...options,
      maxBytes: 1_048_576,
      maxAgeMs: 3_600_000,
      duplicateWindowMs: 60_000,
    });
    await ensureAuditStream({
      ...options,
      maxBytes: 1_048_576,
      maxAgeMs: 3_600_000,
      duplicateWindowMs: 60_000,
    });
    expect(await streamConfig('LIMITS')).toMatchObject({
      subjects: ['limits.a', 'limits.b.>'],
      max_bytes: 1_048_576,
      max_age: 3_600_000 * 1_000_000,
      duplicate_window: 60_000 * 1_000_000,
    });
  });

  it('says which stream it could not create, with the server reason', async () => {
    await ensureAuditStream({ servers: server.url, stream: 'FIRST', subjects: ['overlap.>'] });
    await expect(
      ensureAuditStream({ servers: server.url, stream: 'SECOND', subjects: ['overlap.>'] }),
    ).rejects.toThrow(/^cannot create or update JetStream stream "SECOND": .*overlap/);
  });

  it('fails with the servers named when NATS is unreachable', async () => {
    const gone = await startNatsServer();
    await gone.stop();
    await expect(ensureAuditStream({ servers: gone.url })).rejects.toThrow(
      `cannot connect to NATS at nats://127.0.0.1:${gone.port}`,
    );
  });

  it('validates its options, naming the field', async () => {
    const servers = server.url;
    await expect(ensureAuditStream({ servers, stream: 'a.b' })).rejects.toThrow(
      'stream must be a stream name (no spaces, ".", "*", ">", "/" or "\\"), got "a.b"',
    );
    await expect(ensureAuditStream({ servers, subjects: [] })).rejects.toThrow(
      'subjects must be a list of 1 to 256 subjects, got an array',
    );
    await expect(ensureAuditStream({ servers, subjects: ['a b'] })).rejects.toThrow(
      'subjects.0 must be a subject without spaces, got "a b"',
    );
    await expect(ensureAuditStream({ servers, replicas: 0 })).rejects.toThrow(
      'replicas must be a positive integer, got 0',
    );
    await expect(ensureAuditStream({ servers, maxAgeMs: 1000 })).rejects.toThrow(
      'duplicateWindowMs must not exceed maxAgeMs, got 120000 > 1000',
    );
    await expect(ensureAuditStream({ servers, tls: { cert: 'c' } })).rejects.toThrow(
      'tls.cert and tls.key must be given together',
    );
  });
});
