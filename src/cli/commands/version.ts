/** `mini-run version` (docker's layout: a client part and the runtime under it) and `--version`. */
import type { Argv, CommandModule } from 'yargs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arch, release } from 'node:os';
import { lazy } from '../../lazy';

const detect = lazy(() => require('../../runtime/cgroups/detect') as typeof import('../../runtime/cgroups/detect'));

/** The version in package.json (dist/cli/commands → the package root). */
export function miniRunVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Node's arch names → Go's (docker prints linux/amd64, not linux/x64). */
const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };

export function versionInfo(): Record<string, Record<string, string>> {
  const version = miniRunVersion();
  const { detectCgroupVersion } = detect();
  let cgroup = 'unknown';
  try { cgroup = String(detectCgroupVersion()); } catch { /* no cgroupfs mounted */ }
  return {
    Client: { Version: version, NodeVersion: process.version, Os: 'linux', Arch: GO_ARCH[arch()] ?? arch() },
    // No daemon: the "server" half is the runtime in this same program.
    Server: { Version: version, OciVersion: '1.2.0', KernelVersion: release(), CgroupVersion: cgroup, Os: 'linux', Arch: GO_ARCH[arch()] ?? arch() },
  };
}

export const versionCommand: CommandModule<object, any> = {
  command: 'version',
  describe: 'Show the mini-run version information',
  builder: (y: Argv) => y.option('format', { alias: 'f', type: 'string', describe: 'Format the output using a Go template' }),
  handler: async (a) => {
    const info = versionInfo();
    if (a.format !== undefined) {
      // docker's Go types, named in a missing field's error (`can't evaluate field X in type T`)
      const { goNamed } = await import('../../go-values');
      goNamed(info.Client, 'system.clientVersion');
      goNamed(info.Server, '*types.Version');
      const { renderOneFormat } = await import('../format');
      process.stdout.write(renderOneFormat(String(a.format), info, 'system.versionInfo', 'version'));
      return;
    }
    const c = info.Client, s = info.Server;
    const rows = (pairs: [string, string][], indent: string) => pairs.map(([k, v]) => `${indent}${(k + ':').padEnd(18)}${v}\n`).join('');
    process.stdout.write('Client:\n' + rows([['Version', c.Version], ['Node version', c.NodeVersion], ['OS/Arch', `${c.Os}/${c.Arch}`]], ' ') +
      '\nServer: mini-run (no daemon: the runtime runs in the CLI and its per-container supervisor)\n Runtime:\n' +
      rows([['Version', s.Version], ['OCI spec', s.OciVersion], ['Kernel', s.KernelVersion], ['Cgroup version', s.CgroupVersion], ['OS/Arch', `${s.Os}/${s.Arch}`]], '  '));
  },
};
