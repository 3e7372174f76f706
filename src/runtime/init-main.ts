/**
 * Entry point of the container's init process: `node init-main.js BUNDLE`.
 * Kept separate and small so the init loads only the runtime, not the CLI.
 */
import { containerInit } from './init';

containerInit(process.argv[2]);
