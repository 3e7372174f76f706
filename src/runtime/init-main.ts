/**
 * Entry point of the container's init process: `node init-main.js BUNDLE` (the bundle is in
 * argv only so `ps` shows which container it is; the config arrives on the sync socket).
 * Kept separate and small so the init loads only the runtime, not the CLI.
 */
import { containerInit } from './init';

containerInit();
