/**
 * The lessons, in the order they build on each other: first what a process is, then each
 * isolation primitive one at a time, then limits, privileges, where images come from, the
 * runtime that turns a bundle into a process, what confines it further (seccomp, devices), and
 * how a Dockerfile becomes an image (build), and the user namespace that makes container root
 * nobody on the host.
 */
import type { Lesson } from '../lesson';
import { processLesson } from './01-process';
import { chrootLesson } from './02-chroot';
import { mountNamespaceLesson } from './03-mount-namespace';
import { pivotRootLesson } from './04-pivot-root';
import { overlayLesson } from './05-overlayfs';
import { utsLesson } from './06-uts';
import { pidLesson } from './07-pid';
import { ipcLesson } from './08-ipc';
import { networkLesson } from './09-network';
import { cgroupsLesson } from './10-cgroups';
import { capabilitiesLesson } from './11-capabilities';
import { imagesLesson } from './12-images';
import { runtimeLesson } from './13-runtime';
import { seccompLesson } from './14-seccomp';
import { devicesLesson } from './15-devices';
import { buildLesson } from './16-build';
import { usernsLesson } from './17-userns';

export const LESSONS: readonly Lesson[] = [
  processLesson,
  chrootLesson,
  mountNamespaceLesson,
  pivotRootLesson,
  overlayLesson,
  utsLesson,
  pidLesson,
  ipcLesson,
  networkLesson,
  cgroupsLesson,
  capabilitiesLesson,
  imagesLesson,
  runtimeLesson,
  seccompLesson,
  devicesLesson,
  buildLesson,
  usernsLesson,
];

/** A lesson by number (1-based) or slug; null when there is none. */
export function findLesson(which: string): { lesson: Lesson; number: number } | null {
  const n = Number(which);
  if (Number.isInteger(n) && n >= 1 && n <= LESSONS.length) return { lesson: LESSONS[n - 1], number: n };
  const i = LESSONS.findIndex((l) => l.slug === which);
  return i === -1 ? null : { lesson: LESSONS[i], number: i + 1 };
}
