/**
 * Platforms ("linux/amd64", "linux/arm/v7") and choosing one manifest from an image index.
 *
 * An index (OCI image index, or docker's "manifest list") is what a multi-arch tag points to:
 * one entry per platform, each the digest of a platform-specific image manifest. Build tools
 * also add *attestation* entries (SBOM/provenance, platform "unknown/unknown", annotation
 * vnd.docker.reference.type=attestation-manifest) which are not images and must be skipped.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../../errors';
import { hostArchitecture, type Descriptor } from '../oci-types';

export interface PlatformSpec { os: string; architecture: string; variant?: string }

const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm', i386: '386', i686: '386' };

/** Normalize like containerd: aarch64 → arm64, arm64/v8 → arm64 (v8 is its only variant), arm → arm/v7. */
export function normalizePlatform(p: PlatformSpec): PlatformSpec {
  const os = p.os.toLowerCase();
  const architecture = ARCH_ALIASES[p.architecture.toLowerCase()] ?? p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() || undefined;
  if (architecture === 'arm64' && (variant === 'v8' || variant === '8')) variant = undefined;
  if (architecture === 'arm' && variant && /^\d$/.test(variant)) variant = `v${variant}`;
  if (architecture === 'arm' && !variant) variant = 'v7';
  if (architecture === 'amd64' && variant === 'v1') variant = undefined;
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** "linux/arm64" | "linux/arm/v7" → a platform (the OS part is required, as in docker). */
export function parsePlatform(s: string): PlatformSpec {
  const parts = s.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((x) => !/^[a-zA-Z0-9_.-]+$/.test(x))) {
    throw new UserError(`invalid platform "${s}": use os/arch[/variant], e.g. linux/arm64 or linux/arm/v7`, 1);
  }
  return normalizePlatform({ os: parts[0], architecture: parts[1], variant: parts[2] });
}

export function formatPlatform(p: PlatformSpec): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** The platform of this machine (the ARM variant from /proc/cpuinfo). */
export function hostPlatform(): PlatformSpec {
  const architecture = hostArchitecture();
  let variant: string | undefined;
  if (architecture === 'arm') {
    try {
      const m = /CPU architecture:\s*(\d+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
      if (m) variant = `v${m[1]}`;
    } catch { /* keep the default */ }
  }
  return normalizePlatform({ os: 'linux', architecture, variant });
}

export function isAttestation(d: Descriptor): boolean {
  return d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'
    || (d.platform?.os === 'unknown' && d.platform?.architecture === 'unknown');
}

export function platformMatches(want: PlatformSpec, have: PlatformSpec): boolean {
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  if (w.os !== h.os || w.architecture !== h.architecture) return false;
  // An explicit variant must match; without one (amd64), any variant of the arch will do.
  return !w.variant || w.variant === h.variant || (want.variant === undefined && w.architecture === 'arm');
}

/** Pick the entry of an index for `want`; the error lists what the index has. */
export function selectPlatform(manifests: Descriptor[], want: PlatformSpec, what: string): Descriptor {
  const images = manifests.filter((d) => !isAttestation(d));
  const withPlatform = images.filter((d) => d.platform);
  const exact = withPlatform.find((d) => {
    const p = normalizePlatform(d.platform as PlatformSpec);
    return p.os === want.os && p.architecture === want.architecture && p.variant === want.variant;
  });
  const hit = exact ?? withPlatform.find((d) => platformMatches(want, d.platform as PlatformSpec));
  if (hit) return hit;
  // An index whose entries carry no platform at all (allowed by the spec): take the first.
  if (!withPlatform.length && images.length) return images[0];
  const have = [...new Set(withPlatform.map((d) => formatPlatform(normalizePlatform(d.platform as PlatformSpec))))];
  throw new UserError(`${what}: no matching manifest for ${formatPlatform(want)} in the manifest list entries (have: ${have.join(', ') || 'none'})`, 1);
}
