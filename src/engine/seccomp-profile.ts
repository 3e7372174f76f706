/**
 * Seccomp profiles in Docker's JSON format → the OCI spec's `linux.seccomp` for one container.
 *
 * A Docker profile is written for every container at once: a rule may say "only with
 * CAP_SYS_ADMIN" (`includes.caps`), "not on this architecture" (`excludes.arches`) or "only on
 * kernels from 4.8" (`includes.minKernel`). The engine decides those here, for this container's
 * capabilities on this host, and hands the runtime a plain list (as dockerd does for runc).
 *
 *   --security-opt seccomp=unconfined   no filter
 *   --security-opt seccomp=FILE.json    that profile (checked: one clear error if it is wrong)
 *   --privileged                        no filter (as Docker), unless a FILE is given
 *   (nothing)                           the default profile (seccomp-default.ts)
 */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { UserError } from '../errors';
import type { LinuxSeccomp } from '../runtime/spec';
import { DEFAULT_SECCOMP_PROFILE } from './seccomp-default';
import { lazy } from '../lazy';

// The profile's schema (zod) is in seccomp-schema.ts, loaded only to read a profile file: the
// default profile is ours and needs no check, so a plain `run` does not load zod for it (lazy.ts).
export type { DockerSeccompProfile } from './seccomp-schema';
import type { DockerSeccompProfile, SeccompRule } from './seccomp-schema';
const schemas = lazy(() => require('./seccomp-schema') as typeof import('./seccomp-schema'));

/** The host's architecture as Docker's profiles name it (Go's GOARCH) and as libseccomp does. */
const HOST_ARCH = { go: 'amd64', scmp: 'SCMP_ARCH_X86_64' };

function kernelAtLeast(min: string, kernel = release()): boolean {
  const [a, b] = kernel.split(/[.-]/).map(Number);
  const [x, y] = min.split('.').map(Number);
  return a > x || (a === x && b >= (y || 0));
}

/** Does a rule apply to a container with `caps` on this host? (moby's includes/excludes rules) */
function applies(rule: SeccompRule, caps: ReadonlySet<string>): boolean {
  const inc = rule.includes ?? {}, exc = rule.excludes ?? {};
  if (inc.arches?.length && !inc.arches.includes(HOST_ARCH.go)) return false;
  if (inc.caps?.length && !inc.caps.every((c) => caps.has(c))) return false;
  if (inc.minKernel && !kernelAtLeast(inc.minKernel)) return false;
  if (exc.arches?.length && exc.arches.includes(HOST_ARCH.go)) return false;
  if (exc.caps?.length && exc.caps.some((c) => caps.has(c))) return false;
  if (exc.minKernel && kernelAtLeast(exc.minKernel)) return false;
  return true;
}

/** A Docker profile, decided for one container's capabilities: the OCI `linux.seccomp`. */
export function resolveProfile(profile: DockerSeccompProfile, caps: readonly string[], where = 'seccomp profile'): LinuxSeccomp {
  const have = new Set(caps);
  const architectures = profile.architectures?.length
    ? profile.architectures
    : (profile.archMap ?? []).filter((m) => m.architecture === HOST_ARCH.scmp)
      .flatMap((m) => [m.architecture, ...(m.subArchitectures ?? [])]);
  const syscalls: NonNullable<LinuxSeccomp['syscalls']> = [];
  for (const rule of profile.syscalls ?? []) {
    if (rule.name && rule.names?.length) throw new UserError(`${where}: use either 'name' or 'names', not both`, 125);
    const names = rule.name ? [rule.name] : rule.names ?? [];
    if (names.length === 0) throw new UserError(`${where}: a syscalls entry has no 'names'`, 125);
    if (!applies(rule, have)) continue;
    syscalls.push({
      names,
      action: rule.action,
      ...(rule.errnoRet !== undefined ? { errnoRet: rule.errnoRet } : {}),
      ...(rule.args?.length ? { args: rule.args } : {}),
    });
  }
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    ...(architectures.length ? { architectures } : {}),
    ...(profile.flags?.length ? { flags: profile.flags } : {}),
    syscalls,
  };
}

/** Read and check a profile file; one line naming the file and the field on error (exit 125, as docker). */
export function readProfileFile(file: string): DockerSeccompProfile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`opening seccomp profile (${file}) failed: ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`, 125);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`decoding seccomp profile (${file}) failed: ${(e as Error).message}`, 125);
  }
  const r = schemas().DockerSeccompProfile.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UserError(`decoding seccomp profile (${file}) failed: ${issue.path.join('.') || '(root)'}: ${issue.message}`, 125);
  }
  return r.data;
}

/** What `--security-opt seccomp=…` and --privileged ask for: 'default', 'unconfined', or a file. */
export type SeccompChoice = { kind: 'default' } | { kind: 'unconfined' } | { kind: 'file'; path: string; profile: DockerSeccompProfile };

/** The container's `linux.seccomp`, or undefined for no filter. */
export function seccompForContainer(choice: SeccompChoice, caps: readonly string[], privileged: boolean): LinuxSeccomp | undefined {
  if (choice.kind === 'unconfined') return undefined;
  if (choice.kind === 'file') return resolveProfile(choice.profile, caps, `seccomp profile ${choice.path}`);
  if (privileged) return undefined; // docker: --privileged runs unconfined unless a profile is given
  return resolveProfile(DEFAULT_SECCOMP_PROFILE, caps, 'default seccomp profile');
}
