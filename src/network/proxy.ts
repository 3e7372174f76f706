/**
 * The userland proxy (docker's `docker-proxy` idea), run inside the container's supervisor: it
 * listens on the published host port and copies bytes to the container's address.
 *
 * Most connections never reach it: the DNAT rules (firewall.ts) re-address packets to the
 * container before any socket is looked up — from other hosts, from the host itself, and from
 * the host's 127.0.0.1 too (route_localnet on our bridge; ~2× the proxy's throughput, see
 * docs/perf.md "Network"). It is still needed:
 *   - to reserve the port: while it listens, no other program (or container) can take it;
 *   - for hairpin connections: a container connecting to a host address (the gateway, say) at
 *     a port published by a container of its own bridge — the DNAT rule skips packets coming in
 *     from that bridge (they would come back with the wrong source), so the proxy serves them;
 *   - where the host has no packet filter (MINI_RUN_FIREWALL=none): then it serves everything.
 */
import * as net from 'node:net';
import * as dgram from 'node:dgram';
import type { PortBinding } from './ports';
import { UserError } from '../errors';

const UDP_IDLE_MS = 30_000;

export class PortProxy {
  private servers: (net.Server | dgram.Socket)[] = [];
  private sockets = new Set<net.Socket | dgram.Socket>();
  /** Where to forward to; known only once the container has its address. */
  target: string | null = null;

  /** Listen on every binding's host port (0 = any free one); returns the bindings with real ports. */
  async listen(bindings: readonly PortBinding[]): Promise<PortBinding[]> {
    const out: PortBinding[] = [];
    try {
      for (const b of bindings) {
        const port = b.proto === 'tcp' ? await this.listenTcp(b) : await this.listenUdp(b);
        out.push({ ...b, hostPort: port });
      }
    } catch (err) {
      this.close();
      throw err;
    }
    return out;
  }

  private listenTcp(b: PortBinding): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((client) => {
        if (!this.target) return client.destroy();
        const upstream = net.connect(b.containerPort, this.target);
        this.sockets.add(client); this.sockets.add(upstream);
        const done = () => { client.destroy(); upstream.destroy(); this.sockets.delete(client); this.sockets.delete(upstream); };
        client.on('error', done); upstream.on('error', done);
        client.on('close', done); upstream.on('close', done);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      server.once('error', (e: NodeJS.ErrnoException) => reject(bindError(b, e)));
      server.listen({ host: b.hostIp, port: b.hostPort, exclusive: true }, () => {
        this.servers.push(server);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  private listenUdp(b: PortBinding): Promise<number> {
    return new Promise((resolve, reject) => {
      const sock = dgram.createSocket('udp4');
      // One upstream socket per client address, so replies find their way back.
      const flows = new Map<string, { up: dgram.Socket; timer: NodeJS.Timeout }>();
      sock.on('message', (msg, rinfo) => {
        if (!this.target) return;
        const key = `${rinfo.address}:${rinfo.port}`;
        let flow = flows.get(key);
        if (!flow) {
          const up = dgram.createSocket('udp4');
          this.sockets.add(up);
          up.on('message', (reply) => { sock.send(reply, rinfo.port, rinfo.address); touch(); });
          up.on('error', () => undefined);
          const end = () => { up.close(); this.sockets.delete(up); flows.delete(key); };
          flow = { up, timer: setTimeout(end, UDP_IDLE_MS).unref() };
          const f = flow;
          const touch = () => { f.timer.refresh(); };
          flows.set(key, flow);
        }
        flow.timer.refresh();
        flow.up.send(msg, b.containerPort, this.target);
      });
      sock.once('error', (e: NodeJS.ErrnoException) => reject(bindError(b, e)));
      sock.bind({ address: b.hostIp, port: b.hostPort, exclusive: true }, () => {
        this.servers.push(sock);
        resolve(sock.address().port);
      });
    });
  }

  close(): void {
    for (const s of this.servers) try { s.close(); } catch { /* closed */ }
    for (const s of this.sockets) try { if (s instanceof net.Socket) s.destroy(); else s.close(); } catch { /* closed */ }
    this.servers = [];
    this.sockets.clear();
  }
}

function bindError(b: PortBinding, e: NodeJS.ErrnoException): UserError {
  const what = `${b.hostIp}:${b.hostPort}/${b.proto}`;
  if (e.code === 'EADDRINUSE') return new UserError(`driver failed programming external connectivity: Bind for ${what} failed: port is already allocated`, 125);
  return new UserError(`cannot listen on ${what}: ${e.message}`, 125);
}
