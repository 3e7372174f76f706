/**
 * Health checks (`--health-cmd`, the image's HEALTHCHECK): while a container runs, its
 * supervisor runs the check inside it every Interval, as `exec` would, and keeps the verdict in
 * the record's State.Health — what `ps` shows as `(healthy)` / `(unhealthy)` /
 * `(health: starting)` and `inspect` as .State.Health. Docker's rules:
 *   - status `starting` until the first check passes;
 *   - exit 0 = healthy (the failing streak starts over); any other exit, or running longer
 *     than Timeout, is a failure; Retries failures in a row make it `unhealthy`;
 *   - failures within StartPeriod after the start do not count (a slow-starting server);
 *   - the last 5 results are kept (start, end, exit code, the first 4 KiB of output).
 * The check runs as a `mini-run exec` child process: the same namespaces, cgroup, user and
 * seccomp filter as the program, and nothing of the supervisor's own state is shared with it.
 */
import { join } from 'node:path';
import type { Healthcheck, HealthState } from './health-schema';
import { checkHealthcheck } from './health-check';
import { UserError } from '../errors';
import { paths } from '../paths';
import { nodeChildEnv } from '../sys/node-env';
import { lazy } from '../lazy';
import { isoTime } from '../utc-time';
// (the check runner's spawn and events are loaded by the supervisor that runs checks, not by
// every command that reads a record's Healthcheck schema)
const childProcess = lazy(() => require('node:child_process') as typeof import('node:child_process'));
const events = lazy(() => require('../events') as typeof import('../events'));

export type { Healthcheck, HealthState } from './health-schema';

const DEFAULTS = { interval: 30e9, timeout: 30e9, startPeriod: 0, retries: 3 };
const MAX_LOG = 5;
const MAX_OUTPUT = 4096;

/** Docker's durations for --health-*: 30s, 1m30s, 500ms (at least 1 ms; 0 = default). */
export function parseHealthDuration(value: string, flag: string): number {
  const v = value.trim();
  if (v === '0') return 0;
  if (!/^((\d+(\.\d+)?)(ns|us|µs|ms|s|m|h))+$/.test(v)) throw new UserError(`invalid argument "${value}" for "--${flag}" flag: time: invalid duration "${value}"`, 125);
  const unit = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 } as Record<string, number>;
  const ns = [...v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)].reduce((t, [, n, u]) => t + Number(n) * unit[u], 0);
  if (ns < 1e6) throw new UserError(`${flag === 'health-interval' ? 'Interval' : flag === 'health-timeout' ? 'Timeout' : 'StartPeriod'} in Healthcheck cannot be less than 1ms`, 125);
  return Math.round(ns);
}

export interface HealthFlags { cmd?: string; interval?: number; timeout?: number; startPeriod?: number; retries?: number; none: boolean }

/** The container's Healthcheck: the image's, overridden field by field by the flags (Docker's merge); null = none. */
export function mergeHealthcheck(image: unknown, f: HealthFlags): Healthcheck | null {
  const given = f.cmd !== undefined || f.interval !== undefined || f.timeout !== undefined || f.startPeriod !== undefined || f.retries !== undefined;
  if (f.none && given) throw new UserError('--no-healthcheck conflicts with --health-* options', 125);
  if (f.retries !== undefined && f.retries < 0) throw new UserError('--health-retries cannot be negative', 125);
  if (f.none) return { Test: ['NONE'] };
  const fromImage = checkHealthcheck(image) as Healthcheck | undefined; // the check generated from the zod schema
  const base: Healthcheck = fromImage ?? { Test: [] as unknown as [string] };
  const merged: Healthcheck = {
    ...base,
    ...(f.cmd !== undefined ? { Test: ['CMD-SHELL', f.cmd] } : {}),
    ...(f.interval !== undefined ? { Interval: f.interval } : {}),
    ...(f.timeout !== undefined ? { Timeout: f.timeout } : {}),
    ...(f.startPeriod !== undefined ? { StartPeriod: f.startPeriod } : {}),
    ...(f.retries !== undefined ? { Retries: f.retries } : {}),
  };
  return merged.Test.length ? merged : null;
}

/** Does this check run at all? (["NONE"] turns off an image's check.) */
export function healthActive(h: Healthcheck | null | undefined): h is Healthcheck {
  return !!h && h.Test[0] !== 'NONE' && h.Test.length > 1;
}

type Store = { load(): HealthState | null; save(h: HealthState): void; meta(): { name: string; image: string } };

/**
 * Start checking; returns the function that stops it (called when the program exits). The
 * timers do not keep the supervisor alive: the program does.
 */
export function startHealthChecks(id: string, check: Healthcheck, store: Store): () => void {
  const interval = (check.Interval || DEFAULTS.interval) / 1e6;
  const timeout = (check.Timeout || DEFAULTS.timeout) / 1e6;
  const startPeriod = (check.StartPeriod || DEFAULTS.startPeriod) / 1e6;
  const retries = check.Retries || DEFAULTS.retries;
  const started = Date.now();
  const argv = check.Test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', check.Test[1]] : check.Test.slice(1);
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  store.save({ Status: 'starting', FailingStreak: 0, Log: [] });

  const probe = () => {
    if (stopped) return;
    const start = new Date();
    const child = childProcess().spawn(process.execPath, [join(__dirname, '../../bin/mini-run'), '--root', paths.root(), 'exec', id, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: nodeChildEnv(process.env) });
    let output = '';
    const take = (d: Buffer) => { if (output.length < MAX_OUTPUT) output = (output + d.toString('utf8')).slice(0, MAX_OUTPUT); };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const killer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeout);
    child.on('close', (code) => {
      clearTimeout(killer);
      if (stopped) return;
      const exitCode = timedOut ? -1 : code ?? -1;
      if (timedOut) output = `Health check exceeded timeout (${timeout / 1000}s)`;
      record(start, exitCode, output);
      timer = setTimeout(probe, interval);
      timer.unref();
    });
  };

  const record = (start: Date, exitCode: number, output: string) => {
    const prev = store.load() ?? { Status: 'starting' as const, FailingStreak: 0, Log: [] };
    const inStartPeriod = Date.now() - started < startPeriod;
    const next: HealthState = { ...prev, Log: [...prev.Log, { Start: isoTime(start), End: isoTime(), ExitCode: exitCode, Output: output }].slice(-MAX_LOG) };
    if (exitCode === 0) {
      next.Status = 'healthy';
      next.FailingStreak = 0;
    } else if (!(inStartPeriod && prev.Status === 'starting')) {
      next.FailingStreak = prev.FailingStreak + 1;
      if (next.FailingStreak >= retries) next.Status = 'unhealthy';
    }
    store.save(next);
    if (next.Status !== prev.Status) events().recordEvent('container', `health_status: ${next.Status}`, id, store.meta());
  };

  timer = setTimeout(probe, interval);
  timer.unref();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
