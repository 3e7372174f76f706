/** Lesson 5: overlayfs — read-only image layers, a writable layer on top, copy-up and whiteouts. */
import type { Lesson } from '../lesson';
import { paths } from '../../paths';
import { rootMountFact } from '../../engine/live-facts';
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a layer directory holds, one entry per line: files with their size, directories,
 * symlinks, and whiteouts (the character device 0/0 overlayfs uses for "deleted").
 * `only` limits it to a few paths (the image layer is big).
 */
function describeTree(dir: string, only?: string[]): string {
  const lines: string[] = [];
  const visit = (rel: string) => {
    const st = lstatSync(join(dir, rel));
    if (st.isCharacterDevice() && st.rdev === 0) lines.push(`${rel}  whiteout (char device 0/0)`);
    else if (st.isSymbolicLink()) lines.push(`${rel} -> ${readlinkSync(join(dir, rel))}`);
    else if (st.isDirectory()) {
      if (rel) lines.push(`${rel}/`);
      if (!only) for (const n of readdirSync(join(dir, rel)).sort()) visit(rel ? `${rel}/${n}` : n);
    } else lines.push(`${rel}  ${st.size} bytes`);
  };
  for (const p of only ?? ['']) {
    try {
      visit(p);
    } catch {
      lines.push(`${p}  (not there)`);
    }
  }
  return lines.join('\n');
}

export const overlayLesson: Lesson = {
  slug: 'overlayfs',
  title: 'overlayfs: image layers, copy-up and whiteouts',
  goal: "The container's / is the image's read-only layers with one writable layer on top",
  about: [
    "An image is a stack of layers, each a directory of files. overlayfs shows several directories as one: the lower dirs (the image's layers, read-only, shared by every container of the image) and one upper dir (this container's own, writable). A name is looked up in the upper dir first, then down the layers.",
    'Writing to a file that lives in a lower layer first copies it up into the upper dir (copy-up); the layer itself never changes. Deleting a file that a lower layer has puts a whiteout in the upper dir: a character device 0/0 with that name, which hides the one below. `mini-run diff` just reads the upper dir: added and changed files are A and C, whiteouts are D.',
  ],
  calls: {
    run: ['--network', 'none', '{image}', 'true'],
    show: /"overlay"|layers\/l/,
    note: 'One mount(2) call: lowerdir= the image layers (short names, relative to $ROOT/layers/l, to fit the one-page option limit), upperdir= and workdir= in the container\'s own directory.',
  },
  experiment: {
    intro: 'A container that adds /hello, appends to /etc/group (a file of the image) and deletes /linuxrc. Then: what `diff` says, what the upper dir holds on the host, and the image layer, untouched.',
    run: (lab) => lab.withContainer(['--network', 'none', lab.image, 'sh', '-c', 'echo hi > /hello; echo lesson:x:4242: >> /etc/group; rm /linuxrc; sleep 3600'], (c) => {
      // the container's shell writes, then deletes: wait (up to 5 s) until it got that far
      lab.exec(c.name, ['sh', '-c', 'i=0; while [ -e /linuxrc ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done']);
      const root = rootMountFact(c.pid);
      const upper = root.upperdir ?? `${paths.container(c.id)}/upper`;
      const lower = root.lowerdirs[0]?.path ?? '';
      const short = (s: string) => s.split(paths.root()).join('$ROOT').replace(c.id, c.id.slice(0, 12));
      return [
        { title: 'mini-run diff', text: `$ mini-run diff ${c.name}\n${lab.mr(['diff', c.name]).stdout}` },
        { title: "upper dir: the container's layer", text: `# ${short(upper)}\n${describeTree(upper)}` },
        { title: 'lower dir: the image layer', text: `# ${short(lower)}\n${describeTree(lower, ['linuxrc', 'etc/group'])}` },
      ];
    }),
    conclusion: "/hello exists only in the upper dir. /etc/group was copied up whole before the append. /linuxrc is still in the image layer, hidden by a whiteout (a 0/0 character device) in the upper dir. Every other container of this image still sees the layer as it was.",
  },
  exercise: {
    run: ['--network', 'none', '{image}', 'sleep', '3600'],
    tryThis: [
      'echo hello > /hello; rm /bin/vi; echo x >> /etc/passwd',
      'then on the host: mini-run diff mr-lesson-overlayfs',
      'and: ls -l $(mini-run inspect -f "{{.GraphDriver.Data.UpperDir}}" mr-lesson-overlayfs)',
      'cat /proc/self/mountinfo | head -1      # the overlay and its options',
    ],
  },
  check: {
    fact: "The container's / is an overlay: the image's layers below, its own writable layer on top",
    counterExample: ['--network', 'none', '--read-only', '{image}', 'sleep', '3600'],
    verify: (_lab, c) => {
      const root = rootMountFact(c.pid);
      const own = paths.container(c.id);
      const ok = root.fstype === 'overlay' && !!root.upperdir?.startsWith(own) && root.lowerdirs.length > 0 && root.lowerdirs.every((l) => !l.path.startsWith(own)) && !root.readonly;
      const layers = root.lowerdirs.map((l) => `  lower: ${l.diffId ?? l.path}`).join('\n');
      return { ok, evidence: `/ is ${root.fstype} (${root.source}), ${root.readonly ? 'mounted READ-ONLY (--read-only)' : 'writable'}\n${layers}\n  upper: ${root.upperdir ?? '(none)'}` };
    },
  },
};
