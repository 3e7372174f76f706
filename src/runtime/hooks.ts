/**
 * OCI hooks (config.md#posix-platform-hooks): programs named in config.json that the runtime
 * runs at fixed points, each with the container's state JSON on its stdin:
 *
 *   createRuntime, prestart   `create`, once the namespaces exist, before pivot_root (in the
 *                             runtime's namespaces: e.g. a network plugin configures the netns)
 *   poststart                 `start`, after the program was let go
 *   poststop                  `delete`, after the container is gone
 *
 * createContainer and startContainer run *inside* the container's namespaces; mini-runc does
 * not run those yet and refuses a spec that has them (never silently skipped).
 * A failing createRuntime/prestart hook fails `create`; poststart/poststop failures are warnings.
 */
import { spawnSync } from 'node:child_process';
import { UserError } from '../errors';
import type { Hook, Hooks } from './spec';

export type HookPoint = keyof Hooks;

export function refuseUnsupportedHooks(hooks: Hooks | undefined): void {
  for (const point of ['createContainer', 'startContainer'] as const) {
    if (hooks?.[point]?.length) throw new UserError(`hooks.${point} is not supported by mini-runc yet (it would run inside the container's namespaces)`, 1);
  }
}

/** Run every hook of `point`, in order; throws on the first failure (exit status, signal, timeout). */
export function runHooks(point: HookPoint, hooks: Hooks | undefined, state: object): void {
  for (const hook of hooks?.[point] ?? []) runHook(point, hook, state);
}

/** As runHooks, but a failure is only reported (poststart, poststop). */
export function runHooksWarning(point: HookPoint, hooks: Hooks | undefined, state: object, warn: (m: string) => void): void {
  for (const hook of hooks?.[point] ?? []) {
    try {
      runHook(point, hook, state);
    } catch (err) {
      warn((err as Error).message);
    }
  }
}

function runHook(point: HookPoint, hook: Hook, state: object): void {
  const args = hook.args ?? [hook.path];
  const r = spawnSync(hook.path, args.slice(1), {
    argv0: args[0] ?? hook.path,
    input: JSON.stringify(state),
    env: Object.fromEntries((hook.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
    stdio: ['pipe', 'inherit', 'pipe'],
    timeout: hook.timeout !== undefined ? hook.timeout * 1000 : undefined,
    encoding: 'utf8',
  });
  const what = `${point} hook ${hook.path}`;
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
  // EPIPE: the hook exited without reading its stdin (it did not need the state): not an error.
  if (r.error && !(code === 'EPIPE' && r.status !== null)) {
    throw new UserError(code === 'ETIMEDOUT' ? `${what} timed out after ${hook.timeout}s` : `${what}: ${r.error.message}`, 1);
  }
  if (r.status !== 0) {
    const why = r.stderr.trim().split('\n')[0] || (r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`);
    throw new UserError(`${what} failed: ${why}`, 1);
  }
}
