#!/usr/bin/env node
/**
 * Network throughput benchmark: how fast do bytes move over TCP
 *   (a) on host loopback (a Node sender → a Node sink, both on 127.0.0.1),
 *   (b) host → container over the bridge (Node sender → a Node sink in a busybox container,
 *       sent to the container's own address on mini-run0),
 *   (c) container → host over the bridge (the sender runs in the container, via `exec`, and
 *       sends to a sink on the host listening on the bridge's address, the container's gateway),
 *   (d) through a published port: the container of (b) started with `-p 127.0.0.1:HOSTPORT:80`,
 *       the sender on the host connecting to 127.0.0.1:HOSTPORT — DNAT-ed in the kernel to the
 *       container (src/network/firewall.ts, "Localhost"), or through the userland proxy in the
 *       container's supervisor where the host has no packet filter.
 *
 *   sudo node bench/net.mjs [--runs N (default 7)] [--mb M (default 200)] [--proxy] [--json] [--bin PATH]
 *
 * --proxy: row (d) through the userland proxy instead, for comparison: mini-run runs with
 * MINI_RUN_FIREWALL=none (no NAT rules at all, so the proxy serves 127.0.0.1) on a bridge and
 * state directory of its own (mr-bnNNNNN, 10.86.0.0/16, under the scratch dir), so nothing
 * else on the host — other containers, our chains — is touched.
 *
 * (b) and (d) share one sink (the container) and one sender (the host): they differ only by
 * the way into the container. (c) is the other direction, as the issue asks.
 *
 * Method: the sender is a separate Node process (so sender and sink never share an event loop)
 * that writes M MiB from one reused 1 MiB buffer, honouring backpressure, then ends its side;
 * a sample is the time from 'connect' to the socket's 'close' (the sink has read everything and
 * closed). The sink is the same Node script everywhere (reads and drops), a child process on the
 * host for (a), the container's program for (b) and (c) (node from the host's /usr, bind-mounted
 * read-only into mini-run/busybox); for (c), a second host sink on the bridge's address. One
 * untimed warm-up per row, then rounds of one sample per row (so a load change on the host
 * touches every row alike), medians reported. MB/s = 10^6 bytes/s. The host has 2 CPUs shared
 * by sender, sink and kernel: the loopback row swings most, so use several runs.
 *
 * Everything lives under one temp dir (/tmp/mr-bench-*, mini-run's --root); the container is
 * named mr-bench-net-<pid> and `rm -f`-ed at exit, also on Ctrl-C. Traffic goes only to
 * 127.0.0.1, the container's address and the bridge's address.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupOnExit, parseArgs, removeScratch } from './lib.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = 0.5;

const opts = parseArgs(process.argv.slice(2), 'net bench',
  'usage: node bench/net.mjs [--runs N (default 7)] [--mb M (default 200)] [--proxy] [--json] [--bin path/to/mini-run]',
  { runs: 7, mb: 200, json: false, proxy: false, bin: join(REPO, 'bin', 'mini-run') });
const log = (...a) => (opts.json ? console.error(...a) : console.log(...a));
const BYTES = opts.mb * 1024 * 1024;
const node = process.execPath;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------ scratch space
const scratch = mkdtempSync('/tmp/mr-bench-');
const mrRoot = join(scratch, 'mini-run-root');
const cname = `mr-bench-net-${process.pid}`;
let containerStarted = false;
const hostSinks = []; // the host's sinks (rows a and c): child Node processes
let sinkPid = 0; // a process in the container: its /proc/PID/net/tcp lists the container's sockets

const mrEnv = opts.proxy
  ? {
    ...process.env, MINI_RUN_FIREWALL: 'none', MINI_RUN_RUNDIR: join(scratch, 'run'), MINI_RUN_BRIDGE: `mr-bn${process.pid % 100000}`,
    MINI_RUN_BRIDGE_SUBNET: '10.86.0.0/16', MINI_RUN_BRIDGE_GATEWAY: '10.86.0.1',
  }
  : process.env;
const mr = (args, extra = {}) =>
  spawnSync(node, [opts.bin, '--root', mrRoot, ...args], { encoding: 'utf8', timeout: 60_000, env: mrEnv, ...extra });

function cleanup() {
  for (const p of hostSinks) try { p.kill(); } catch { /* gone */ }
  if (containerStarted) mr(['rm', '-f', cname], { stdio: 'ignore' });
  // The bridge stays idle after its last container (as docker0 does): give it back, or with
  // --proxy its own bridge would outlive the network state kept in the scratch dir.
  mr(['system', 'prune'], { stdio: 'ignore' });
  removeScratch(scratch, 'net bench');
}
cleanupOnExit('net bench', cleanup);

// ------------------------------------------------------------------------------------ sender
// Runs in its own Node process: prints {"ms": …} once the peer has closed, or {"error": …}.
const SENDER = `
const net = require('node:net');
const [host, port, total] = process.argv.slice(1);
const buf = Buffer.alloc(1 << 20, 0x61);
let left = Number(total), t0 = 0, failed = null;
const s = net.connect({ host, port: Number(port) });
s.setNoDelay(true);
s.on('connect', () => {
  t0 = process.hrtime.bigint();
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, buf.length);
      left -= n;
      if (!s.write(n === buf.length ? buf : buf.subarray(0, n))) return s.once('drain', pump);
    }
    s.end();
  };
  pump();
});
s.on('data', () => {});
s.on('error', (e) => { failed = e.code || e.message; });
s.on('close', () => {
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (failed || left > 0 || !t0) console.log(JSON.stringify({ error: failed || 'closed early' }));
  else console.log(JSON.stringify({ ms }));
});
`;

/** One transfer; `inContainer`: the sender runs in the container (`mini-run exec`). */
function send(host, port, inContainer = false) {
  return new Promise((res, rej) => {
    const argv = ['-e', SENDER, host, String(port), String(BYTES)];
    const p = inContainer
      ? spawn(node, [opts.bin, '--root', mrRoot, 'exec', cname, node, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: mrEnv })
      : spawn(node, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('close', () => {
      clearTimeout(timer);
      try {
        const r = JSON.parse(out.trim());
        if (r.error) rej(new Error(r.error)); else res(r.ms);
      } catch {
        rej(new Error(`sender failed: ${err.trim().split('\n')[0] || out.trim()}`));
      }
    });
  });
}

/**
 * Wait until the sink in the container listens on port 80. Read from the container's network
 * namespace (/proc/PID/net/tcp{,6}: a LISTEN socket, state 0A, on local port 0x0050) rather than by
 * connecting through the proxy, which accepts whether or not anything listens behind it.
 */
async function waitListening(timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    let tcp = '';
    for (const f of ['tcp', 'tcp6']) try { tcp += readFileSync(`/proc/${sinkPid}/net/${f}`, 'utf8'); } catch { /* gone */ }
    if (tcp.split('\n').some((l) => { const f = l.trim().split(/\s+/); return f[1]?.endsWith(':0050') && f[3] === '0A'; })) return;
    await sleep(20);
  }
  throw new Error(`the sink in the container not listening on :80 after ${timeoutMs} ms`);
}

// ----------------------------------------------------------------------------------- set-up
/** A sink on the host listening on `addr` (127.0.0.1 for row a, the bridge's address for row c). */
async function startHostSink(addr) {
  const port = await freePort(addr);
  hostSinks.push(spawn(node, ['-e', SINK, addr, String(port)], { stdio: 'ignore' }));
  const end = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise((res) => {
      const s = net.connect({ host: addr, port });
      s.once('connect', () => { s.destroy(); res(true); });
      s.once('error', () => res(false));
    });
    if (ok) return port;
    if (Date.now() > end) throw new Error(`the sink on ${addr} did not start`);
    await sleep(50);
  }
}

async function freePort(addr = '127.0.0.1') {
  const s = net.createServer();
  await new Promise((res) => s.listen(0, addr, res));
  const { port } = s.address();
  await new Promise((res) => s.close(res));
  return port;
}

// The sink: the same few lines on the host (rows a, c) and in the container (rows b, d), so the rows
// differ only by the path between sender and sink. (busybox `nc -l` as the sink reads in ~1 KiB
// pieces and caps every container row near 500 MB/s, hiding the proxy's cost.)
const SINK = `
const net = require('node:net');
const s = net.createServer((c) => { c.on('data', () => {}); c.on('error', () => {}); });
s.listen(Number(process.argv[2]), process.argv[1]);
`;

function startContainer(hostPort) {
  // Node in a busybox container: the host's /usr (and /lib, /lib64: symlinks into it on
  // merged-/usr hosts), read-only.
  const vols = ['/usr', '/lib', '/lib64'].filter((d) => existsSync(d)).flatMap((d) => ['-v', `${d}:${d}:ro`]);
  const r = mr([
    'run', '-d', '--name', cname, '-p', `127.0.0.1:${hostPort}:80`, ...vols, 'mini-run/busybox',
    node, '-e', SINK, '0.0.0.0', '80',
  ]);
  containerStarted = true;
  if (r.status !== 0) throw new Error(`mini-run run: ${(r.stderr || '').trim().split('\n')[0]}`);
  const ip = mr(['inspect', '-f', '{{.NetworkSettings.IPAddress}} {{.NetworkSettings.Gateway}}', cname]);
  const [addr, gateway] = (ip.stdout || '').trim().split(' ');
  const pid = mr(['inspect', '-f', '{{.State.Pid}}', cname]);
  sinkPid = Number((pid.stdout || '').trim());
  if (!(sinkPid > 0)) {
    const state = mr(['inspect', '-f', '{{.State.Status}} exit={{.State.ExitCode}} {{.State.Error}}', cname]).stdout.trim();
    throw new Error(`cannot find the container's pid: ${pid.stderr.trim() || `state: ${state}`}`);
  }
  if (ip.status !== 0 || !/^\d+\.\d+\.\d+\.\d+$/.test(addr)) throw new Error(`cannot find the container's address: ${ip.stderr}`);
  return { ip: addr, gateway };
}

// --------------------------------------------------------------------------------------- run
log(`net bench: ${opts.runs} × ${opts.mb} MiB per row, ${cpus().length} CPUs, node ${process.version}, scratch ${scratch}`);
if (process.getuid?.() !== 0) log('net bench: note: not root — container rows will fail');

const PUBLISHED = opts.proxy ? 'published port on 127.0.0.1 (proxy)' : 'published port on 127.0.0.1';
const loPort = await startHostSink('127.0.0.1');
const rows = [
  { name: 'host loopback', path: `node → node on 127.0.0.1:${loPort}`, host: '127.0.0.1', port: loPort, samples: [] },
];
const containerRows = ['host → container (bridge)', 'container → host (bridge)', PUBLISHED];
try {
  const hostPort = await freePort();
  const { ip, gateway } = startContainer(hostPort);
  const gwPort = await startHostSink(gateway);
  rows.push({ name: containerRows[0], path: `node → ${ip}:80 (node sink in the container)`, host: ip, port: 80, wait: true, samples: [] });
  rows.push({ name: containerRows[1], path: `node in the container → ${gateway}:${gwPort} (node sink on the host)`, host: gateway, port: gwPort, inContainer: true, samples: [] });
  rows.push({ name: containerRows[2], path: `node → 127.0.0.1:${hostPort} → ${ip}:80`, host: '127.0.0.1', port: hostPort, wait: true, samples: [] });
} catch (e) {
  log(`net bench: container rows not usable: ${e.message}`);
  for (const name of containerRows) rows.push({ name, samples: [], error: e.message });
}

let sinkReady = false;
async function sample(r) {
  if (r.wait && !sinkReady) { await waitListening(); sinkReady = true; }
  return send(r.host, r.port, r.inContainer);
}

for (let i = 0; i <= opts.runs; i++) {
  for (const r of rows) {
    if (r.error) continue;
    try {
      const ms = await sample(r);
      if (i > 0) r.samples.push(ms); // round 0: warm-up, untimed
    } catch (e) {
      r.error = `${i === 0 ? 'warm-up' : `run ${i}`}: ${e.message}`;
    }
  }
  if (!opts.json && process.stdout.isTTY && i > 0) process.stdout.write(`\r  round ${i}/${opts.runs}`);
}
if (!opts.json && process.stdout.isTTY) process.stdout.write('\r\x1b[K');

// ------------------------------------------------------------------------------------ results
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mbps = (ms) => BYTES / 1e6 / (ms / 1000);
const results = rows.map((r) => {
  const base = { name: r.name, path: r.path };
  if (r.error) return { ...base, status: 'failed', reason: r.error };
  const ms = median(r.samples);
  return { ...base, status: 'ok', medianMs: ms, mbps: mbps(ms), samplesMBps: r.samples.map(mbps) };
});
const lo = results[0];
for (const r of results) if (r.status === 'ok' && lo.status === 'ok') r.ratioToLoopback = r.mbps / lo.mbps;
const pub = results.find((r) => r.name === PUBLISHED);
const target = {
  rule: `published-port throughput ≥ ${TARGET * 100}% of loopback`,
  result: pub.status === 'ok' && lo.status === 'ok' && pub.ratioToLoopback >= TARGET ? 'PASS' : 'FAIL',
  ...(pub.status !== 'ok' ? { reason: pub.reason } : lo.status !== 'ok' ? { reason: `loopback: ${lo.reason}` } : {}),
};

if (opts.json) {
  console.log(JSON.stringify({ runs: opts.runs, mib: opts.mb, cpus: cpus().length, node: process.version, results, target }, null, 2));
} else {
  const w = Math.max(...results.map((r) => r.name.length));
  log(`\n${'row'.padEnd(w)}  ${'MB/s'.padStart(7)}  ${'min'.padStart(7)}  ${'max'.padStart(7)}  ${'× lo'.padStart(5)}  path`);
  for (const r of results) {
    if (r.status !== 'ok') { log(`${r.name.padEnd(w)}  failed: ${r.reason}`); continue; }
    const f = (x) => x.toFixed(0).padStart(7);
    log(`${r.name.padEnd(w)}  ${f(r.mbps)}  ${f(Math.min(...r.samplesMBps))}  ${f(Math.max(...r.samplesMBps))}  ${(r.ratioToLoopback ?? NaN).toFixed(2).padStart(5)}  ${r.path}`);
  }
  const why = target.reason ? ` (${target.reason})` : ` (${(pub.ratioToLoopback * 100).toFixed(0)}% of loopback)`;
  log(`\ntarget: ${target.rule} → ${target.result}${why}`);
}
cleanup();
process.exit(0);
