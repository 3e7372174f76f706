/**
 * Which host user's ranges a container's user namespace takes (userns-remap.ts), or none: asked
 * by every `run`, so apart from the module that makes and uses the ranges, which a run in the
 * host's user namespace never loads.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../errors';
import { configFile } from '../image/registry/config-file';

/** The host user whose ranges `--userns private` uses when the config file names none. */
export const DEFAULT_REMAP_USER = 'mini-run';

/**
 * Which user namespace the container gets: `--userns host|private` as asked, else the config
 * file's `userns-remap` ("default" = the mini-run user, or a user name). Returns the remap
 * user, or null for the host's user namespace.
 */
export function remapUserFor(usernsMode: string | undefined, configured: string | undefined): string | null {
  if (usernsMode === 'host') return null;
  const user = configured === undefined || configured === '' || configured === 'default' ? DEFAULT_REMAP_USER : configured;
  if (usernsMode === 'private') return user;
  if (usernsMode !== undefined && usernsMode !== '') throw new UserError(`invalid --userns: ${usernsMode} (use host or private)`, 125);
  return configured ? user : null;
}

/** The remap user for this `run`/`create` (null: the host's user namespace). Light: see below. */
export function remapUserOf(opts: { usernsMode?: string }): string | null {
  return remapUserFor(opts.usernsMode, configuredRemapQuick(configFile()));
}

/**
 * `userns-remap` from the config file, read without validation: `run` decides how to start
 * its init before it loads the rest of the engine (run-start.ts). A file that is not JSON is
 * reported later, by the full read.
 */
export function configuredRemapQuick(file: string): string | undefined {
  try {
    const v = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)['userns-remap'];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
