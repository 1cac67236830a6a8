// Test helper: runs the BUILT command line (dist/cjs/cli/main.js, the package's "bin") as a child process.
// `npm test` builds before vitest; in a local run do `npm run build` first.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeEvent } from '../../src/events/decodeEvent.js';
import type { AuditEvent } from '../../src/events/Event.js';

/** The repository root (this file is `<root>/spec/cli/builtCli.ts`). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The vendored real audit logs, `<repo root>/spec/fixtures/corpus`. */
export const corpusDir = path.resolve(repoRoot, 'spec/fixtures/corpus');
/** The executable the package's `bin` points at. */
export const CLI = path.join(repoRoot, 'dist/cjs/cli/main.js');

/** The two big real logs, as JSON lines. */
export const LIGGITT = path.join(corpusDir, 'liggitt__audit2rbac__demo@501d132.log');
export const OPENSHIFT = path.join(corpusDir, 'openshift__cluster-logging-operator__audit_in.log');

/** Fails fast with a clear message when the CLI was not built. */
export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" before these tests`);
}

/** What a finished run printed, and how it ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcessWithoutNullStreams, timeoutMs: number): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`rx-audit did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `node dist/cjs/cli/main.js ...args` to completion.
 *
 * @param args The command line.
 * @param options `input`: bytes for stdin (stdin is closed either way); `timeoutMs`; `cwd`.
 */
export function runCli(
  args: string[],
  options: { input?: string | Buffer; timeoutMs?: number; cwd?: string } = {},
): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env },
  });
  const done = collect(child, options.timeoutMs ?? 30_000);
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input ?? '');
  return done;
}

/** A running `rx-audit serve` child. */
export interface ServeProcess {
  url: string;
  /** Sends SIGTERM and resolves with what it printed and its exit code. */
  stop(): Promise<CliRun>;
}

/** Starts `rx-audit serve --port 0 ...args` and waits for its "listening on" line (text on stdout, or JSON on stderr). */
export function startServe(args: string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { cwd: repoRoot });
  const done = collect(child, 60_000);
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const match =
        /rx-audit serve listening on (\S+)/.exec(seen) ??
        /"msg":"rx-audit serve listening on (\S+?)"/.exec(seen);
      if (match?.[1] === undefined) return;
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      resolve({
        url: match[1],
        stop: async () => {
          child.kill('SIGTERM');
          return done;
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    done.then(
      (run) => reject(new Error(`serve exited early (${run.code}): ${run.stderr}`)),
      (err: unknown) => reject(err as Error),
    );
  });
}

/** `auditID/stage`, the key that is unique per event in a real log. */
export const eventKey = (event: AuditEvent): string => `${event.auditID}/${event.stage}`;

/** Decodes a JSON-lines text (a log, or serve's --out file) into v1 events sorted by key. */
export function decodeLines(text: string): AuditEvent[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => decodeEvent(JSON.parse(line)))
    .sort((a, b) => eventKey(a).localeCompare(eventKey(b)));
}

/** Decodes a corpus log file into v1 events sorted by key. */
export function decodeFile(file: string): AuditEvent[] {
  return decodeLines(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
}

/** The `delivered: N events` count from ship's summary. */
export function deliveredCount(stdout: string): number | undefined {
  const match = /delivered: +(\d+) events?/.exec(stdout);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** stderr without ship's periodic plain progress lines (printed every 5 s when stderr is not a terminal). */
export function withoutProgressLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line !== '' && !/^rx-audit ship: (\d+% \| )?\d+ read \|/.test(line));
}

/** A running `rx-audit` child the test drives: its stdin stays open, signals are the test's to send. */
export interface CliChild {
  readonly child: ChildProcessWithoutNullStreams;
  /** What it printed so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when it exited. */
  readonly done: Promise<CliRun>;
}

/** Starts `node dist/cjs/cli/main.js ...args` without closing its stdin. */
export function spawnCli(args: string[], timeoutMs = 60_000): CliChild {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: repoRoot, env: { ...process.env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.on('error', () => undefined);
  const done = collect(child, timeoutMs);
  return { child, output: () => ({ stdout, stderr }), done };
}

/** Polls `check` every 25 ms until it returns true; rejects after `timeoutMs` with `what`. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Whether process `pid` has `file` open (Linux: /proc/<pid>/fd). `ship` opens its input after it listens for
 * signals, so this says a signal sent now is handled by ship, not by the default action.
 */
export function hasOpen(pid: number | undefined, file: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
