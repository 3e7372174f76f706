/**
 * Before the tests: build once, so they always run the code as it is now (dist/ is what bin/
 * runs), and start the real engines some tests drive (a Docker engine, containerd) when they
 * are installed but not running — under /tmp, with their own sockets (test/helpers/engines.mjs).
 * After the tests: stop only what was started here.
 * MINI_RUN_TEST_ENGINES=0 skips the engines (unit tests need none; running them beside another
 * test run must not start or stop the Docker engine that run is using).
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
// @ts-ignore -- a plain ES module shared with .ci/run (node test/helpers/engines.mjs start)
import { ensureEngines, stopEngines } from './helpers/engines.mjs';

export default async function setup(): Promise<() => void> {
  const repo = resolve(__dirname, '..');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: repo, stdio: 'inherit' });
  if (process.env.MINI_RUN_TEST_ENGINES === '0') return () => {};
  const started: string[] = await ensureEngines({ log: (m: string) => console.log(m) });
  return () => { if (started.length) stopEngines(started); };
}
