import 'reflect-metadata';
import type { Server } from 'node:http';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Injectable,
  Module,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Request } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditBackend } from '../../src/contract/AuditBackend.js';
import { createWebhookBackend } from '../../src/backends/createWebhookBackend.js';
import type { AuditEvent } from '../../src/events/Event.js';
import { AuditLevel } from '../../src/nest/AuditLevel.js';
import { AuditModule } from '../../src/nest/AuditModule.js';
import type { AuditModuleOptions } from '../../src/nest/AuditModuleOptions.js';
import { AUDIT_BACKEND } from '../../src/nest/tokens.js';
import type { Policy } from '../../src/policy/Policy.js';
import { startReceiver } from '../../src/testing/receiver.js';
import type { Receiver } from '../../src/testing/receiver.js';
import { httpRequest } from '../express/httpRequest.js';
import { recordingBackend } from '../express/recordingBackend.js';
import type { RecordingBackend } from '../express/recordingBackend.js';

const handled: string[] = [];

// esbuild (vitest) emits no decorator metadata, so every constructor dependency is an explicit @Inject.
@Injectable()
class OrdersService {
  constructor(@Inject(AUDIT_BACKEND) readonly backend: AuditBackend) {}
}

@Controller('orders')
class OrdersController {
  constructor(@Inject(OrdersService) private readonly orders: OrdersService) {}

  @Get(':id')
  findOne(@Param('id') id: string) {
    handled.push(`findOne ${id}`);
    if (id === 'missing') throw new NotFoundException('no such order');
    if (id === 'crash') throw new Error('database exploded: password=hunter2');
    return { id, backend: this.orders.backend.name };
  }

  @Post()
  @HttpCode(201)
  @AuditLevel('RequestResponse')
  create(@Body() body: { item: string }) {
    handled.push(`create ${body.item}`);
    return { id: 'o-1', item: body.item };
  }
}

@Controller('health')
@AuditLevel('None')
class HealthController {
  @Get()
  check() {
    handled.push('health');
    return { status: 'ok' };
  }

  @Get('deep')
  @AuditLevel('Metadata')
  deep() {
    return { status: 'deep ok' };
  }
}

const policy: Policy = { rules: [{ level: 'Metadata' }] };
let apps: INestApplication[] = [];
let receivers: Receiver[] = [];

afterEach(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await Promise.all(receivers.map((receiver) => receiver.close()));
  apps = [];
  receivers = [];
  handled.length = 0;
});

async function start(
  auditModule: ReturnType<typeof AuditModule.forRoot>,
): Promise<{ app: INestApplication; server: Server }> {
  const moduleRef = await Test.createTestingModule({
    imports: [auditModule],
    controllers: [OrdersController, HealthController],
    providers: [OrdersService],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  apps.push(app);
  return { app, server: app.getHttpServer() as Server };
}

async function startWith(options: Partial<AuditModuleOptions> = {}) {
  const backend = recordingBackend();
  const started = await start(AuditModule.forRoot({ backend, policy, ...options }));
  return { ...started, backend };
}

async function eventsOf(backend: RecordingBackend, count: number): Promise<AuditEvent[]> {
  await vi.waitFor(() => expect(backend.events).toHaveLength(count), { timeout: 2000, interval: 5 });
  await new Promise((resolve) => setImmediate(resolve));
  expect(backend.events).toHaveLength(count);
  return backend.events;
}

describe('AuditModule (NestJS)', () => {
  it('records requests through the global interceptor, with controller and handler annotations', async () => {
    const { backend, server } = await startWith({
      resolveUser: (req: Request) => ({ username: String(req.headers['x-user']) }),
    });
    const response = await httpRequest(server, 'GET', '/orders/7', {
      headers: { 'x-user': 'alice', 'user-agent': 'spec/1.0', 'x-forwarded-for': '203.0.113.7' },
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ id: '7', backend: 'recording' });
    const [received, complete] = await eventsOf(backend, 2);
    const common = {
      level: 'Metadata',
      auditID: response.headers['audit-id'],
      requestURI: '/orders/7',
      verb: 'get',
      user: { username: 'alice' },
      sourceIPs: ['203.0.113.7', '127.0.0.1'],
      userAgent: 'spec/1.0',
      annotations: { 'nestjs.rx-audit/controller': 'OrdersController', 'nestjs.rx-audit/handler': 'findOne' },
    };
    expect(received).toMatchObject({ ...common, stage: 'RequestReceived' });
    expect(complete).toMatchObject({ ...common, stage: 'ResponseComplete', responseStatus: { code: 200 } });
    expect(complete).not.toHaveProperty('responseObject');
    expect(backend.runs).toBe(1);
  });

  it('@AuditLevel on a handler overrides the policy: RequestResponse records both bodies', async () => {
    const { backend, server } = await startWith();
    const response = await httpRequest(server, 'POST', '/orders', { body: { item: 'book' } });
    expect(response.status).toBe(201);
    const [received, complete] = await eventsOf(backend, 2);
    expect(received).toMatchObject({ level: 'RequestResponse', verb: 'post' });
    expect(received).not.toHaveProperty('requestObject');
    expect(complete).toMatchObject({
      level: 'RequestResponse',
      requestObject: { item: 'book' },
      responseObject: { id: 'o-1', item: 'book' },
      responseStatus: { code: 201 },
    });
  });

  it('@AuditLevel on a controller applies to its handlers, and a handler decorator wins', async () => {
    const { backend, server } = await startWith();
    const health = await httpRequest(server, 'GET', '/health');
    expect([health.status, typeof health.headers['audit-id']]).toEqual([200, 'string']);
    await httpRequest(server, 'GET', '/health/deep');
    expect((await eventsOf(backend, 2)).map((event) => [event.requestURI, event.level])).toEqual([
      ['/health/deep', 'Metadata'],
      ['/health/deep', 'Metadata'],
    ]);
    expect(handled).toEqual(['health']);
  });

  it('records Panic when a handler throws, but ResponseComplete for an HttpException', async () => {
    const { backend, server } = await startWith();
    const crash = await httpRequest(server, 'GET', '/orders/crash');
    expect(crash.status).toBe(500);
    const [, panic] = await eventsOf(backend, 2);
    expect(panic).toMatchObject({
      stage: 'Panic',
      responseStatus: { code: 500, status: 'Failure' },
      annotations: { 'nestjs.rx-audit/handler': 'findOne' },
    });
    expect(JSON.stringify(panic)).not.toContain('hunter2');

    backend.events.length = 0;
    const missing = await httpRequest(server, 'GET', '/orders/missing');
    expect(missing.status).toBe(404);
    expect((await eventsOf(backend, 2)).map((event) => [event.stage, event.responseStatus?.code])).toEqual([
      ['RequestReceived', undefined],
      ['ResponseComplete', 404],
    ]);
  });

  it('strict mode fails the request with 500 before the handler runs when the backend refuses', async () => {
    const { backend, server } = await startWith({ strict: true });
    backend.accept = () => false;
    const response = await httpRequest(server, 'POST', '/orders', { body: { item: 'book' } });
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body)).toMatchObject({
      statusCode: 500,
      message: 'failed to store audit event',
    });
    expect(handled).toEqual([]);
  });

  it('forRootAsync builds the options from injected providers', async () => {
    const backend = recordingBackend();
    @Module({
      providers: [{ provide: 'AUDIT_CONFIG', useValue: { backend, user: 'from-config' } }],
      exports: ['AUDIT_CONFIG'],
    })
    class ConfigModule {}
    const { server } = await start(
      AuditModule.forRootAsync({
        imports: [ConfigModule],
        inject: ['AUDIT_CONFIG'],
        useFactory: async (config: { backend: RecordingBackend; user: string }) => {
          await Promise.resolve();
          return { backend: config.backend, policy, resolveUser: () => ({ username: config.user }) };
        },
      }),
    );
    await httpRequest(server, 'GET', '/orders/1');
    expect((await eventsOf(backend, 2)).map((event) => event.user?.username)).toEqual([
      'from-config',
      'from-config',
    ]);
    expect(backend.runs).toBe(1);
  });

  it('forRoot validates its options', () => {
    const backend = recordingBackend();
    expect(() => AuditModule.forRoot({ backend, policy, shutdownTimeout: -5 })).toThrow(
      'shutdownTimeout must be a non-negative number of milliseconds, got -5',
    );
    expect(() => AuditModule.forRoot({ backend, policy: { rules: [{ level: 'All' as 'None' }] } })).toThrow(
      'rules.0.level: expected one of None|Metadata|Request|RequestResponse, got "All"',
    );
    expect(() => AuditLevel('Everything' as 'None')).toThrow(
      '@AuditLevel level must be one of None|Metadata|Request|RequestResponse, got "Everything"',
    );
  });

  it('ships to a real receiver and drains the backend before app.close() resolves', async () => {
    const receiver = await startReceiver({ delayMs: 100 });
    receivers.push(receiver);
    // A long batch window: nothing is sent until shutdown flushes it.
    const backend = createWebhookBackend({
      mode: 'batch',
      target: { url: receiver.url },
      batch: { maxBatchWait: 60_000 },
    });
    const { app, server } = await start(AuditModule.forRoot({ backend, policy }));
    await httpRequest(server, 'GET', '/orders/1');
    await httpRequest(server, 'POST', '/orders', { body: { item: 'lamp' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(receiver.events).toHaveLength(0);

    await app.close();
    apps = apps.filter((other) => other !== app);
    expect(receiver.events.map((event) => [event.stage, event.verb, event.requestURI])).toEqual([
      ['RequestReceived', 'get', '/orders/1'],
      ['ResponseComplete', 'get', '/orders/1'],
      ['RequestReceived', 'post', '/orders'],
      ['ResponseComplete', 'post', '/orders'],
    ]);
    expect(receiver.events[3]).toMatchObject({
      level: 'RequestResponse',
      responseObject: { id: 'o-1', item: 'lamp' },
    });
    expect(backend.stats()).toMatchObject({ delivered: 4, queued: 0, inFlight: 0 });
  });
});
