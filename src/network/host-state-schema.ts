/**
 * The host network state file's shape (network/host-state.ts), in zod. Commands read that file
 * through the check generated from it (host-state-check.ts, see src/schema-compile.ts): every
 * command's crash sweep reads it, and most of them never need zod.
 */
import { z } from 'zod';

const DnatSchema = z.object({ proto: z.string(), hostIp: z.string(), hostPort: z.number(), dest: z.string(), destPort: z.number(), bridge: z.string(), tag: z.string() });

export const Lease = z.object({
  ip: z.string(),
  network: z.string(),
  bridge: z.string(),
  root: z.string(),
  containerId: z.string(),
  hostVeth: z.string(),
  /** The process that supervises the container: when it is gone, so is the container (PDEATHSIG). */
  monitor: z.object({ pid: z.number(), startTime: z.string() }),
  dnat: z.array(DnatSchema).default([]),
  /** Names the embedded DNS answers with this address (user networks): name, id, aliases. */
  names: z.array(z.string()).default([]),
  /**
   * Where the embedded DNS forwards this container's other questions (--dns, else the config
   * file's dns; none: the host's resolvers) — docker's "external servers" of a user network.
   */
  upstreams: z.array(z.string()).default([]),
});
export type Lease = z.infer<typeof Lease>;

export const HostNetState = z.object({
  /** ip_forward was 0 and we set it to 1: set it back when the last container goes. */
  ipForwardSetByUs: z.boolean().default(false),
  /** Our chains and jumps are installed, with this packet filter (every process must keep using it). */
  baseInstalled: z.boolean().default(false),
  firewall: z.enum(['iptables-legacy', 'iptables-nft', 'nft', 'none']).optional(),
  /** Which set of rules (firewall.ts RULES_VERSION) is installed; absent: the first one. */
  rulesVersion: z.number().optional(),
  /** Bridges we created, with the rules we added for each. */
  bridges: z.record(z.object({
    subnet: z.string(), gateway: z.string(),
    /** Our MASQUERADE/FORWARD rules for it are in place (while it has containers). */
    rules: z.boolean().default(false),
    /** An internal network's bridge: its rules are the isolation ones only. */
    internal: z.boolean().default(false),
    /** route_localnet before we set it to 1 (for published ports on 127.0.0.1); set back with the rules. */
    routeLocalnetWas: z.string().optional(),
    /** A user network's bridge: stays until `network rm`, even with no container. */
    persistent: z.boolean().default(false),
  })).default({}),
  leases: z.array(Lease).default([]),
});
export type HostNetState = z.infer<typeof HostNetState>;
