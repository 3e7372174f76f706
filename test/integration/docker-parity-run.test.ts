/**
 * Issue 20, items 5–10: running containers, side by side with the Docker engine. Each test runs
 * the same commands in mini-run and (when a Docker engine answers; the test setup starts one
 * under /tmp) in Docker on the same busybox image (mini-run's own, `save`d and `docker load`ed),
 * and compares what the user sees. Differences that are on purpose (addresses 10.88/16 instead
 * of 172.17/16, no IPv6 port bindings) are normalised away here and listed in docs/compare.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { BIN, leaksFor, mr, networkBridges, removeAllContainers, tempRoot } from '../helpers/cli';
import { freePort } from '../fixtures/registry';

const IMG = 'mini-run/busybox';
let root: string;
let work: string;
let docker = false;
const m = (...args: string[]) => mr(root, args);
const dk = (...args: string[]) => {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};
/** Docker's objects get this suffix: its engine is shared by the whole test run. */
const D = `-${process.pid}`;
type Run = (...args: string[]) => { status: number; stdout: string; stderr: string };
/** Each engine with the name its objects get here. */
const engines = (): Array<{ name: string; run: Run; n: (base: string) => string }> => [
  { name: 'mini-run', run: m, n: (b) => b },
  ...(docker ? [{ name: 'docker', run: dk, n: (b: string) => b + D }] : []),
];
/**
 * What a terminal shows of `cmd` run under a pseudo-terminal (util-linux script). At the end of
 * its (empty) input, script types a NUL into the terminal, which the line discipline may echo
 * as "^@" somewhere in the output: taken out.
 */
const underPty = (cmd: string) => spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'latin1', input: '', timeout: 30_000 }).stdout.replaceAll('^@', '');

beforeAll(() => {
  root = tempRoot('parity-run');
  work = mkdtempSync('/tmp/mr-test-parityrun-');
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000 });
  docker = info.status === 0 && info.stdout.trim() !== '';
  if (!docker) {
    console.log(`Docker comparisons skipped: no Docker engine answers (docker info: ${(info.stderr || info.error?.message || '').trim().split('\n').pop()})`);
    return;
  }
  // The same image in both engines: mini-run's busybox, saved by mini-run, loaded by Docker.
  expect(m('run', '--rm', '--network', 'none', IMG, 'true').status).toBe(0);
  expect(m('save', '-o', join(work, 'bb.tar'), IMG).status).toBe(0);
  expect(dk('load', '-i', join(work, 'bb.tar')).status).toBe(0);
});

afterAll(() => {
  if (docker) {
    dk('rm', '-f', `mr-pr-e${D}`, `mr-pr-l${D}`, `mr-pr-j2${D}`, `mr-pr-p${D}`, `mr-pr-c${D}`, `mr-pr-x${D}`, `mr-pr-j${D}`);
    dk('rm', '-f', `mr-pr-fc${D}`, `mr-pf-a${D}`, `mr-pf-b${D}`, `mr-pf-c${D}`);
    dk('network', 'rm', `mr-pf-na${D}`, `mr-pf-nb${D}`);
    dk('network', 'rm', `mr-pr-n${D}`, `mr-pr-fa${D}`, `mr-pr-fb${D}`);
  }
  expect(removeAllContainers(root)).toEqual([]);
  m('network', 'rm', 'mr-pr-n');
  m('network', 'rm', 'mr-pr-fa', 'mr-pr-fb', 'mr-pf-na', 'mr-pf-nb');
  expect(networkBridges(root)).toEqual([]);
  expect(leaksFor(root)).toEqual([]);
  rmSync(root, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('a start that fails (item 5)', () => {
  it('stays Created, with the error in .State.Error and exit code 127; start fails again; rm works', () => {
    const seen: Record<string, unknown> = {};
    for (const { name, run, n } of engines()) {
      const r = run('run', '--name', n('mr-pr-e'), IMG, 'nosuchcmd');
      expect(r.status).toBe(127);
      expect(r.stderr).toContain('exec: "nosuchcmd": executable file not found in $PATH');
      const view = [
        run('ps', '-a', '--format', '{{.Status}}', '-f', `name=^${n('mr-pr-e')}$`).stdout,
        run('ps', '-a', '-q', '-f', 'status=created', '-f', `name=^${n('mr-pr-e')}$`).stdout.trim().split('\n').filter(Boolean).length,
        run('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}} {{.State.Pid}} {{.State.StartedAt}} {{.State.FinishedAt}}', n('mr-pr-e')).stdout,
        run('start', n('mr-pr-e')).status,
        run('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', n('mr-pr-e')).stdout,
      ];
      expect(run('inspect', '-f', '{{.State.Error}}', n('mr-pr-e')).stdout).toContain('exec: "nosuchcmd": executable file not found in $PATH');
      expect(run('rm', n('mr-pr-e')).status).toBe(0);
      seen[name] = view;
    }
    expect(seen['mini-run']).toEqual(['Created\n', 1, 'created 127 false 0 0001-01-01T00:00:00Z 0001-01-01T00:00:00Z\n', 1, 'created 127\n']);
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
  });
});

describe('the hostname in host and container network modes (item 4)', () => {
  it('--network host: the host\'s name; container:X: X\'s hostname, NetworkMode container:<full id>; --hostname with it refused', () => {
    const seen: Record<string, unknown> = {};
    for (const { name, run, n } of engines()) {
      const host = run('run', '--rm', '--network', 'host', IMG, 'hostname');
      const id = run('run', '-d', '--name', n('mr-pr-x'), '--hostname', 'netowner', IMG, 'sleep', '60').stdout.trim();
      const joined = run('run', '--rm', '--network', `container:${n('mr-pr-x')}`, IMG, 'hostname');
      expect(run('create', '--name', n('mr-pr-j'), '--network', `container:${n('mr-pr-x')}`, IMG, 'true').status).toBe(0);
      const mode = run('inspect', '-f', '{{.HostConfig.NetworkMode}}', n('mr-pr-j')).stdout.replace(id, '<full id of X>');
      const both = run('run', '--rm', '--network', `container:${n('mr-pr-x')}`, '--hostname', 'x', IMG, 'true');
      expect(run('rm', '-f', n('mr-pr-j'), n('mr-pr-x')).status).toBe(0);
      // no daemon: mini-run's errors start "mini-run:" where Docker's say "Error response from daemon:"
      seen[name] = [host.status, host.stdout, joined.stdout, mode, both.status, both.stderr.split('\n')[0].replace(/^((mini-run|docker): )?(Error response from daemon: )?/, '')];
    }
    expect(seen['mini-run']).toEqual([0, `${hostname()}\n`, 'netowner\n', 'container:<full id of X>\n', 125, 'conflicting options: hostname and the network mode']);
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
  });
});

describe('network create --ip-range (item 6)', () => {
  it('IPAM.Config shows the range; containers get their address from it; the gateway is listed as Docker lists it', () => {
    const seen: Record<string, unknown> = {};
    // One engine after the other: both would want the same subnet on this host.
    for (const { name, run, n } of engines().reverse()) {
      expect(run('network', 'create', '--subnet', '10.199.0.0/16', '--ip-range', '10.199.5.0/24', n('mr-pr-n')).status).toBe(0);
      const ipam = run('network', 'inspect', '-f', '{{json .IPAM.Config}}', n('mr-pr-n')).stdout;
      const inside = run('run', '--rm', '--network', n('mr-pr-n'), IMG, 'sh', '-c', 'ip -4 -o addr show eth0 | grep -o "inet [^ ]* brd [^ ]*"; ip route | grep default').stdout;
      expect(run('network', 'rm', n('mr-pr-n')).status).toBe(0);
      seen[name] = [ipam, inside];
    }
    expect(seen['mini-run']).toEqual([
      '[{"Subnet":"10.199.0.0/16","IPRange":"10.199.5.0/24"}]\n',
      expect.stringMatching(/^inet 10\.199\.5\.\d+\/16 brd 10\.199\.255\.255\ndefault via 10\.199\.\d+\.\d+ dev eth0/),
    ]);
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
  });
});

describe('ports and the inspect keys a learner reads (items 7, 8)', () => {
  it('EXPOSE/--expose and -p: the PORTS column, Config.ExposedPorts, NetworkSettings.Ports, HostConfig.PortBindings, as Docker', async () => {
    const port = String(await freePort());
    const seen: Record<string, unknown> = {};
    for (const { name, run, n } of engines()) {
      expect(run('run', '-d', '--name', n('mr-pr-p'), '--expose', '80', '-p', `${port}:81`, IMG, 'sleep', '300').status).toBe(0);
      // Docker also binds [::]: mini-run publishes on IPv4 only (docs/compare.md)
      const ps = run('ps', '--format', '{{.Ports}}', '-f', `name=^${n('mr-pr-p')}$`).stdout.replace(/, \[::\]:\d+->\d+\/tcp/g, '');
      const json = run('inspect', '-f', '{{json .Config.ExposedPorts}}|{{json .NetworkSettings.Ports}}|{{json .HostConfig.PortBindings}}', n('mr-pr-p')).stdout
        .replace(/,\{"HostIp":"::","HostPort":"\d+"\}/g, '');
      const printed = run('inspect', '-f', '{{.Config.ExposedPorts}}|{{.NetworkSettings.Ports}}|{{.HostConfig.PortBindings}}|{{.HostConfig.RestartPolicy}}|{{.HostConfig.LogConfig}}|{{.GraphDriver.Name}}|{{.Driver}}', n('mr-pr-p')).stdout
        .replace(/ \{:: \d+\}/g, '');
      const state = run('inspect', '-f', '{{.State}}', n('mr-pr-p')).stdout.replace(/ \d+ 0  \S+ /, ' PID 0  STARTED ');
      seen[name] = [ps, json, printed, state];
      expect(run('rm', '-f', n('mr-pr-p')).status).toBe(0);
    }
    expect(seen['mini-run']).toEqual([
      `80/tcp, 0.0.0.0:${port}->81/tcp\n`,
      `{"80/tcp":{},"81/tcp":{}}|{"80/tcp":null,"81/tcp":[{"HostIp":"0.0.0.0","HostPort":"${port}"}]}|{"81/tcp":[{"HostIp":"","HostPort":"${port}"}]}\n`,
      `map[80/tcp:{} 81/tcp:{}]|map[80/tcp:[] 81/tcp:[{0.0.0.0 ${port}}]]|map[81/tcp:[{ ${port}}]]|{no 0}|{json-file map[]}|overlay2|overlay2\n`,
      '{running true false false false false PID 0  STARTED 0001-01-01T00:00:00Z <nil>}\n',
    ]);
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
  });

  it('HostConfig.LogConfig: the driver as named (local too) and the options as given, keys sorted; logs reads a local container', () => {
    const seen: Record<string, string[]> = {};
    for (const { name, run, n } of engines()) {
      expect(run('run', '--name', n('mr-pr-l'), '--log-driver', 'local', '--log-opt', 'max-size=1m', '--log-opt', 'compress=false', IMG, 'echo', 'kept').status).toBe(0);
      expect(run('create', '--name', n('mr-pr-j2'), '--log-opt', 'max-size=2m', '--log-opt', 'max-file=3', IMG, 'true').status).toBe(0);
      seen[name] = [
        run('inspect', '-f', '{{json .HostConfig.LogConfig}}', n('mr-pr-l')).stdout,
        run('logs', n('mr-pr-l')).stdout,
        run('inspect', '-f', '{{json .HostConfig.LogConfig}}|{{.HostConfig.LogConfig.Type}}', n('mr-pr-j2')).stdout,
      ];
      expect(run('rm', n('mr-pr-l'), n('mr-pr-j2')).status).toBe(0);
    }
    expect(seen['mini-run']).toEqual([
      '{"Type":"local","Config":{"compress":"false","max-size":"1m"}}\n',
      'kept\n',
      '{"Type":"json-file","Config":{"max-file":"3","max-size":"2m"}}|json-file\n',
    ]);
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
  });

  it('Config has the keys Docker shows (Attach*, StdinOnce, Volumes, …); a stopped container has no Ports', () => {
    const seen: Record<string, unknown> = {};
    for (const { name, run, n } of engines()) {
      expect(run('create', '-i', '--name', n('mr-pr-c'), '-v', '/data', IMG, 'true').status).toBe(0);
      const config = JSON.parse(run('inspect', '-f', '{{json .Config}}', n('mr-pr-c')).stdout);
      const keys = Object.keys(config).filter((k) => !['StopSignal', 'StopTimeout'].includes(k)).sort(); // Docker: only when set
      const attach = ['AttachStdin', 'AttachStdout', 'AttachStderr', 'StdinOnce', 'OpenStdin'].map((k) => config[k]);
      const hostKeys = Object.keys(JSON.parse(run('inspect', '-f', '{{json .HostConfig}}', n('mr-pr-c')).stdout));
      seen[name] = [keys, attach, config.Volumes, run('inspect', '-f', '{{json .NetworkSettings.Ports}}', n('mr-pr-c')).stdout];
      for (const k of ['PortBindings', 'RestartPolicy', 'LogConfig', 'NetworkMode', 'Dns', 'DnsSearch', 'ExtraHosts', 'Links', 'AutoRemove']) expect(hostKeys).toContain(k);
      expect(run('rm', '-v', n('mr-pr-c')).status).toBe(0);
    }
    expect(seen['mini-run']).toEqual([
      ['AttachStderr', 'AttachStdin', 'AttachStdout', 'Cmd', 'Domainname', 'Entrypoint', 'Env', 'Hostname', 'Image', 'Labels', 'OnBuild', 'OpenStdin', 'StdinOnce', 'Tty', 'User', 'Volumes', 'WorkingDir'],
      [true, true, true, true, true], { '/data': {} }, '{}\n',
    ]);
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
  });
});

describe('the terminal (item 9)', () => {
  it('run -it and exec -it: each line ends "\\r\\n" on the screen, never "\\r\\r\\n" (the terminal is raw, output processing off)', () => {
    for (const { name, run, n } of engines()) {
      const cli = name === 'docker' ? 'docker' : `${process.execPath} ${BIN} --root ${root}`;
      const ran = underPty(`${cli} run --rm -it ${IMG} sh -c 'echo one; echo two'`);
      expect(ran, name).toContain('one\r\ntwo\r\n');
      expect(ran, name).not.toContain('\r\r\n');
      expect(run('run', '-d', '--name', n('mr-pr-x'), IMG, 'sleep', '300').status).toBe(0);
      const execd = underPty(`${cli} exec -it ${n('mr-pr-x')} sh -c 'echo one; echo two'`);
      expect(execd, name).toContain('one\r\ntwo\r\n');
      expect(execd, name).not.toContain('\r\r\n');
      expect(run('rm', '-f', n('mr-pr-x')).status).toBe(0);
    }
    // the terminal is given back as it was: output processing on again after the run
    const after = underPty(`${process.execPath} ${BIN} --root ${root} run --rm -it ${IMG} true; stty -a | tr ' ' '\\n' | grep -x -- '-\\?opost'`);
    expect(after).toMatch(/(^|\n)opost\r?\n/);
  });
});

describe('networks: ls and eth0 (item 10)', () => {
  it('network ls: 12-hex ids, sorted by name, as Docker; a predefined network answers to its id', () => {
    const seen: Record<string, unknown> = {};
    for (const { name, run } of engines()) {
      const rows = run('network', 'ls').stdout.trim().split('\n');
      expect(rows[0]).toMatch(/^NETWORK ID +NAME +DRIVER +SCOPE$/);
      const cells = rows.slice(1).map((l) => l.split(/\s+/));
      for (const c of cells) expect(c[0]).toMatch(/^[0-9a-f]{12}$/);
      const names = cells.map((c) => c[1]);
      expect(names).toEqual([...names].sort());
      const ids = run('network', 'ls', '-q').stdout.trim().split('\n');
      expect(ids).toEqual(cells.map((c) => c[0]));
      const bridgeId = cells.find((c) => c[1] === 'bridge')![0];
      expect(run('network', 'inspect', '-f', '{{.Name}} {{.Driver}}', bridgeId).stdout).toBe('bridge bridge\n');
      const hostId = run('network', 'inspect', '-f', '{{.Id}}', 'host').stdout.trim();
      expect(hostId.slice(0, 12)).toBe(cells.find((c) => c[1] === 'host')![0]);
      seen[name] = [cells.filter((c) => ['bridge', 'host', 'none'].includes(c[1])).map((c) => c.slice(1).join(' ')),
        run('network', 'inspect', '-f', '{{.Driver}} {{json .IPAM.Config}}', 'none').stdout];
    }
    expect(seen['mini-run']).toEqual([['bridge bridge local', 'host host local', 'none null local'], 'null []\n']);
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
  });

  it('network ls --format: a template per network, table with docker\'s titles, json, --no-trunc; a bad field is refused', () => {
    const seen: Record<string, unknown> = {};
    for (const { name, run, n } of engines()) {
      const net = n('mr-pr-fmt');
      expect(run('network', 'create', '--internal', '--label', 'team=blue', net).status).toBe(0);
      try {
        const lines = run('network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}} {{.IPv6}} {{.Internal}} {{.Labels}} {{.Label "team"}}').stdout.split('\n');
        const mine = lines.find((l) => l.startsWith(`${net} `));
        const table = run('network', 'ls', '--format', 'table {{.ID}}\t{{.Name}}\t{{.Internal}}\t{{.CreatedAt}}').stdout.split('\n');
        const json = run('network', 'ls', '--format', 'json').stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
        const row = json.find((j) => j.Name === net)!;
        expect(row.ID).toMatch(/^[0-9a-f]{12}$/);
        expect(row.CreatedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC$/);
        const full = run('network', 'ls', '--no-trunc', '--format', '{{.ID}} {{.Name}}').stdout.split('\n').find((l) => l.endsWith(` ${net}`))!;
        expect(full).toMatch(/^[0-9a-f]{64} /);
        expect(full.startsWith(row.ID)).toBe(true);
        const bad = run('network', 'ls', '--format', '{{.Nope}}');
        seen[name] = [mine?.replace(net, 'NET'), table[0].split(/ {2,}/), Object.keys(row).sort(), bad.status, bad.stdout, bad.stderr.split('\n').length];
      } finally {
        run('network', 'rm', net);
      }
    }
    expect(seen['mini-run']).toEqual([
      'NET bridge local false true team=blue blue',
      ['NETWORK ID', 'NAME', 'INTERNAL', 'CREATED AT'],
      ['CreatedAt', 'Driver', 'ID', 'IPv4', 'IPv6', 'Internal', 'Labels', 'Name', 'Scope'], // IPv4: docker CLI ≥ 28
      1, '', 2, // one line on stderr
    ]);
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
  });

  it('network ls --filter: driver, name and id (a regular expression), label, type, dangling, as Docker; a bad key is one line, exit 1', () => {
    const seen: Record<string, unknown> = {};
    for (const { name, run, n } of engines()) {
      const [a, b] = [n('mr-pr-fa'), n('mr-pr-fb')];
      expect(run('network', 'create', '--label', 'team=blue', '--label', 'tier', a).status).toBe(0);
      expect(run('network', 'create', '--label', 'team=red', b).status).toBe(0);
      expect(run('run', '-d', '--name', n('mr-pr-fc'), '--network', b, IMG, 'sleep', '300').status).toBe(0);
      try {
        // names only (the engine may hold other tests' networks), ours without the engine's suffix
        const ls = (...f: string[]) => run('network', 'ls', ...f, '--format', '{{.Name}}').stdout.split('\n')
          .filter((x) => ['bridge', 'host', 'none', a, b].includes(x)).map((x) => x.replace(D, ''));
        const idOfA = run('network', 'ls', '-q', '-f', `name=^${a}$`).stdout.trim();
        const bad = run('network', 'ls', '-f', 'bogus=1');
        const badType = run('network', 'ls', '-f', 'type=other');
        // dangling as documented (no container on it, never a predefined one). Docker's engine
        // lists networks without their containers, so its dangling=true also shows mr-pr-fb
        // while a container runs on it (docs/compare.md): checked on mini-run only.
        if (name === 'mini-run') expect([ls('-f', 'dangling=true'), ls('-f', 'dangling=false')]).toEqual([['mr-pr-fa'], ['bridge', 'host', 'mr-pr-fb', 'none']]);
        seen[name] = [
          ls('-f', 'driver=bridge'), ls('-f', 'driver=null', '-f', 'driver=host'), ls('-f', 'name=mr-pr-f'), ls('-f', 'name=^mr-pr-fb'),
          ls('-f', `id=${idOfA}`), ls('-f', `id=^${idOfA.slice(0, 5)}`), ls('-f', 'label=team'), ls('-f', 'label=team=red'),
          ls('-f', 'label=team', '-f', 'label=tier'), ls('-f', 'type=builtin'), ls('-f', 'type=custom'), ls('-f', 'scope=local', '-f', 'name=mr-pr-f'),
          bad.status, bad.stderr.trim().replace(/^(mini-run|Error response from daemon): /, ''), badType.status, badType.stdout,
        ];
      } finally {
        run('rm', '-f', n('mr-pr-fc'));
        run('network', 'rm', a, b);
      }
    }
    expect(seen['mini-run']).toEqual([
      ['bridge', 'mr-pr-fa', 'mr-pr-fb'], ['host', 'none'], ['mr-pr-fa', 'mr-pr-fb'], ['mr-pr-fb'],
      ['mr-pr-fa'], ['mr-pr-fa'], ['mr-pr-fa', 'mr-pr-fb'], ['mr-pr-fb'],
      ['mr-pr-fa'], ['bridge', 'host', 'none'], ['mr-pr-fa', 'mr-pr-fb'], ['mr-pr-fa', 'mr-pr-fb'],
      1, "Invalid filter 'bogus'", 1, '',
    ]);
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
  });

  it('container prune and network prune --filter label=/label!=/until=, as Docker; a key the prune does not take is one line, exit 1', () => {
    const seen: Record<string, unknown> = {};
    const mark = `mrpf=${process.pid}`; // only this test's objects can match (Docker's engine is shared)
    for (const { name, run, n } of engines()) {
      const names = () => run('ps', '-a', '--filter', `label=${mark}`, '--format', '{{.Names}}').stdout.split('\n').filter(Boolean).map((x) => x.replace(D, '')).sort();
      const nets = () => run('network', 'ls', '--filter', `label=${mark}`, '--format', '{{.Name}}').stdout.split('\n').filter(Boolean).map((x) => x.replace(D, '')).sort();
      try {
        expect(run('run', '--name', n('mr-pf-a'), '--label', mark, '--label', 'team=blue', IMG, 'true').status).toBe(0);
        expect(run('run', '--name', n('mr-pf-b'), '--label', mark, '--label', 'team=red', IMG, 'true').status).toBe(0);
        expect(run('run', '-d', '--name', n('mr-pf-c'), '--label', mark, IMG, 'sleep', '300').status).toBe(0);
        expect(run('network', 'create', '--label', mark, n('mr-pf-na')).status).toBe(0);
        expect(run('network', 'create', '--label', mark, '--label', 'keep', n('mr-pf-nb')).status).toBe(0);
        const bad = run('container', 'prune', '-f', '--filter', 'dangling=true');
        const badNet = run('network', 'prune', '-f', '--filter', 'dangling=true');
        const recent = run('container', 'prune', '-f', '--filter', `label=${mark}`, '--filter', 'until=1h'); // made just now: kept
        const afterRecent = names();
        const pruned = run('container', 'prune', '-f', '--filter', `label=${mark}`, '--filter', 'label!=team=red');
        const netPruned = run('network', 'prune', '-f', '--filter', `label=${mark}`, '--filter', 'label!=keep');
        seen[name] = [
          bad.status, bad.stderr.trim().replace(/^(mini-run|Error response from daemon): /, ''), badNet.status,
          recent.status, afterRecent, pruned.status, pruned.stdout.split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l)).length, names(),
          netPruned.status, netPruned.stdout.includes('mr-pf-na'), nets(),
        ];
      } finally {
        run('rm', '-f', n('mr-pf-a'), n('mr-pf-b'), n('mr-pf-c'));
        run('network', 'rm', n('mr-pf-na'), n('mr-pf-nb'));
      }
    }
    expect(seen['mini-run']).toEqual([
      1, "Invalid filter 'dangling'", 1,
      0, ['mr-pf-a', 'mr-pf-b', 'mr-pf-c'], 0, 1, ['mr-pf-b', 'mr-pf-c'],
      0, true, ['mr-pf-nb'],
    ]);
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
  });

  it('images, history, volume ls --format: Docker\'s fields (Containers, VirtualSize, SharedSize, UniqueSize: N/A), json as json.Marshal writes it, a bad template one line, exit 1', () => {
    const seen: Record<string, unknown> = {};
    for (const { name, run, n } of engines()) {
      const vol = n('mr-pr-vf');
      const ctr = n('mr-pr-amp');
      expect(run('volume', 'create', '--label', 'team=blue', vol).status).toBe(0);
      expect(run('run', '--name', ctr, IMG, 'sh', '-c', 'true && true').status).toBe(0);
      try {
        const bad = (...a: string[]) => { const r = run(...a); return [r.status, r.stdout, r.stderr.trim().split('\n').length, /template/.test(r.stderr)]; };
        const json = (...a: string[]) => JSON.parse(run(...a).stdout.trim().split('\n')[0]) as Record<string, string>;
        const image = json('images', '--format', 'json', IMG);
        const hist = json('history', '--format', 'json', IMG);
        const volume = json('volume', 'ls', '-f', `name=${vol}`, '--format', 'json');
        seen[name] = [
          bad('images', '--format', '{{.Nope}}', IMG), bad('images', '--format', 'table {{.Nope}}', IMG), bad('images', '--format', '{{.Nope', IMG),
          bad('history', '--format', '{{.Nope}}', IMG), bad('history', '--format', '{{.Nope', IMG),
          bad('volume', 'ls', '-f', `name=${vol}`, '--format', '{{.Nope}}'), bad('volume', 'ls', '-f', 'name=mr-pr-no-such-volume', '--format', '{{.Nope'),
          Object.keys(image).sort(), [image.Containers, image.SharedSize, image.UniqueSize, image.Size, image.VirtualSize],
          run('images', '--format', '{{.Containers}} {{.VirtualSize}} {{.SharedSize}} {{.UniqueSize}}', IMG).stdout,
          run('images', '--format', 'table {{.Repository}}\t{{.VirtualSize}}\t{{.Containers}}', IMG).stdout.split('\n')[0].split(/ {2,}/),
          Object.keys(hist).sort(),
          Object.keys(volume).sort(), [volume.Labels, volume.Links, volume.Size, volume.Scope],
          run('volume', 'ls', '-f', `name=${vol}`, '--format', 'table {{.Name}}\t{{.Label "team"}}\t{{.Links}}').stdout.replace(vol, 'VOL').split('\n')[1].split(/ {2,}/),
          run('images', '--format', '{{json .}}', IMG).stdout.includes('"Digest":"\\u003cnone\\u003e"'),
          run('ps', '-a', '-f', `name=^${ctr}$`, '--format', 'json').stdout.includes('"Command":"\\"sh -c \'true \\u0026\\u0026 true\'\\""'),
          run('ps', '-a', '-f', `name=^${ctr}$`, '--format', '{{json .Command}}').stdout,
        ];
      } finally {
        run('rm', '-f', ctr);
        run('volume', 'rm', vol);
      }
    }
    const badLine = [1, '', 1, true];
    expect(seen['mini-run']).toEqual([
      badLine, badLine, badLine, badLine, badLine, badLine, badLine,
      ['Containers', 'CreatedAt', 'CreatedSince', 'Digest', 'ID', 'Repository', 'SharedSize', 'Size', 'Tag', 'UniqueSize', 'VirtualSize'],
      ['N/A', 'N/A', 'N/A', '1.99MB', '1.986MB'],
      'N/A 1.986MB N/A N/A\n',
      ['REPOSITORY', 'SIZE', 'CONTAINERS'],
      ['Comment', 'CreatedAt', 'CreatedBy', 'CreatedSince', 'ID', 'Size'],
      ['Availability', 'Driver', 'Group', 'Labels', 'Links', 'Mountpoint', 'Name', 'Scope', 'Size', 'Status'], ['team=blue', 'N/A', 'N/A', 'local'],
      ['VOL', 'blue', 'N/A'],
      true, true, '"\\"sh -c \'true && true\'\\""\n',
    ]);
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
  });

  it('image prune -a and system prune --volumes, as Docker (the test\'s own labelled objects only)', () => {
    const seen: Record<string, unknown> = {};
    const mark = `mrpi=${process.pid}`; // only this test's objects can match (Docker's engine is shared)
    const api = docker ? dk('version', '--format', '{{.Server.APIVersion}}').stdout.trim() : '';
    for (const { name, run, n } of engines()) {
      const [src, keep, stopped, running] = [n('mr-pi-src'), n('mr-pi-keep'), n('mr-ps-c'), n('mr-ps-run')];
      const [net, vol] = [n('mr-ps-net'), n('mr-ps-vol')];
      const [a, b, c] = [`mr-pi/a${name === 'docker' ? D : ''}:1`, `mr-pi/b${name === 'docker' ? D : ''}:1`, `mr-pi/c${name === 'docker' ? D : ''}:1`];
      const commit = (tag: string, ...labels: string[]) => {
        const r = run('commit', ...labels.flatMap((l) => ['-c', `LABEL ${l}`]), src, tag);
        expect(r.status).toBe(0);
        return r.stdout.trim();
      };
      /** A prune's output as sections: title → its lines (Docker's suffix taken out of names). */
      const sections = (out: string) => {
        const got: Record<string, string[]> = {};
        let title = '';
        for (const l of out.split('\n')) {
          if (/^Deleted \w+:$/.test(l)) got[title = l] = [];
          else if (l === '') title = '';
          else if (title) got[title].push(l.replace(D, ''));
        }
        return got;
      };
      try {
        expect(run('run', '--name', src, IMG, 'true').status).toBe(0);
        const danglingA = commit(a, mark, 'team=blue');
        const taggedA = commit(a, mark);
        expect(commit(b, mark)).toMatch(/^sha256:/);
        expect(run('create', '--name', keep, b, 'true').status).toBe(0);
        const ours = () => run('images', '--format', '{{.Repository}}:{{.Tag}}').stdout.split('\n').filter((t) => t.startsWith('mr-pi/')).map((t) => t.replace(D, '')).sort();
        const byLabel = run('images', '-q', '--filter', `label=${mark}`, '--filter', 'label=team=blue').stdout === `${danglingA.slice(7, 19)}\n`;
        const byLabelCount = run('images', '-q', '--filter', `label=${mark}`).stdout.split('\n').filter(Boolean).length;
        const dangling = sections(run('image', 'prune', '-f', '--filter', `label=${mark}`).stdout)['Deleted Images:'];
        const all = sections(run('image', 'prune', '-a', '-f', '--filter', `label=${mark}`).stdout)['Deleted Images:'];
        const afterImages = ours();
        // system prune --volumes: a stopped and a running container, an unused network, a named volume, a dangling image, all labelled
        expect(run('run', '--name', stopped, '--label', mark, IMG, 'true').status).toBe(0);
        const stoppedId = run('inspect', '-f', '{{.Id}}', stopped).stdout.trim();
        expect(run('run', '-d', '--name', running, '--label', mark, IMG, 'sleep', '300').status).toBe(0);
        expect(run('network', 'create', '--label', mark, net).status).toBe(0);
        expect(run('volume', 'create', '--label', mark, vol).status).toBe(0);
        const danglingC = commit(c, mark);
        commit(c, mark);
        const sys = run('system', 'prune', '-f', '--volumes', '--filter', `label=${mark}`);
        const got = sections(sys.stdout);
        // Docker's engine before API 1.42 (20.10) prunes named volumes too; since 23 (and mini-run), anonymous ones only
        const oldVolumeRule = name === 'docker' && Number(api) < 1.42;
        if (oldVolumeRule) expect(got['Deleted Volumes:']).toEqual(['mr-ps-vol']);
        delete got['Deleted Volumes:'];
        seen[name] = [
          byLabel, byLabelCount,
          dangling.includes(`deleted: ${danglingA}`), dangling.filter((l) => l.startsWith('untagged:')),
          all.includes(`deleted: ${taggedA}`), all.filter((l) => l.startsWith('untagged:')), afterImages,
          // the stopped container, and the created one of image b (a container has its image's labels)
          sys.status, Object.keys(got), got['Deleted Containers:'].length, got['Deleted Networks:'], got['Deleted Images:'].includes(`deleted: ${danglingC}`),
          got['Deleted Containers:'].includes(stoppedId), /\nTotal reclaimed space: \S+\n$/.test(sys.stdout),
          run('ps', '-a', '--filter', `label=${mark}`, '--format', '{{.Names}}').stdout.replace(D, ''),
          oldVolumeRule ? null : run('volume', 'ls', '-q', '--filter', `label=${mark}`).stdout.replace(D, ''),
        ];
      } finally {
        run('rm', '-f', src, keep, stopped, running);
        run('network', 'rm', net);
        run('volume', 'rm', vol);
        run('rmi', a, b, c);
      }
    }
    const mine = seen['mini-run'] as unknown[];
    expect(mine.slice(0, -2)).toEqual([
      true, 3, true, [], true, ['untagged: mr-pi/a:1'], ['mr-pi/b:1'],
      0, ['Deleted Containers:', 'Deleted Networks:', 'Deleted Images:'], 2, ['mr-ps-net'], true, true, true,
    ]);
    expect(mine.slice(-2)).toEqual(['mr-ps-run\n', 'mr-ps-vol\n']);
    if (docker) {
      const theirs = seen.docker as unknown[];
      expect(theirs.slice(0, -1)).toEqual(mine.slice(0, -1));
      if (theirs.at(-1) !== null) expect(theirs.at(-1)).toEqual(mine.at(-1));
    }
  });

  it('eth0 on the default bridge has its broadcast address', () => {
    const seen: Record<string, string> = {};
    for (const { name, run } of engines()) {
      seen[name] = run('run', '--rm', IMG, 'sh', '-c', 'ip -4 -o addr show eth0 | grep -o "inet [^ ]* brd [^ ]*"').stdout
        .replace(/\d+\.\d+\.(\d+\.\d+\/16) brd \d+\.\d+\./, 'A.B.$1 brd A.B.'); // 10.88 here, 172.17 in Docker
    }
    expect(seen['mini-run']).toMatch(/^inet A\.B\.0\.\d+\/16 brd A\.B\.255\.255\n$/);
    if (docker) expect(seen.docker).toMatch(/^inet A\.B\.0\.\d+\/16 brd A\.B\.255\.255\n$/);
  });
});

describe('confinement facts (issue 12 item 8)', () => {
  // What a program can read about its own confinement, byte for byte against the Docker engine:
  // rlimits (the defaults a container inherits, and --ulimit), supplementary groups (the image's
  // /etc/group, the primary group among them, --group-add by number and by name), /dev's nodes
  // and links (/dev/core only where the host has /proc/kcore, as runc), stdin /dev/null opened
  // read-write (flags O_RDWR|O_LARGEFILE), the capabilities and the seccomp filter.
  const FACTS = [
    'cat /proc/self/limits; id; ls -A /dev',
    'for l in core fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done',
    'grep flags /proc/self/fdinfo/0; grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status',
  ].join('; ');

  it('rlimits, groups, /dev links, stdin and seccomp are what Docker gives, with and without --ulimit/--group-add', () => {
    for (const flags of [[], ['--ulimit', 'nofile=100:200', '--ulimit', 'core=0:0', '--group-add', '4242', '--group-add', 'users']]) {
      const seen: Record<string, string> = {};
      for (const { name, run } of engines()) {
        const r = run('run', '--rm', '--network', 'none', ...flags, IMG, 'sh', '-c', FACTS);
        expect([name, r.status, r.stderr]).toEqual([name, 0, '']);
        seen[name] = r.stdout;
      }
      const mini = seen['mini-run'];
      expect(mini).toMatch(/^flags:\s+0100002$/m);
      expect(mini).toMatch(/^Seccomp:\s+2$/m);
      expect(mini).toMatch(existsSync('/proc/kcore') ? /^core -> \/proc\/kcore$/m : /^core -> $/m);
      expect(mini).toMatch(flags.length ? /^uid=0\(root\) gid=0\(root\) groups=0\(root\),10\(wheel\),100\(users\),4242$/m : /^uid=0\(root\) gid=0\(root\) groups=0\(root\),10\(wheel\)$/m);
      if (flags.length) expect(mini).toMatch(/^Max open files\s+100\s+200\s+files\s*$/m);
      if (docker) expect(mini, `flags: ${flags.join(' ')}`).toBe(seen.docker);
    }
  });
});

describe('a field the object lacks in -f / --format (issue 16 review items 4 and 5)', () => {
  it("inspect, version, info, system df, images, ps: Docker's error line, exit 1, and what it prints first; info and system df --format with Docker's fields", () => {
    const seen: Record<string, unknown> = {};
    for (const { name, run, n } of engines()) {
      const ctr = n('mr-pr-nope');
      expect(run('create', '--name', ctr, IMG, 'true').status).toBe(0);
      try {
        const one = (...a: string[]) => { const r = run(...a); return [r.status, r.stdout, r.stderr.replace(/^mini-run: /, '').trim()]; };
        const lines = (...a: string[]) => run(...a).stdout.trim().split('\n');
        seen[name] = [
          one('inspect', '-f', '{{.Nope}}', ctr), one('inspect', '-f', '{{.State.Nope}}', ctr), one('container', 'inspect', '-f', '{{.Id}}{{.Nope.Deeper}}', ctr),
          one('inspect', '-f', '{{.Nope}}', 'mr-pr-no-such', ctr),
          one('image', 'inspect', '-f', '{{.Nope}}', IMG), one('network', 'inspect', '-f', '{{.Nope}}', 'bridge'),
          one('version', '--format', '{{.Nope}}'), one('version', '--format', '{{.Server.Nope}}'), one('info', '--format', '{{.Nope}}'),
          one('system', 'df', '--format', '{{.Nope}}'), one('images', '--format', '{{.Nope}}', IMG),
          one('ps', '-a', '--format', '{{.Nope}}'), one('ps', '-f', 'name=^mr-pr-no-such$', '--format', '{{.ID}}{{.Nope}}'),
          lines('system', 'df', '--format', '{{.Type}}'), lines('system', 'df', '--format', 'table {{.Type}}\t{{.TotalCount}}\t{{.Reclaimable}}')[0].split(/ {2,}/),
          Object.keys(JSON.parse(lines('system', 'df', '--format', 'json')[0])),
          run('info', '--format', '{{.OSType}} {{.LoggingDriver}} {{.NCPU}} {{.Name}}').stdout,
        ];
        if (name === 'mini-run') {
          // every field mini-run's info has is one Docker's has, with a value of the same kind
          const mine = JSON.parse(run('info', '--format', '{{json .}}').stdout) as Record<string, unknown>;
          expect(run('info', '--format', '{{.ServerVersion}}').stdout.trim()).toBe(run('version', '--format', '{{.Server.Version}}').stdout.trim());
          if (docker) {
            const theirs = JSON.parse(dk('info', '--format', '{{json .}}').stdout) as Record<string, unknown>;
            for (const k of Object.keys(mine)) expect(typeof theirs[k], k).toBe(typeof mine[k]);
          }
        }
      } finally {
        run('rm', '-f', ctr);
      }
    }
    const mapErr = (at: string, col: number) => `template parsing error: template: :1:${col}: executing "" at <${at}>: map has no entry for key "Nope"`;
    const typeErr = (type: string, col = 2, at = '.Nope', tmpl = '') => `template: ${tmpl}:1:${col}: executing "${tmpl}" at <${at}>: can't evaluate field Nope in type ${type}`;
    expect(seen['mini-run']).toEqual([
      [1, '\n', mapErr('.Nope', 2)], [1, '\n', mapErr('.State.Nope', 8)], [1, '\n', mapErr('.Nope.Deeper', 14)],
      [1, '\n', `Error: No such object: mr-pr-no-such\n${mapErr('.Nope', 2)}`],
      [1, '\n', mapErr('.Nope', 2)], [1, '\n', mapErr('.Nope', 2)],
      [1, '\n', typeErr('system.versionInfo', 2, '.Nope', 'version')], [1, '\n', typeErr('*types.Version', 9, '.Server.Nope', 'version')],
      [1, '\n', typeErr('system.dockerInfo')],
      [1, '', 'template parsing error: ' + typeErr('*formatter.diskUsageImagesContext')], [1, '', 'template parsing error: ' + typeErr('*formatter.imageContext')],
      [1, '', 'failed to execute template: ' + typeErr('*formatter.ContainerContext')], [1, '', 'failed to execute template: ' + typeErr('*formatter.ContainerContext', 9)],
      ['Images', 'Containers', 'Local Volumes', 'Build Cache'], ['TYPE', 'TOTAL', 'RECLAIMABLE'],
      ['Active', 'Reclaimable', 'Size', 'TotalCount', 'Type'],
      `linux json-file 2 ${hostname()}\n`.replace(' 2 ', ` ${require('node:os').availableParallelism()} `),
    ]);
    if (docker) expect(seen.docker).toEqual(seen['mini-run']);
  });
});

describe('system df -v --format (issue 16, the last review)', () => {
  it("one template on the whole disk-usage object: its lists with images/ps/volume ls placeholders, Docker's errors and exit codes", () => {
    const seen: Record<string, unknown> = {};
    for (const { name, run, n } of engines()) {
      const ctr = n('mr-pr-dfv'), vol = n('mr-pr-dfvol');
      expect(run('create', '--name', ctr, '-v', `${vol}:/data`, IMG, 'true').status).toBe(0);
      try {
        const df = (format: string) => { const r = run('system', 'df', '-v', '--format', format); return [r.status, r.stdout, r.stderr.replace(/^mini-run: /, '').trim()]; };
        seen[name] = [
          df('{{.Type}}'), df('x{{.Nope}}'), df('{{.Type'),
          df('{{range .Images}}{{.Nope}}{{end}}'), df('{{range .Containers}}{{.Nope}}{{end}}'), df('{{range .Volumes}}{{.Nope}}{{end}}'),
          Object.keys(JSON.parse(run('system', 'df', '-v', '--format', '{{json .}}').stdout)),
          Object.keys(JSON.parse(run('system', 'df', '-v', '--format', 'json').stdout)),
          df(`table  {{range .Images}}{{if eq .Repository "${IMG}"}}{{.Tag}} {{len .ID}} [{{.Digest}}]{{end}}{{end}}`),
          df(`{{range .Containers}}{{if eq .Names "${ctr}"}}{{.Command}} {{.LocalVolumes}} {{.Size}} {{.State}} {{.Status}} {{len .ID}} {{.Mounts}}{{end}}{{end}}`),
          df(`{{range .Volumes}}{{if eq .Name "${vol}"}}{{.Links}} {{.Size}} {{.Driver}} {{.Scope}} {{.Status}}{{end}}{{end}}`),
          df('{{json .BuildCache}}\\n'),
        ];
      } finally {
        run('rm', '-f', ctr);
        run('volume', 'rm', vol);
      }
    }
    const typeErr = (field: string, col: number, type: string) => `template: :1:${col}: executing "" at <.${field}>: can't evaluate field ${field} in type *formatter.${type}`;
    expect(seen['mini-run']).toEqual([
      [1, '', typeErr('Type', 2, 'diskUsageContext')], [1, 'x', typeErr('Nope', 3, 'diskUsageContext')], [1, '', 'template parsing error: template: :1: unclosed action'],
      [1, '', typeErr('Nope', 19, 'imageContext')], [1, '', typeErr('Nope', 23, 'ContainerContext')], [1, '', typeErr('Nope', 20, 'volumeContext')],
      ['Images', 'Containers', 'Volumes', 'BuildCache'], ['Images', 'Containers', 'Volumes', 'BuildCache'],
      [0, 'latest 12 []', ''], // (`table`: ids truncated, as in docker's tables; without it in full)
      [0, '"true" 1 0B created Created 64 mr-pr-dfvol', ''],
      [0, '1 0B local local N/A', ''],
      [0, '[]\n', ''],
    ]);
    // (Docker's names carry its suffix: compared with it removed)
    if (docker) expect(JSON.parse(JSON.stringify(seen.docker).replaceAll(D, ''))).toEqual(seen['mini-run']);
  });
});
