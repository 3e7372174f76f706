/**
 * Like `docker run`'s sig-proxy: signals sent to the runtime go to a process of the container.
 * (With a terminal, ^C arrives as a byte through the pty and the container's line discipline
 * makes the SIGINT; a SIGINT sent to *us* then is forwarded like any other.)
 * Used for a container's PID 1 (container.ts) and for an exec'd process (exec.ts).
 */
import { traceNote } from '../sys/trace';

export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export function forwardSignals(pid: number): { stop(): void } {
  const handlers = FORWARDED_SIGNALS.map((s) => {
    const h = () => {
      traceNote(`forwarding ${s} to PID ${pid}`);
      try {
        process.kill(pid, s);
      } catch {
        /* already gone */
      }
    };
    process.on(s, h);
    return [s, h] as const;
  });
  return { stop: () => handlers.forEach(([s, h]) => process.off(s, h)) };
}
