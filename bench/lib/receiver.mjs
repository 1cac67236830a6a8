// Starts the receiver (receiver-process.mjs) in a separate process and talks to it over IPC.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./receiver-process.mjs', import.meta.url));

/**
 * Forks a receiver on 127.0.0.1:0.
 * @returns {Promise<{url: string, otlpUrl: string, reset(): Promise<void>, count(): Promise<{items:number,requests:number,bytes:number}>,
 *   waitFor(items: number, timeoutMs?: number): Promise<{items:number,requests:number,bytes:number,timedOut?:boolean}>,
 *   stall(on: boolean): Promise<void>, close(): Promise<void>}>}
 */
export function startReceiver() {
  // No inherited execArgv: a profiled or --expose-gc benchmark must not profile its receiver too.
  const child = fork(script, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 1;
  const pending = new Map();
  const call = (msg) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ ...msg, id });
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`receiver exited early (code ${code})`)));
    child.on('message', (msg) => {
      if (msg.ready) {
        const base = `http://127.0.0.1:${msg.port}`;
        resolve({
          url: `${base}/audit`,
          otlpUrl: `${base}/v1/logs`,
          pid: child.pid,
          reset: () => call({ cmd: 'reset' }).then(() => undefined),
          count: () => call({ cmd: 'count' }),
          waitFor: (items, timeoutMs) => call({ cmd: 'waitFor', items, timeoutMs }),
          stall: (on) => call({ cmd: 'stall', on }).then(() => undefined),
          close: () =>
            new Promise((done) => {
              child.removeAllListeners('exit');
              child.once('exit', () => done());
              child.send({ cmd: 'close' });
            }),
        });
        return;
      }
      const settle = pending.get(msg.id);
      if (settle) {
        pending.delete(msg.id);
        settle(msg);
      }
    });
  });
}
