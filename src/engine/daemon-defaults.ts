/**
 * The config file's container defaults, applied as dockerd applies its daemon.json ones:
 * `dns` / `dns-search` stand in when run has no --dns / --dns-search, and `default-ulimits`
 * sit under the container's own --ulimit (a --ulimit of the same name wins). Like Docker's,
 * they reach the container (its resolv.conf, its spec's process.rlimits) but not its
 * HostConfig: `inspect` shows what the user asked for.
 */
import { UserError } from '../errors';
import { configFile, type DaemonConfig } from '../image/registry/config';
import { parseUlimit } from './ulimits';

export type Rlimit = { type: string; soft: number; hard: number };

/** The container's rlimits: the config's defaults, then its own --ulimit ones over them. */
export function rlimitsWithDefaults(own: Rlimit[] | undefined, config: DaemonConfig): Rlimit[] {
  const defaults = Object.entries(config['default-ulimits'] ?? {}).map(([name, u]) => {
    const where = `the configuration file ${configFile()} is invalid: "default-ulimits.${name}"`;
    if (u.Name !== undefined && u.Name !== name) throw new UserError(`${where}: its Name is "${u.Name}"`, 125);
    try {
      return parseUlimit(`${name}=${u.Soft}:${u.Hard}`);
    } catch (e) {
      // parseUlimit speaks of the --ulimit flag; here the value came from the file
      throw new UserError(`${where}: ${(e as Error).message.replace(/^invalid argument .*? flag: /, '')}`, 125);
    }
  });
  const mine = own ?? [];
  return [...defaults.filter((d) => !mine.some((m) => m.type === d.type)), ...mine];
}

/** resolv.conf's nameservers and search domains: the flags, else the config's, else none (the host's). */
export function dnsWithDefaults(dns: string[] | undefined, dnsSearch: string[] | undefined, config: DaemonConfig): { dns: string[]; dnsSearch: string[] } {
  return {
    dns: dns?.length ? dns : config.dns ?? [],
    dnsSearch: dnsSearch?.length ? dnsSearch : config['dns-search'] ?? [],
  };
}
