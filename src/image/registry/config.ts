/**
 * mini-run's "daemon.json": registry settings that docker keeps in /etc/docker/daemon.json.
 *
 *   /etc/mini-run/config.json   (or the file named by $MINI_RUN_CONFIG)
 *   {
 *     "registry-mirrors": ["http://127.0.0.1:5000"],   // tried first for docker.io images
 *     "insecure-registries": ["myreg.lan:5000", "10.0.0.0/8"], // plain HTTP / unverified TLS
 *     "log-driver": "json-file",                           // default of --log-driver (json-file, local: see below, none)
 *     "log-opts": { "max-size": "30m", "max-file": "10" }, // default --log-opt for that driver
 *     "proxies": { "https-proxy": "http://proxy:3128", "no-proxy": "*.lan" }, // see proxy.ts
 *     "dns": ["1.1.1.1"], "dns-search": ["lan"],         // defaults of --dns / --dns-search
 *     "default-ulimits": { "nofile": { "Name": "nofile", "Soft": 1024, "Hard": 4096 } }, // of --ulimit
 *     "userns-remap": "default",  // run's default --userns private: "default" = the mini-run user, or a user name
 *     "bip": "10.66.0.1/16",      // the default bridge's own address and subnet (engine/daemon-defaults.ts)
 *     "default-address-pools": [{ "base": "10.201.0.0/16", "size": 24 }], // where new bridge subnets are taken from
 *     "live-restore": true        // what mini-run always does: containers outlive the CLI (false: a NOTE, see below)
 *   }
 *
 * A missing file means "no mirrors, nothing insecure". A file that is there but wrong is an
 * error naming the file: silently ignoring a typo in a mirror list would send pulls elsewhere.
 * Keys mini-run does not read (a typo, or a dockerd setting it has no use for) are named in one
 * WARNING line, once per version of the file (a stamp under the state root remembers it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateRoot } from '../../paths';
import { UserError } from '../../errors';
import { lazy } from '../../lazy';
import { localLogOptions } from './local-log';
import { inCidr } from './ipv4';
import type { DaemonConfig } from './config-schema';
import { DEFAULT_CONFIG_FILE, configFile, daemonConfigDefaults } from './config-file';

export { DEFAULT_CONFIG_FILE, configFile };
export type { DaemonConfig };

/**
 * The file's schema (zod), loaded at the first file read: `run` loads this module on every
 * start, and most hosts have no file (then zod is not loaded at all: daemonConfigDefaults).
 */
const schemas = lazy(() => require('./config-schema') as typeof import('./config-schema'));
const crypto = lazy(() => require('node:crypto') as typeof import('node:crypto'));

/**
 * `"log-driver": "local"`: Docker's local driver keeps logs in its own compressed binary format.
 * mini-run keeps json-file lines (which `logs` reads) rotated as the local driver rotates —
 * 20m × 5 unless log-opts say — so the disk a container's log takes stays bounded the same way.
 * The driver's name stays "local" (info, inspect and `run` see it as Docker's do); this checks
 * the options and says once how the lines are kept.
 */
function localLogDriver(config: DaemonConfig, file: string): string {
  const rotation = localLogOptions(config['log-opts'], (m) => new UserError(`the configuration file ${file} is invalid: "log-opts.${m.split("'")[1]}": ${m}`, 125));
  const kept = Object.entries(rotation).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(', ');
  const compress = config['log-opts'].compress;
  return `NOTE: ${file}: "log-driver": "local" keeps json-file lines on disk (mini-run logs reads them), rotated as the local driver's (${kept})${compress !== undefined ? ', uncompressed' : ''}`;
}

let cached: { file: string; config: DaemonConfig } | null = null;

export function loadDaemonConfig(): DaemonConfig {
  const file = configFile();
  if (cached?.file === file) return cached.config;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return daemonConfigDefaults();
    throw new UserError(`cannot read the configuration file ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`the configuration file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const { DaemonConfig } = schemas();
  const r = DaemonConfig.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UserError(`the configuration file ${file} is invalid: "${issue.path.join('.')}": ${issue.message}`);
  }
  const said: string[] = [];
  const unknown = Object.keys(raw as object).filter((k) => !(k in DaemonConfig.shape));
  if (unknown.length) {
    const names = unknown.map((k) => `"${k}"`).join(', ');
    said.push(`WARNING: ${file}: unknown key${unknown.length > 1 ? 's' : ''} ${names} ignored (mini-run reads ${Object.keys(DaemonConfig.shape).join(', ')})`);
  }
  if (r.data['log-driver'] === 'local') said.push(localLogDriver(r.data, file));
  if (r.data['live-restore'] === false) {
    said.push(`NOTE: ${file}: "live-restore": false changes nothing: mini-run has no daemon whose stop would stop the containers; each runs under its own supervisor until it is stopped (dockerd's live-restore true)`);
  }
  if (said.length) reportOnce(file, text, said);
  cached = { file, config: r.data };
  return cached.config;
}

/** Lines about the file (unknown keys, keys taken in another way), unless this very file content was reported already. */
function reportOnce(file: string, text: string, lines: string[]): void {
  const { createHash } = crypto();
  const stamp = join(stateRoot(), 'config-warned');
  const digest = createHash('sha256').update(`${file}\0${text}`).digest('hex');
  try {
    if (readFileSync(stamp, 'utf8').trim() === digest) return;
  } catch { /* never reported */ }
  process.stderr.write(lines.map((l) => l + '\n').join(''));
  try {
    writeFileSync(stamp, digest + '\n');
  } catch { /* a state root we cannot write (not root): the warning comes again next time */ }
}

/** Does host[:port] match an insecure-registries entry (a host[:port] or an IPv4 CIDR)? */
export function isInsecureRegistry(host: string, config = loadDaemonConfig()): boolean {
  const hostOnly = host.replace(/:\d+$/, '');
  for (const entry of config['insecure-registries']) {
    const e = entry.replace(/^https?:\/\//, '').replace(/\/$/, '');
    if (e === host || e === hostOnly) return true;
    const cidr = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(e);
    if (cidr && /^\d+\.\d+\.\d+\.\d+$/.test(hostOnly) && inCidr(hostOnly, cidr[1], Number(cidr[2]))) return true;
  }
  return false;
}
