/**
 * `mini-run system boot`: after the host starts, bring back the containers whose restart
 * policy says so — as dockerd does when it starts. Run by the systemd unit that
 * `mini-run system install-boot` writes (cli/boot-unit.ts).
 *
 *   always          started again, even if it had been stopped by hand
 *   unless-stopped  started again unless it had been stopped by hand
 */
import { isAlive, listContainers } from './container-store';
import { sweepStaleContainers } from './cleanup';
import { startDetached } from './lifecycle';
import { updateContainer } from './container-store';

export async function bootContainers(): Promise<{ started: string[]; failed: Array<{ name: string; error: string }> }> {
  // Records still say "running" for containers that died with the host: note them first.
  const before = new Map(listContainers().map((c) => [c.id, c]));
  sweepStaleContainers();
  const started: string[] = [];
  const failed: Array<{ name: string; error: string }> = [];
  for (const c of listContainers()) {
    if (isAlive(c.monitor)) continue; // already supervised
    const policy = c.hostConfig.RestartPolicy.Name;
    const manually = before.get(c.id)?.state.ManuallyStopped ?? c.state.ManuallyStopped;
    if (policy === 'always' || (policy === 'unless-stopped' && !manually)) {
      try {
        updateContainer(c.id, (r) => { r.state.ManuallyStopped = false; });
        await startDetached(c.id);
        started.push(c.name);
      } catch (e) {
        failed.push({ name: c.name, error: (e as Error).message });
      }
    }
  }
  return { started, failed };
}
