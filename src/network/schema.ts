/** The network part of a container record (zod; defaults so records from before networking still parse). */
import { z } from 'zod';

export const PortBindingSchema = z.object({ proto: z.enum(['tcp', 'udp']), containerPort: z.number(), hostIp: z.string(), hostPort: z.number() });

export const EndpointSchema = z.object({
  network: z.string(), bridge: z.string(), ip: z.string(), prefixLen: z.number(), gateway: z.string(), mac: z.string(),
  hostVeth: z.string(), ports: z.array(PortBindingSchema).default([]),
});

/** The network part of a container record (defaults so records from before networking still parse). */
export const ContainerNetwork = z.object({
  /** -p / -P as asked (hostPort 0 = any free port). */
  ports: z.array(PortBindingSchema).default([]),
  ip: z.string().optional(),
  mac: z.string().optional(),
  aliases: z.array(z.string()).default([]),
  links: z.array(z.string()).default([]),
  extraHosts: z.array(z.string()).default([]),
  /** --dns / --dns-search (on a user network, the default nameserver is the embedded DNS). */
  dns: z.array(z.string()).default([]),
  dnsSearch: z.array(z.string()).default([]),
  /** Where the container is attached right now (null when it is not running). */
  endpoint: EndpointSchema.nullable().default(null),
  /** `network connect`: more networks of the running container (ethN). Valid while their lease exists. */
  connected: z.array(EndpointSchema.extend({
    ifname: z.string(),
    aliases: z.array(z.string()).default([]),
    /** The --ip asked for at `connect` (kept for the next start; a dynamic address is not). */
    requestedIp: z.string().optional(),
  })).default([]),
  /**
   * Networks attached (as eth1, eth2, …) at the container's next start: a `network connect` of
   * a stopped container, and, at each exit, the networks it was connected to (docker keeps them).
   */
  pending: z.array(z.object({ network: z.string(), aliases: z.array(z.string()).default([]), ip: z.string().optional() })).default([]),
});
export type ContainerNetwork = z.infer<typeof ContainerNetwork>;

