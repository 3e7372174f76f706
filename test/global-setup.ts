/**
 * Before the tests: build once, so they always run the code as it is now (dist/ is what bin/
 * runs), and start the real engines some tests drive (a Docker engine, containerd) when they
 * are installed but not running — under /tmp, with their own sockets (test/helpers/engines.mjs).
 * After the tests: stop only what was started here.
 * MINI_RUN_TEST_ENGINES=0 skips the engines (unit tests need none; running them beside another
 * test run must not start or stop the Docker engine that run is using), and so does a run whose
 * file filters all lie under test/unit (`npx vitest run test/unit`, run without the host lock
 * beside an integration run that holds it).
 * After an integration run, `system prune` gives the host's network back: the default bridge,
 * its rules and our chains stay idle after the last container (as docker0 does) until a prune.
 * A unit run leaves the host's network alone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
// @ts-ignore -- a plain ES module shared with .ci/run (node test/helpers/engines.mjs start)
import { ensureEngines, stopEngines } from './helpers/engines.mjs';

export default async function setup(): Promise<() => void> {
  const repo = resolve(__dirname, '..');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: repo, stdio: 'inherit' });
  if (process.env.MINI_RUN_TEST_ENGINES === '0' || unitFilesOnly(process.argv.slice(2))) return () => {};
  const started: string[] = await ensureEngines({ log: (m: string) => console.log(m) });
  return () => {
    giveBackNetwork(repo);
    if (started.length) for (const line of stopEngines(started) as string[]) console.log(`engines: ${line}`);
  };
}

/**
 * Whether vitest's arguments name only unit test files (`run test/unit`, `run test/unit/x.test.ts`).
 * Anything else (no filter, another path, an option's value) counts as a run that may need the
 * engines, as before.
 */
function unitFilesOnly(args: string[]): boolean {
  const filters = args.filter((a) => !a.startsWith('-') && !['run', 'watch', 'related'].includes(a));
  return filters.length > 0 && filters.every((f) => /^(\.\/)?test\/unit(\/|$)/.test(f));
}

/** The idle default bridge, its rules and our chains go (only when no container of anyone uses them). */
function giveBackNetwork(repo: string): void {
  if (process.getuid?.() !== 0) return;
  const root = mkdtempSync('/tmp/mr-test-prune-');
  try {
    const r = spawnSync(process.execPath, [join(repo, 'bin', 'mini-run'), '--root', root, 'system', 'prune'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) console.log(`system prune after the tests failed: ${r.stderr.trim()}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
