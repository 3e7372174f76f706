/**
 * `--ulimit name=soft[:hard]` (docker's flag): resource limits of the container's processes,
 * carried by the spec's `process.rlimits` and set by the runtime with setrlimit(2) before
 * execve. Without --ulimit a container keeps the limits mini-run itself runs with, as a
 * Docker container keeps the engine's. Raising a hard limit needs CAP_SYS_RESOURCE.
 */
import { UserError } from '../errors';

const NAMES = ['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack', 'as'];

/** The largest rlimit value: what `-1` (unlimited) means. */
export const RLIM_INFINITY = 2 ** 64 - 1;

export function parseUlimit(text: string): { type: string; soft: number; hard: number } {
  const bad = (why: string) => new UserError(`invalid argument "${text}" for "--ulimit" flag: ${why}`, 125);
  const eq = text.indexOf('=');
  if (eq < 0) throw bad(`invalid ulimit argument: ${text}`);
  const name = text.slice(0, eq);
  if (!NAMES.includes(name)) throw bad(`invalid ulimit type: ${name}`);
  const parts = text.slice(eq + 1).split(':');
  if (parts.length > 2) throw bad(`too many limit value arguments - ${text.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  const [soft, hard] = [parts[0], parts[1] ?? parts[0]].map((v) => {
    if (v === '-1') return RLIM_INFINITY;
    if (!/^\d+$/.test(v)) throw bad(`invalid ulimit value: ${v}`);
    return Number(v);
  });
  if (soft > hard) throw bad(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { type: `RLIMIT_${name.toUpperCase()}`, soft, hard };
}
