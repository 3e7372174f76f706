/**
 * Entry point of a detached supervisor: `node dist/engine/monitor-main.js CONTAINER_ID`.
 *
 * The engine's wiring of src/shim/'s Supervisor: the container's record is the owner it reports
 * to (engine/monitor.ts), so the supervisor itself imports nothing of the engine.
 *
 * Started by `run -d`/`start` in a new session (no terminal, survives the command). fd 3 is a
 * pipe back to that command: one JSON line, {"ok":true,"pid":N} once the program runs or
 * {"ok":false,…} if it could not start; then it is closed. fd 4, if open, takes --trace lines
 * until then.
 */
import { installCompileCache } from '../compile-cache';
installCompileCache(); // before the supervisor's modules load (see compile-cache.ts)
import { closeSync, fstatSync, readSync, writeSync } from 'node:fs';
import { setTraceSink } from '../sys/trace';
import type { ShapedInit } from './monitor-early';

const READY_FD = 3;
const TRACE_FD = 4;

function fdOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

function tell(msg: object): void {
  try {
    writeSync(READY_FD, JSON.stringify(msg) + '\n');
    closeSync(READY_FD);
  } catch {
    /* the command that started us is gone: fine */
  }
}

/**
 * Block until the command that started us says `go` (one byte on fd 3: the container exists),
 * or closes its end (false: it could not create it, or it is gone).
 */
function waitForGo(): boolean {
  const byte = Buffer.alloc(1);
  for (;;) {
    try {
      return readSync(READY_FD, byte, 0, 1, null) === 1;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); continue; }
      return false;
    }
  }
}

async function main(): Promise<void> {
  const id = process.argv[2];
  process.title = `mini-run-shim ${id.slice(0, 12)}`;
  process.chdir('/'); // hold no directory of the command that started us
  const tracing = fdOpen(TRACE_FD);
  if (tracing) setTraceSink(TRACE_FD, 'shim');
  // Signals are for the container, not for us: `stop`/`kill` signal the container's PID 1.
  for (const s of ['SIGINT', 'SIGHUP', 'SIGTERM', 'SIGQUIT'] as const) process.on(s, () => undefined);
  // The init boots while the supervisor's modules load (monitor-early.ts), as a foreground run's does.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const earlyMod = require('./monitor-early') as typeof import('./monitor-early');
  // `run -d` starts us before the container exists (--after-create): the init it guessed from
  // its flags boots, and our modules load, while it writes the container; then it says go.
  const afterCreate = process.argv.includes('--after-create');
  const guessed = afterCreate ? earlyMod.shapeFromFlag(process.argv) : earlyMod.shapeFromFiles(id);
  let early: ShapedInit | null = guessed ? earlyMod.spawnEarly(guessed) : null;
  const { UserError } = require('../errors') as typeof import('../errors');
  const { Supervisor } = require('../shim/supervisor') as typeof import('../shim/supervisor');
  const { EngineContainer } = require('./monitor') as typeof import('./monitor');
  /* eslint-enable @typescript-eslint/no-require-imports */
  if (afterCreate) {
    if (!waitForGo()) {
      // The container could not be created (the command said so itself): nothing to supervise.
      if (early) await earlyMod.abandonEarly(early);
      process.exitCode = 0;
      return;
    }
    early = (await earlyMod.settleEarly(id, early)) as ShapedInit | null;
  }
  let told = false;
  const supervisor = new Supervisor(new EngineContainer(id), {
    foreground: false,
    pendingInit: early?.init,
    pendingPipes: early?.pipes,
    awaitClient: process.argv.includes('--await-attach'),
    onListening: () => {
      told = true;
      tell({ ok: true, pid: 0, waiting: true });
    },
    onStarted: (pid) => {
      if (!told) tell({ ok: true, pid });
      told = true;
      if (tracing) {
        setTraceSink(null);
        try { closeSync(TRACE_FD); } catch { /* closed */ }
      }
    },
    onStartFailed: (err) => {
      if (!told) tell({ ok: false, message: err.message, exitCode: err instanceof UserError ? err.exitCode : 125 });
      told = true;
    },
  });
  try {
    await supervisor.run();
  } catch (err) {
    if (!told) tell({ ok: false, message: (err as Error).message, exitCode: 125 });
    process.exitCode = 1;
    // Nothing is left to supervise: do not linger on a handle the failure left open.
    setTimeout(() => process.exit(1), 1000).unref();
  }
}

void main();
