/**
 * compile-cache.ts loads dist/'s own files through a `.js` handler in Module._extensions
 * (deprecated; Node 20 still uses it). When the table does not have the shape it relies on —
 * here a frozen table, so the handler cannot be replaced, as a later Node may leave it — the
 * CLI falls back to Node's own loading and works the same (before the guard: a TypeError at
 * the first line, exit 1). On this Node the handler is installed.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..');
const BIN = join(REPO, 'bin', 'mini-run');
const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8', input: '', env: { ...process.env, MINI_RUN_FRONT: 'node' } });

describe('compile-cache: the dist/ loader only where Node has the shape it expects', () => {
  it('a Module._extensions it cannot change: Node loads dist/ itself, the same output and exit code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mr-ccguard-'));
    try {
      const freeze = join(dir, 'freeze.cjs');
      writeFileSync(freeze, "Object.freeze(require('node:module')._extensions);\n");
      for (const args of [['--version'], ['--help'], ['no-such-command']]) {
        const plain = node([BIN, ...args]);
        const frozen = node(['-r', freeze, BIN, ...args]);
        expect({ args, status: frozen.status, stdout: frozen.stdout, stderr: frozen.stderr })
          .toEqual({ args, status: plain.status, stdout: plain.stdout, stderr: plain.stderr });
      }
      expect(node([BIN, '--version']).stdout).toMatch(/^mini-run version /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on this Node the handler is installed (the guard does not always fall back)', () => {
    const r = node(['-e', `const Module = require('node:module'); const before = Module._extensions['.js'];
      require(${JSON.stringify(join(REPO, 'dist', 'compile-cache.js'))}).installCompileCache();
      console.log(Module._extensions['.js'] !== before)`]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('true\n');
  });
});
