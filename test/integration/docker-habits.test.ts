/**
 * The study notes' own command lines, and the Docker habits around them, typed as a user types
 * them: `container ps`, `--net-alias`, `--log-driver`, `--version`/`version`/no arguments,
 * `volume create --name`, `inspect --type`, unknown commands and flags, running without root,
 * ps's exposed-only ports, and --link's environment variables. Checked: what is printed, the
 * exit code, and that the host keeps nothing afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, containerIds, leaksFor, mr, networkBridges, removeRoot, tempRoot } from '../helpers/cli';
import { busyboxArchive, skopeoPush, startRegistry } from '../fixtures/registry';

let root: string;
const IMG = 'mini-run/busybox';
const m = (...args: string[]) => mr(root, args);
const lines = (s: string) => s.split('\n').filter(Boolean);

beforeAll(() => {
  root = tempRoot('habits');
});

afterAll(() => {
  const ids = containerIds(root);
  const bridges = networkBridges(root);
  if (ids.length) m('rm', '-f', ...ids);
  m('network', 'rm', 'habitsnet');
  for (const b of bridges) expect(spawnSync('ip', ['link', 'show', 'dev', b]).status).not.toBe(0);
  expect(leaksFor(root)).toEqual([]);
  removeRoot(root);
});

describe('the command line itself', () => {
  it('--version, version (Docker layout and --format), and no arguments print, exit 0', () => {
    const v = m('--version');
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^mini-run version \d+\.\d+\.\d+\n$/);
    const full = m('version');
    expect(full.status).toBe(0);
    expect(full.stdout).toMatch(/^Client:\n Version: +\d+\.\d+\.\d+\n/);
    expect(full.stdout).toMatch(/OS\/Arch: +linux\/(amd64|arm64)/);
    expect(full.stdout).toMatch(/Server: mini-run/);
    expect(m('version', '--format', '{{.Client.Version}}').stdout.trim()).toBe(v.stdout.trim().split(' ').pop());
    const bare = m();
    expect(bare.status).toBe(0);
    expect(bare.stdout).toMatch(/^Usage: mini-run \[OPTIONS\] COMMAND/);
    expect(bare.stderr).toBe('');
    // A group without its subcommand shows the group's help; a command without its argument says so.
    const group = m('container');
    expect(group.status).toBe(0);
    expect(group.stdout).toContain('Manage containers');
    const noImage = m('run');
    expect(noImage.status).toBe(1);
    expect(noImage.stderr).toBe("mini-run: 'mini-run run' requires at least 1 argument\nSee 'mini-run run --help'.\n");
  });

  it('a command mini-run does not have: "unknown command", exit 1, a suggestion only when close', () => {
    const compose = m('compose', 'up', '-d');
    expect(compose.status).toBe(1);
    expect(lines(compose.stderr)[0]).toMatch(/^mini-run: unknown command: mini-run compose: mini-run has no compose: start each service with `mini-run run -d --network NET/);
    expect(compose.stderr).not.toMatch(/did you mean/);
    const typo = m('pss', '-a');
    expect(typo.status).toBe(1);
    expect(lines(typo.stderr)[0]).toBe('mini-run: unknown command: mini-run pss (did you mean ps, push?)');
    const far = m('frobnicate');
    expect(lines(far.stderr)[0]).toBe('mini-run: unknown command: mini-run frobnicate');
    const sub = m('network', 'bogus');
    expect(sub.status).toBe(1);
    expect(lines(sub.stderr)[0]).toBe('mini-run: unknown command: mini-run network bogus');
  });

  it("an unknown flag in Docker's words, exit 125, nothing run", () => {
    const r = m('ps', '--bogus');
    expect(r.status).toBe(125);
    expect(r.stderr).toBe("mini-run: unknown flag: --bogus\nSee 'mini-run ps --help'.\n");
    const s = m('container', 'ls', '-z');
    expect(s.stderr).toBe("mini-run: unknown shorthand flag: 'z' in -z\nSee 'mini-run container ls --help'.\n");
  });

  it('as a normal user: one line saying mini-run needs root, exit 125', () => {
    // nobody cannot open the root-owned lock of a root-owned state directory.
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, '--root', root, 'ps', '-a'], { encoding: 'utf8' });
    if (r.error) throw r.error;
    expect(r.status).toBe(125);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/EACCES.*: mini-run needs root \(try: sudo mini-run --root \S+ ps -a\)\n$/);
  });
});

describe("the notes' lines", () => {
  it('docker container ps -a / container list / container ls all list the containers', () => {
    expect(m('create', '--name', 'listed', IMG, 'true').status).toBe(0);
    for (const words of [['container', 'ps', '-a'], ['container', 'list', '-a'], ['container', 'ls', '-a'], ['ps', '-a']]) {
      const r = m(...words);
      expect(r.status, words.join(' ')).toBe(0);
      expect(r.stdout, words.join(' ')).toMatch(/^CONTAINER ID +IMAGE +COMMAND/);
      expect(r.stdout, words.join(' ')).toMatch(/ listed\n/);
    }
    expect(m('rm', 'listed').status).toBe(0);
  });

  it('volume create --name myvolume; inspect --type volume myvolume', () => {
    const c = m('volume', 'create', '--name', 'myvolume');
    expect(c.status).toBe(0);
    expect(c.stdout).toBe('myvolume\n');
    expect(m('volume', 'ls').stdout).toMatch(/local +myvolume\n/);
    const i = m('inspect', '--type', 'volume', 'myvolume');
    expect(i.status).toBe(0);
    const [view] = JSON.parse(i.stdout);
    expect(view.Name).toBe('myvolume');
    expect(view.Mountpoint).toBe(`${root}/volumes/myvolume/_data`);
    // Without --type, inspect finds volumes and networks too; with it, only that kind.
    expect(m('inspect', '-f', '{{.Driver}}', 'myvolume').stdout).toBe('local\n');
    expect(m('inspect', '--type', 'network', '-f', '{{.Name}} {{.Driver}}', 'bridge').stdout).toBe('bridge bridge\n');
    const wrongKind = m('inspect', '--type', 'container', 'myvolume');
    expect(wrongKind.status).toBe(1);
    expect(wrongKind.stderr).toBe('Error: No such object: myvolume\n');
    const both = m('volume', 'create', '--name', 'a', 'b');
    expect(both.status).toBe(1);
    expect(both.stderr).toMatch(/conflicting options/);
    expect(m('volume', 'rm', 'myvolume').status).toBe(0);
  });

  it('--net-alias (the notes\' spelling of --network-alias) on a user network answers DNS', () => {
    expect(m('network', 'create', 'habitsnet').status).toBe(0);
    expect(m('run', '-i', '-t', '-d', '--name', 'network_alias_container_1', '--net', 'habitsnet', '--net-alias', 'alicek106', IMG, 'sleep', '300').status).toBe(0);
    const ip = m('inspect', '-f', '{{.NetworkSettings.Networks.habitsnet.IPAddress}}', 'network_alias_container_1').stdout.trim();
    expect(ip).toMatch(/^10\.89\.\d+\.\d+$/);
    const r = m('run', '--rm', '--net', 'habitsnet', IMG, 'nslookup', 'alicek106');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Name:\\s+alicek106\\nAddress:\\s+${ip.replace(/\./g, '\\.')}`));
    expect(m('rm', '-f', 'network_alias_container_1').status).toBe(0);
  });

  it('--log-driver json-file keeps the output for logs; none keeps nothing; an unknown driver is refused', () => {
    expect(m('run', '--name', 'jlog', '--log-driver', 'json-file', '--log-opt', 'max-size=10m', IMG, 'echo', 'kept').status).toBe(0);
    expect(m('logs', 'jlog').stdout).toBe('kept\n');
    expect(m('inspect', '-f', '{{.HostConfig.LogConfig.Type}}', 'jlog').stdout).toBe('json-file\n');
    const none = m('run', '--name', 'nolog', '--log-driver', 'none', IMG, 'echo', 'shown-not-kept');
    expect(none.stdout).toBe('shown-not-kept\n'); // attached: still printed
    const logs = m('logs', 'nolog');
    expect(logs.status).toBe(1);
    expect(logs.stderr).toBe('mini-run: configured logging driver does not support reading\n');
    const bad = m('run', '--rm', '--log-driver', 'syslog', IMG, 'true');
    expect(bad.status).toBe(125);
    expect(bad.stderr).toMatch(/^mini-run: logger: no log driver named 'syslog' is registered/);
    expect(m('rm', 'jlog', 'nolog').status).toBe(0);
  });

  it('--log-driver local is taken as Docker takes it: logs reads the output, rotated as the local driver (20m x 5); a bad --log-opt is one line, exit 125', () => {
    expect(m('run', '--name', 'llocal', '--log-driver', 'local', IMG, 'echo', 'kept by local').status).toBe(0);
    expect(m('logs', 'llocal').stdout).toBe('kept by local\n');
    // as Docker's inspect: the driver's name and the options as given
    expect(m('inspect', '-f', '{{json .HostConfig.LogConfig}}', 'llocal').stdout).toBe('{"Type":"local","Config":{}}\n');
    expect(m('create', '--name', 'llocal2', '--log-driver', 'local', '--log-opt', 'max-size=1m', '--log-opt', 'compress=false', IMG, 'true').status).toBe(0);
    expect(m('inspect', '-f', '{{json .HostConfig.LogConfig.Config}}', 'llocal2').stdout).toBe('{"compress":"false","max-size":"1m"}\n');
    const before = m('ps', '-aq').stdout;
    const bad = m('run', '--rm', '--log-driver', 'local', '--log-opt', 'labels=x', IMG, 'true');
    expect([bad.status, bad.stderr]).toEqual([125, "mini-run: unknown log opt 'labels' for log driver local\n"]);
    expect(m('ps', '-aq').stdout).toBe(before);
    expect(m('rm', 'llocal', 'llocal2').status).toBe(0);
  });

  it("the config file's log-driver and log-opts are the defaults (the notes' daemon.json advice)", () => {
    const conf = join(root, 'daemon.json');
    const withConf = (...args: string[]) => mr(root, args, { env: { MINI_RUN_CONFIG: conf } });
    writeFileSync(conf, JSON.stringify({ 'log-driver': 'json-file', 'log-opts': { 'max-size': '30m', 'max-file': '10' } }));
    expect(withConf('create', '--name', 'confdefault', IMG, 'true').status).toBe(0);
    expect(m('inspect', '-f', '{{json .HostConfig.LogConfig}}', 'confdefault').stdout).toBe('{"Type":"json-file","Config":{"max-file":"10","max-size":"30m"}}\n');
    // --log-opt adds to (and wins over) the defaults; another driver does not get them.
    expect(withConf('create', '--name', 'confmerged', '--log-opt', 'max-file=3', IMG, 'true').status).toBe(0);
    expect(m('inspect', '-f', '{{json .HostConfig.LogConfig.Config}}', 'confmerged').stdout).toBe('{"max-file":"3","max-size":"30m"}\n');
    expect(withConf('create', '--name', 'confnone', '--log-driver', 'none', IMG, 'true').status).toBe(0);
    expect(m('inspect', '-f', '{{json .HostConfig.LogConfig}}', 'confnone').stdout).toBe('{"Type":"none","Config":{}}\n');
    writeFileSync(conf, JSON.stringify({ 'log-driver': 'none' }));
    const quiet = withConf('run', '--name', 'confquiet', IMG, 'echo', 'not-kept');
    expect(quiet.stdout).toBe('not-kept\n');
    expect(m('logs', 'confquiet').stderr).toBe('mini-run: configured logging driver does not support reading\n');
    // A driver mini-run does not have, or a bad option: one line naming the file, nothing created.
    writeFileSync(conf, JSON.stringify({ 'log-driver': 'syslog' }));
    const bad = withConf('create', '--name', 'confbad', IMG, 'true');
    expect(bad.status).toBe(125);
    expect(bad.stderr).toMatch(new RegExp(`^mini-run: the configuration file ${conf} is invalid: "log-driver": .*\n$`));
    writeFileSync(conf, JSON.stringify({ 'log-opts': { 'max-size': 'lots' } }));
    const badOpt = withConf('create', '--name', 'confbad', IMG, 'true');
    expect(badOpt.status).toBe(125);
    expect(lines(badOpt.stderr)).toHaveLength(1);
    expect(badOpt.stderr).toMatch(/^mini-run: invalid log options: /);
    expect(m('inspect', 'confbad').status).toBe(1);
    expect(m('rm', 'confdefault', 'confmerged', 'confnone', 'confquiet').status).toBe(0);
  });

  it("the config file's dns, dns-search and default-ulimits are the containers' defaults (daemon.json's keys)", () => {
    const conf = join(root, 'defaults.json');
    const withConf = (...args: string[]) => mr(root, args, { env: { MINI_RUN_CONFIG: conf } });
    const show = ['sh', '-c', 'grep "Max open files" /proc/self/limits; grep -E "^(nameserver|search)" /etc/resolv.conf'];
    writeFileSync(conf, JSON.stringify({ dns: ['192.0.2.53'], 'dns-search': ['lab.example'], 'default-ulimits': { nofile: { Name: 'nofile', Soft: 1234, Hard: 2345 } } }));
    const given = withConf('run', '--rm', '--network', 'none', IMG, ...show);
    expect(given.stderr).toBe(''); // known keys: no WARNING
    expect(given.status).toBe(0);
    expect(given.stdout).toMatch(/^Max open files +1234 +2345 +files *\nnameserver 192\.0\.2\.53\nsearch lab\.example\n$/);
    // The container's own flags win; the defaults stay out of HostConfig (as Docker's inspect).
    const own = withConf('run', '--name', 'confown', '--network', 'none', '--ulimit', 'nofile=512:1024', '--dns', '198.51.100.1', IMG, ...show);
    expect(own.status).toBe(0);
    expect(own.stdout).toMatch(/^Max open files +512 +1024 +files *\nnameserver 198\.51\.100\.1\nsearch lab\.example\n$/);
    expect(m('inspect', '-f', '{{json .HostConfig.Dns}}', 'confown').stdout).toBe('["198.51.100.1"]\n');
    // A wrong default: one line naming the file and the key, exit 125, no container made.
    writeFileSync(conf, JSON.stringify({ 'default-ulimits': { nofile: { Soft: 10, Hard: 5 } } }));
    const bad = withConf('run', '--name', 'confbadlimit', '--network', 'none', IMG, 'true');
    expect(bad.status).toBe(125);
    expect(bad.stderr).toBe(`mini-run: the configuration file ${conf} is invalid: "default-ulimits.nofile": ulimit soft limit must be less than or equal to hard limit: 10 > 5\n`);
    expect(m('inspect', 'confbadlimit').status).toBe(1);
    expect(m('rm', 'confown').status).toBe(0);
  });

  it("the config file's bip, default-address-pools, log-driver local and live-restore (daemon.json's keys)", () => {
    const conf = join(root, 'bridge.json');
    const tag = process.pid % 100000;
    const bipBridge = `mr-hb${tag}`; // a default bridge of this test's own, beside mini-run0
    const poolBridge = `mr-hp${tag}`;
    const withConf = (bridge: string, ...args: string[]) => mr(root, args, { env: { MINI_RUN_CONFIG: conf, MINI_RUN_BRIDGE: bridge } });
    const hostAddr = (dev: string) => spawnSync('ip', ['-4', '-o', 'addr', 'show', 'dev', dev], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[3]);
    const eth0 = ['sh', '-c', 'ip -4 -o addr show eth0 | awk \'{print $4}\'; ip route | grep default'];
    try {
      writeFileSync(conf, JSON.stringify({ bip: '10.66.7.1/24', 'log-driver': 'local', 'live-restore': true }));
      const first = withConf(bipBridge, 'run', '--rm', IMG, ...eth0);
      expect(first.status).toBe(0);
      expect(first.stdout).toBe('10.66.7.2/24\ndefault via 10.66.7.1 dev eth0 \n');
      // local keeps json-file lines on disk, said once for this version of the file
      expect(first.stderr).toMatch(/^NOTE: .*bridge\.json: "log-driver": "local" keeps json-file lines on disk .*\(max-file=5, max-size=20m\)\n$/);
      expect(hostAddr(bipBridge)).toEqual(['10.66.7.1/24']);
      const info = withConf(bipBridge, 'info');
      expect(info.stderr).toBe('');
      expect(info.stdout).toContain(`Default Bridge: ${bipBridge} (10.66.7.0/24, gateway 10.66.7.1)\nFirewall Backend:`);
      expect(info.stdout).toMatch(/\nLogging Driver: local\nLive Restore Enabled: true\n/); // as dockerd says
      expect(withConf(bipBridge, 'run', '--name', 'loglocal', IMG, 'echo', 'kept by local').status).toBe(0);
      expect(m('logs', 'loglocal').stdout).toBe('kept by local\n');
      expect(m('inspect', '-f', '{{json .HostConfig.LogConfig}}', 'loglocal').stdout).toBe('{"Type":"local","Config":{}}\n');
      // bip changed while a container is on the bridge: one line saying what to do, exit 125; the bridge stays as it is
      expect(withConf(bipBridge, 'run', '-d', '--name', 'bipheld', IMG, 'sleep', '300').status).toBe(0);
      writeFileSync(conf, JSON.stringify({ bip: '10.66.8.1/24' }));
      const before = m('ps', '-aq').stdout;
      const busy = withConf(bipBridge, 'run', '--rm', IMG, 'true');
      expect(busy.status).toBe(125);
      expect(lines(busy.stderr)).toHaveLength(1);
      expect(busy.stderr).toContain(`the bridge ${bipBridge} has the address 10.66.7.1/24 and 1 container on it, not 10.66.8.1/24 as configured ("bip"): ` +
        `stop it (mini-run ps --filter network=bridge) and the bridge is made anew with 10.66.8.1/24, or set "bip" back to 10.66.7.1/24\n`);
      expect(m('ps', '-aq').stdout).toBe(before);
      expect(hostAddr(bipBridge)).toEqual(['10.66.7.1/24']);
      // once it is idle, the next container remakes it with the new address (as dockerd re-addresses docker0 when it starts)
      expect(m('rm', '-f', 'bipheld', 'loglocal').status).toBe(0);
      const after = withConf(bipBridge, 'run', '--rm', IMG, ...eth0);
      expect(after.stderr).toBe('');
      expect(after.stdout).toBe('10.66.8.2/24\ndefault via 10.66.8.1 dev eth0 \n');
      expect(hostAddr(bipBridge)).toEqual(['10.66.8.1/24']);
      // default-address-pools: a new default bridge and a new user network take the first free subnets of the pool
      writeFileSync(conf, JSON.stringify({ 'default-address-pools': [{ base: '10.67.0.0/16', size: 24 }] }));
      const pooled = withConf(poolBridge, 'run', '--rm', IMG, ...eth0);
      expect(pooled.stderr).toBe('');
      expect(pooled.stdout).toBe('10.67.0.2/24\ndefault via 10.67.0.1 dev eth0 \n');
      expect(withConf(poolBridge, 'network', 'create', 'habitspool').status).toBe(0);
      expect(withConf(poolBridge, 'network', 'inspect', '-f', '{{json .IPAM.Config}}', 'habitspool').stdout).toBe('[{"Subnet":"10.67.1.0/24","Gateway":"10.67.1.1"}]\n');
    } finally {
      m('rm', '-f', 'bipheld', 'loglocal');
      m('network', 'rm', 'habitspool');
      withConf(poolBridge, 'network', 'prune', '-f'); // idle default bridges go (as system prune)
    }
    for (const b of [bipBridge, poolBridge]) expect(spawnSync('ip', ['link', 'show', 'dev', b]).status).not.toBe(0);
  });

  it('ps PORTS shows published ports and, like Docker, exposed-only ones (3306/tcp)', () => {
    expect(m('run', '-d', '--name', 'ported', '--expose', '3306', '-p', '127.0.0.1::80', IMG, 'sleep', '300').status).toBe(0);
    const row = lines(m('ps').stdout).find((l) => l.endsWith(' ported'))!;
    expect(row).toMatch(/ 127\.0\.0\.1:\d+->80\/tcp, 3306\/tcp +ported$/);
    expect(m('inspect', '-f', '{{json .Config.ExposedPorts}}', 'ported').stdout).toBe('{"3306/tcp":{},"80/tcp":{}}\n'); // -p exposes too, as Docker
    expect(m('stop', '-t', '0', 'ported').status).toBe(0);
    // A stopped container has no ports to show (Docker's too).
    expect(lines(m('ps', '-a').stdout).find((l) => l.endsWith(' ported'))).toMatch(/Exited \(\d+\) .* +ported$/);
    expect(lines(m('ps', '-a').stdout).find((l) => l.endsWith(' ported'))).not.toMatch(/tcp/);
    expect(m('rm', 'ported').status).toBe(0);
  });

  it("--link gives the link environment the notes' WordPress + MySQL example reads", () => {
    expect(m('run', '-d', '--name', 'wordpressdb', '--expose', '3306', '-e', 'MYSQL_ROOT_PASSWORD=password', '-e', 'MYSQL_DATABASE=wordpress', IMG, 'sleep', '300').status).toBe(0);
    const dbIp = m('inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'wordpressdb').stdout.trim();
    const r = m('run', '--rm', '--name', 'wordpress', '--link', 'wordpressdb:mysql', IMG, 'env');
    expect(r.status).toBe(0);
    const env = new Set(lines(r.stdout));
    for (const want of [
      'MYSQL_NAME=/wordpress/mysql',
      `MYSQL_PORT=tcp://${dbIp}:3306`,
      `MYSQL_PORT_3306_TCP=tcp://${dbIp}:3306`,
      `MYSQL_PORT_3306_TCP_ADDR=${dbIp}`,
      'MYSQL_PORT_3306_TCP_PORT=3306',
      'MYSQL_PORT_3306_TCP_PROTO=tcp',
      'MYSQL_ENV_MYSQL_ROOT_PASSWORD=password',
      'MYSQL_ENV_MYSQL_DATABASE=wordpress',
    ]) expect(env, want).toContain(want);
    // The host's variables of the linked container are not passed on.
    expect([...env].filter((e) => /^MYSQL_ENV_(PATH|HOME|HOSTNAME)=/.test(e))).toEqual([]);
    // exec sees them too (they are the container's environment), and the hosts line is there.
    expect(m('run', '-d', '--name', 'wp2', '--link', 'wordpressdb:mysql', IMG, 'sleep', '300').status).toBe(0);
    expect(m('exec', 'wp2', 'sh', '-c', 'echo $MYSQL_PORT_3306_TCP_ADDR; grep -w mysql /etc/hosts | cut -f1').stdout).toBe(`${dbIp}\n${dbIp}\n`);
    expect(m('rm', '-f', 'wp2', 'wordpressdb').status).toBe(0);
  });
});

describe('search', () => {
  it("search REGISTRY/TERM lists that registry's catalog, filtered by the term; errors are one line", async () => {
    const reg = await startRegistry();
    const work = tempRoot('search');
    try {
      const base = busyboxArchive(work, 'docker.io/library/nginx:latest');
      for (const name of ['nginx:latest', 'linuxserver/nginx:latest', 'ubuntu:14.04']) skopeoPush(`oci-archive:${base}`, `${reg.host}/${name}`);
      const r = m('search', `${reg.host}/nginx`);
      expect(r.status).toBe(0);
      const host = reg.host.replace(/\./g, '\\.');
      expect(r.stdout).toMatch(new RegExp(`^NAME +DESCRIPTION +STARS +OFFICIAL\n${host}/linuxserver/nginx +0\n${host}/nginx +0\n$`));
      expect(m('search', '--format', '{{.Name}} {{.StarCount}} {{.IsOfficial}}', `${reg.host}/ubu`).stdout).toBe(`${reg.host}/ubuntu 0 false\n`);
      expect(m('search', '--limit', '1', '--format', '{{.Name}}', `${reg.host}/nginx`).stdout).toBe(`${reg.host}/linuxserver/nginx\n`);
      expect(m('search', '-f', 'is-official=true', '--format', '{{.Name}}', `${reg.host}/nginx`).stdout).toBe('');
      const bad = m('search', '--filter', 'color=blue', `${reg.host}/nginx`);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toBe("mini-run: invalid filter 'color'\n");
      expect(m('search', '--limit', '0', `${reg.host}/nginx`).stderr).toBe('mini-run: limit 0 is outside the range of [1, 100]\n');
      const closed = m('search', '127.0.0.1:1/nginx');
      expect(closed.status).toBe(1);
      expect(closed.stderr).toMatch(/^mini-run: catalog of 127\.0\.0\.1:1: .*connection refused\n$/);
      // The notes' own `docker search nginx` on a host that pulls through a mirror: without
      // Docker Hub, the mirror's catalog answers (docker.io's library/ is the official namespace).
      skopeoPush(`oci-archive:${base}`, `${reg.host}/library/nginx:latest`);
      const cfg = join(work, 'mirror.json');
      writeFileSync(cfg, JSON.stringify({ 'registry-mirrors': [reg.url] }));
      const plain = mr(root, ['search', '--format', '{{.Name}} {{.IsOfficial}}', 'nginx'], { env: { MINI_RUN_CONFIG: cfg } });
      expect(plain.status).toBe(0);
      if (plain.stderr.includes('Docker Hub cannot be reached')) {
        expect(plain.stderr).toMatch(new RegExp(`^mini-run: Docker Hub cannot be reached \\(.*\\): searching the catalog of the registry mirror ${reg.url.replace(/\./g, '\\.')}\n$`));
        expect(plain.stdout).toBe('nginx true\nlinuxserver/nginx false\nnginx false\n');
      } else {
        console.warn('search: Docker Hub answered here, so the mirror fallback was not exercised');
      }
    } finally {
      await reg.stop();
      removeRoot(work);
    }
  });
});

describe('prune as Docker means it', () => {
  it('system prune -f --volumes: stopped containers, unused networks, unused anonymous volumes, dangling images — in Docker\'s order and words; image prune -a -f: every image no container uses', () => {
    const p = tempRoot('prune');
    const pm = (...args: string[]) => mr(p, args);
    try {
      expect(pm('network', 'create', 'usednet').status).toBe(0);
      expect(pm('network', 'create', 'unusednet').status).toBe(0);
      expect(pm('run', '-d', '--name', 'keeper', '--network', 'usednet', '-v', 'named1:/data', IMG, 'sleep', '300').status).toBe(0);
      expect(pm('volume', 'create', 'spare').status).toBe(0);
      expect(pm('run', '--name', 'stopped1', '--network', 'none', '-v', '/anon', IMG, 'sh', '-c', 'echo x > /made').status).toBe(0);
      // a dangling image: the same tag committed twice leaves the first one without a name
      expect(pm('commit', 'stopped1', 'mr-prune/c:1').status).toBe(0);
      const first = pm('images', '-q', '--no-trunc', 'mr-prune/c:1').stdout.trim();
      expect(pm('commit', '-m', 'again', 'stopped1', 'mr-prune/c:1').status).toBe(0);
      expect(pm('images', '-q', '--no-trunc', '--filter', 'dangling=true').stdout.trim()).toBe(first);
      const stoppedId = pm('inspect', '-f', '{{.Id}}', 'stopped1').stdout.trim();
      const anon = pm('inspect', '-f', '{{range .Mounts}}{{.Name}}{{end}}', 'stopped1').stdout.trim();
      expect(anon).toMatch(/^[0-9a-f]{64}$/);

      const r = pm('system', 'prune', '-f', '--volumes');
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      const out = r.stdout.split('\n');
      expect(out[0]).toBe('Cleaned 0 stale container(s); network state swept');
      expect(r.stdout.slice(out[0].length + 1)).toMatch(new RegExp(
        `^Deleted Containers:\\n${stoppedId}\\n\\nDeleted Networks:\\nunusednet\\n\\nDeleted Volumes:\\n${anon}\\n\\n` +
        `Deleted Images:\\ndeleted: ${first}\\n(deleted: sha256:[0-9a-f]{64}\\n)*\\nTotal reclaimed space: \\d+(\\.\\d+)?[kMG]?B\\n$`));
      // what is in use, and the named volume nobody uses, stay (the latter as Docker ≥ 23: anonymous volumes only)
      expect(pm('ps', '-a', '--format', '{{.Names}}').stdout).toBe('keeper\n');
      expect(pm('network', 'ls').stdout.split('\n').slice(1).filter(Boolean).map((l) => l.split(/\s+/)[1])).toEqual(['bridge', 'host', 'none', 'usednet']);
      expect(pm('volume', 'ls', '-q').stdout.split('\n').filter(Boolean).sort()).toEqual(['named1', 'spare']);
      expect(pm('images', '--format', '{{.Repository}}:{{.Tag}}').stdout.split('\n').filter(Boolean).sort()).toEqual([`${IMG}:latest`, 'mr-prune/c:1']);
      // nothing left to prune: only the total, as Docker's
      expect(pm('system', 'prune', '-f', '--volumes').stdout).toBe('Cleaned 0 stale container(s); network state swept\nTotal reclaimed space: 0B\n');

      const i = pm('image', 'prune', '-a', '-f');
      expect(i.status).toBe(0);
      expect(i.stdout).toMatch(/^Deleted Images:\nuntagged: mr-prune\/c:1\ndeleted: sha256:[0-9a-f]{64}\n(deleted: sha256:[0-9a-f]{64}\n)*\nTotal reclaimed space: \d+(\.\d+)?[kMG]?B\n$/);
      expect(pm('images', '--format', '{{.Repository}}').stdout).toBe(`${IMG}\n`); // keeper's image stays
      expect(pm('image', 'prune', '-a', '-f').stdout).toBe('Total reclaimed space: 0B\n');
      expect(pm('system', 'prune', '--bogus').status).toBe(125);
    } finally {
      pm('rm', '-f', 'keeper', 'stopped1');
      pm('network', 'rm', 'usednet', 'unusednet');
    }
    expect(leaksFor(p)).toEqual([]);
    removeRoot(p);
  });

  it('image prune --filter until=… / label=K=V / label!=K: only the unused images every filter lets go; a bad filter is one line, exit 1, nothing goes', () => {
    const p = tempRoot('prunefilter');
    const pm = (...args: string[]) => mr(p, args);
    const tags = () => pm('images', '--format', '{{.Repository}}:{{.Tag}}').stdout.split('\n').filter(Boolean).sort();
    const deleted = (tag: string) => new RegExp(`^Deleted Images:\\nuntagged: ${tag}\\ndeleted: sha256:[0-9a-f]{64}\\n(deleted: sha256:[0-9a-f]{64}\\n)*\\nTotal reclaimed space: \\d+(\\.\\d+)?[kMG]?B\\n$`);
    try {
      expect(pm('run', '--name', 'src', '--network', 'none', IMG, 'true').status).toBe(0);
      expect(pm('commit', '-c', 'LABEL team=blue', 'src', 'mr-pf:blue').status).toBe(0);
      expect(pm('commit', '-c', 'LABEL team=red', 'src', 'mr-pf:red').status).toBe(0);
      expect(pm('commit', 'src', 'mr-pf:plain').status).toBe(0);
      expect(pm('rm', 'src').status).toBe(0);
      const all = [`${IMG}:latest`, 'mr-pf:blue', 'mr-pf:plain', 'mr-pf:red'];
      expect(tags()).toEqual(all);

      const bad = pm('image', 'prune', '-a', '-f', '--filter', 'bogus=1');
      expect([bad.status, bad.stdout, bad.stderr]).toEqual([1, '', "mini-run: Invalid filter 'bogus'\n"]);
      const badTime = pm('image', 'prune', '-a', '-f', '--filter', 'until=soon');
      expect([badTime.status, badTime.stderr]).toEqual([1, 'mini-run: failed to parse value as time or duration: "soon"\n']);
      expect(tags()).toEqual(all);

      // label=K=V: the blue one only
      expect(pm('image', 'prune', '-a', '-f', '--filter', 'label=team=blue').stdout).toMatch(deleted('mr-pf:blue'));
      // until=the red one's creation time: what was made strictly before it (the busybox image), not red, not plain (made after)
      const redCreated = pm('image', 'inspect', '-f', '{{.Created}}', 'mr-pf:red').stdout.trim();
      expect(pm('image', 'prune', '-a', '-f', '--filter', `until=${redCreated}`).stdout).toMatch(deleted(`${IMG}:latest`));
      // label!=K: what has no team label
      expect(pm('image', 'prune', '-a', '-f', '--filter', 'label!=team').stdout).toMatch(deleted('mr-pf:plain'));
      expect(tags()).toEqual(['mr-pf:red']);
      // several filters must all hold: red has the label, so label!=team lets nothing go
      expect(pm('image', 'prune', '-a', '-f', '--filter', 'until=0s', '--filter', 'label!=team').stdout).toBe('Total reclaimed space: 0B\n');
      expect(pm('image', 'prune', '-a', '-f', '--filter', 'until=0s', '--filter', 'label=team').stdout).toMatch(deleted('mr-pf:red'));
      expect(tags()).toEqual([]);
    } finally {
      pm('rm', '-f', 'src');
    }
    expect(leaksFor(p)).toEqual([]);
    removeRoot(p);
  });

  it('system prune --filter and volume prune --filter: each kind takes what the filters let go; until with --volumes is refused before anything goes', () => {
    const p = tempRoot('prunesysf');
    const pm = (...args: string[]) => mr(p, args);
    try {
      expect(pm('run', '--name', 'blue', '--label', 'team=blue', '--network', 'none', IMG, 'true').status).toBe(0);
      expect(pm('run', '--name', 'red', '--label', 'team=red', '--network', 'none', IMG, 'true').status).toBe(0);
      expect(pm('network', 'create', '--label', 'team=blue', 'bluenet').status).toBe(0);
      expect(pm('network', 'create', 'plainnet').status).toBe(0);
      expect(pm('volume', 'create', '--label', 'team=blue', 'bluevol').status).toBe(0);
      expect(pm('volume', 'create', 'plainvol').status).toBe(0);
      const kept = () => [pm('ps', '-a', '--format', '{{.Names}}').stdout, pm('network', 'ls', '-f', 'type=custom', '--format', '{{.Name}}').stdout, pm('volume', 'ls', '-q').stdout];

      const refused = pm('system', 'prune', '-f', '--volumes', '--filter', 'until=1h');
      expect([refused.status, refused.stdout, refused.stderr]).toEqual([1, '', 'mini-run: The "until" filter is not supported with "--volumes"\n']);
      const badKey = pm('system', 'prune', '-f', '--filter', 'dangling=true');
      expect([badKey.status, badKey.stdout, badKey.stderr]).toEqual([1, '', "mini-run: Invalid filter 'dangling'\n"]);
      expect(kept()).toEqual(['red\nblue\n', 'bluenet\nplainnet\n', 'bluevol\nplainvol\n']);

      // label=team=blue: the blue container and network; images have no such label, so none go
      const r = pm('system', 'prune', '-f', '--filter', 'label=team=blue');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^Cleaned 0 stale container\(s\); network state swept\nDeleted Containers:\n[0-9a-f]{64}\n\nDeleted Networks:\nbluenet\n\nTotal reclaimed space: /);
      expect(kept()).toEqual(['red\n', 'plainnet\n', 'bluevol\nplainvol\n']);
      // volume prune: all=true takes named volumes too, label!= keeps the blue one
      const v = pm('volume', 'prune', '-f', '--filter', 'all=true', '--filter', 'label!=team');
      expect(v.stdout).toMatch(/^Deleted Volumes:\nplainvol\n\nTotal reclaimed space: /);
      expect(pm('volume', 'prune', '-f', '--filter', 'until=1h').status).toBe(1);
      expect(kept()).toEqual(['red\n', 'plainnet\n', 'bluevol\n']);
      expect(pm('images', '--format', '{{.Repository}}').stdout).toBe(`${IMG}\n`);
    } finally {
      pm('rm', '-f', 'blue', 'red');
      pm('network', 'rm', 'bluenet', 'plainnet');
    }
    expect(leaksFor(p)).toEqual([]);
    removeRoot(p);
  });
});
