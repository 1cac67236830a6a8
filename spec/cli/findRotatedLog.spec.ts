import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findRotatedLog, isRotationName, rotationsAfter } from '../../src/cli/findRotatedLog.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rx-audit-rotated-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let folders = 0;
/** A fresh folder holding `audit.log`, rotated by `rotate`; returns the log's path and the rotated file's inode. */
function rotatedFolder(rotate: (log: string) => void): { log: string; inode: number; dev: number } {
  const folder = path.join(dir, String(folders++));
  mkdirSync(folder);
  const log = path.join(folder, 'audit.log');
  writeFileSync(log, '{"old":1}\n{"old":2}\n');
  const { ino, dev } = statSync(log);
  rotate(log);
  writeFileSync(log, '{"new":1}\n');
  return { log, inode: ino, dev };
}

describe('isRotationName', () => {
  it.each([
    ['audit.log.1', true], // logrotate, numbered
    ['audit.log.2', true],
    ['audit.log-20261201', true], // logrotate dateext
    ['audit-20261201.log', true], // logrotate dateext with extension .log
    ['audit-2026-12-01T10-00-00.000.log', true], // lumberjack (the apiserver's own rotation)
    ['audit.log.1.gz', false], // compressed: a new file, never the checkpoint's inode
    ['audit-2026-12-01T10-00-00.000.log.gz', false],
    ['audit.log.2.xz', false],
    ['audit.log', false], // the log itself
    ['other.log.1', false],
    ['audit.txt', false],
    ['audit-x.txt', false],
    ['auditlog.1', false],
  ])('%s → %s', (name, expected) => {
    expect(isRotationName(name, 'audit.log')).toBe(expected);
  });

  it('a log name without an extension: only name. and name- prefixes', () => {
    expect(isRotationName('audit.1', 'audit')).toBe(true);
    expect(isRotationName('audit-20261201', 'audit')).toBe(true);
    expect(isRotationName('audits', 'audit')).toBe(false);
  });
});

describe('findRotatedLog', () => {
  it('finds the sibling with the inode, among siblings with rotation names and other inodes', async () => {
    const { log, inode, dev } = rotatedFolder((file) => {
      const folder = path.dirname(file);
      writeFileSync(path.join(folder, 'audit.log.2'), 'older\n');
      copyFileSync(file, path.join(folder, 'audit.log.3')); // the same bytes, another inode
      renameSync(file, path.join(folder, 'audit.log.1'));
    });
    const found = await findRotatedLog(log, { inode, dev });
    expect(found).toEqual({
      path: path.join(path.dirname(log), 'audit.log.1'),
      size: 20,
      mtimeMs: expect.any(Number) as number,
    });
  });

  it('finds a lumberjack rotation; without a device (an older checkpoint) the log’s own device is used', async () => {
    const { log, inode } = rotatedFolder((file) =>
      renameSync(file, path.join(path.dirname(file), 'audit-2026-12-01T10-00-00.000.log')),
    );
    const found = await findRotatedLog(log, { inode });
    expect(found?.path).toBe(path.join(path.dirname(log), 'audit-2026-12-01T10-00-00.000.log'));
  });

  it('takes a file by inode and device, never by name: another device, or only copies, is no match', async () => {
    const { log, inode, dev } = rotatedFolder((file) => {
      copyFileSync(file, `${file}.1`);
      renameSync(file, path.join(dir, `elsewhere-${folders}.log`));
    });
    expect(await findRotatedLog(log, { inode, dev })).toBeUndefined();
    const moved = rotatedFolder((file) => renameSync(file, `${file}.1`));
    expect(await findRotatedLog(moved.log, { inode: moved.inode, dev: moved.dev + 1 })).toBeUndefined();
    expect(await findRotatedLog(moved.log, { inode: moved.inode, dev: moved.dev })).toBeDefined();
  });

  it('skips the excluded paths (the checkpoint and its temporary file) and compressed names', async () => {
    const { log, inode, dev } = rotatedFolder((file) => renameSync(file, `${file}.checkpoint`));
    expect(await findRotatedLog(log, { inode, dev }, [`${log}.checkpoint`])).toBeUndefined();
    expect(await findRotatedLog(log, { inode, dev })).toBeDefined();
    const gz = rotatedFolder((file) => renameSync(file, `${file}.1.gz`));
    expect(await findRotatedLog(gz.log, { inode: gz.inode, dev: gz.dev })).toBeUndefined();
  });

  it('a log whose folder is gone: undefined, no throw', async () => {
    expect(await findRotatedLog(path.join(dir, 'missing', 'audit.log'), { inode: 1 })).toBeUndefined();
  });
});

describe('rotationsAfter', () => {
  it('names the rotations written after the checkpoint’s file, compressed ones too, oldest first', async () => {
    const { log, inode, dev } = rotatedFolder((file) => renameSync(file, `${file}.3`));
    const folder = path.dirname(log);
    const at = (name: string, minutes: number): void => {
      const file = path.join(folder, name);
      if (name !== 'audit.log.3') writeFileSync(file, 'x\n');
      const time = new Date(Date.UTC(2026, 11, 1, 10, minutes));
      utimesSync(file, time, time);
    };
    at('audit.log.4.gz', 0); // rotated before it
    at('audit.log.3', 10); // the checkpoint's file
    at('audit.log.2.gz', 20);
    at('audit.log.1', 30);
    at('audit.checkpoint', 40); // not a rotation name
    const found = await findRotatedLog(log, { inode, dev });
    expect(found?.path).toBe(path.join(folder, 'audit.log.3'));
    expect(await rotationsAfter(log, found!)).toEqual(['audit.log.2.gz', 'audit.log.1']);
    expect(await rotationsAfter(log, found!, [path.join(folder, 'audit.log.1')])).toEqual(['audit.log.2.gz']);
  });
});
