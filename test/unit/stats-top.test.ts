/**
 * `stats` and `top` without a kernel: docker's arithmetic (CPU %, memory without page cache,
 * "unlimited" → host memory), the kernel file formats they parse (/proc/stat, /proc/PID/net/dev,
 * ps output), and docker's way of printing the numbers.
 */
import { describe, it, expect } from 'vitest';
import {
  cpuPercent, effectiveMemoryLimit, memoryWithoutCache, parseNetDev, parseProcStatCpu, statsEntry, type StatsSample,
} from '../../src/engine/stats';
import { bytesSize, goG, humanSizeWithPrecision, statsRow } from '../../src/cli/stats-format';
import { renderStats } from '../../src/cli/commands/stats';
import { checkPsArgs, filterPsOutput } from '../../src/engine/top';
import { formatTopTable } from '../../src/cli/commands/top';

const ID = 'a'.repeat(12) + 'b'.repeat(52);

function sample(over: Partial<StatsSample> = {}): StatsSample {
  return {
    id: ID, name: 'web', running: true, invalid: false, cpuUsec: 0, systemUsec: 0, onlineCpus: 2,
    memUsage: 0, memLimit: 64 << 20, netRx: 0, netTx: 0, blockRead: 0, blockWrite: 0, pids: 1, ...over,
  };
}

describe("docker's units: BytesSize (binary, 4 digits) and HumanSizeWithPrecision (decimal, 3 digits)", () => {
  it('prints like Go %g: no trailing zeros, an exponent when the digits run out', () => {
    expect(goG(64, 4)).toBe('64');
    expect(goG(1.5, 4)).toBe('1.5');
    expect(goG(0, 3)).toBe('0');
    expect(goG(1.0546875, 3)).toBe('1.05');
    expect(goG(999.6, 3)).toBe('1e+03');
    expect(goG(273.4375, 4)).toBe('273.4');
  });

  it('MEM USAGE / LIMIT uses KiB/MiB/GiB', () => {
    expect(bytesSize(0)).toBe('0B');
    expect(bytesSize(1023)).toBe('1023B');
    expect(bytesSize(1024)).toBe('1KiB');
    expect(bytesSize(280 * 1024)).toBe('280KiB');
    expect(bytesSize(64 << 20)).toBe('64MiB');
    expect(bytesSize(1.5 * 2 ** 30)).toBe('1.5GiB');
    expect(bytesSize(1234567)).toBe('1.177MiB');
  });

  it('NET I/O and BLOCK I/O use kB/MB/GB', () => {
    expect(humanSizeWithPrecision(0)).toBe('0B');
    expect(humanSizeWithPrecision(999)).toBe('999B');
    expect(humanSizeWithPrecision(1050)).toBe('1.05kB');
    expect(humanSizeWithPrecision(4_194_304)).toBe('4.19MB');
    expect(humanSizeWithPrecision(999_600)).toBe('1e+03kB'); // go-units really prints this
  });
});

describe('stats arithmetic (docker stats)', () => {
  it('CPU % = Δcontainer / Δhost × online CPUs × 100: one busy thread on 2 CPUs is 100%', () => {
    const prev = { cpuUsec: 1_000_000, systemUsec: 50_000_000 };
    expect(cpuPercent(prev, { cpuUsec: 1_500_000, systemUsec: 51_000_000 }, 2)).toBeCloseTo(100);
    expect(cpuPercent(prev, { cpuUsec: 1_250_000, systemUsec: 51_000_000 }, 2)).toBeCloseTo(50);
    expect(cpuPercent(prev, { cpuUsec: 1_000_000, systemUsec: 51_000_000 }, 2)).toBe(0); // paused
    expect(cpuPercent(prev, { cpuUsec: 2_000_000, systemUsec: 50_000_000 }, 2)).toBe(0); // no host delta yet
  });

  it('host CPU time: user+nice+system+idle+iowait+irq+softirq of the cpu line, ticks of 10 ms, in µs', () => {
    const stat = 'cpu  100 5 50 1000 20 1 4 7 0 0\ncpu0 50 2 25 500 10 0 2 3 0 0\nintr 12345\n';
    expect(parseProcStatCpu(stat)).toBe((100 + 5 + 50 + 1000 + 20 + 1 + 4) * 10_000); // steal (7) not counted
  });

  it('memory usage leaves out the inactive page cache, when the counter is there and smaller', () => {
    expect(memoryWithoutCache({ memoryUsageBytes: 10 << 20, memoryInactiveFileBytes: 4 << 20 })).toBe(6 << 20);
    expect(memoryWithoutCache({ memoryUsageBytes: 10 << 20, memoryInactiveFileBytes: null })).toBe(10 << 20);
    expect(memoryWithoutCache({ memoryUsageBytes: 1 << 20, memoryInactiveFileBytes: 4 << 20 })).toBe(1 << 20);
  });

  it('an unlimited (or larger than the host) limit shows the host memory', () => {
    expect(effectiveMemoryLimit(64 << 20, 8 * 2 ** 30)).toBe(64 << 20);
    expect(effectiveMemoryLimit(null, 8 * 2 ** 30)).toBe(8 * 2 ** 30);
    expect(effectiveMemoryLimit(16 * 2 ** 30, 8 * 2 ** 30)).toBe(8 * 2 ** 30);
  });

  it('NET I/O sums every interface of /proc/PID/net/dev but lo', () => {
    const dev =
      'Inter-|   Receive                                                |  Transmit\n' +
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n' +
      '    lo:    5000      50    0    0    0     0          0         0     5000      50    0    0    0     0       0          0\n' +
      '  eth0:    1050      10    0    0    0     0          0         0      200       2    0    0    0     0       0          0\n' +
      '  eth1:      50       1    0    0    0     0          0         0       20       1    0    0    0     0       0          0\n';
    expect(parseNetDev(dev)).toEqual({ rx: 1100, tx: 220 });
    expect(parseNetDev(dev.split('\n').slice(0, 3).join('\n'))).toEqual({ rx: 0, tx: 0 }); // --network none: lo only
  });
});

describe('stats lines and --format', () => {
  it("prints docker's default columns", () => {
    const prev = sample({ cpuUsec: 0, systemUsec: 0 });
    const cur = sample({ cpuUsec: 500_000, systemUsec: 1_000_000, memUsage: 1.5 * 2 ** 20, netRx: 1050, blockWrite: 4096, pids: 3 });
    const row = statsRow(statsEntry(prev, cur), 'web');
    expect(row).toEqual({
      Container: 'web', Name: 'web', ID: 'aaaaaaaaaaaa', CPUPerc: '100.00%', MemUsage: '1.5MiB / 64MiB', MemPerc: '2.34%',
      NetIO: '1.05kB / 0B', BlockIO: '0B / 4.1kB', PIDs: '3',
    });
    expect(renderStats(undefined, [row])).toBe(
      'CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O       BLOCK I/O    PIDS\n' +
        'aaaaaaaaaaaa   web       100.00%   1.5MiB / 64MiB      2.34%     1.05kB / 0B   0B / 4.1kB   3\n',
    );
  });

  it('the first sample has no CPU % yet; a stopped container is all zeros; an unreadable one is "--"', () => {
    expect(statsEntry(undefined, sample({ cpuUsec: 5, systemUsec: 5 })).cpuPercent).toBe(0);
    const stopped = sample({ running: false, memLimit: 0, pids: 0 });
    expect(statsRow(statsEntry(stopped, stopped), 'x')).toMatchObject({ CPUPerc: '0.00%', MemUsage: '0B / 0B', MemPerc: '0.00%', NetIO: '0B / 0B', BlockIO: '0B / 0B', PIDs: '0' });
    const bad = sample({ invalid: true });
    expect(statsRow(statsEntry(bad, bad), 'x')).toMatchObject({ CPUPerc: '--', MemUsage: '-- / --', MemPerc: '--', NetIO: '--', BlockIO: '--', PIDs: '--' });
  });

  it('--format "table …" gets a header from the same template; json and plain templates get none', () => {
    const row = statsRow(statsEntry(undefined, sample({ memUsage: 2 ** 20 })), 'web', true);
    expect(renderStats('table {{.Name}}\t{{.MemUsage}}', [row])).toBe('NAME      MEM USAGE / LIMIT\nweb       1MiB / 64MiB\n');
    expect(renderStats('table {{.Container}}\t{{.PIDs}}', [row])).toBe('CONTAINER   PIDS\nweb         1\n');
    expect(renderStats('{{.ID}}: {{.CPUPerc}}', [row])).toBe(`${ID}: 0.00%\n`);
    expect(JSON.parse(renderStats('json', [row]))).toMatchObject({ Name: 'web', ID, MemUsage: '1MiB / 64MiB', PIDs: '1' });
    expect(renderStats('table', [])).toBe('CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O   BLOCK I/O   PIDS\n');
  });
});

describe('top: the host ps output filtered to the cgroup pids', () => {
  const ps =
    'UID          PID    PPID  C STIME TTY          TIME CMD\n' +
    'root           1       0  0 12:07 ?        00:00:06 /sbin/init\n' +
    'root        4242    4200 99 12:41 ?        00:00:02 sh -c while :; do :; done\n' +
    'root        4250    4242  0 12:41 ?        00:00:00 sleep 600\n';

  it('keeps the header and the lines of the cgroup pids; the command keeps its spaces', () => {
    expect(filterPsOutput(ps, [4242, 4250, 9999])).toEqual({
      titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      processes: [
        ['root', '4242', '4200', '99', '12:41', '?', '00:00:02', 'sh -c while :; do :; done'],
        ['root', '4250', '4242', '0', '12:41', '?', '00:00:00', 'sleep 600'],
      ],
    });
  });

  it('finds the PID column wherever ps puts it, and fails clearly without one', () => {
    const aux = 'USER PID %CPU COMMAND\nroot 4242 99.0 sh -c x\nroot 7 0.0 other\n';
    expect(filterPsOutput(aux, [4242]).processes).toEqual([['root', '4242', '99.0', 'sh -c x']]);
    expect(() => filterPsOutput('USER COMMAND\nroot x\n', [1])).toThrow("Couldn't find PID field in ps output");
  });

  it('refuses ps options that would rename another column to PID (docker)', () => {
    expect(() => checkPsArgs(['-o', 'ppid=PID'])).toThrow('specifying "ppid=PID" is not allowed');
    expect(() => checkPsArgs(['-o', 'pid=PID,comm'])).not.toThrow();
    expect(() => checkPsArgs(['-ef'])).not.toThrow();
  });

  it('prints columns at least 20 wide, like docker top', () => {
    expect(formatTopTable([['PID', 'CMD'], ['4242', 'sh -c x']])).toBe(`${'PID'.padEnd(20)}CMD\n${'4242'.padEnd(20)}sh -c x\n`);
  });
});
