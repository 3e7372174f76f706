/**
 * Faults between us and a real registry (a proxy in this process misbehaves on purpose), and
 * multi-platform indexes: what a user sees, and that no partial or wrong blob is ever stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempRoot, removeRoot } from '../helpers/cli';
import { expectNothingStored, rootFactory } from '../helpers/store';
import {
  Fault, layeredLayout, mrAsync, rawGet, rawPushManifest, Registry, skopeoPush, startProxy, startRegistry,
} from '../fixtures/registry';

let reg: Registry;
let fx: string;
let layerDigest: string;   // the biggest layer of test/layered:v1
let layerSize: number;
let configDigest: string;
const { newRoot, roots } = rootFactory('faults');
const list = (p: string) => (existsSync(p) ? readdirSync(p) : []);
/** Every blob in the content store hashes to its name. */
function expectBlobsVerified(root: string): void {
  for (const name of list(join(root, 'blobs/sha256'))) {
    expect(createHash('sha256').update(readFileSync(join(root, 'blobs/sha256', name))).digest('hex')).toBe(name);
  }
  expect(list(join(root, 'tmp'))).toEqual([]);
}

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

beforeAll(async () => {
  reg = await startRegistry();
  fx = mkdtempSync('/tmp/mr-test-faultfx-');
  mkdirSync(join(fx, 'amd64'));
  mkdirSync(join(fx, 'arm64'));
  skopeoPush(`oci:${layeredLayout(join(fx, 'amd64'), 'amd64')}`, `${reg.host}/test/layered:amd64`);
  skopeoPush(`oci:${layeredLayout(join(fx, 'arm64'), 'arm64')}`, `${reg.host}/test/layered:arm64`);
  const m = await rawGet(`${reg.url}/v2/test/layered/manifests/amd64`, MANIFEST);
  const manifest = JSON.parse(m.body.toString());
  const biggest = [...manifest.layers].sort((a: any, b: any) => b.size - a.size)[0];
  layerDigest = biggest.digest;
  layerSize = biggest.size;
  configDigest = manifest.config.digest;

  // A multi-platform index written by hand over the two real manifests, with an attestation
  // entry (platform unknown/unknown) like buildx adds.
  const entry = async (tag: string, platform: object, annotations?: object) => {
    const r = await rawGet(`${reg.url}/v2/test/layered/manifests/${tag}`, MANIFEST);
    return { mediaType: MANIFEST, digest: String(r.headers['docker-content-digest']), size: r.body.length, platform, ...(annotations ? { annotations } : {}) };
  };
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      await entry('arm64', { os: 'unknown', architecture: 'unknown' }, { 'vnd.docker.reference.type': 'attestation-manifest' }),
      await entry('arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }),
      await entry('amd64', { os: 'linux', architecture: 'amd64' }),
    ],
  };
  await rawPushManifest(reg, 'test/layered', 'multi', Buffer.from(JSON.stringify(index)), 'application/vnd.oci.image.index.v1+json');
}, 180_000);

afterAll(async () => {
  for (const r of roots) removeRoot(r);
  await reg?.stop();
  rmSync(fx, { recursive: true, force: true });
});

async function withProxy(fault: (path: string, n: number) => Fault | undefined, fn: (host: string, log: string[]) => Promise<void>): Promise<void> {
  const seen = new Map<string, number>();
  const proxy = await startProxy(reg.url, (req) => {
    const p = new URL(req.url!, 'http://x').pathname;
    const n = (seen.get(p) ?? 0) + 1;
    seen.set(p, n);
    return fault(p, n);
  });
  try {
    await fn(proxy.host, proxy.log);
  } finally {
    await proxy.stop();
  }
}

describe('retries', () => {
  it('a blob cut mid-stream once: the pull resumes it and succeeds, no partial blob kept', async () => {
    await withProxy((p, n) => (p.endsWith(layerDigest) && n === 1 ? { kind: 'cut', after: Math.floor(layerSize / 2) } : undefined), async (host, log) => {
      const root = newRoot();
      const r = await mrAsync(root, ['pull', `${host}/test/layered:amd64`]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const gets = log.filter((l) => l.endsWith(layerDigest));
      expect(gets).toHaveLength(2);
      expectBlobsVerified(root);
      expect(list(join(root, 'blobs/sha256'))).toContain(layerDigest.slice(7));
    });
  });

  it('a 500 once on the manifest: retried, and the pull succeeds', async () => {
    await withProxy((p, n) => (p.includes('/manifests/') && n === 1 ? { kind: 'status', status: 500 } : undefined), async (host, log) => {
      const root = newRoot();
      const r = await mrAsync(root, ['pull', '-q', `${host}/test/layered:amd64`]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(log.filter((l) => l.includes('/manifests/amd64'))).toHaveLength(2);
    });
  });

  it('a 429 with Retry-After once: waits as told, then succeeds', async () => {
    await withProxy((p, n) => (p.endsWith(configDigest) && n === 1 ? { kind: 'status', status: 429, headers: { 'Retry-After': '1' } } : undefined), async (host) => {
      const root = newRoot();
      const r = await mrAsync(root, ['pull', '-q', `${host}/test/layered:amd64`]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.ms).toBeGreaterThanOrEqual(1000);
    });
  });
});

describe('bad content', () => {
  it('a flipped byte in the image config: digest mismatch, one line, nothing stored', async () => {
    await withProxy((p) => (p.endsWith(configDigest) ? { kind: 'flip', at: 10 } : undefined), async (host) => {
      const root = newRoot();
      const r = await mrAsync(root, ['pull', `${host}/test/layered:amd64`]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^mini-run: .*image config sha256:[0-9a-f]{12}: digest mismatch: the content hashes to sha256:[0-9a-f]{64}, not sha256:[0-9a-f]{64}\n$/);
      expectNothingStored(root);
    });
  });

  it('a flipped byte in a layer: one clear line, exit 1, no image and nothing of the bad layer; the next pull reuses the finished layers', async () => {
    let root = '';
    let kept: string[] = [];
    await withProxy((p) => (p.endsWith(layerDigest) ? { kind: 'flip', at: layerSize - 3 } : undefined), async (host) => {
      root = newRoot();
      const r = await mrAsync(root, ['pull', `${host}/test/layered:amd64`]);
      expect(r.status).toBe(1);
      expect(r.stderr.split('\n')).toHaveLength(2);
      expect(r.stderr).toMatch(new RegExp(`^mini-run: layer ${layerDigest.slice(0, 19)}: (digest mismatch|corrupt or truncated gzip data)`));
      expect(list(join(root, 'images'))).toEqual([]);
      expect(list(join(root, 'blobs/sha256'))).not.toContain(layerDigest.slice(7));
      expectBlobsVerified(root); // only whole, verified blobs; nothing in tmp
      kept = list(join(root, 'blobs/sha256')).map((h) => `sha256:${h}`);
    });
    // Issue 21: the layers that were complete are kept; the next pull fetches only the rest.
    await withProxy(() => undefined, async (host, log) => {
      const r = await mrAsync(root, ['pull', `${host}/test/layered:amd64`]);
      expect(r.status, r.stderr).toBe(0);
      const fetched = log.filter((l) => l.startsWith('GET') && l.includes('/blobs/')).map((l) => l.slice(l.lastIndexOf('/') + 1));
      expect(fetched).toContain(layerDigest);
      for (const d of kept) expect(fetched).not.toContain(d);
      expect(r.stdout.split('\n').filter((l) => l.endsWith('Already exists'))).toHaveLength(kept.length);
      expectBlobsVerified(root);
    });
  });

  it('an oversized manifest is refused (4 MiB limit)', async () => {
    const big = Buffer.alloc(5 << 20, ' ');
    Buffer.from('{"schemaVersion":2,"layers":[]').copy(big);
    big[big.length - 1] = '}'.charCodeAt(0);
    const manifest = (p: string) => p.includes('/manifests/');
    await withProxy((p) => (manifest(p) ? { kind: 'status', status: 200, headers: { 'Content-Type': MANIFEST }, body: big } : undefined), async (host) => {
      const root = newRoot();
      const r = await mrAsync(root, ['pull', `${host}/test/layered:amd64`]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`mini-run: manifest for ${host}/test/layered:amd64: oversized (more than 4194304 bytes)\n`);
      expectNothingStored(root);
    });
  });

  it('a schema-1 manifest and an unknown media type: one clear line each', async () => {
    const schema1 = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'test/layered', tag: 'amd64', fsLayers: [], history: [] }));
    const artifact = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.artifact.manifest.v1+json', blobs: [] }));
    for (const [body, type, msg] of [
      [schema1, 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'unsupported manifest format: Docker Image Manifest Version 2, Schema 1 is deprecated and not supported'],
      [artifact, 'application/vnd.oci.artifact.manifest.v1+json', 'unsupported manifest media type "application/vnd.oci.artifact.manifest.v1+json"'],
    ] as const) {
      await withProxy((p) => (p.includes('/manifests/') ? { kind: 'status', status: 200, headers: { 'Content-Type': type }, body } : undefined), async (host) => {
        const root = newRoot();
        const r = await mrAsync(root, ['pull', `${host}/test/layered:amd64`]);
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`^mini-run: manifest for ${host}/test/layered:amd64: ${msg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\n$`));
        expectNothingStored(root);
      });
    }
  });
});

describe('a pull killed (SIGKILL) part-way (issue 21)', () => {
  const layersIn = (root: string) => list(join(root, 'layers')).filter((x) => x !== 'l');
  const until = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 30_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  // Where the pull is when it dies: the proxy holds one response back (after N bytes) and the
  // pull is killed once it is there (for a layer, once the other layers are in the store, so
  // the kill lands while the pull waits, not in the middle of storing one of them).
  const points: Array<{ name: string; hold: (p: string) => number | undefined; also?: (root: string) => boolean }> = [
    { name: 'while fetching the manifest', hold: (p) => (p.includes('/manifests/') ? 0 : undefined) },
    { name: 'while fetching the image config', hold: (p) => (p.endsWith(configDigest) ? 0 : undefined) },
    { name: 'half-way through the biggest layer', hold: (p) => (p.endsWith(layerDigest) ? Math.floor(layerSize / 2) : undefined), also: (root) => layersIn(root).length >= 2 },
    { name: 'with the other layers stored, the last not started', hold: (p) => (p.endsWith(layerDigest) ? 0 : undefined), also: (root) => layersIn(root).length >= 2 },
  ];
  for (const point of points) {
    it(`killed ${point.name}: only whole, verified blobs and layers are left; the next pull fetches only the rest`, async () => {
      const root = newRoot();
      let held = false;
      await withProxy((p) => {
        const after = point.hold(p);
        return after === undefined ? undefined : { kind: 'stall', after, onStall: () => { held = true; } };
      }, async (host) => {
        const child = spawn(process.execPath, [BIN, '--root', root, 'pull', `${host}/test/layered:amd64`], { stdio: 'ignore' });
        const exited = new Promise((r) => child.once('exit', r));
        await until(() => held && (point.also?.(root) ?? true), point.name);
        child.kill('SIGKILL');
        await exited;
      });
      // Nothing half-written where it counts: no image; each blob hashes to its name; each
      // layer directory is complete (its layer.json is written last, inside staging).
      expect(list(join(root, 'images'))).toEqual([]);
      for (const name of list(join(root, 'blobs/sha256'))) {
        expect(createHash('sha256').update(readFileSync(join(root, 'blobs/sha256', name))).digest('hex')).toBe(name);
      }
      for (const l of layersIn(root)) expect(existsSync(join(root, 'layers', l, 'layer.json'))).toBe(true);
      const keptLayers = layersIn(root).length;
      if (point.also) expect(keptLayers).toBeGreaterThanOrEqual(2);
      const kept = list(join(root, 'blobs/sha256')).map((h) => `sha256:${h}`);

      await withProxy(() => undefined, async (host, log) => {
        const r = await mrAsync(root, ['pull', `${host}/test/layered:amd64`]);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        const fetched = log.filter((l) => l.startsWith('GET') && l.includes('/blobs/')).map((l) => l.slice(l.lastIndexOf('/') + 1));
        for (const d of kept) expect(fetched).not.toContain(d);
        expect(r.stdout.split('\n').filter((l) => l.endsWith('Already exists'))).toHaveLength(keptLayers);
        const inspect = await mrAsync(root, ['image', 'inspect', '--format', '{{len .RootFS.Layers}}', `${host}/test/layered:amd64`]);
        expect(inspect.stdout).toBe('3\n');
      });
      // The dead pull's staging directory is swept by the next pull: the store is clean.
      expectBlobsVerified(root);
    });
  }
});

describe('multi-platform index', () => {
  it('picks the host platform (amd64), skipping the attestation entry', async () => {
    const root = newRoot();
    const r = await mrAsync(root, ['pull', '-q', `${reg.host}/test/layered:multi`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const doc = JSON.parse((await mrAsync(root, ['image', 'inspect', `${reg.host}/test/layered:multi`])).stdout)[0];
    expect(doc.Architecture).toBe('amd64');
    // the RepoDigest is the index's digest, as in docker
    const idx = await rawGet(`${reg.url}/v2/test/layered/manifests/multi`, 'application/vnd.oci.image.index.v1+json');
    expect(doc.RepoDigests).toEqual([`${reg.host}/test/layered@${idx.headers['docker-content-digest']}`]);
  });

  it('--platform linux/arm64 picks the other one', async () => {
    const root = newRoot();
    const r = await mrAsync(root, ['pull', '-q', '--platform', 'linux/arm64', `${reg.host}/test/layered:multi`]);
    expect(r.status).toBe(0);
    const doc = JSON.parse((await mrAsync(root, ['image', 'inspect', `${reg.host}/test/layered:multi`])).stdout)[0];
    expect(doc.Architecture).toBe('arm64');
  });

  it('a platform the index does not have: one line listing what it has, exit 1', async () => {
    const root = newRoot();
    const r = await mrAsync(root, ['pull', '--platform', 'linux/s390x', `${reg.host}/test/layered:multi`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`mini-run: manifest for ${reg.host}/test/layered:multi: no matching manifest for linux/s390x in the manifest list entries (have: linux/arm64, linux/amd64)\n`);
    expectNothingStored(root);
  });
});
