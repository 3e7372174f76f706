/**
 * A user network's definition in ROOT/network/networks.json (network-records.ts), in zod.
 * Read through the check generated from it (network-records-check.ts, see
 * src/schema-compile.ts): `inspect` and the DNS name networks without loading zod.
 */
import { z } from 'zod';

export const NetworkRecord = z.object({
  Name: z.string(),
  Id: z.string(),
  Created: z.string(),
  /** bridge (a mr-br-* bridge), or macvlan/ipvlan (sub-interfaces of Options.parent; see macvlan.ts). */
  Driver: z.enum(['bridge', 'macvlan', 'ipvlan']).default('bridge'),
  /** Driver options (-o): parent, macvlan_mode, ipvlan_mode. */
  Options: z.record(z.string()).default({}),
  Subnet: z.string(),
  Gateway: z.string(),
  IPRange: z.string().optional(),
  /** Docker lists the gateway in IPAM.Config only when it chose the subnet or was given --gateway. */
  GatewayListed: z.boolean().default(true),
  Internal: z.boolean(),
  Bridge: z.string(),
  Labels: z.record(z.string()).default({}),
});
export type NetworkRecord = z.infer<typeof NetworkRecord>;

/** networks.json: the list. */
export const NetworkRecords = z.array(NetworkRecord);
