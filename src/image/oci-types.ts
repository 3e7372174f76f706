/**
 * The JSON documents of the OCI image spec (and docker's archive manifest), as zod schemas:
 * everything read from an archive, a registry or the store is validated before use.
 */
import { z } from 'zod';
import { UserError } from '../errors';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

export const INDEX_MEDIA_TYPES = new Set<string>([MEDIA.ociIndex, MEDIA.dockerManifestList]);
export const MANIFEST_MEDIA_TYPES = new Set<string>([MEDIA.ociManifest, MEDIA.dockerManifest]);

export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
export const ANNOTATION_CONTAINERD_NAME = 'io.containerd.image.name';

const Digest = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'must be a sha256 digest');

export const Platform = z.object({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
}).passthrough();

export const Descriptor = z.object({
  mediaType: z.string(),
  digest: Digest,
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string()).nullish(),
  platform: Platform.optional(),
  urls: z.array(z.string()).nullish(),
}).passthrough();
export type Descriptor = z.infer<typeof Descriptor>;

export const ImageIndex = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(Descriptor),
  annotations: z.record(z.string()).nullish(),
}).passthrough();
export type ImageIndex = z.infer<typeof ImageIndex>;

export const ImageManifest = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: Descriptor,
  layers: z.array(Descriptor),
  annotations: z.record(z.string()).nullish(),
}).passthrough();
export type ImageManifest = z.infer<typeof ImageManifest>;

const StringList = z.array(z.string()).nullish();
const ObjectSet = z.record(z.object({}).passthrough()).nullish();

/** The `config` object inside an image config (docker's container defaults). */
export const ContainerConfig = z.object({
  User: z.string().nullish(),
  ExposedPorts: ObjectSet,
  Env: StringList,
  Entrypoint: StringList,
  Cmd: StringList,
  Volumes: ObjectSet,
  WorkingDir: z.string().nullish(),
  Labels: z.record(z.string()).nullish(),
  StopSignal: z.string().nullish(),
  ArgsEscaped: z.boolean().nullish(),
  Healthcheck: z.unknown().optional(),
  OnBuild: StringList,
  Shell: StringList,
}).passthrough();
export type ContainerConfig = z.infer<typeof ContainerConfig>;

export const ImageConfigFile = z.object({
  created: z.string().nullish(),
  author: z.string().nullish(),
  architecture: z.string(),
  os: z.string(),
  variant: z.string().nullish(),
  config: ContainerConfig.nullish(),
  rootfs: z.object({ type: z.literal('layers'), diff_ids: z.array(Digest) }),
  history: z.array(z.object({}).passthrough()).nullish(),
}).passthrough();
export type ImageConfigFile = z.infer<typeof ImageConfigFile>;

export const OciLayout = z.object({ imageLayoutVersion: z.string() }).passthrough();

/** `docker save`'s manifest.json. */
export const DockerArchiveManifest = z.array(z.object({
  Config: z.string(),
  RepoTags: z.array(z.string()).nullish(),
  Layers: z.array(z.string()),
}).passthrough());

/** JSON.parse + zod, with a one-line error naming the document. */
export function parseJson<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, data: Buffer | string, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(data.toString());
  } catch {
    throw new UserError(`${what}: not valid JSON`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new UserError(`${what}: invalid ${issue.path.length ? `field "${issue.path.join('.')}"` : 'document'}: ${issue.message}`);
  }
  return r.data;
}

/** The OCI architecture name of this host (Node's process.arch → GOARCH). */
export function hostArchitecture(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };
  return map[process.arch] ?? process.arch;
}
