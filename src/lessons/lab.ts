/**
 * The lab bench the lessons work on: it runs real `mini-run` commands (this same program, on
 * the same state root) and host commands, and returns what they printed, each output headed by
 * the command line that made it — so everything a lesson shows can be retyped by the learner.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateRoot } from '../paths';
import type { CheckTarget } from './lesson';
import { UserError } from '../errors';
import { shellLine } from '../sys/trace';
import { findContainer } from '../engine/container-store';
import { sweepStaleContainers } from '../engine/cleanup';

/** The CLI's entry script (bin/mini-run), to run sub-commands with. */
const MINI_RUN_BIN = join(__dirname, '..', '..', 'bin', 'mini-run');

/** The static chroot break-out built from native/chroot-escape.c (lessons 2 and 4). */
const CHROOT_ESCAPE = join(__dirname, '..', '..', 'native', 'build', 'chroot-escape');
/** Where lessons mount it inside their containers. */
export const ESCAPE_IN_CONTAINER = '/chroot-escape';
/** The `-v` argument that puts it there, read-only. */
export const ESCAPE_MOUNT = `${CHROOT_ESCAPE}:${ESCAPE_IN_CONTAINER}:ro`;

export interface Output {
  status: number;
  stdout: string;
  stderr: string;
}

export class Lab {
  /** Containers this lab started and has not removed yet (removed by cleanUp()). */
  private readonly started = new Set<string>();
  private counter = 0;

  constructor(readonly image: string) {}

  /** Run `mini-run ARGS…` on our state root and wait for it. */
  mr(args: readonly string[], input = ''): Output {
    const r = spawnSync(process.execPath, [MINI_RUN_BIN, '--root', stateRoot(), ...args], {
      encoding: 'utf8',
      input,
      timeout: 120_000,
      maxBuffer: 16 << 20,
      env: { ...process.env, MINI_RUN_TRACE_TIMES: '' },
    });
    return { status: r.status ?? 1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  }

  /** `mini-run run --rm ARGS…`: the command line and what it printed, for a column. */
  run(args: readonly string[]): string {
    const r = this.mr(['run', '--rm', ...args]);
    return `$ ${shellLine(['mini-run', 'run', '--rm', ...args])}\n${r.stdout}${r.stderr}`;
  }

  /** A host shell command: the command line and what it printed, for a column. */
  host(command: string): string {
    return `$ ${command}\n${hostOutput(command)}`;
  }

  /** Start a detached container, hand it to `use`, and always remove it afterwards. */
  withContainer<T>(args: readonly string[], use: (c: CheckTarget) => T): T {
    // A name of this process's own: no leftover to remove first (one `mini-run rm -f` less).
    const c = this.launch(`mr-lesson-tmp-${process.pid}-${++this.counter}`, args);
    try {
      return use(c);
    } finally {
      this.remove(c.name);
    }
  }

  /** `mini-run run -d --name NAME ARGS…`; throws with mini-run's own message if it fails. */
  start(name: string, args: readonly string[]): CheckTarget {
    this.mr(['rm', '-f', name]); // a leftover of an earlier, interrupted lesson
    return this.launch(name, args);
  }

  private launch(name: string, args: readonly string[]): CheckTarget {
    const r = this.mr(['run', '-d', '--name', name, ...args]);
    if (r.status !== 0) throw new Error(`could not start the lesson's container: ${r.stderr.trim()}`);
    this.started.add(name);
    return this.target(name);
  }

  /** Find a running container by name or id, as the checks need it (throws UserError). */
  target(name: string): CheckTarget {
    sweepStaleContainers(); // a container whose supervisor died is not running any more
    const rec = findContainer(name);
    if (rec.state.Status !== 'running' || !rec.state.Pid) {
      throw new UserError(`container ${name} is not running (${rec.state.Status}): start it first`, 1);
    }
    return { name, id: rec.id, pid: rec.state.Pid };
  }

  /** `mini-run exec NAME CMD…`: what it printed (stdout then stderr). */
  exec(name: string, cmd: readonly string[]): Output {
    return this.mr(['exec', name, ...cmd]);
  }

  /** `mini-run exec -it NAME sh` on this terminal, until the learner exits it. */
  shell(name: string): void {
    process.stdout.write(`$ mini-run exec -it ${name} sh\n`);
    spawnSync(process.execPath, [MINI_RUN_BIN, '--root', stateRoot(), 'exec', '-it', name, 'sh'], { stdio: 'inherit' });
  }

  remove(name: string): void {
    this.mr(['rm', '-f', name]);
    this.started.delete(name);
  }

  /** Remove whatever this lab started (after an error or Ctrl-C half-way). */
  cleanUp(): void {
    for (const name of [...this.started]) this.remove(name);
  }
}

/** Output of a host command (stdout and stderr together, as a terminal would show them). */
export function hostOutput(command: string): string {
  const r = spawnSync('sh', ['-c', `${command} 2>&1`], { encoding: 'utf8', timeout: 30_000 });
  return String(r.stdout ?? '');
}

/** A host file's content, or '' when it cannot be read. */
export function readHostFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
