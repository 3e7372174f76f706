/**
 * What a user sees of one command line, made comparable between mini-run and the Docker engine.
 *
 * Two kinds of change are made before the outputs are compared, and each is named:
 *  - what differs on every run in any engine (ids, names Docker-style engines make up, times,
 *    process ids, resource numbers): masked the same way on both sides;
 *  - what differs between the two engines on purpose, or because the Docker engine of the tests
 *    is not a learner's machine: a TOLERATED entry, applied only where it is named, and listed
 *    in docs/compare.md ("The notes, replayed in both engines").
 * Anything else that differs is a difference the test reports.
 */

/** The differences the replay accepts, each with its reason (docs/compare.md says the same). */
export const TOLERATED = {
  'addresses': 'the default bridge is 10.88.0.0/16 and user networks 10.89.N.0/24 (Docker: 172.17/16, 172.18/16…); a MAC address is made from the IPv4 address',
  'ipv6-binds': 'a published port listens on 0.0.0.0 only; Docker also binds [::]',
  'state-root': 'each engine keeps its files under its own root (mini-run --root, Docker --data-root) and lays out its layers its own way',
  'no-daemon': 'mini-run has no daemon: no EndpointID, SandboxID or SandboxKey of a daemon\'s network sandbox; the EndpointID is the host end\'s veth',
  'inspect-keys': 'inspect shows the keys mini-run implements: Docker\'s HostConfig has about 60, a few top-level and IPv6 keys are not there',
  'inspect-values': 'Config.Env also lists HOSTNAME and HOME, WorkingDir is "/" where the image sets none, StopSignal is always shown, NetworkMode is the network chosen ("bridge"; Docker 20.10 keeps "default"), HostConfig.Init is shown',
  'registry-stand-in': 'Docker\'s engine in the tests has no registry mirror: the test pulls the notes\' images from the test registry by its name and tags them; so Docker\'s `run` prints no pull, its `pull` shows the registry\'s name and its `rmi` has no digest to untag',
  'shared-engine': 'the Docker engine is shared by the whole test run: images, volumes and containers that were there before the replay are not its own',
  'no-docker-hub': 'there is no internet here: Docker\'s `search` asks Docker Hub and fails; mini-run falls back to the registry mirror\'s catalog',
  'docker-cli-6090': 'Docker\'s client 28 does not end `docker stats CONTAINER` on one Ctrl-C (docker/cli#6090): the test presses it again',
  'generated-names': 'a container started without --name gets an adjective_noun name: each engine picks its own',
  'picked-ports': 'a port published without a host port (-p 80) gets a free one: Docker takes the next from 32768 up, mini-run the one the kernel gives',
  'created-ties': 'images made in the same second (the notes\' images here): Docker\'s list has them in any order (its Created is in whole seconds)',
  'stand-in-timing': 'the servers\' stand-in (a shell loop with `sleep 1`) has a sleep process only most of the time',
} as const;
export type Tolerance = keyof typeof TOLERATED;

export interface Seen { status: number | null; lines: string[] }

export interface Side {
  engine: 'mini-run' | 'docker';
  /** where the engine keeps its files (mini-run's --root, Docker's DockerRootDir) */
  stateRoot: string;
  /** host:port of the test registry (Docker's pulls show it) */
  registry: string;
  /** names the engine made up for containers started without --name */
  generatedNames: string[];
  /** what the test typed in place of the notes' own names and ids (their containers' here) */
  typedValues: string[];
  /** (Docker) names of what existed before the replay */
  before?: { volumes: Set<string>; containers: string[] };
  /** names of the images the notes use (their rows are the replay's) */
  imageNames: string[];
  /** tolerances used, for the report */
  used: Set<Tolerance>;
}

const ESC = /\x1b\[[0-9;?]*[a-zA-Z]/g;
const PULL_LINE = /^(Unable to find image '.*' locally|\S+: Pulling from \S+|[0-9a-f]{12}: (Already exists|Pulling fs layer|Waiting|Downloading.*|Verifying Checksum|Download complete|Extracting.*|Pull complete)|Digest: sha256:[0-9a-f]{64}|Status: Downloaded newer image for \S+)$/;
const AGO = /\b(Less than a second|About a minute|About an hour|an? \w+|\d+ (second|minute|hour|day|week|month|year)s?) ago\b/g;
const UP = /\bUp (Less than a second|About a minute|About an hour|\d+ (second|minute|hour|day|week|month|year)s?)\b/g;

function mask(text: string, side: Side): string {
  let t = text;
  for (const v of side.typedValues) if (t.trim() === v) t = t.replace(v, '<as typed>');
  t = t
    .replace(/\b[0-9a-f]{64}\b/g, '<id>')
    .replace(/\b[0-9a-f]{12}\b/g, '<short id>')
    .replace(AGO, '<time> ago')
    .replace(UP, 'Up <time>');
  for (const n of side.generatedNames) {
    if (!t.includes(n)) continue;
    t = t.split(n).join('<generated name>');
    side.used.add('generated-names');
  }
  return t;
}

/** `lines` as a table read by its header's column starts (tabwriter output): a row is its cells. */
function tableRows(lines: string[]): { header: string[]; rows: string[][] } | null {
  const header = lines[0];
  if (!/^(CONTAINER ID|REPOSITORY|DRIVER|UID|NAME) /.test(header ?? '')) return null;
  const starts: number[] = [];
  const names: string[] = [];
  for (const m of header.matchAll(/\S+( \S+)*/g)) {
    starts.push(m.index!);
    names.push(m[0]);
  }
  const rows = lines.slice(1).filter((l) => l.trim()).map((l) => starts.map((s, i) => l.slice(s, i + 1 < starts.length ? starts[i + 1] : undefined).trim()));
  return { header: names, rows };
}

/** Host ports the engine picked (`-p 80`, `-P`: from 32768 up) masked (picked-ports). */
function pickedPorts(text: string, side: Side): string {
  return text.replace(/:(\d+)->/g, (all, p) => (Number(p) >= 32768 ? (side.used.add('picked-ports'), ':<picked>->') : all));
}

/** Docker's PORTS cell without its [::] bindings (ipv6-binds). */
function withoutIpv6(cell: string, side: Side): string {
  const kept = cell.split(', ').filter((p) => !p.startsWith('[::]:'));
  if (kept.length !== cell.split(', ').length) side.used.add('ipv6-binds');
  return kept.join(', ');
}

function seeTable(t: { header: string[]; rows: string[][] }, side: Side): string[] {
  const col = (name: string) => t.header.indexOf(name);
  let rows = t.rows;
  if (side.engine === 'docker' && side.before) {
    const id = col('CONTAINER ID');
    const repo = col('REPOSITORY');
    const volume = col('VOLUME NAME');
    const n = rows.length;
    if (repo >= 0) rows = rows.filter((r) => side.imageNames.some((i) => i.split(':')[0] === r[repo]));
    if (volume >= 0) rows = rows.filter((r) => !side.before!.volumes.has(r[volume]));
    if (id >= 0) rows = rows.filter((r) => !side.before!.containers.some((c) => c.startsWith(r[id])));
    if (rows.length !== n) side.used.add('shared-engine');
  }
  const ports = col('PORTS');
  if (ports >= 0 && side.engine === 'docker') rows = rows.map((r) => r.map((c, i) => (i === ports ? withoutIpv6(c, side) : c)));
  if (ports >= 0) rows = rows.map((r) => r.map((c, i) => (i === ports ? pickedPorts(c, side) : c)));
  if (col('REPOSITORY') >= 0) {
    // created-ties: images made in the same second, which Docker lists in any order
    rows = [...rows].sort((x, y) => x.join(' ').localeCompare(y.join(' ')));
    if (rows.length > 1) side.used.add('created-ties');
  }
  // ps/top/stats numbers that change on every run
  const varying = ['PID', 'PPID', 'C', 'STIME', 'TIME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'].map(col);
  rows = rows.map((r) => r.map((c, i) => (varying.includes(i) ? '<varies>' : c)));
  const cmd = col('CMD');
  if (cmd >= 0) {
    const n = rows.length;
    rows = rows.filter((r) => r[cmd] !== 'sleep 1');
    if (rows.length !== n) side.used.add('stand-in-timing');
  }
  return [t.header.join(' | '), ...rows.map((r) => mask(r.join(' | '), side))];
}

/** Key paths of a JSON document, with their values (arrays of scalars kept whole). */
function flatten(v: unknown, path = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) {
    for (const [k, x] of Object.entries(v)) for (const [p, y] of flatten(x, `${path}.${k}`)) out.set(p, y);
  } else if (Array.isArray(v) && v.some((x) => x && typeof x === 'object')) {
    v.forEach((x, i) => { for (const [p, y] of flatten(x, `${path}[${i}]`)) out.set(p, y); });
  } else out.set(path, v);
  return out;
}

/** inspect keys Docker 20.10 shows and mini-run does not have (inspect-keys). */
const DOCKER_ONLY_KEYS = new Set([
  '.AppArmorProfile', '.ExecIDs', '.MountLabel', '.ProcessLabel',
  ...['Binds', 'BlkioDeviceReadBps', 'BlkioDeviceReadIOps', 'BlkioDeviceWriteBps', 'BlkioDeviceWriteIOps', 'BlkioWeight',
    'BlkioWeightDevice', 'Cgroup', 'CgroupParent', 'CgroupnsMode', 'ConsoleSize', 'ContainerIDFile', 'CpuCount', 'CpuPercent',
    'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod', 'CpuRealtimeRuntime', 'CpusetCpus', 'CpusetMems', 'DeviceRequests', 'GroupAdd',
    'IOMaximumBandwidth', 'IOMaximumIOps', 'Isolation', 'KernelMemory', 'KernelMemoryTCP', 'MaskedPaths', 'MemoryReservation',
    'MemorySwappiness', 'OomKillDisable', 'OomScoreAdj', 'PublishAllPorts', 'ReadonlyPaths', 'Runtime', 'ShmSize', 'Ulimits',
    'VolumeDriver', 'VolumesFrom'].map((k) => `.HostConfig.${k}`),
  ...['Bridge', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen', 'HairpinMode', 'IPv6Gateway', 'LinkLocalIPv6Address',
    'LinkLocalIPv6PrefixLen', 'SecondaryIPAddresses', 'SecondaryIPv6Addresses'].map((k) => `.NetworkSettings.${k}`),
]);
const DOCKER_ONLY_NETWORK_KEYS = ['DriverOpts', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen', 'IPAMConfig', 'IPv6Gateway'];
const MINI_RUN_ONLY_KEYS = new Set(['.HostConfig.Init', '.Config.StopSignal']);
/** keys whose values differ between the engines on purpose, and the tolerance that says why */
/** values that differ on every run in any engine (ids, times, process ids): compared by being there */
const VARYING = /^\.(Id|Created|CreatedAt|State\.Pid|State\.StartedAt|State\.FinishedAt)$/;
const VALUE_REASONS: Array<[RegExp, Tolerance]> = [
  [/^\.(ResolvConfPath|HostnamePath|HostsPath|LogPath|Mountpoint)$|^\.GraphDriver\.Data\./, 'state-root'],
  [/^\.NetworkSettings\.(Networks\.\w+\.)?(IPAddress|Gateway|MacAddress)$/, 'addresses'],
  [/^\.NetworkSettings\.(Networks\.\w+\.)?(EndpointID|NetworkID)$|^\.NetworkSettings\.(SandboxID|SandboxKey)$/, 'no-daemon'],
  [/^\.Config\.(Env|WorkingDir|StopSignal)$|^\.HostConfig\.NetworkMode$/, 'inspect-values'],
];

/**
 * The differences between two inspect documents that no tolerance explains (each side's used
 * tolerances recorded). Values that are ids or times in both engines are compared by shape.
 */
export function inspectDifferences(mini: string, docker: string, sides: { mini: Side; docker: Side }): string[] {
  const out: string[] = [];
  const use = (t: Tolerance) => { sides.mini.used.add(t); sides.docker.used.add(t); };
  const dockerDoc = JSON.parse(docker) as Array<{ NetworkSettings?: { Ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null> } }>;
  for (const c of dockerDoc) {
    for (const [p, binds] of Object.entries(c.NetworkSettings?.Ports ?? {})) {
      if (!binds?.some((x) => x.HostIp === '::')) continue;
      c.NetworkSettings!.Ports![p] = binds.filter((x) => x.HostIp !== '::');
      use('ipv6-binds');
    }
  }
  const a = flatten(JSON.parse(mini));
  const b = flatten(dockerDoc);
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const k = key.replace(/^\[\d+\]/, '');
    const [x, y] = [a.get(key), b.get(key)];
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    if (!a.has(key) && (DOCKER_ONLY_KEYS.has(k) || DOCKER_ONLY_NETWORK_KEYS.some((n) => new RegExp(`^\\.NetworkSettings\\.Networks\\.\\w+\\.${n}$`).test(k)))) { use('inspect-keys'); continue; }
    if (!a.has(key) && /^\.NetworkSettings\.(SandboxID|SandboxKey|EndpointID)$/.test(k)) { use('no-daemon'); continue; }
    if (!b.has(key) && MINI_RUN_ONLY_KEYS.has(k)) { use('inspect-values'); continue; }
    if (/^\.(NetworkSettings\.Ports|HostConfig\.PortBindings)\..*\.HostPort$/.test(k) && Number(x) >= 32768 && Number(y) >= 32768) { use('picked-ports'); continue; }
    if (a.has(key) && b.has(key) && VARYING.test(k)) continue;
    const reason = a.has(key) && b.has(key) ? VALUE_REASONS.find(([re]) => re.test(k))?.[1] : undefined;
    if (reason) { use(reason); continue; }
    out.push(`${k}: mini-run ${a.has(key) ? JSON.stringify(x) : '(absent)'}, Docker ${b.has(key) ? JSON.stringify(y) : '(absent)'}`);
  }
  return out;
}

/** The first frame of a `stats` stream (header and rows), as the screen shows it. */
function firstStatsFrame(lines: string[]): string[] {
  const start = lines.findIndex((l) => l.startsWith('CONTAINER ID'));
  if (start < 0) return lines;
  const next = lines.findIndex((l, i) => i > start && l.startsWith('CONTAINER ID'));
  return lines.slice(start, next < 0 ? undefined : next).map((l) => l.replace(/\^C$/, '').trimEnd()).filter((l) => l.trim());
}

/**
 * What the user sees of `output` (stdout, or a terminal's screen) for a line, in `side`'s
 * engine: escape sequences and carriage returns gone, tables read by column, varying values masked.
 */
export function see(line: string, output: string, status: number | null, side: Side): Seen {
  const isPull = /^(sudo )?docker pull /.test(line);
  let text = output;
  if (side.engine === 'mini-run' && !isPull && /^Unable to find image '[^']*' locally\r?\n/.test(text)) {
    // a pull before the program's output (registry-stand-in): its progress redraws included
    text = text.replace(/^Unable to find image[\s\S]*?Status: Downloaded newer image for \S+\r?\n/, '');
    side.used.add('registry-stand-in');
  }
  text = text.replace(ESC, '');
  // a terminal's output: \r\n line ends, redraws with \r
  let lines = text.split(/\r?\n|\r/);
  if (side.engine === 'docker') {
    const reg = `${side.registry}/library/`;
    if (isPull && text.includes(reg)) {
      lines = lines.map((l) => (l === `${reg}${l.slice(reg.length)}` ? `docker.io/library/${l.slice(reg.length)}` : l.split(reg).join('')));
      if (!/:\S+$/.test(line)) lines.unshift('Using default tag: latest'); // the registry's name was pulled with its tag
      side.used.add('registry-stand-in');
    }
  } else {
    if (!isPull) {
      const n = lines.length;
      lines = lines.filter((l) => !PULL_LINE.test(l.trim()));
      if (lines.length !== n) side.used.add('registry-stand-in');
    }
    if (/^(sudo )?docker rmi /.test(line) || /\$\(docker images/.test(line)) {
      const n = lines.length;
      lines = lines.filter((l) => !/^Untagged: \S+@sha256:/.test(l));
      if (lines.length !== n) side.used.add('registry-stand-in');
    }
  }
  if (/ stats /.test(` ${line} `)) lines = firstStatsFrame(lines);
  else lines = lines.map((l) => l.replace(/\s+$/, ''));
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  const table = tableRows(lines);
  if (table) return { status, lines: seeTable(table, side) };
  if (/^(sudo )?docker port /.test(line) && side.engine === 'docker') {
    const n = lines.length;
    lines = lines.filter((l) => !/ -> \[::\]:\d+$/.test(l));
    if (lines.length !== n) side.used.add('ipv6-binds');
  }
  // cells of a table whose header is not shown (`images | grep my`): widths follow the other rows
  if (/\| *grep /.test(line)) lines = lines.map((l) => l.replace(/ {2,}/g, '  '));
  if (/^(sudo )?docker images .*\| *grep /.test(line) && lines.length > 1) {
    lines = [...lines].sort(); // created-ties, as for the whole table
    side.used.add('created-ties');
  }
  let joined = lines.join('\n');
  if (side.engine === 'mini-run') joined = joined.split(side.stateRoot).join('<state root>').replace(/\b10\.8[89]\.\d+\.\d+\b/g, (a) => { side.used.add('addresses'); return `<address .${a.split('.')[3]}>`; });
  else joined = joined.split(side.stateRoot).join('<state root>').replace(/\b172\.(1[7-9]|2\d)\.\d+\.\d+\b/g, (a) => { side.used.add('addresses'); return `<address .${a.split('.')[3]}>`; });
  return { status, lines: mask(joined, side).split('\n') };
}
