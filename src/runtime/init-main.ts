/**
 * Entry point of the container's init process: `node init-main.js` (everything it needs
 * arrives on the sync socket, fd 3).
 * Kept separate and small so the init loads only the runtime, not the CLI.
 */
import { statSync } from 'node:fs';
import { installCompileCache } from '../compile-cache';
installCompileCache(); // before the runtime's modules load (see compile-cache.ts)

/**
 * init.ts and the runtime modules it imports: from init-bundle.js, the same modules in one file
 * (a build product of scripts/bundle.mjs: one file boots ≈ 10 ms sooner than 23), or from
 * their own files when there is no bundle or tsc has rewritten them since it was made (a build
 * without the bundle step must not run old code).
 */
function initModule(): typeof import('./init') {
  const bundle = statSync(`${__dirname}/init-bundle.js`, { throwIfNoEntry: false });
  const own = statSync(`${__dirname}/init.js`, { throwIfNoEntry: false });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  // (10 s: npm writes an installed package's files in tar order, the bundle just before init.js)
  if (bundle && own && bundle.mtimeMs + 10_000 >= own.mtimeMs) return require('./init-bundle.js') as typeof import('./init');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./init') as typeof import('./init');
}

initModule().containerInit();
