/**
 * Helpers for integration tests: run the real CLI against a throw-away state root, and look
 * at the host for anything a test left behind.
 */
import { spawnSync, SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '../..');
export const BIN = join(REPO, 'bin', 'mini-run');

export interface Result { status: number; stdout: string; stderr: string; signal: NodeJS.Signals | null }

/**
 * The cgroup parent of this test process's containers: one per test file (each runs in its own
 * worker), so leak checks see only their own cgroups even when other runs share the host.
 * Every mini-run this process starts inherits it through the environment.
 */
export const CGROUP_PARENT = `mini-run-test-${process.pid}`;
process.env.MINI_RUN_CGROUP_PARENT = CGROUP_PARENT;

/** A fresh state root under /tmp (overlay needs a real filesystem, not tmpfs-on-overlay). */
export function tempRoot(tag = 'root'): string {
  return mkdtempSync(`/tmp/mr-test-${tag}-`);
}

export function removeRoot(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/** Run `mini-run --root ROOT ARGS…` and wait for it. */
export function mr(root: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Result {
  const o: SpawnSyncOptions = {
    input: opts.input ?? '',
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeout ?? 60_000,
    maxBuffer: 64 << 20,
  };
  const r = spawnSync(process.execPath, [BIN, '--root', root, ...args], o);
  return { status: r.status ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), signal: r.signal };
}

/** Mount points on the host whose path or source mentions `needle` (e.g. a test root). */
export function mountsMentioning(needle: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(needle));
}

/** cgroup directories this test process's containers still have (see CGROUP_PARENT). */
export function containerCgroups(): string[] {
  const found: string[] = [];
  for (const base of ['/sys/fs/cgroup', ...safeDirs('/sys/fs/cgroup').map((d) => join('/sys/fs/cgroup', d))]) {
    const parent = join(base, CGROUP_PARENT);
    for (const d of safeDirs(parent)) if (d.startsWith('mr-')) found.push(join(parent, d));
  }
  return found;
}

/** The test's cgroup parent directories that still exist (each must be gone at the end). */
export function leftoverCgroupParents(): string[] {
  return ['/sys/fs/cgroup', ...safeDirs('/sys/fs/cgroup').map((d) => join('/sys/fs/cgroup', d))]
    .map((b) => join(b, CGROUP_PARENT)).filter((p) => existsSync(p));
}

function safeDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

/** Every mr-* cgroup on the host, whoever made it. */
export function allContainerCgroups(): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 3 || !existsSync(dir)) return;
    let entries: string[] = [];
    try { entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name); } catch { return; }
    for (const e of entries) {
      const p = join(dir, e);
      if (e.startsWith('mr-')) found.push(p);
      else walk(p, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return found;
}

/** Host processes whose command line mentions `needle` (e.g. the test root): leaked inits. */
export function processesMentioning(needle: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) out.push(`${pid} ${cmd}`);
    } catch { /* gone */ }
  }
  return out;
}

/** Everything a finished test must not leave behind for `root`: mounts, cgroups, processes. */
export function leaksFor(root: string): string[] {
  return [
    ...mountsMentioning(root).map((m) => `mount: ${m}`),
    ...containerCgroups().map((c) => `cgroup: ${c}`),
    ...leftoverCgroupParents().map((c) => `cgroup parent: ${c}`),
    ...processesMentioning(root).map((p) => `process: ${p}`),
  ];
}

/** The ids of the containers `root` holds records of. */
export function containerIds(root: string): string[] {
  const dir = join(root, 'containers');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** The bridge names of `root`'s user networks (ROOT/network/networks.json). */
export function networkBridges(root: string): string[] {
  const file = join(root, 'network', 'networks.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).map((n: { Bridge: string }) => n.Bridge) : [];
}

/**
 * End of a test file: remove every container left in `root` the way a user would (`rm -f`),
 * then return what the host still holds for it (must be nothing) and remove the root.
 */
export function removeAllContainers(root: string): string[] {
  const ids = containerIds(root);
  if (ids.length) mr(root, ['rm', '-f', ...ids]);
  return leaksFor(root);
}

/** Wait until `cond()` holds (checked every 50 ms); throw after `ms`. */
export async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
