/**
 * `system install-boot` / `uninstall-boot`: the systemd unit that runs `mini-run system boot`
 * when the host starts (what dockerd does for `--restart always` containers when it starts).
 *
 * The unit names the node and the mini-run this command was run with, by absolute path: a
 * global npm install, an nvm node in a home directory or a checkout all work, where a fixed
 * /usr/local/bin/mini-run would not. A state root other than the default is passed on too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors';
import { writeFileAtomic } from '../fsutil';
import { DEFAULT_ROOT, stateRoot } from '../paths';

export const BOOT_UNIT_NAME = 'mini-run-boot.service';
export const DEFAULT_UNIT_DIR = '/etc/systemd/system';
const MARK = '# Written by `mini-run system install-boot`';

/**
 * A word of an ExecStart= line (systemd.service(5), systemd.syntax(7)): '%' starts a specifier
 * and '$' a variable, so both are doubled; quoted when it has spaces, quotes or backslashes.
 */
export function execWord(word: string): string {
  const s = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_@%$+=:,./-]+$/.test(s) ? s : `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function bootUnit(opts: { node: string; bin: string; root?: string }): string {
  const argv = [opts.node, opts.bin, ...(opts.root ? ['--root', opts.root] : []), 'system', 'boot'];
  return `${MARK}; remove it with \`mini-run system uninstall-boot\`.
[Unit]
Description=mini-run: start containers with a restart policy
After=local-fs.target network-online.target
Wants=network-online.target

[Service]
Type=oneshot
ExecStart=${argv.map(execWord).join(' ')}
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target
`;
}

/** The unit for the mini-run running now. */
export function currentBootUnit(): string {
  const root = stateRoot();
  return bootUnit({ node: process.execPath, bin: resolve(process.argv[1]), root: root === DEFAULT_ROOT ? undefined : resolve(root) });
}

/** Is systemd the running init (its runtime directory exists), and is systemctl there? */
function systemdRunning(): boolean {
  return existsSync('/run/systemd/system') && spawnSync('systemctl', ['--version'], { stdio: 'ignore' }).status === 0;
}

function systemctl(args: string[]): void {
  const r = spawnSync('systemctl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new UserError(`systemctl ${args.join(' ')} failed: ${(r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n')[0]}`);
}

/** Write the unit and enable it; returns the lines to print. */
export function installBootUnit(unitDir = DEFAULT_UNIT_DIR): string[] {
  const file = join(unitDir, BOOT_UNIT_NAME);
  if (existsSync(file) && !readFileSync(file, 'utf8').startsWith(MARK)) {
    throw new UserError(`${file} exists and was not written by mini-run system install-boot: remove it first`);
  }
  writeFileAtomic(file, currentBootUnit(), 0o644);
  const out = [`Wrote ${file}`];
  if (unitDir === DEFAULT_UNIT_DIR && systemdRunning()) {
    systemctl(['daemon-reload']);
    systemctl(['enable', BOOT_UNIT_NAME]);
    out.push(`Enabled ${BOOT_UNIT_NAME}: containers with --restart always or unless-stopped start at boot`);
  } else {
    out.push(`systemd is not managing ${unitDir} here; where it does: systemctl daemon-reload && systemctl enable ${BOOT_UNIT_NAME}`);
  }
  return out;
}

export function uninstallBootUnit(unitDir = DEFAULT_UNIT_DIR): string[] {
  const file = join(unitDir, BOOT_UNIT_NAME);
  if (!existsSync(file)) return [`${file} is not installed`];
  if (!readFileSync(file, 'utf8').startsWith(MARK)) {
    throw new UserError(`${file} was not written by mini-run system install-boot: not removing it`);
  }
  const out: string[] = [];
  if (unitDir === DEFAULT_UNIT_DIR && systemdRunning()) {
    systemctl(['disable', BOOT_UNIT_NAME]);
    out.push(`Disabled ${BOOT_UNIT_NAME}`);
  }
  rmSync(file);
  if (unitDir === DEFAULT_UNIT_DIR && systemdRunning()) systemctl(['daemon-reload']);
  out.push(`Removed ${file}`);
  return out;
}
