// `rx-audit ship --follow --checkpoint` when the log was rotated while ship was down (the BUILT bin, real child
// processes, real signals, real files and renames in a temp dir): the rest of the rotated file is found beside the
// log by its inode and shipped before the new file; with no such file ship warns and reads the new file.
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEvent } from '../../src/events/decodeEvent.js';
import type { CliRun } from './builtCli.js';
import { assertBuilt, eventKey, OPENSHIFT, runCli, spawnCli, startServe, waitUntil } from './builtCli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rx-audit-cli-rotate-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Blocking mode, 2 events per POST: one POST at a time, so the receiver's order is the order ship read them in.
const ARGS = ['--mode', 'blocking', '--max-batch-size', '2', '--max-batch-wait', '50', '--no-progress'];
const LINES = readFileSync(OPENSHIFT, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '');
const text = (from: number, to: number): string => `${LINES.slice(from, to).join('\n')}\n`;
/**
 * The keys of what serve wrote to `--out`, in the order it received them. Polled while serve writes, so only the
 * lines it has ended count (a line being written is not yet JSON).
 */
const receivedKeys = (out: string): string[] => {
  const written = existsSync(out) ? readFileSync(out, 'utf8') : '';
  return written
    .slice(0, written.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => eventKey(decodeEvent(JSON.parse(l))));
};
const keysOf = (from: number, to: number): string[] =>
  LINES.slice(from, to).map((l) => eventKey(decodeEvent(JSON.parse(l))));

/** Whether the checkpoint stands at the end of `log` (the file under the name now). */
const atEndOf = (checkpoint: string, log: string): boolean => {
  const saved = JSON.parse(readFileSync(checkpoint, 'utf8')) as { inode?: number; offset?: number };
  const now = statSync(log);
  return saved.inode === now.ino && saved.offset === now.size;
};

/**
 * A sidecar's life around a rotation: ship --follow the first 10 events, stop it with SIGTERM; while it is down
 * the apiserver writes 5 more (left unread at the end of the file), then `rotate` moves the file away and a new
 * file gets 8 events; ship --follow again until serve holds `expected` events in all, SIGTERM again.
 */
async function aroundRotation(
  name: string,
  rotate: (log: string) => void,
  expected: number,
): Promise<{ out: string; log: string; checkpoint: string; second: CliRun }> {
  const folder = path.join(dir, name);
  mkdirSync(folder);
  const log = path.join(folder, 'audit.log');
  const checkpoint = path.join(folder, 'audit.log.checkpoint');
  const out = path.join(dir, `${name}.out.jsonl`);
  const serve = await startServe(['--out', out]);
  const args = ['ship', log, '--url', serve.url, ...ARGS, '--checkpoint', checkpoint, '--follow'];
  writeFileSync(log, text(0, 10));
  const first = spawnCli(args);
  await waitUntil(() => receivedKeys(out).length === 10, 'the first 10 events');
  first.child.kill('SIGTERM');
  const stopped = await first.done;
  expect(stopped.code).toBe(0);
  expect(stopped.stdout).toMatch(/checkpoint: byte \d+ \(line 11\)/);

  appendFileSync(log, text(10, 15));
  rotate(log);
  writeFileSync(log, text(15, 23));
  const again = spawnCli(args);
  await waitUntil(() => receivedKeys(out).length >= expected, `${expected} events in all`);
  // Everything readable was read and ended (so an event sent twice would have been sent by now).
  await waitUntil(() => atEndOf(checkpoint, log), 'the checkpoint at the end of the new file');
  again.child.kill('SIGTERM');
  const second = await again.done;
  await serve.stop();
  return { out, log, checkpoint, second };
}

/** Then a run without --follow reads nothing new: the checkpoint stands on the new file, at its end. */
async function expectCheckpointOnNewFile(log: string, checkpoint: string): Promise<void> {
  const saved = JSON.parse(readFileSync(checkpoint, 'utf8')) as {
    inode: number;
    offset: number;
    dev: number;
  };
  const now = statSync(log);
  expect(saved).toMatchObject({ inode: now.ino, dev: now.dev, offset: now.size });
  const third = await runCli([
    'ship',
    log,
    '--url',
    'http://127.0.0.1:9/',
    ...ARGS,
    '--checkpoint',
    checkpoint,
  ]);
  expect(third.stderr).toMatch(/resuming audit\.log at byte \d+ \(line 9\) from the checkpoint/);
  expect(third.stdout).toMatch(/read: +0 events/);
}

describe('rx-audit ship --checkpoint after a rotation while ship was down', { timeout: 60_000 }, () => {
  it('logrotate (audit.log → audit.log.1): ships the unread rest of audit.log.1, then the new audit.log, each once, in order', async () => {
    const { out, log, checkpoint, second } = await aroundRotation(
      'numbered',
      (file) => renameSync(file, `${file}.1`),
      23,
    );
    expect(second.code).toBe(0);
    expect(receivedKeys(out)).toEqual([...keysOf(0, 10), ...keysOf(10, 15), ...keysOf(15, 23)]);
    expect(second.stderr).toContain(
      'rx-audit ship: audit.log was rotated since the checkpoint: shipping the rest of audit.log.1 from byte',
    );
    expect(second.stdout).toMatch(/read: +13 events/);
    await expectCheckpointOnNewFile(log, checkpoint);
  });

  it("the apiserver's own rotation (audit-2026-12-01T10-00-00.000.log): the same, found among other rotations", async () => {
    const { out, log, checkpoint, second } = await aroundRotation(
      'lumberjack',
      (file) => {
        const folder = path.dirname(file);
        // Older rotations beside it, one compressed, with other inodes (and older times): never taken.
        const older = ['audit-2026-11-30T10-00-00.000.log', 'audit-2026-11-29T10-00-00.000.log.gz'];
        writeFileSync(path.join(folder, older[0]!), text(40, 60));
        writeFileSync(path.join(folder, older[1]!), 'not read');
        for (const [i, name] of older.entries()) {
          const day = new Date(Date.UTC(2026, 10, 30 - i, 10));
          utimesSync(path.join(folder, name), day, day);
        }
        renameSync(file, path.join(folder, 'audit-2026-12-01T10-00-00.000.log'));
      },
      23,
    );
    expect(second.code).toBe(0);
    expect(receivedKeys(out)).toEqual([...keysOf(0, 10), ...keysOf(10, 15), ...keysOf(15, 23)]);
    expect(second.stderr).toContain('shipping the rest of audit-2026-12-01T10-00-00.000.log from byte');
    expect(second.stderr).not.toContain('warning');
    await expectCheckpointOnNewFile(log, checkpoint);
  });

  it('rotated twice while ship was down: the rest of the first rotation is shipped, and a warning names the one between', async () => {
    const { out, second } = await aroundRotation(
      'twice',
      (file) => {
        renameSync(file, `${file}.2`); // the checkpoint's file, rotated on since
        writeFileSync(`${file}.1`, text(30, 35)); // written (and rotated) after it: not read
        const later = new Date(statSync(`${file}.2`).mtimeMs + 60_000); // (file times may be coarse)
        utimesSync(`${file}.1`, later, later);
      },
      23,
    );
    expect(second.code).toBe(0);
    expect(receivedKeys(out)).toEqual([...keysOf(0, 10), ...keysOf(10, 15), ...keysOf(15, 23)]);
    expect(second.stderr).toContain(
      'rx-audit ship: warning: audit.log was rotated more than once since the checkpoint: 1 later rotation ' +
        '(audit.log.1) is not read, and what it holds is not shipped',
    );
  });

  it('no rotated file with that inode (moved elsewhere): one warning naming the checkpoint and the file, then the new file from its start', async () => {
    const { out, log, checkpoint, second } = await aroundRotation(
      'gone',
      (file) => {
        mkdirSync(path.join(dir, 'gone-archive'));
        renameSync(file, path.join(dir, 'gone-archive', 'audit.log.1'));
      },
      18,
    );
    expect(second.code).toBe(0);
    // The 5 unread events of the vanished file are not shipped (and the warning said so); the new file is, once.
    expect(receivedKeys(out)).toEqual([...keysOf(0, 10), ...keysOf(15, 23)]);
    const warnings = second.stderr.split('\n').filter((l) => l.includes('warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toBe(
      `rx-audit ship: warning: audit.log is not the file --checkpoint ${checkpoint} was taken from ` +
        `(inode ${statSync(path.join(dir, 'gone-archive', 'audit.log.1')).ino}) and no file beside it has that ` +
        'inode: the rest of the rotated file could not be found and is not shipped; reading audit.log from the start',
    );
    await expectCheckpointOnNewFile(log, checkpoint);
  });

  it('a sibling with a rotation name but another inode (a copy of the old file) is not used', async () => {
    const { out, log, checkpoint, second } = await aroundRotation(
      'copy',
      (file) => {
        // The same bytes under the name logrotate would give, but a new inode: not the checkpoint's file. The new
        // file replaces the old by a rename, so the old inode is not free to be reused for it.
        copyFileSync(file, `${file}.1`);
        writeFileSync(`${file}.new`, '');
        renameSync(`${file}.new`, file);
      },
      18,
    );
    expect(second.code).toBe(0);
    expect(receivedKeys(out)).toEqual([...keysOf(0, 10), ...keysOf(15, 23)]);
    expect(second.stderr).toMatch(
      /warning: audit\.log is not the file --checkpoint \S+ was taken from \(inode \d+\) and no file beside it has that inode/,
    );
    expect(second.stderr).not.toContain('shipping the rest of');
    await expectCheckpointOnNewFile(log, checkpoint);
  });
});
