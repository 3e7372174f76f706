/**
 * Which init starts a container (docs/init.md): the environment variable MINI_RUN_INIT.
 *   unset, "" or "native"   the native init (native/init-native.c) for every container its choice
 *                           table allows (init-order.ts), the Node init for the others — the default
 *   "node"                  the Node init (init.ts) for every container: the way back
 * Any other value is refused, one line and exit 125 (as Docker refuses a daemon setting it does
 * not know), before anything is made: a typo of the way back must not silently run the default.
 */
import { UserError } from '../errors';

export const INIT_ENV = 'MINI_RUN_INIT';

export type InitKind = 'native' | 'node';

/** The init the environment asks for; throws the one-line error for a value that names none. */
export function initWanted(env: NodeJS.ProcessEnv = process.env): InitKind {
  const v = env[INIT_ENV];
  if (v === undefined || v === '' || v === 'native') return 'native';
  if (v === 'node') return 'node';
  throw new UserError(`${INIT_ENV}=${JSON.stringify(v)}: not an init (native, the default, or node)`, 125);
}
