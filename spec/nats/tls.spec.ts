// TLS to nats-server with certificates generated in the test: the server certificate is verified against
// the CA given (or the system's, which does not know it), and a client certificate can be required.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJetStreamSender } from '../../src/nats/createJetStreamSender.js';
import { ensureAuditStream } from '../../src/nats/ensureAuditStream.js';
import { auditEvents } from '../helpers/fixtures.js';
import type { TlsFixture } from '../transport/fixtures/tls.js';
import { generateTls } from '../transport/fixtures/tls.js';
import type { NatsServer } from './fixtures/natsServer.js';
import { removeStoreDirs, startNatsServer } from './fixtures/natsServer.js';

let dir: string;
let tls: TlsFixture;
let server: NatsServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rx-audit-nats-tls-'));
  tls = generateTls(dir);
  server = await startNatsServer({
    config: `tls { cert_file: ${JSON.stringify(tls.server.certFile)}, key_file: ${JSON.stringify(
      tls.server.keyFile,
    )}, ca_file: ${JSON.stringify(tls.clientCa.certFile)}, verify: true }`,
  });
});
afterAll(async () => {
  await server.stop();
  removeStoreDirs();
  rmSync(dir, { recursive: true, force: true });
});

describe('TLS', () => {
  it('connects with the CA and a client certificate, and publishes', async () => {
    const options = {
      servers: `tls://127.0.0.1:${server.port}`,
      tls: { ca: tls.ca.cert, cert: tls.client.cert, key: tls.client.key },
    };
    await ensureAuditStream({ ...options, stream: 'TLS', subjects: ['tls.>'] });
    const sender = await createJetStreamSender({ ...options, subject: 'tls.events' });
    await sender.publish(auditEvents(3));
    await sender.close();
  });

  it('refuses a server certificate that the given CA did not sign (verification is on by default)', async () => {
    const error: unknown = await createJetStreamSender({
      servers: `tls://127.0.0.1:${server.port}`,
      tls: { ca: tls.clientCa.cert, cert: tls.client.cert, key: tls.client.key },
      subject: 'tls.events',
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^cannot connect to NATS at tls:\/\/127\.0\.0\.1:\d+\/?: /);
  });

  it('is refused without a client certificate when the server requires one', async () => {
    const error: unknown = await createJetStreamSender({
      servers: `tls://127.0.0.1:${server.port}`,
      tls: { ca: tls.ca.cert },
      subject: 'tls.events',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('cannot connect to NATS at tls://127.0.0.1:');
  });
});
