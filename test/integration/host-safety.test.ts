/**
 * The host stays safe from its own (non-root) users: each test performs an attack as a local
 * unprivileged user (uid 65534 through setpriv, no groups) or from inside a container, shows
 * it fails, and checks that nothing is left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { mr, removeAllContainers, removeRoot, tempRoot } from '../helpers/cli';
import { busyboxArchive, mrAsync, Registry, skopeoPush, startRegistry } from '../fixtures/registry';

const IMG = 'mini-run/busybox';
let root: string;
const m = (...args: string[]) => mr(root, args);

/** Run a shell command as uid/gid 65534 with no supplementary groups: a local user. */
function asNobody(cmd: string): { status: number; out: string } {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c', cmd], { encoding: 'utf8', cwd: '/' });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

const modeOf = (p: string) => statSync(p).mode & 0o7777;

beforeAll(() => {
  root = tempRoot('hostsafe');
  chmodSync(root, 0o755); // as an older mini-run (or `mkdir -p`) would have left it
});

afterAll(() => {
  expect(removeAllContainers(root)).toEqual([]);
  removeRoot(root);
});

describe('state root private to root (CVE-2021-41091 class: host users reach container files)', () => {
  it('a root made loose by an older mini-run is tightened on the next command, and doctor says so', () => {
    writeFileSync(join(root, 'lock'), '');
    chmodSync(join(root, 'lock'), 0o644);
    mkdirSync(join(root, 'volumes'), { mode: 0o755 });
    chmodSync(join(root, 'volumes'), 0o755);
    const d = m('doctor');
    expect(d.stdout).toMatch(new RegExp(`^ok +state root .*made private to root now \\(0700; ${root} was 0755, ${root}/volumes was 0755, ${root}/lock was 0644\\)`, 'm'));
    expect([modeOf(root), modeOf(join(root, 'volumes')), modeOf(join(root, 'lock'))]).toEqual([0o700, 0o700, 0o600]);
    expect(m('doctor').stdout).toMatch(/^ok +state root .*, private to root \(0700\)$/m);
  });

  it('a setuid-root binary a container leaves in a volume cannot be reached or run by a local user', () => {
    const plant = m('run', '--rm', '-v', 'planted:/data', IMG, 'sh', '-c', 'cp /bin/busybox /data/rootsh && chmod 4755 /data/rootsh');
    expect(plant.status).toBe(0);
    const data = join(root, 'volumes/planted/_data');
    expect(modeOf(join(data, 'rootsh'))).toBe(0o4755); // the bait is really there, setuid root
    expect(statSync(join(data, 'rootsh')).uid).toBe(0);
    const run = asNobody(`${data}/rootsh id -u`);
    expect(run.status).not.toBe(0);
    expect(run.out).toMatch(/Permission denied/);
    for (const dir of [root, join(root, 'volumes'), data, join(root, 'layers'), join(root, 'blobs/sha256'), join(root, 'containers')]) {
      const ls = asNobody(`ls ${dir}`);
      expect([dir, ls.status]).toEqual([dir, 2]);
      expect(ls.out).toMatch(/Permission denied/);
    }
    expect(m('volume', 'rm', 'planted').status).toBe(0);
  });

  it('a local user cannot open the state lock to hang every mini-run command', () => {
    const hold = asNobody(`flock -n ${root}/lock true`);
    expect(hold.status).not.toBe(0);
    expect(hold.out).toMatch(/Permission denied/);
    expect(m('run', '--rm', IMG, 'true').status).toBe(0); // and mini-run still works for root
  });

  it('refuses a state root owned by another user (it could swap anything under it), exit 125, one line', () => {
    const other = tempRoot('hostsafe-owned');
    try {
      chownSync(other, 65534, 65534);
      const r = mr(other, ['ps']);
      expect(r.status).toBe(125);
      expect(r.stderr).toBe(`mini-run: state root ${other} is owned by uid 65534, not root: refusing to use it (that user could change anything mini-run runs)\n`);
    } finally {
      removeRoot(other);
    }
  });

  it('a fresh root is made 0700', () => {
    const fresh = join(tempRoot('hostsafe-fresh'), 'nested', 'root');
    try {
      expect(mr(fresh, ['ps']).status).toBe(0);
      expect(modeOf(fresh)).toBe(0o700);
      expect(m('run', '--rm', IMG, 'true').status).toBe(0);
      expect(modeOf(join(root, 'lock'))).toBe(0o600);
    } finally {
      removeRoot(join(fresh, '../..'));
    }
  });
});

describe('cp never follows a link the container controls on the host side (CVE-2018-15664 class, host half)', () => {
  let work: string;
  beforeAll(() => {
    work = tempRoot('hostsafe-cp');
    mkdirSync(join(work, 'victim'));
    writeFileSync(join(work, 'victim/host-secret'), 'host-only\n');
    mkdirSync(join(work, 'payload/d'), { recursive: true });
    writeFileSync(join(work, 'payload/evil'), '* * * * * root sh -c pwned\n');
    writeFileSync(join(work, 'payload/d/f'), 'inside\n');
    writeFileSync(join(work, 'payload/suid'), '#!/bin/sh\n');
    chmodSync(join(work, 'payload/suid'), 0o4755);
  });
  afterAll(() => removeRoot(work));

  for (const state of ['running', 'stopped']) {
    it(`a ${state} container: the second cp of a planted link writes nothing outside the destination`, () => {
      const name = `cp-${state}`;
      // /out/x -> a host file that does not exist yet, /out/d -> a host directory: dangling inside the container.
      const plant = `mkdir /out && ln -s ${work}/victim/cron-evil /out/x && ln -s ${work}/victim /out/d`;
      const started = state === 'running'
        ? m('run', '-d', '--name', name, IMG, 'sh', '-c', `${plant} && exec sleep 300`)
        : m('run', '--name', name, IMG, 'sh', '-c', plant);
      expect(started.status).toBe(0);
      for (let i = 0; state === 'running' && i < 50 && m('exec', name, 'test', '-L', '/out/d').status !== 0; i++) spawnSync('sleep', ['0.1']);
      const backup = join(work, `backup-${state}`);
      expect(m('cp', `${name}:/out/.`, backup).status).toBe(0);
      expect(readlinkSync(join(backup, 'x'))).toBe(`${work}/victim/cron-evil`); // links are copied as links
      expect(readlinkSync(join(backup, 'd'))).toBe(`${work}/victim`);
      // The container swaps its links for a file and a directory (here through cp in, as root in it could).
      expect(m('cp', join(work, 'payload/evil'), `${name}:/out/x`).status).toBe(0);
      expect(m('cp', join(work, 'payload/d'), `${name}:/out/d`).status).toBe(0);
      const again = m('cp', `${name}:/out/.`, backup);
      expect([again.status, again.stderr]).toEqual([0, '']);
      // The links were replaced, not written through: the host's directory is as it was.
      expect(readdirSync(join(work, 'victim'))).toEqual(['host-secret']);
      expect(lstatSync(join(backup, 'x')).isFile()).toBe(true);
      expect(readFileSync(join(backup, 'x'), 'utf8')).toBe('* * * * * root sh -c pwned\n');
      expect(lstatSync(join(backup, 'd')).isDirectory()).toBe(true);
      expect(readdirSync(join(backup, 'd'))).toEqual(['f']);
      expect(readdirSync(backup).sort()).toEqual(['d', 'x']); // no temp names left
      expect(m('rm', '-f', name).status).toBe(0);
    });
  }

  it('set-uid bits are dropped on files copied to the host, kept with -a (as docker cp)', () => {
    expect(m('create', '--name', 'cp-suid', IMG, 'true').status).toBe(0);
    expect(m('cp', join(work, 'payload/suid'), 'cp-suid:/suid').status).toBe(0);
    expect(m('cp', 'cp-suid:/suid', join(work, 'suid-plain')).status).toBe(0);
    expect(m('cp', '-a', 'cp-suid:/suid', join(work, 'suid-archive')).status).toBe(0);
    expect(modeOf(join(work, 'suid-plain'))).toBe(0o755);
    expect(modeOf(join(work, 'suid-archive'))).toBe(0o4755);
    expect(m('rm', 'cp-suid').status).toBe(0);
  });
});

describe('removing a container never follows a link or crosses a mount it planted in its directory (CVE-2018-15664 class, removal half)', () => {
  let work: string;
  const bait = () => readdirSync(join(work, 'host-etc')).sort().map((f) => `${f}: ${readFileSync(join(work, 'host-etc', f), 'utf8')}`);
  const containerDirs = () => readdirSync(join(root, 'containers'));
  beforeAll(() => {
    work = tempRoot('hostsafe-rm');
    mkdirSync(join(work, 'host-etc'));
    for (const f of ['hosts', 'hostname', 'resolv.conf', 'passwd']) writeFileSync(join(work, 'host-etc', f), `host ${f}\n`);
  });
  afterAll(() => removeRoot(work));
  const HOST_ETC = ['hostname: host hostname\n', 'hosts: host hosts\n', 'passwd: host passwd\n', 'resolv.conf: host resolv.conf\n'];

  // Its upper layer's etc (where the removal expects hosts, resolv.conf, hostname) becomes a
  // link to the host's directory of the same names: root in a --privileged container can
  // unmount the three binds and replace /etc. The link is removed, its target left alone.
  for (const how of ['run --rm', 'rm']) {
    it(`${how}: /etc replaced by a link to a host directory: the host's files stay, nothing of the container is left`, () => {
      const plant = `umount /etc/hosts /etc/hostname /etc/resolv.conf && rm -rf /etc && ln -s ${work}/host-etc /etc && test -L /etc`;
      const r = how === 'run --rm'
        ? m('run', '--rm', '--network', 'none', '--privileged', IMG, 'sh', '-c', plant)
        : m('run', '--name', 'rm-planted', '--network', 'none', '--privileged', IMG, 'sh', '-c', plant);
      expect([r.status, r.stderr]).toEqual([0, '']);
      if (how === 'rm') {
        const upperEtc = join(root, 'containers', containerDirs()[0], 'upper/etc');
        expect(readlinkSync(upperEtc)).toBe(`${work}/host-etc`); // the bait is really in place
        expect(m('rm', 'rm-planted').status).toBe(0);
      }
      expect(containerDirs()).toEqual([]);
      expect(bait()).toEqual(HOST_ETC);
    });
  }

  it('--mount-ns host: a bind of a host directory over its /etc is detached before the removal, the host\'s files stay', () => {
    const r = m('run', '--rm', '--network', 'none', '--privileged', '--mount-ns', 'host', '-v', `${work}/host-etc:/bait`, IMG, 'sh', '-c', 'mount --bind /bait /etc && cat /etc/passwd');
    expect([r.status, r.stdout]).toEqual([0, 'host passwd\n']);
    expect(containerDirs()).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(root);
    expect(bait()).toEqual(HOST_ETC);
  });
});

describe('input that would be reinterpreted is refused, exit 125, one line, nothing made', () => {
  it('-u beyond 2^31-1 (4294967295 is (uid_t)-1: setresuid would leave the process root)', () => {
    const before = m('ps', '-aq').stdout;
    for (const u of ['4294967295', '2147483648', '0:4294967295', '99999999999999999999']) {
      const r = m('run', '--rm', '-u', u, IMG, 'id', '-u');
      expect([u, r.status, r.stdout, r.stderr]).toEqual([u, 125, '', 'mini-run: uids and gids must be in range 0-2147483647\n']);
    }
    expect(m('run', '--rm', '-u', '2147483647', IMG, 'id', '-u').stdout).toBe('2147483647\n');
    expect(m('ps', '-aq').stdout).toBe(before);
  });

  it('a relative --mount bind source (checked against our cwd, mounted from the init\'s)', () => {
    const r = m('run', '--rm', '--mount', 'type=bind,source=tmp,target=/x', IMG, 'true');
    expect([r.status, r.stderr]).toEqual([125, 'mini-run: invalid mount config for type "bind": invalid mount path: \'tmp\' mount path must be absolute\n']);
  });
});

describe('registry credentials go only where they belong; --trace shows no signed URLs', () => {
  let reg: Registry;
  let mirror: http.Server;
  let mirrorUrl: string;
  let fx: string;
  const seen: string[] = [];
  const HUB_AUTH = `Basic ${Buffer.from('hubuser:HUB-PASSWORD').toString('base64')}`;
  const MIRROR_AUTH = `Basic ${Buffer.from('mirroruser:mirrorpass').toString('base64')}`;

  beforeAll(async () => {
    fx = tempRoot('hostsafe-reg');
    reg = await startRegistry();
    skopeoPush(`oci-archive:${busyboxArchive(fx)}`, `${reg.host}/library/alpine:latest`);
    // A docker.io mirror in front of the real registry: records what it is sent, and answers blob
    // GETs with a redirect to a "pre-signed" URL (as S3-backed registries do).
    mirror = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
      const url = new URL(req.url!, 'http://x');
      if (req.headers.authorization !== MIRROR_AUTH) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="mirror"', 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
      if (/\/blobs\//.test(url.pathname) && !url.searchParams.has('X-Amz-Signature')) {
        res.writeHead(307, { Location: `${url.pathname}?X-Amz-Signature=SIGNED-SECRET` });
        res.end();
        return;
      }
      const up = http.request(`${reg.url}${url.pathname}`, { method: req.method, headers: { ...req.headers, host: reg.host } }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => mirror.listen(0, '127.0.0.1', () => r()));
    mirrorUrl = `http://127.0.0.1:${(mirror.address() as net.AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    mirror.closeAllConnections();
    await new Promise((r) => mirror.close(r));
    await reg?.stop();
    removeRoot(fx);
  });

  it('a docker.io mirror gets its own credentials, never Docker Hub\'s, and --trace redacts the signed redirect', async () => {
    const cfg = join(fx, 'daemon.json');
    writeFileSync(cfg, JSON.stringify({ 'registry-mirrors': [mirrorUrl] }));
    const auth = join(fx, 'auth.json');
    const mirrorHost = new URL(mirrorUrl).host;
    writeFileSync(auth, JSON.stringify({ auths: {
      'https://index.docker.io/v1/': { auth: Buffer.from('hubuser:HUB-PASSWORD').toString('base64') },
      [mirrorHost]: { auth: Buffer.from('mirroruser:mirrorpass').toString('base64') },
    } }), { mode: 0o600 });
    const r = await mrAsync(root, ['--trace', 'pull', '-q', 'alpine'], { env: { MINI_RUN_CONFIG: cfg, MINI_RUN_AUTH_CONFIG: auth } });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('docker.io/library/alpine:latest\n');
    expect(seen.some((l) => l.includes('X-Amz-Signature=SIGNED-SECRET'))).toBe(true); // the redirect was followed
    // The mirror was sent its own credentials (after its challenge), never Docker Hub's.
    expect(seen.filter((l) => l.endsWith(MIRROR_AUTH)).length).toBeGreaterThanOrEqual(3);
    expect(seen.filter((l) => !l.endsWith(MIRROR_AUTH) && !l.endsWith(' -'))).toEqual([]);
    expect(seen.join('\n')).not.toContain(HUB_AUTH);
    expect(r.stderr).toMatch(/registry: GET http:\/\/127\.0\.0\.1:\d+\/v2\/library\/alpine\/blobs\/sha256:[0-9a-f]+\?…/);
    expect(r.stderr).not.toMatch(/SIGNED-SECRET|HUB-PASSWORD|aHVidXNlcj/);
    expect(m('rmi', 'alpine').status).toBe(0);
  });
});

/** One DNS question for `name` (type A) sent from the host to `server`:53; the answer's bytes, or null after `ms`. */
function askFromHost(server: string, name: string, ms = 1500): Promise<Buffer | null> {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const query = Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
  return new Promise((done) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => { sock.close(); done(null); }, ms);
    sock.on('message', (msg) => { clearTimeout(timer); sock.close(); done(msg); });
    sock.send(query, 53, server);
  });
}

describe('the embedded DNS answers only its own network (names listed to outsiders, open resolver)', () => {
  it('a container on another network and the host itself get no answer; the network\'s own containers do', async () => {
    expect(m('network', 'create', 'hs-dns-a').status).toBe(0);
    expect(m('network', 'create', 'hs-dns-b').status).toBe(0);
    const gw = JSON.parse(m('network', 'inspect', 'hs-dns-a').stdout)[0].IPAM.Config[0].Gateway as string;
    expect(m('run', '-d', '--name', 'dns-target', '--network', 'hs-dns-a', IMG, 'sleep', '300').status).toBe(0);
    const ip = JSON.parse(m('inspect', 'dns-target').stdout)[0].NetworkSettings.Networks['hs-dns-a'].IPAddress as string;
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const ask = (net: string) => m('run', '--rm', '--network', net, IMG, 'sh', '-c', `timeout 3 nslookup dns-target ${gw}; echo rc=$?`).stdout;
    const own = ask('hs-dns-a');
    expect(own).toMatch(new RegExp(`Address:\\s+${ip.replace(/\./g, '\\.')}`));
    const other = ask('hs-dns-b'); // the gateway address is reachable from there (it is the host's)
    expect(other).not.toContain(ip);
    expect(other).toMatch(/rc=[1-9]/);
    expect(await askFromHost(gw, 'dns-target')).toBeNull();
    expect(await askFromHost(gw, 'localhost')).toBeNull(); // not forwarded either: no open resolver
    expect(m('rm', '-f', 'dns-target').status).toBe(0);
    expect(m('network', 'rm', 'hs-dns-a', 'hs-dns-b').status).toBe(0);
  }, 60_000);
});

describe('unpublished ports are not reachable by routed traffic (direct routing to containers, as Docker 28 closes)', () => {
  const NS = `mr-hs-lan-${process.pid % 100000}`;
  const HOST_END = `mr-hsl${process.pid % 100000}`;
  const run = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  /** An HTTP GET from inside the test's "LAN host" namespace: the body, or "unreachable". */
  const fetchFromLan = (url: string) => {
    const js = `const req = require('http').get(${JSON.stringify(url)}, {timeout: 2000}, (r) => { r.setEncoding('utf8'); r.on('data', (d) => process.stdout.write(d)); });` +
      `req.on('timeout', () => req.destroy()); req.on('error', () => console.log('unreachable'));`;
    return execFileSync('ip', ['netns', 'exec', NS, process.execPath, '-e', js], { encoding: 'utf8', timeout: 10_000 }).trim();
  };

  it('a host routing the container address through this host gets no answer from an unpublished port; the published one answers at the host address', () => {
    const forwardWas = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
    const port = 20000 + (process.pid % 20000);
    try {
      expect(m('run', '-d', '--name', 'routed', '-p', `${port}:80`, IMG, 'sh', '-c',
        'mkdir -p /www && echo published > /www/index.html && httpd -p 80 -h /www && mkdir -p /hidden && echo unpublished > /hidden/index.html && exec httpd -f -p 9090 -h /hidden').status).toBe(0);
      const ip = m('inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'routed').stdout.trim();
      expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      // The "LAN host": a namespace on a veth, its route to the container through this host.
      for (const c of [`ip netns add ${NS}`, `ip link add ${HOST_END} type veth peer name eth0 netns ${NS}`,
        `ip addr add 198.18.77.1/30 dev ${HOST_END}`, `ip link set ${HOST_END} up`,
        `ip -n ${NS} addr add 198.18.77.2/30 dev eth0`, `ip -n ${NS} link set eth0 up`, `ip -n ${NS} link set lo up`,
        `ip -n ${NS} route add ${ip}/32 via 198.18.77.1`]) {
        expect([c, run(c).status]).toEqual([c, 0]);
      }
      if (forwardWas !== '1') writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
      for (let i = 0; i < 30 && m('exec', 'routed', 'sh', '-c', 'netstat -ltn | grep -q :9090').status !== 0; i++) spawnSync('sleep', ['0.1']);
      expect(m('exec', 'routed', 'wget', '-qO-', 'http://127.0.0.1:9090/').stdout).toBe('unpublished\n'); // it is listening
      expect(fetchFromLan(`http://${ip}:9090/`)).toBe('unreachable');
      expect(fetchFromLan(`http://198.18.77.1:${port}/`)).toBe('published');
    } finally {
      if (readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() !== forwardWas) writeFileSync('/proc/sys/net/ipv4/ip_forward', forwardWas);
      run(`ip link del ${HOST_END} 2>/dev/null; ip netns del ${NS} 2>/dev/null`);
      m('rm', '-f', 'routed');
    }
    expect(run(`ip link show ${HOST_END}`).status).not.toBe(0);
    expect(run('ip netns list').stdout).not.toContain(NS);
  }, 60_000);
});
