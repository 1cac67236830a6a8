// rx-audit/testing — a real audit webhook receiver and marble-test helpers.
export { startReceiver, RECEIVER_DEFAULTS } from './receiver.js';
export type {
  Receiver,
  ReceiverOptions,
  ReceiverTlsOptions,
  ReceiverReply,
  ReceiverFailure,
  ReceivedRequest,
} from './receiver.js';
export { createTestSender } from './marbles.js';
export type { TestSender, TestSenderCall } from './marbles.js';
export { createTestScheduler } from './createTestScheduler.js';
export { createVirtualClock } from './createVirtualClock.js';
export type { VirtualClock, VirtualClockOptions } from './createVirtualClock.js';
