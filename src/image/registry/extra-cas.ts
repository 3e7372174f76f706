/**
 * The user's extra CA certificates, applied where mini-run makes TLS (registries, proxies,
 * ADD <https URL>) instead of at every Node start.
 *
 * NODE_EXTRA_CA_CERTS=FILE tells Node to trust FILE's certificates on top of its bundled roots;
 * Node reads it before any JavaScript runs, which costs each start ≈ 37 ms for a system bundle.
 * bin/mini-run therefore hands it on as MINI_RUN_EXTRA_CA_CERTS (sys/node-env.ts says why), and
 * here, at the first verifying TLS connection only, the same trust is built: Node's bundled roots
 * (tls.rootCertificates) plus FILE's PEM certificates, in one SecureContext shared by every
 * verifying agent. An unreadable file, or one without a certificate, gets Node's one-line
 * warning and the default roots, as Node itself does. `node bin/mini-run` with
 * NODE_EXTRA_CA_CERTS set keeps Node's own behaviour: its default store has the file already.
 * Insecure registries (--insecure-registry) skip verification as before and never come here.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { EXTRA_CA_ENV } from '../../sys/node-env';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The certificates in a PEM text (blocks that do not parse are skipped). */
export function pemCertificates(text: string): string[] {
  return (text.match(PEM_CERT) ?? []).filter((pem) => {
    try { new X509Certificate(pem); return true; } catch { return false; }
  });
}

function readCerts(file: string, read: (f: string) => string): { certs: string[] } | { why: string } {
  let text: string;
  try {
    text = read(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { why: err.code === 'ENOENT' ? 'No such file or directory' : err.code === 'EACCES' ? 'Permission denied' : err.code === 'EISDIR' ? 'Is a directory' : err.message };
  }
  const certs = pemCertificates(text);
  return certs.length ? { certs } : { why: 'no PEM certificate in it' };
}

/**
 * The CA list a verifying client should use, or null for Node's default store (nothing to add,
 * the file is Node's own NODE_EXTRA_CA_CERTS, or it could not be read: then `warn` is called).
 */
export function extraCaList(env: NodeJS.ProcessEnv, warn: (line: string) => void, read: (f: string) => string = (f) => readFileSync(f, 'utf8')): string[] | null {
  const file = env[EXTRA_CA_ENV];
  if (!file || file === env.NODE_EXTRA_CA_CERTS) return null;
  const got = readCerts(file, read);
  if ('why' in got) {
    warn(`Warning: Ignoring extra certs from \`${file}\`, load failed: ${got.why}\n`);
    return null;
  }
  // A `ca` list replaces the default store: keep what Node loaded from its own variable too.
  const nodeOwn = env.NODE_EXTRA_CA_CERTS ? readCerts(env.NODE_EXTRA_CA_CERTS, read) : { certs: [] };
  const all = [...tls.rootCertificates, ...('certs' in nodeOwn ? nodeOwn.certs : []), ...got.certs];
  return [...new Set(all.map((pem) => pem.trim()))];
}

let shared: tls.SecureContext | null | undefined;

/**
 * TLS options for a verifying connection: `{ secureContext }` with the extra CAs, or `{}` (Node's
 * defaults). Built once, on first use (one parse of the roots and the file per process).
 */
export function verifyingTls(): { secureContext?: tls.SecureContext } {
  if (shared === undefined) {
    const ca = extraCaList(process.env, (line) => process.stderr.write(line));
    shared = ca ? tls.createSecureContext({ ca }) : null;
  }
  return shared ? { secureContext: shared } : {};
}
