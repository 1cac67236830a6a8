// rx-audit/nats — fan-in on NATS JetStream: the audit stream, a sender for the backends, a consumer
// and the gateway behind `rx-audit serve --jetstream`. Loads the optional peers @nats-io/transport-node
// and @nats-io/jetstream.

export { ensureAuditStream, AUDIT_STREAM_DEFAULTS } from './ensureAuditStream.js';
export type { EnsureAuditStreamOptions } from './ensureAuditStream.js';
export { createJetStreamSender } from './createJetStreamSender.js';
export { JETSTREAM_SENDER_DEFAULTS } from './jetStreamSenderDefaults.js';
export type { EncodedAuditEvent, JetStreamSender, JetStreamSenderOptions } from './createJetStreamSender.js';
export { fromJetStream, FROM_JETSTREAM_DEFAULTS } from './fromJetStream.js';
export type { AuditMessage, FromJetStreamOptions, InvalidAuditMessage } from './fromJetStream.js';
export { JetStreamPublishError, isJetStreamPublishError } from './JetStreamPublishError.js';
export type { JetStreamPublishErrorOptions, JetStreamPublishFailure } from './JetStreamPublishError.js';
export type { NatsConnectionOptions } from './NatsConnectionOptions.js';
export { createJetStreamGateway } from './createJetStreamGateway.js';
export { JetStreamGatewayError, isJetStreamGatewayError } from './JetStreamGatewayError.js';
export type { JetStreamGateway, JetStreamGatewayOptions } from './createJetStreamGateway.js';
