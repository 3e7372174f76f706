/**
 * Entry point of `exec`'s process: `node exec-init-main.js` (everything it needs arrives on
 * the sync socket, fd 3). Small and separate so it loads only the runtime, not the CLI.
 */
import { execInit } from './exec-init';

execInit();
