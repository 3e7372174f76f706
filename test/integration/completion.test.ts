/**
 * `mini-run completion bash|zsh|fish`: the scripts, loaded in the real shells, complete commands,
 * flags and the names in a real state root (a running and a stopped container, the built-in
 * image, a volume), as a user pressing TAB would see them.
 * bash: the script's function with COMP_LINE/COMP_POINT as bash sets them; fish: `complete -C`
 * (fish's own non-interactive completion); zsh: the script's function with compadd/_files
 * replaced by printers (zsh's completion widgets need a terminal).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, mr, removeRoot, tempRoot, removeAllContainers } from '../helpers/cli';

let root: string;
let binDir: string;
const IMG = 'mini-run/busybox';
const m = (...args: string[]) => mr(root, args);
const lines = (s: string) => s.split('\n').filter(Boolean);
const has = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;

/** Run SCRIPT in SHELL with `mini-run` on the PATH (this checkout's) and ROOT as the state root. */
function inShell(shell: string, script: string, env: NodeJS.ProcessEnv = { MINI_RUN_ROOT: root }): string[] {
  const r = spawnSync(shell, ['-c', script], { encoding: 'utf8', env: { ...process.env, MINI_RUN_ROOT: undefined, ...env, PATH: `${binDir}:${process.env.PATH}` }, timeout: 30_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return lines(r.stdout);
}

const bashSays = (line: string, env?: NodeJS.ProcessEnv) => inShell('bash',
  `source <(mini-run completion bash); COMP_LINE='${line}'; COMP_POINT=\${#COMP_LINE}; _mini_run_complete; printf '%s\\n' "\${COMPREPLY[@]}"`, env);

beforeAll(() => {
  root = tempRoot('completion');
  binDir = mkdtempSync('/tmp/mr-test-completion-bin-');
  writeFileSync(join(binDir, 'mini-run'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(join(binDir, 'mini-run'), 0o755);
  expect(m('run', '-d', '--name', 'up1', IMG, 'sleep', '60').status).toBe(0);
  expect(m('create', '--name', 'made1', IMG, 'true').status).toBe(0);
  expect(m('volume', 'create', 'vol1').status).toBe(0);
});

afterAll(() => {
  expect(removeAllContainers(root)).toEqual([]);
  removeRoot(root);
  removeRoot(binDir);
});

describe('completion', () => {
  it('bash: commands, flags, containers by state, images (after the colon), volumes, flag values', () => {
    expect(bashSays('mini-run sto')).toEqual(['stop']);
    expect(bashSays('mini-run run --rest')).toEqual(['--restart']);
    expect(bashSays('mini-run stop ')).toEqual(['up1']);
    expect(bashSays('mini-run start ')).toEqual(['made1']);
    expect(bashSays('mini-run rm ')).toEqual(['made1', 'up1']);
    expect(bashSays('mini-run container logs m')).toEqual(['made1']);
    expect(bashSays('mini-run run -d mini-run/bu')).toEqual(['mini-run/busybox:latest']);
    expect(bashSays('mini-run run -d mini-run/busybox:l')).toEqual(['latest']); // bash replaces what follows the ':'
    expect(bashSays('mini-run run -v vo')).toEqual(['vol1']);
    expect(bashSays('mini-run volume rm ')).toEqual(['vol1']);
    expect(bashSays('mini-run run --network=n')).toEqual(['none']);
    expect(bashSays(`mini-run --root ${root} stop `, {})).toEqual(['up1']); // --root typed, no MINI_RUN_ROOT
    expect(bashSays('mini-run cp ')).toEqual([]); // nothing of ours: bash completes files (-o default)
  });

  it.skipIf(!has('fish'))('fish: the same answers through fish\'s own completion', () => {
    const fish = (line: string) => inShell('fish', `mini-run completion fish | source; complete -C'${line}'`);
    expect(fish('mini-run sto')).toEqual(['stop']);
    expect(fish('mini-run stop ')).toEqual(['up1']);
    expect(fish('mini-run run mini-run/busybox:')).toEqual(['mini-run/busybox:latest']);
    expect(fish('mini-run run --network=h')).toEqual(['--network=host']);
    expect(fish(`mini-run cp ${binDir}/`)).toEqual([`${binDir}/mini-run`]); // no names: files
  });

  it.skipIf(!has('zsh'))('zsh: the script hands the answers to compadd, or completes files', () => {
    const zsh = (...words: string[]) => inShell('zsh', `compadd() { print -rl -- "\${@[$(( \${@[(i)--]} + 1 )),-1]}"; }; _files() { print FILES; }; `
      + `source <(mini-run completion zsh); words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _mini_run`);
    expect(zsh('mini-run', 'sto')).toEqual(['stop']);
    expect(zsh('mini-run', 'start', '')).toEqual(['made1']);
    expect(zsh('mini-run', 'volume', 'inspect', '')).toEqual(['vol1']);
    expect(zsh('mini-run', 'cp', '')).toEqual(['FILES']);
  });

  it('as a normal user (no access to the state root): no names, no error; a missing state root is not made', () => {
    const fresh = join(root, 'not-yet');
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, '__complete', '--root', root, 'stop', ''], { encoding: 'utf8' });
    expect([r.status, r.stderr, r.stdout]).toEqual([0, '', '']);
    // and as root, a state root that does not exist yet is not made by pressing TAB
    const cmds = spawnSync(process.execPath, [BIN, '__complete', '--root', fresh, 'st'], { encoding: 'utf8' });
    expect(lines(cmds.stdout)).toEqual(['start', 'stats', 'stop']);
    expect(existsSync(fresh)).toBe(false);
    if (!has('fish')) console.log('completion: fish not installed (apt-get install fish): its case skipped');
    if (!has('zsh')) console.log('completion: zsh not installed (apt-get install zsh): its case skipped');
  });
});
