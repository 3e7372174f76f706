/**
 * `--security-opt` (docker's spelling: KEY=VALUE, or the older KEY:VALUE):
 *   seccomp=unconfined | seccomp=PROFILE.json    the syscall filter (seccomp-profile.ts)
 *   no-new-privileges[=true|false]               setuid binaries no longer raise privileges
 *   apparmor=…                                   accepted and ignored: mini-run has no AppArmor
 */
import { UserError } from '../errors';
import { readProfileFile, type SeccompChoice } from './seccomp-profile';

export interface SecurityOptions {
  seccomp: SeccompChoice;
  noNewPrivileges: boolean;
}

export function parseSecurityOpts(values: readonly string[]): SecurityOptions {
  const out: SecurityOptions = { seccomp: { kind: 'default' }, noNewPrivileges: false };
  for (const v of values) {
    const sep = v.includes('=') ? '=' : v.includes(':') ? ':' : null;
    const key = sep ? v.slice(0, v.indexOf(sep)) : v;
    const value = sep ? v.slice(v.indexOf(sep) + 1) : undefined;
    if (key === 'no-new-privileges') {
      if (value === undefined || value === 'true') out.noNewPrivileges = true;
      else if (value === 'false') out.noNewPrivileges = false;
      else throw new UserError(`invalid --security-opt 2: "${v}"`, 125);
    } else if (key === 'seccomp' && value) {
      out.seccomp = value === 'unconfined' ? { kind: 'unconfined' } : { kind: 'file', path: value, profile: readProfileFile(value) };
    } else if (key === 'apparmor' && value) {
      // AppArmor is out of scope (docs/security.md): nothing to apply.
    } else {
      throw new UserError(`invalid --security-opt 2: "${v}"`, 125);
    }
  }
  return out;
}
