/** Lesson 12: images — manifest, config and layers, each named by the sha256 of its bytes; the registry API. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Lesson } from '../lesson';
import { readHostFile } from '../lab';
import { paths } from '../../paths';
import { blobPath } from '../../image/content-store';
import { findImage } from '../../image/store';
import { rootMountFact } from '../../engine/live-facts';

const hex = (digest: string) => digest.replace(/^sha256:/, '');
const short = (digest: string) => `${hex(digest).slice(0, 12)}…`;

/** sha256 of a file's bytes, as "sha256:<hex>" ('' when it cannot be read). */
function fileDigest(path: string): string {
  try {
    return `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
  } catch {
    return '';
  }
}

/** The config's rootfs.diff_ids (bottom layer first), or [] if the blob is not an image config. */
function configDiffIds(configText: string): string[] {
  try {
    const ids = (JSON.parse(configText) as { rootfs?: { diff_ids?: unknown } }).rootfs?.diff_ids;
    return Array.isArray(ids) ? ids.map(String) : [];
  } catch {
    return [];
  }
}

export const imagesLesson: Lesson = {
  slug: 'images',
  title: 'Images: manifest, config, layers and the registry',
  goal: 'An image is three kinds of documents, each named by the sha256 of its bytes',
  about: [
    'An image is not a file but a small graph of documents ("blobs"). The manifest lists the config and the layers, each by digest, media type and size. The config holds the defaults for a container (Env, Cmd, WorkingDir…), the history, and rootfs.diff_ids: the digests of the layers\' uncompressed tars, bottom first. Each layer is a tar of files (usually gzipped when it travels), unpacked once into a directory that every container of the image shares (lesson 5).',
    'Every blob is named by its digest: "sha256:" + the SHA-256 of its exact bytes. So a name cannot lie — anyone can recompute it — and equal content is stored once. The image ID is the config\'s digest; the manifest\'s digest is what `NAME@sha256:…` pins. mini-run keeps the blobs in $ROOT/blobs/sha256/<hex> and the unpacked layers in $ROOT/layers/<diff_id hex>/fs.',
    'A registry serves the same documents over HTTP (the OCI distribution API): GET /v2/NAME/manifests/REF (a tag or a digest; the Accept header lists the manifest types the client understands — for a multi-platform tag the answer is an index, a list of manifests, one per platform), then GET /v2/NAME/blobs/DIGEST for the config and each layer. The client checks each blob against its digest before using it. `mini-run --trace pull IMAGE` prints each of these requests.',
  ],
  calls: {
    run: ['--network', 'none', '{image}', 'true'],
    show: /chdir\("\$ROOT\/layers\/l"\)|mount\("overlay"/,
    note: 'The run finds the image\'s layers by their diff_ids and hands them to overlay by short link names in $ROOT/layers/l (each a symlink to ../<diff_id hex>/fs). With a registry at hand, `mini-run --trace pull busybox` shows the other half: "registry: GET https://…/v2/library/busybox/manifests/latest", then …/blobs/sha256:… for the config and each layer.',
  },
  experiment: {
    intro: 'The image\'s documents as the content store holds them, the digests recomputed with `sha256sum` on the host (and what one more byte does to a digest), and the layers a running container\'s overlay really uses.',
    run: (lab) => {
      const img = findImage(lab.image);
      if (!img) return [{ title: 'image', text: `no image ${lab.image} in the store` }];
      const blobs = paths.blobs();
      return [
        {
          title: 'manifest → config → layers',
          text: `$ mini-run image inspect -f '{{.Id}}' ${lab.image}\n${lab.mr(['image', 'inspect', '-f', '{{.Id}}', lab.image]).stdout}` +
            lab.host(`cat ${blobs}/${hex(img.manifestDigest)}; echo`) +
            lab.host(`cat ${blobs}/${hex(img.id)}; echo`),
        },
        {
          title: 'each name is the sha256 of its bytes',
          text: lab.host(`cd ${blobs} && sha256sum ${[img.manifestDigest, img.id, ...img.layerBlobs].map(hex).join(' ')} | awk '{print substr($2,1,12), "hashes to", substr($1,1,12)}'`) +
            [['manifest', img.manifestDigest], ['config = image ID', img.id], ...img.layerBlobs.map((d) => ['layer', d])]
              .map(([what, d]) => `# ${what} ${short(d)} ${fileDigest(blobPath(d)) === d ? '✓' : '✗ MISMATCH'}`).join('\n') + '\n' +
            (img.layerBlobs.some((b, i) => b !== img.layers[i]) ? '# (a gzipped layer blob has another digest than its diff_id: the diff_id is the sha256 of the unpacked tar)\n' : '') +
            lab.host(`(cat ${blobs}/${hex(img.id)}; echo) | sha256sum | cut -c1-12`) +
            '# one byte more: another digest\n',
        },
        {
          title: "a container's layers",
          text: lab.withContainer(['--network', 'none', lab.image, 'sleep', '3600'], (c) => {
            const root = rootMountFact(c.pid);
            return `$ mini-run inspect -f '{{.Image}}' ${c.name}\n${lab.mr(['inspect', '-f', '{{.Image}}', c.name]).stdout}` +
              lab.host(`grep -o 'lowerdir=[^,]*' /proc/${c.pid}/mountinfo | head -1`) +
              root.lowerdirs.map((l) => lab.host(`readlink ${l.given.startsWith('/') ? l.given : `${paths.layerLinks()}/${l.given}`}`)).join('');
          }),
        },
      ];
    },
    conclusion: 'The manifest names the config and the layer by digest; the config\'s digest is the image ID, and its rootfs.diff_ids name the layer. sha256sum of every blob gives back its file name — and a single added byte gives a completely different digest, which is how a pull detects a corrupted or altered download. The container\'s overlay lowerdir is a short link to $ROOT/layers/<diff_id>/fs: the layer named in the config.',
  },
  exercise: {
    run: ['--network', 'none', '{image}', 'sleep', '3600'],
    tryThis: [
      'on the host: mini-run image inspect mini-run/busybox; mini-run history mini-run/busybox',
      'on the host: ls -l $ROOT/blobs/sha256 $ROOT/layers   ($ROOT: --root, or /var/lib/mini-run)',
      'on the host: sha256sum $ROOT/blobs/sha256/*          # every name is its content\'s digest',
      'on the host: mini-run inspect -f "{{.Image}} {{.GraphDriver.Data.LowerDir}}" mr-lesson-images',
      'with a registry reachable: mini-run --trace pull busybox 2>&1 | grep "registry:"',
      'by hand: curl -s -H "Accept: application/vnd.oci.image.index.v1+json" https://REGISTRY/v2/NAME/manifests/TAG (plus a token on Docker Hub)',
    ],
  },
  check: {
    fact: "The container's / stacks exactly its image's layers (the config's rootfs.diff_ids, and the config's sha256 is the image ID) under a writable layer of its own",
    counterExample: ['--network', 'none', '--read-only', '{image}', 'sleep', '3600'],
    verify: (lab, c) => {
      const imageId = lab.mr(['inspect', '-f', '{{.Image}}', c.name]).stdout.trim();
      const config = readHostFile(blobPath(imageId));
      const computed = fileDigest(blobPath(imageId));
      const diffIds = configDiffIds(config);
      const root = rootMountFact(c.pid);
      const mounted = root.lowerdirs.map((l) => l.diffId ?? l.path).reverse(); // overlay lists the top layer first
      const sameLayers = diffIds.length > 0 && mounted.length === diffIds.length && mounted.every((d, i) => d === diffIds[i]);
      const ownUpper = root.fstype === 'overlay' && !!root.upperdir?.startsWith(paths.container(c.id)) && !root.readonly;
      return {
        ok: computed === imageId && sameLayers && ownUpper,
        evidence: `image ID ${imageId}\nsha256 of its config blob ${computed || '(cannot read it)'}${computed === imageId ? ' (the same)' : ' (DIFFERENT)'}\n` +
          `config rootfs.diff_ids (bottom first): ${diffIds.map(short).join(' ') || '(none)'}\n` +
          `overlay lowerdirs of / (bottom first):  ${mounted.map((d) => (d.startsWith('sha256:') ? short(d) : d)).join(' ') || '(none)'}${sameLayers ? ' (the same)' : ' (DIFFERENT)'}\n` +
          `writable layer: ${ownUpper ? root.upperdir : root.readonly ? 'none: / is mounted READ-ONLY (--read-only)' : `(not the container's own: ${root.upperdir ?? 'none'})`}`,
      };
    },
  },
};
