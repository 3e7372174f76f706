/** Build once before the tests, so they always run the code as it is now (dist/ is what bin/ runs). */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function setup(): void {
  const repo = resolve(__dirname, '..');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: repo, stdio: 'inherit' });
}
