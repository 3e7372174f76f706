/**
 * Restart policies, as docker applies them when a container's program exits:
 *
 *   no              never
 *   on-failure[:N]  when the exit code is not 0 (at most N times, if N is given)
 *   always          always — unless stopped by hand (`stop`/`kill`); comes back at boot
 *   unless-stopped  like always, but a container stopped by hand stays down after a reboot too
 *
 * Between restarts the supervisor waits, doubling the delay each time (100 ms, 200 ms, 400 ms…
 * up to a minute) so a crashing program does not spin; a run that lasted 10 s resets it.
 */
export interface RestartPolicy { Name: 'no' | 'on-failure' | 'always' | 'unless-stopped'; MaximumRetryCount: number }

export function shouldRestart(policy: RestartPolicy, exitCode: number, restartCount: number, manuallyStopped: boolean): boolean {
  if (manuallyStopped) return false;
  switch (policy.Name) {
    case 'no':
      return false;
    case 'on-failure':
      return exitCode !== 0 && (policy.MaximumRetryCount === 0 || restartCount < policy.MaximumRetryCount);
    case 'always':
    case 'unless-stopped':
      return true;
  }
}

export const INITIAL_BACKOFF_MS = 100;
export const MAX_BACKOFF_MS = 60_000;
export const RESET_AFTER_MS = 10_000;

/** The next delay, given the previous one and how long the program ran this time. */
export function nextBackoff(previousMs: number, ranForMs: number): number {
  if (ranForMs >= RESET_AFTER_MS || previousMs === 0) return INITIAL_BACKOFF_MS;
  return Math.min(previousMs * 2, MAX_BACKOFF_MS);
}
