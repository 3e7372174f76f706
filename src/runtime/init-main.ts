/**
 * Entry point of the container's init process: `node init-main.js` (everything it needs
 * arrives on the sync socket, fd 3).
 * Kept separate and small so the init loads only the runtime, not the CLI.
 */
import { installCompileCache } from '../compile-cache';
installCompileCache(); // before the runtime's modules load (see compile-cache.ts)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { containerInit } = require('./init') as typeof import('./init');

containerInit();
