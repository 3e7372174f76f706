/**
 * `mini-run update [--memory --memory-swap --cpus --cpu-shares --pids-limit --blkio-weight
 * --restart] CONTAINER…`: change a container's limits and restart policy, running or not.
 *
 * Three places hold a container's limits, and update keeps them in step:
 *   1. the live cgroup (if the container runs): the runtime rewrites its files, and puts every
 *      value back if the kernel refuses one (a memory limit below what the processes use);
 *   2. the bundle's config.json (linux.resources): what the next start applies;
 *   3. the record's HostConfig: what `inspect` shows.
 * Docker's rules for combining old and new values apply (a new memory limit above the
 * memory+swap limit already set needs --memory-swap too, …), with Docker's messages.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus as hostCpus } from 'node:os';
import { UserError } from '../errors';
import { paths } from '../paths';
import { writeFileAtomic } from '../fsutil';
import { withStateLock } from '../lock';
import * as runtime from '../runtime';
import { cpusToQuota, type LinuxResources } from '../runtime/cgroups';
import { findContainer, isRunning, runtimeRef, saveContainer, loadContainer, type ContainerRecord } from './container-store';
import { resolveBlockIO, NO_BLKIO } from './blkio-flags';
import type { RunOptions } from './run-options';

/** What the user asked to change; absent = keep. */
export interface UpdateRequest {
  memory?: number;
  /** Memory + swap, bytes; -1 = unlimited swap. */
  memorySwap?: number;
  cpus?: number;
  cpuShares?: number;
  pidsLimit?: number;
  blkioWeight?: number;
  restart?: RunOptions['restart'];
}

export function hasChanges(r: UpdateRequest): boolean {
  return Object.values(r).some((v) => v !== undefined);
}

/**
 * Update one container (found by name, id or id prefix). Returns Docker's warnings (printed by
 * the CLI after the names). Errors (exit 1) leave the record, config.json and cgroup as they were.
 */
export function updateContainer(ref: string, req: UpdateRequest): string[] {
  return withStateLock(() => {
    const rec = loadContainer(findContainer(ref).id);
    const cannot = (why: string) => new UserError(`Cannot update container ${rec.id}: ${why}`, 1);
    const hc = structuredClone(rec.hostConfig);
    const warnings: string[] = [];
    const apply: LinuxResources = {};

    // Memory: Docker keeps a memory+swap limit of twice the memory when none was given.
    if (req.memory !== undefined && req.memory !== 0 && req.memory < 6 * 1024 * 1024) throw new UserError('Minimum memory limit allowed is 6MB', 1);
    const swapNow = hc.MemorySwap !== 0 ? hc.MemorySwap : hc.Memory > 0 ? hc.Memory * 2 : 0;
    if (req.memory !== undefined && req.memory !== 0) {
      if (req.memory > swapNow && swapNow !== -1 && req.memorySwap === undefined) {
        throw cannot('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
      }
      hc.Memory = req.memory;
    }
    if (req.memorySwap !== undefined && req.memorySwap !== 0) {
      if (hc.Memory <= 0) throw cannot('You should always set the Memory limit when using Memoryswap limit, see usage');
      if (req.memorySwap !== -1 && req.memorySwap < hc.Memory) throw cannot('Minimum memoryswap limit should be larger than memory limit, see usage');
      hc.MemorySwap = req.memorySwap;
    }
    if (req.memory !== undefined || req.memorySwap !== undefined) {
      const swap = hc.MemorySwap !== 0 ? hc.MemorySwap : hc.Memory * 2;
      apply.memory = { limit: hc.Memory, swap };
    }
    // CPU
    if (req.cpus !== undefined && req.cpus !== 0) {
      const n = hostCpus().length;
      if (!(req.cpus > 0) || req.cpus > n) throw new UserError(`Range of CPUs is from 0.01 to ${n}.00, as there are only ${n} CPUs available`, 1);
      hc.NanoCpus = Math.round(req.cpus * 1e9);
      apply.cpu = { ...cpusToQuota(req.cpus) };
    }
    if (req.cpuShares !== undefined && req.cpuShares !== 0) {
      if (req.cpuShares < 2) throw new UserError(`invalid --cpu-shares ${req.cpuShares}: the minimum is 2`, 1);
      hc.CpuShares = req.cpuShares;
      apply.cpu = { ...apply.cpu, shares: req.cpuShares };
    }
    if (req.pidsLimit !== undefined && req.pidsLimit !== 0) {
      // Docker shows "no limit" (-1 or any value below 1) as 0.
      hc.PidsLimit = req.pidsLimit > 0 ? req.pidsLimit : 0;
      apply.pids = { limit: req.pidsLimit > 0 ? req.pidsLimit : -1 };
    }
    // Block I/O weight (the per-device throttles are set at create, as in Docker)
    if (req.blkioWeight !== undefined && req.blkioWeight !== 0) {
      const r = resolveBlockIO({ ...NO_BLKIO, BlkioWeight: req.blkioWeight }, 1, (m) => warnings.push(m));
      if (r.kept.BlkioWeight) hc.BlkioWeight = r.kept.BlkioWeight;
      if (r.blockIO?.weight !== undefined) apply.blockIO = { weight: r.blockIO.weight };
    }
    if (req.restart) {
      if (hc.AutoRemove && req.restart.Name !== 'no') throw cannot('Restart policy cannot be updated because AutoRemove is enabled for the container');
      hc.RestartPolicy = req.restart;
    }

    // 1. the live cgroup (the only step the kernel can refuse), 2. config.json, 3. the record
    if (isRunning(rec) && Object.keys(apply).length) {
      try {
        runtime.update(runtimeRef(rec.id), apply);
      } catch (e) {
        if ((e as Error).message !== 'container not running') throw cannot(kernelReason(e));
      }
    }
    rewriteSpecResources(rec.id, apply);
    const updated: ContainerRecord = { ...rec, hostConfig: hc };
    saveContainer(updated);
    return warnings;
  });
}

/** The kernel's refusal, said in terms of what the user asked. */
function kernelReason(e: unknown): string {
  return `${(e as Error).message}; nothing was changed`;
}

/** The bundle's linux.resources take the new values, so the next start applies them. */
function rewriteSpecResources(id: string, apply: LinuxResources): void {
  const file = join(paths.container(id), 'config.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as { linux?: { resources?: Record<string, any> } };
  spec.linux ??= {};
  const res = (spec.linux.resources ??= {});
  if (apply.memory) res.memory = { ...res.memory, ...apply.memory };
  if (apply.cpu) res.cpu = { ...res.cpu, ...apply.cpu };
  if (apply.pids) res.pids = { limit: apply.pids.limit };
  if (apply.blockIO?.weight !== undefined) res.blockIO = { ...res.blockIO, weight: apply.blockIO.weight };
  writeFileAtomic(file, JSON.stringify(spec, null, 2) + '\n');
}
