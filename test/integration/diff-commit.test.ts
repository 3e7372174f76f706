/**
 * A container's changes as data: `diff` lists them, `commit` makes them an image that runs,
 * `export`/`import` round-trip a whole filesystem — each checked by running the result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { mr, removeRoot, tempRoot, removeAllContainers } from '../helpers/cli';

let root: string;
let work: string;
const IMG = 'mini-run/busybox';
const m = (...args: string[]) => mr(root, args);

beforeAll(() => {
  root = tempRoot('diff');
  work = tempRoot('diffwork');
  // add, change, delete, and replace a directory (an opaque dir in overlay terms)
  const r = m('run', '--name', 'changed', '-v', 'keep:/var/keep', IMG, 'sh', '-c',
    'echo new > /newfile; rm /etc/group; mkdir -p /tmp/d; echo x > /tmp/d/f; echo more >> /etc/passwd; rm -rf /home; mkdir /home; echo h > /home/f; echo vol > /var/keep/v');
  expect(r.status).toBe(0);
});

afterAll(() => {
  expect(removeAllContainers(root)).toEqual([]);
  removeRoot(root);
  removeRoot(work);
});

describe('diff', () => {
  it('lists added, changed and deleted paths like docker (parents as C, whiteouts as D)', () => {
    const lines = m('diff', 'changed').stdout.trim().split('\n');
    expect(lines).toEqual(expect.arrayContaining([
      'A /newfile', 'C /etc', 'C /etc/passwd', 'D /etc/group', 'C /tmp', 'A /tmp/d', 'A /tmp/d/f', 'C /home', 'A /home/f', 'D /home/user',
    ]));
    // the runtime's mount points and the volume's content are not the container's changes
    expect(lines.join('\n')).not.toMatch(/hostname|resolv\.conf|\/etc\/hosts|\/var\/keep/);
  });

  it('a container whose start failed has no changes either: the runtime leaves none of its caches in it', () => {
    // With no cache on the host, the init resolves and compiles afresh, and its process ends
    // (start failed) after it has entered the container's root: what it would write at exit
    // must already be written on the host's side. (As root the caches live here; compile-cache.ts.)
    if (process.getuid?.() === 0) rmSync('/var/cache/mini-run/v8', { recursive: true, force: true });
    const r = m('run', '--name', 'failed', '--network', 'none', IMG, '/nonexistent');
    expect(r.status).toBe(127);
    expect(r.stderr).toMatch(/"\/nonexistent": stat \/nonexistent: no such file or directory/);
    expect(m('diff', 'failed').stdout).toBe('');
    if (process.getuid?.() === 0) expect(readdirSync('/var/cache/mini-run/v8').some((f) => f.startsWith('resolve-'))).toBe(true);
  });

  it('an untouched container has no changes', () => {
    m('run', '--name', 'clean', IMG, 'true');
    expect(m('diff', 'clean').stdout).toBe('');
    expect(m('diff', 'nosuch').stderr).toMatch(/No such container: nosuch/);
  });
});

describe('commit', () => {
  it('makes an image with the changes (deletions included) that runs, with -c changes, -m and -a', () => {
    const r = m('commit', '-m', 'my message', '-a', 'Tester <t@example.com>', '-c', 'CMD ["cat", "/newfile"]', '-c', 'ENV MODE=committed',
      '-c', 'WORKDIR /tmp/d', '-c', 'EXPOSE 8080', 'changed', 'committed:v1');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(m('run', '--rm', 'committed:v1').stdout).toBe('new\n');
    const inside = m('run', '--rm', 'committed:v1', 'sh', '-c', 'pwd; echo $MODE; cat f; test -e /etc/group || echo no-group; ls /home; tail -1 /etc/passwd; ls /var/keep | wc -l');
    expect(inside.stdout).toBe('/tmp/d\ncommitted\nx\nno-group\nf\nmore\n0\n');
    const cfg = JSON.parse(m('image', 'inspect', 'committed:v1').stdout)[0];
    expect(cfg.Author ?? cfg.author).toBe('Tester <t@example.com>');
    expect(JSON.stringify(cfg)).toMatch(/8080\/tcp/);
    expect(m('history', 'committed:v1').stdout).toMatch(/my message/);
  });

  it('a commit of the committed image\'s container stacks one more layer', () => {
    m('run', '--name', 'second', 'committed:v1', 'sh', '-c', 'rm /newfile');
    expect(m('commit', 'second', 'committed:v2').status).toBe(0);
    expect(m('run', '--rm', '--entrypoint', '', 'committed:v2', 'sh', '-c', 'test -e /newfile || echo gone').stdout).toBe('gone\n');
  });

  it('an untouched container adds no layer, as Docker (history: empty_layer); a new file in /etc still makes etc/ and the file', () => {
    expect(m('run', '--name', 'untouched', IMG, 'true').status).toBe(0);
    expect(m('diff', 'untouched').stdout).toBe(''); // the run left /etc/hostname, hosts, resolv.conf mount points in its upper dir
    const base = JSON.parse(m('image', 'inspect', IMG).stdout)[0].RootFS.Layers;
    expect(m('commit', 'untouched', 'clean:v1').status).toBe(0);
    expect(JSON.parse(m('image', 'inspect', 'clean:v1').stdout)[0].RootFS.Layers).toEqual(base);
    expect(m('history', '--format', '{{.CreatedBy}} {{.Size}}', 'clean:v1').stdout.split('\n')[0]).toBe('true 0B');
    const saved = join(work, 'clean.tar');
    expect(m('save', '-o', saved, 'clean:v1').status).toBe(0);
    const cfgName = JSON.parse(execFileSync('tar', ['-xOf', saved, 'manifest.json'], { encoding: 'utf8' }))[0].Config;
    const history = JSON.parse(execFileSync('tar', ['-xOf', saved, cfgName], { encoding: 'utf8' })).history;
    expect(history.at(-1)).toMatchObject({ created_by: 'true', empty_layer: true });
    expect(m('run', '--rm', 'clean:v1', 'echo', 'runs').stdout).toBe('runs\n');

    expect(m('run', '--name', 'etcnew', '--network', 'none', IMG, 'sh', '-c', 'echo x > /etc/newfile').status).toBe(0);
    expect(m('diff', 'etcnew').stdout).toBe('C /etc\nA /etc/newfile\n');
    expect(m('commit', 'etcnew', 'etcnew:v1').status).toBe(0);
    const layers = JSON.parse(m('image', 'inspect', 'etcnew:v1').stdout)[0].RootFS.Layers;
    expect(layers).toEqual([...base, expect.stringMatching(/^sha256:/)]);
    const tar = join(work, 'etcnew.tar');
    expect(m('save', '-o', tar, 'etcnew:v1').status).toBe(0);
    const top = JSON.parse(execFileSync('tar', ['-xOf', tar, 'manifest.json'], { encoding: 'utf8' }))[0].Layers.at(-1);
    // the layer holds the user's file and its directory, not the runtime's mount points
    const blob = join(work, 'etcnew-top');
    execFileSync('sh', ['-c', `tar -xOf "${tar}" "${top}" > "${blob}"`]);
    expect(execFileSync('tar', ['-tf', blob], { encoding: 'utf8' })).toBe('etc/\netc/newfile\n'); // (tar sees the gzip itself)
    expect(m('run', '--rm', 'etcnew:v1', 'cat', '/etc/newfile').stdout).toBe('x\n');
  });

  it('a bad -c change is refused before anything is stored (no unused layer left)', () => {
    const layers = readdirSync(join(root, 'layers')).length;
    const r = m('commit', '-c', 'BOGUS x', 'changed', 'never:v1');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/BOGUS/);
    expect(readdirSync(join(root, 'layers')).length).toBe(layers);
  });

  it('commits a running container, frozen meanwhile and running again after', () => {
    m('run', '-d', '--name', 'busy', IMG, 'sh', '-c', 'echo live > /livefile; exec sleep 300');
    for (let i = 0; i < 100 && m('exec', 'busy', 'test', '-e', '/livefile').status !== 0; i++) execFileSync('sleep', ['0.05']);
    expect(m('commit', 'busy', 'fromlive:v1').status).toBe(0);
    expect(m('inspect', '-f', '{{.State.Status}}', 'busy').stdout.trim()).toBe('running');
    expect(m('run', '--rm', 'fromlive:v1', 'cat', '/livefile').stdout).toBe('live\n');
    m('rm', '-f', 'busy');
  });
});

describe('export and import', () => {
  it('export writes the merged filesystem; import makes a one-layer image that runs', () => {
    const tar = join(work, 'fs.tar');
    expect(m('export', '-o', tar, 'changed').status).toBe(0);
    const names = execFileSync('tar', ['-tf', tar], { encoding: 'utf8' }).split('\n');
    expect(names).toContain('newfile');
    expect(names).toContain('bin/busybox');
    expect(names).not.toContain('etc/group');
    const imp = m('import', '-c', 'CMD ["cat", "/newfile"]', tar, 'imported:v1');
    expect(imp.status).toBe(0);
    expect(m('run', '--rm', 'imported:v1').stdout).toBe('new\n');
    const layers = JSON.parse(m('image', 'inspect', 'imported:v1').stdout)[0].RootFS.Layers;
    expect(layers).toHaveLength(1);
  });

  it('export to stdout, import from stdin', () => {
    const tarBuf = execFileSync(process.execPath, [join(__dirname, '../../bin/mini-run'), '--root', root, 'export', 'changed'], { maxBuffer: 64 << 20 });
    expect(tarBuf.length).toBeGreaterThan(1 << 20);
    const r = execFileSync(process.execPath, [join(__dirname, '../../bin/mini-run'), '--root', root, 'import', '-', 'fromstdin:v1'], { input: tarBuf, encoding: 'utf8' });
    expect(r.trim()).toMatch(/^sha256:/);
    expect(m('run', '--rm', 'fromstdin:v1', 'cat', '/home/f').stdout).toBe('h\n');
  });

  it('a running container can be exported (its mounts are left out)', () => {
    m('run', '-d', '--name', 'running', IMG, 'sh', '-c', 'echo live > /live; sleep 300');
    for (let i = 0; i < 100 && m('exec', 'running', 'test', '-e', '/live').status !== 0; i++) execFileSync('sleep', ['0.05']);
    const bin = join(__dirname, '../../bin/mini-run');
    const names = execFileSync('sh', ['-c', `"${process.execPath}" "${bin}" --root "${root}" export running | tar -t`], { encoding: 'utf8' }).split('\n');
    expect(names).toContain('live');
    expect(names).toContain('proc/');
    expect(names.some((n) => n.startsWith('proc/1/'))).toBe(false);
    m('rm', '-f', 'running');
  });
});
