/**
 * `mini-run explain CONTAINER`: what isolation a running container REALLY has, read live from
 * the kernel (see live-facts.ts) — its namespaces next to the host's, its cgroup and the
 * limits in it, the overlay layers under its `/`, its capabilities, the hidden and read-only
 * parts of /proc and /sys, and its network down to the host end of its veth and the rules
 * for its published ports. Only the container's name, image and asked-for ports come from
 * its record; everything else is what /proc, /sys, cgroupfs and `ip` say right now.
 */
import { UserError } from '../errors';
import { readImageRecord } from '../image/image-index';
import { DOCKER_DEFAULT_CAPS } from '../runtime/capabilities';
import { readProc } from './live-facts-proc';
import { confinementFacts, type ConfinementFacts } from './live-facts-confinement';
import { findContainer, isRunning, type ContainerRecord } from './container-store';
import {
  capabilityFacts, cgroupFacts, dnatRuleChecker, hostInterfaceAddresses, hostListening, maskedPathFacts, namespaceFacts,
  networkFacts, pidsByNamespace, ProcessGoneError, rootMountFact,
  type CgroupFacts, type MaskedPathFacts, type NamespaceFact, type NetworkFacts, type OverlayLayer, type RootMountFact,
} from './live-facts';

export interface PortFact {
  proto: 'tcp' | 'udp';
  containerPort: number;
  hostIp: string;
  hostPort: number;
  /** A socket on the host listens on hostPort (the supervisor holds it: it reserves the port and serves hairpin connections). */
  hostListening: boolean;
  /** The packet filter has the DNAT rule to the container (null: no packet filter in use). */
  dnatRule: boolean | null;
}

export interface ExplainReport {
  container: { id: string; name: string; image: string; status: string; hostPid: number; pidInside: number };
  namespaces: NamespaceFact[];
  /** /proc/PID/uid_map and gid_map (inside, host, count per line) and who the container's root is on the host. */
  users: UserFacts;
  cgroup: CgroupFacts;
  rootfs: RootMountFact & { layers: (OverlayLayer & { inImage: boolean })[] };
  capabilities: {
    effective: string[];
    bounding: string[];
    effectiveHex: string;
    uid: number;
    /**
     * The bounding set (the ceiling --cap-add/--cap-drop/--privileged set) against docker's
     * default 14: the ones beyond it, and the ones missing. (A non-root uid has an empty
     * effective set whatever the bounding set holds.)
     */
    added: string[];
    dropped: string[];
  };
  paths: MaskedPathFacts;
  /** seccomp mode and filters, no_new_privs, the device cgroup's rules (v1) or BPF programs (v2). */
  confinement: ConfinementFacts;
  network: NetworkFacts & { mode: string; bridges: { name: string; addresses: string[] }[]; ports: PortFact[] };
}

export interface UserFacts {
  uidMap: string[];
  gidMap: string[];
  /** The host uid that uid 0 inside stands for (0: no user namespace — root is host root). */
  hostUidOfRoot: number | null;
  /** The process's own uid as the host sees it (/proc/PID/status Uid, real). */
  hostUid: number;
}

/** Read live: who the container's ids are on the host. */
export function userFacts(pid: number): UserFacts {
  const lines = (f: string) => readProc(pid, f).split('\n').map((l) => l.trim().split(/\s+/).join(' ')).filter(Boolean);
  const uidMap = lines('uid_map');
  const root = uidMap.map((l) => l.split(' ').map(Number)).find(([inside, , count]) => inside === 0 && count > 0);
  const uid = /^Uid:\s*(\d+)/m.exec(readProc(pid, 'status'));
  return { uidMap, gidMap: lines('gid_map'), hostUidOfRoot: root ? root[1] : null, hostUid: uid ? Number(uid[1]) : -1 };
}

/** The record of a container that is running (or paused), or a one-line error like docker's. */
function runningContainer(ref: string): ContainerRecord {
  const rec = findContainer(ref); // "No such container: X", exit 1
  if (!isRunning(rec)) {
    throw new UserError(
      `Container ${rec.name} is not running (${rec.state.Status}): explain reads the live state of a running container; start it with \`mini-run start ${rec.name}\``, 1);
  }
  return rec;
}

export function explainContainer(ref: string): ExplainReport {
  const rec = runningContainer(ref);
  try {
    return explainRecord(rec);
  } catch (err) {
    if (err instanceof ProcessGoneError) throw new UserError(`Container ${rec.name} stopped while its state was being read`, 1);
    throw err;
  }
}

function explainRecord(rec: ContainerRecord): ExplainReport {
  const pid = rec.state.Pid;
  const nsPids = pidsByNamespace(pid);
  const root = rootMountFact(pid);
  const imageLayers = new Set(imageDiffIds(rec));
  const caps = capabilityFacts(pid);
  const net = networkFacts(pid);
  const bridges = [...new Set(net.interfaces.map((i) => i.peer?.bridge).filter((b): b is string => !!b))]
    .map((name) => ({ name, addresses: hostInterfaceAddresses(name) }));
  const ep = rec.network.endpoint;
  const dnatRule = ep?.ports.length ? dnatRuleChecker() : () => null; // lists the rules once, for all ports
  const ports: PortFact[] = (ep?.ports ?? []).map((b) => ({
    ...b,
    hostListening: hostListening(b.proto, b.hostPort),
    dnatRule: dnatRule(b.proto, b.hostPort, ep!.ip, b.containerPort),
  }));
  return {
    container: { id: rec.id, name: rec.name, image: rec.image, status: rec.state.Status, hostPid: pid, pidInside: nsPids[nsPids.length - 1] },
    namespaces: namespaceFacts(pid),
    users: userFacts(pid),
    cgroup: cgroupFacts(pid),
    rootfs: { ...root, layers: root.lowerdirs.map((l) => ({ ...l, inImage: l.diffId !== null && imageLayers.has(l.diffId) })) },
    capabilities: {
      ...caps,
      added: caps.bounding.filter((c) => !DOCKER_DEFAULT_CAPS.includes(c)),
      dropped: DOCKER_DEFAULT_CAPS.filter((c) => !caps.bounding.includes(c)),
    },
    paths: maskedPathFacts(pid),
    confinement: confinementFacts(pid),
    network: { ...net, mode: rec.hostConfig.NetworkMode, bridges, ports },
  };
}

/** The image's layers (diff_ids), to label the live lowerdirs; [] if the image is gone. */
function imageDiffIds(rec: ContainerRecord): string[] {
  try {
    return readImageRecord(rec.imageId)?.layers ?? [];
  } catch {
    return [];
  }
}
