/**
 * `--link NAME:ALIAS`'s environment variables, docker's legacy service discovery:
 *
 *   DB_NAME=/wordpress/db                 DB_PORT=tcp://10.88.0.5:3306   (lowest exposed port)
 *   DB_PORT_3306_TCP=tcp://10.88.0.5:3306 DB_PORT_3306_TCP_ADDR=10.88.0.5
 *   DB_PORT_3306_TCP_PORT=3306            DB_PORT_3306_TCP_PROTO=tcp
 *   DB_ENV_MYSQL_ROOT_PASSWORD=…          (the linked container's own environment)
 *
 * They describe the linked container as it is when this one starts, so they are put into the
 * bundle's config.json at every start (the /etc/hosts line is written then too).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../paths';
import { writeFileAtomic } from '../fsutil';
import type { ContainerRecord } from './container-store';

/** Variables of the linked container that describe the host, not the service. */
const NOT_PASSED_ON = new Set(['HOME', 'PATH', 'HOSTNAME', 'TERM']);

/** DB for alias `db`, MY_DB for `my-db`. */
export function linkPrefix(alias: string): string {
  return alias.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

export function linkEnv(parentName: string, alias: string, child: ContainerRecord, ip: string): string[] {
  const prefix = linkPrefix(alias);
  const env = [`${prefix}_NAME=/${parentName}/${alias}`];
  const ports = Object.keys(child.config.ExposedPorts)
    .map((k) => ({ port: Number(k.split('/')[0]), proto: k.split('/')[1] ?? 'tcp' }))
    .sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto));
  if (ports.length) env.push(`${prefix}_PORT=${ports[0].proto}://${ip}:${ports[0].port}`);
  for (const { port, proto } of ports) {
    const p = `${prefix}_PORT_${port}_${proto.toUpperCase()}`;
    env.push(`${p}=${proto}://${ip}:${port}`, `${p}_ADDR=${ip}`, `${p}_PORT=${port}`, `${p}_PROTO=${proto}`);
  }
  for (const e of child.config.Env) {
    const i = e.indexOf('=');
    if (i > 0 && !NOT_PASSED_ON.has(e.slice(0, i))) env.push(`${prefix}_ENV_${e}`);
  }
  return env;
}

/**
 * The bundle's environment = the container's own (its record, as created) + the link variables
 * of now (a restart may find new addresses).
 */
export function writeLinkEnv(rec: ContainerRecord, links: { alias: string; child: ContainerRecord; ip: string }[]): void {
  const file = join(paths.container(rec.id), 'config.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as { process?: { env?: string[] } };
  if (!spec.process) return;
  spec.process.env = [...rec.config.Env, ...links.flatMap((l) => linkEnv(rec.name, l.alias, l.child, l.ip))];
  writeFileAtomic(file, JSON.stringify(spec, null, 2) + '\n');
}
