/**
 * Entry point of the container's init process: `node init-main.js` (everything it needs
 * arrives on the sync socket, fd 3).
 * Kept separate and small so the init loads only the runtime, not the CLI.
 */
import { containerInit } from './init';

containerInit();
