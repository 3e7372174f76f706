/**
 * Which lessons the learner has finished: a lesson counts as done when its check passed.
 * Kept in ROOT/lessons/progress.json (one per state root, like everything else).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { stateRoot } from '../paths';
import { writeFileAtomic } from '../fsutil';
import { isoTime } from '../utc-time';

const Progress = z.object({ done: z.record(z.string()) }); // slug → when its check first passed
type Progress = z.infer<typeof Progress>;

function progressFile(): string {
  return join(stateRoot(), 'lessons', 'progress.json');
}

export function loadProgress(): Progress {
  const file = progressFile();
  if (!existsSync(file)) return { done: {} };
  try {
    return Progress.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return { done: {} }; // unreadable: start over rather than fail the lesson list
  }
}

export function markDone(slug: string): void {
  const p = loadProgress();
  if (p.done[slug]) return;
  p.done[slug] = isoTime();
  mkdirSync(join(stateRoot(), 'lessons'), { recursive: true });
  writeFileAtomic(progressFile(), JSON.stringify(p, null, 2) + '\n');
}
