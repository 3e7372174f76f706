/**
 * Image references, parsed and normalized the way docker does it
 * (github.com/distribution/reference, "ParseNormalizedNamed"):
 *
 *   alpine                    → docker.io/library/alpine:latest
 *   user/app:1.0              → docker.io/user/app:1.0
 *   localhost:5000/app        → localhost:5000/app:latest
 *   ghcr.io/o/app@sha256:…    → ghcr.io/o/app@sha256:…
 *
 * The first path component is a registry *domain* only if it contains a "." or a ":" or is
 * "localhost" (or has upper-case letters, which a repository path never may); otherwise the
 * image is on Docker Hub, and a single-component name lives under "library/".
 *
 * We store the full normalized name and show the "familiar" one (`alpine:latest`), like docker.
 */
import { UserError } from '../errors';

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';
const LEGACY_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$|^\[[0-9a-fA-F:.]+\](?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;

export interface Reference {
  domain: string;      // "docker.io"
  path: string;        // "library/alpine"
  tag?: string;        // "latest" (absent when only a digest was given)
  digest?: string;     // "sha256:…"
}

function invalid(ref: string, why = ''): UserError {
  return new UserError(`invalid reference format${why ? `: ${why}` : ''}: "${ref}"`, 125);
}

/** Split "domain/path" the docker way (see the module comment). */
function splitDomain(name: string): { domain: string; path: string } {
  const i = name.indexOf('/');
  let domain: string;
  let path: string;
  const first = i === -1 ? '' : name.slice(0, i);
  if (i === -1 || (!first.includes('.') && !first.includes(':') && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    path = name;
  } else {
    domain = first;
    path = name.slice(i + 1);
  }
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_PREFIX + path;
  return { domain, path };
}

/**
 * Parse a reference typed by a user. Without tag or digest, the tag is "latest".
 * Throws a UserError ("invalid reference format") for anything docker would refuse.
 */
export function parseReference(ref: string): Reference {
  if (ref === '' ) throw invalid(ref);
  if (/^[a-f0-9]{64}$/.test(ref)) {
    throw new UserError(`invalid repository name (${ref}), cannot specify 64-byte hexadecimal strings`, 125);
  }
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(ref, 'bad digest');
    if (digest.startsWith('sha256:') && !SHA256.test(digest)) throw invalid(ref, 'bad sha256 digest');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(ref, 'bad tag');
  }
  const { domain, path } = splitDomain(rest);
  if (!DOMAIN.test(domain)) throw invalid(ref, 'bad registry domain');
  const components = path.split('/');
  for (const c of components) {
    if (!COMPONENT.test(c)) {
      if (COMPONENT.test(c.toLowerCase())) throw new UserError(`invalid reference format: repository name (${path}) must be lowercase`, 125);
      throw invalid(ref);
    }
  }
  if (domain.length + 1 + path.length > 255) throw invalid(ref, 'repository name must not be more than 255 characters');
  if (!tag && !digest) tag = DEFAULT_TAG;
  return { domain, path, tag, digest };
}

/** "docker.io/library/alpine" — the repository part only. */
export function repositoryName(r: Reference): string {
  return `${r.domain}/${r.path}`;
}

/** The full normalized string: "docker.io/library/alpine:latest" or "…@sha256:…". */
export function formatReference(r: Reference): string {
  return repositoryName(r) + (r.tag ? `:${r.tag}` : '') + (r.digest ? `@${r.digest}` : '');
}

/** Normalize a user's reference to the full form we store (throws on invalid input). */
export function normalizeReference(ref: string): string {
  return formatReference(parseReference(ref));
}

/**
 * Docker's "familiar" form of a normalized name: drop "docker.io/" and "library/".
 * "docker.io/library/alpine:latest" → "alpine:latest"; "docker.io/mini-run/busybox:latest" →
 * "mini-run/busybox:latest"; other registries are kept: "ghcr.io/o/app:1".
 */
export function familiarName(normalized: string): string {
  let s = normalized;
  if (s.startsWith(DEFAULT_DOMAIN + '/')) {
    s = s.slice(DEFAULT_DOMAIN.length + 1);
    if (s.startsWith(OFFICIAL_PREFIX) && !s.slice(OFFICIAL_PREFIX.length).includes('/')) s = s.slice(OFFICIAL_PREFIX.length);
  }
  return s;
}

/** Split a stored "repo:tag" into familiar repository and tag, for the `images` table. */
export function splitRepoTag(normalized: string): { repository: string; tag: string } {
  const f = familiarName(normalized);
  const colon = f.lastIndexOf(':');
  if (colon > f.lastIndexOf('/')) return { repository: f.slice(0, colon), tag: f.slice(colon + 1) };
  return { repository: f, tag: '<none>' };
}

export function isSha256Digest(s: string): boolean {
  return SHA256.test(s);
}
