/**
 * zod only where a JSON is read (src/lazy.ts): `run --rm --network none`, `ps`,
 * `images`, `inspect` and `logs` never load it — their records go through the generated checks
 * and a missing config file means its defaults. A Module._load hook (`node -r HOOK`) writes a
 * line to a file whenever the CLI loads zod. A malformed daemon.json, volume record or image
 * config does load it, and still gives its one line and its exit code (which is also what
 * shows the hook sees zod when it is loaded).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, leaksFor, mr, removeRoot, tempRoot, type Result } from '../helpers/cli';

const IMG = 'mini-run/busybox';
const usable = process.getuid?.() === 0 && existsSync('/bin/busybox');
let root: string;
let hook: string;
let seen: string;

/** `mini-run --root ROOT ARGS…` with the hook (and no config file unless `env` names one); `zod`: the files that loaded zod. */
function hooked(args: string[], env: NodeJS.ProcessEnv = {}): Result & { zod: string[] } {
  rmSync(seen, { force: true });
  const r = spawnSync(process.execPath, ['-r', hook, BIN, '--root', root, ...args],
    { input: '', encoding: 'utf8', timeout: 60_000, env: { ...process.env, MR_ZOD_SEEN: seen, MINI_RUN_CONFIG: join(root, 'no-such-config.json'), ...env } });
  const zod = existsSync(seen) ? readFileSync(seen, 'utf8').trim().split('\n') : [];
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, signal: r.signal, zod };
}

describe.skipIf(!usable)('zod only where a JSON is read', () => {
  beforeAll(() => {
    root = tempRoot('zod-lazy');
    hook = join(root, 'zod-hook.cjs');
    seen = join(root, 'zod-seen');
    writeFileSync(hook, `
      const Module = require('node:module');
      const load = Module._load;
      Module._load = function (request, parent) {
        if (/^zod(\\/|$)/.test(request)) require('node:fs').appendFileSync(process.env.MR_ZOD_SEEN, (parent && parent.filename) + '\\n');
        return load.apply(this, arguments);
      };`);
    // the built-in image is stored at its first use (writing an image may load zod): before the hooked runs
    expect(mr(root, ['run', '--rm', '--network', 'none', IMG, 'true']).status).toBe(0);
    expect(mr(root, ['run', '--name', 'mr-zl', '--network', 'none', IMG, 'echo', 'hello']).stdout).toBe('hello\n');
  });
  afterAll(() => {
    mr(root, ['rm', '-f', 'mr-zl']);
    mr(root, ['volume', 'rm', '-f', 'mr-zlv']);
    const leaks = leaksFor(root);
    removeRoot(root);
    expect(leaks).toEqual([]);
  });

  it('run --rm --network none, ps, images, inspect and logs do not load zod', () => {
    const cases: [string[], (r: Result) => void][] = [
      [['run', '--rm', '--network', 'none', IMG, 'true'], (r) => expect(r.stdout).toBe('')],
      [['ps', '-a'], (r) => expect(r.stdout).toMatch(/ mr-zl\n$/)],
      [['images'], (r) => expect(r.stdout).toMatch(/^mini-run\/busybox +latest /m)],
      [['inspect', 'mr-zl'], (r) => expect(JSON.parse(r.stdout)[0].Name).toBe('/mr-zl')],
      [['logs', 'mr-zl'], (r) => expect(r.stdout).toBe('hello\n')],
    ];
    for (const [args, check] of cases) {
      const r = hooked(args);
      expect({ args, status: r.status, stderr: r.stderr, zod: r.zod }).toEqual({ args, status: 0, stderr: '', zod: [] });
      check(r);
    }
  });

  it('a malformed daemon.json, volume record or image config loads zod and still gives one line and its exit code', () => {
    const conf = join(root, 'daemon.json');
    writeFileSync(conf, JSON.stringify({ bip: '10.0.0.0/16' }));
    const badConf = hooked(['run', '--rm', '--network', 'none', IMG, 'true'], { MINI_RUN_CONFIG: conf });
    expect(badConf.stderr).toBe(`mini-run: the configuration file ${conf} is invalid: "bip": must be the bridge's address with its prefix, e.g. "10.66.0.1/16" (not the network or broadcast address; 8 ≤ prefix ≤ 30)\n`);
    expect(badConf.status).toBe(125);
    expect(badConf.zod).toEqual([expect.stringMatching(/\/dist\/image\/registry\/config-schema\.js$/)]);

    expect(mr(root, ['volume', 'create', 'mr-zlv']).status).toBe(0);
    const record = join(root, 'volumes', 'mr-zlv', 'volume.json');
    writeFileSync(record, JSON.stringify({ Name: 5 }));
    const badVolume = hooked(['volume', 'inspect', 'mr-zlv']);
    expect(badVolume.stderr).toBe(`mini-run: volume mr-zlv: its record ${record} is invalid: Expected string, received number\n`);
    expect(badVolume.status).toBe(1);
    expect(badVolume.zod).toEqual([expect.stringMatching(/\/dist\/volume\/volume-schema\.js$/)]);

    const id = JSON.parse(mr(root, ['image', 'inspect', IMG]).stdout)[0].Id as string;
    const blob = join(root, 'blobs', 'sha256', id.slice('sha256:'.length));
    const config = JSON.parse(readFileSync(blob, 'utf8'));
    config.config.Env = 5;
    writeFileSync(blob, JSON.stringify(config));
    const badImage = hooked(['run', '--rm', '--network', 'none', IMG, 'true']);
    expect(badImage.stderr).toBe(`mini-run: image config ${id.slice(0, 19)}: invalid field "config.Env": Expected array, received number\n`);
    expect(badImage.status).toBe(125);
    expect(badImage.zod).toEqual([expect.stringMatching(/\/dist\/image\/oci-types\.js$/)]);
  });
});
