/**
 * How `docker stats` prints its numbers (docker/go-units and the CLI's stats formatter), so that
 * `mini-run stats` lines read the same:
 *   MEM USAGE / LIMIT   binary units, 4 significant digits: units.BytesSize → "1.5MiB / 64MiB"
 *   NET I/O, BLOCK I/O  decimal units, 3 significant digits: units.HumanSizeWithPrecision(n, 3)
 *                       → "1.05kB / 0B"
 *   CPU %, MEM %        two decimals: "0.00%"
 * Both unit functions print with Go's %g, which drops trailing zeros ("64MiB", not "64.00MiB").
 */
import type { StatsEntry } from '../engine/stats';

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];
const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/**
 * Go's fmt %.<precision>g: `precision` significant digits, no trailing zeros, and an exponent
 * (e+03) when the number needs more digits than that — go-units really prints "1e+03kB" for
 * 999.6 kB at precision 3, and so do we.
 */
export function goG(x: number, precision: number): string {
  const s = x.toPrecision(precision);
  const [mantissa, exp] = s.split('e');
  const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  if (exp === undefined) return trimmed;
  const e = Number(exp);
  return `${trimmed}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

function customSize(size: number, base: number, units: string[], precision: number): string {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return `${goG(size, precision)}${units[i]}`;
}

/** go-units BytesSize: binary units, %.4g ("64MiB", "1.234GiB"). */
export function bytesSize(n: number): string {
  return customSize(n, 1024, BINARY, 4);
}

/** go-units HumanSizeWithPrecision(n, 3): decimal units ("1.05kB", "0B"). */
export function humanSizeWithPrecision(n: number, precision = 3): string {
  return customSize(n, 1000, DECIMAL, precision);
}

export const percent = (p: number): string => `${p.toFixed(2)}%`;

/** The fields a stats --format template can use, with docker's names. */
export type StatsRow = {
  Container: string;
  Name: string;
  ID: string;
  CPUPerc: string;
  MemUsage: string;
  MemPerc: string;
  NetIO: string;
  BlockIO: string;
  PIDs: string;
};

/** Column titles for each field (what docker prints in a `table` header). */
export const STATS_HEADERS: StatsRow = {
  Container: 'CONTAINER', Name: 'NAME', ID: 'CONTAINER ID', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS',
};

export const DEFAULT_STATS_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

/**
 * One container's line. `container` is what the user typed (or the short id when listing).
 * An unreadable cgroup shows "--" like docker's IsInvalid; a stopped container shows zeros.
 */
export function statsRow(e: StatsEntry, container: string, noTrunc = false): StatsRow {
  const id = noTrunc ? e.id : e.id.slice(0, 12);
  if (e.invalid) {
    return { Container: container, Name: e.name, ID: id, CPUPerc: '--', MemUsage: '-- / --', MemPerc: '--', NetIO: '--', BlockIO: '--', PIDs: '--' };
  }
  return {
    Container: container,
    Name: e.name,
    ID: id,
    CPUPerc: percent(e.cpuPercent),
    MemUsage: `${bytesSize(e.memUsage)} / ${bytesSize(e.memLimit)}`,
    MemPerc: percent(e.memPercent),
    NetIO: `${humanSizeWithPrecision(e.netRx)} / ${humanSizeWithPrecision(e.netTx)}`,
    BlockIO: `${humanSizeWithPrecision(e.blockRead)} / ${humanSizeWithPrecision(e.blockWrite)}`,
    PIDs: String(e.pids),
  };
}
