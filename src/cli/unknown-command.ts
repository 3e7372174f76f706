/**
 * A command mini-run does not have: docker's "unknown command" line, a "did you mean" only when
 * a real command is close (edit distance ≤ 2, or the typed word starts one: cobra's rule), and
 * for what mini-run leaves out on purpose, what to use instead.
 */
import type { CommandModule } from 'yargs';
import { namesOf, shapeOf } from './command-shape';

const LEFT_OUT: Record<string, string> = {
  compose: 'mini-run has no compose: start each service with `mini-run run -d --network NET --name SERVICE …`',
  swarm: 'mini-run runs containers on this one host: there is no swarm mode',
  service: 'mini-run runs containers on this one host: there are no swarm services (use `mini-run run -d --restart always`)',
  stack: 'mini-run runs containers on this one host: there are no swarm stacks',
  node: 'mini-run runs containers on this one host: there are no swarm nodes',
  secret: 'mini-run has no swarm secrets: mount a file read-only (`-v /path/secret:/run/secrets/NAME:ro`)',
  config: 'mini-run has no swarm configs: mount a file read-only (`-v /path/file:/etc/app/file:ro`)',
  plugin: 'mini-run has no plugins: its drivers are built in',
  context: 'mini-run has no remote daemon: it works on this host (`--root DIR` picks another state directory)',
  trust: 'mini-run does not sign or verify images (pull by digest, IMAGE@sha256:…, to pin content)',
  manifest: 'mini-run has no manifest command: `mini-run pull` picks the platform of this host from a manifest list',
};

/** Edit distance (insert, delete, substitute), for the suggestion. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}


/** The message for `path` (`['build']`, `['container', 'bogus']`), or null if the command exists. */
export function unknownCommandMessage(path: string[], commands: CommandModule<any, any>[]): string | null {
  const top = commands.find((c) => namesOf(c).includes(path[0]));
  let candidates: CommandModule<any, any>[] = commands;
  let typed = path[0];
  if (top) {
    if (path.length < 2 || !String(top.command).includes('<command>')) return null;
    candidates = shapeOf(top).subcommands;
    if (candidates.some((c) => namesOf(c).includes(path[1]))) return null;
    typed = path[1];
  }
  const full = `mini-run ${top ? `${path[0]} ` : ''}${typed}`;
  if (!top && LEFT_OUT[typed]) return `unknown command: ${full}: ${LEFT_OUT[typed]}`;
  const close = candidates.flatMap(namesOf).filter((n) => distance(typed.toLowerCase(), n) <= 2 || n.startsWith(typed.toLowerCase()));
  return `unknown command: ${full}${close.length ? ` (did you mean ${[...new Set(close)].join(', ')}?)` : ''}`;
}
