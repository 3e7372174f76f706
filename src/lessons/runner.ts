/**
 * Walks a learner through one lesson (see lesson.ts for its five steps), printing as it goes.
 * With `pause`, it waits for Enter between steps and opens a shell in the exercise container;
 * without (`--no-pause`, scripts and tests), it runs straight through and only checks.
 */
import { readSync } from 'node:fs';
import { stateRoot } from '../paths';
import type { CheckResult, CheckTarget, Column, Lesson } from './lesson';
import type { Lab } from './lab';
import { shellLine } from '../sys/trace';

export interface LessonRunOptions {
  /** Wait for Enter between steps, and open a shell for the exercise. */
  interactive: boolean;
  /** Where the lesson is printed. */
  write: (text: string) => void;
  /** Terminal width for the side-by-side evidence. */
  width: number;
}

/** The learner pressed q: stop the lesson (its containers are still cleaned up). */
export class QuitLesson extends Error {}

/** The name of the container a lesson starts for its exercise. */
function exerciseContainerName(lesson: Lesson): string {
  return `mr-lesson-${lesson.slug}`;
}

/** Run one lesson from start to end. Returns its check's result. */
export function runLesson(lesson: Lesson, number: number, lab: Lab, opts: LessonRunOptions): CheckResult {
  const { write } = opts;
  const step = (n: number, title: string) => write(`\n── ${n}. ${title} ${'─'.repeat(Math.max(0, Math.min(opts.width, 100) - title.length - 8))}\n\n`);
  const pause = () => { if (opts.interactive) waitForEnter(write); };

  write(`Lesson ${number}: ${lesson.title}\n`);
  step(1, 'What it is');
  for (const p of lesson.about) write(wrap(p, Math.min(opts.width, 100)) + '\n\n');
  pause();

  step(2, 'What mini-run calls for it (from --trace)');
  const traced = withImage(lesson.calls.run, lab.image);
  write(`$ ${shellLine(['mini-run', '--trace', 'run', '--rm', ...traced])}\n`);
  write(traceLines(lab, traced, lesson.calls.show).join('\n') + '\n\n');
  write(wrap(lesson.calls.note, Math.min(opts.width, 100)) + '\n');
  pause();

  step(3, 'Experiment: off, then on');
  write(wrap(lesson.experiment.intro, Math.min(opts.width, 100)) + '\n\n');
  write(renderColumns(lesson.experiment.run(lab), opts.width));
  write('\n' + wrap(lesson.experiment.conclusion, Math.min(opts.width, 100)) + '\n');
  pause();

  step(4, 'Exercise');
  const name = exerciseContainerName(lesson);
  const exerciseArgs = withImage(lesson.exercise.run, lab.image);
  write(`$ ${shellLine(['mini-run', 'run', '-d', '--name', name, ...exerciseArgs])}\n`);
  const target = lab.start(name, exerciseArgs);
  try {
    write(`Try this inside it${opts.interactive ? ' (the shell below; `exit` when done)' : ` (mini-run exec -it ${name} sh)`}:\n`);
    for (const t of lesson.exercise.tryThis) write(`  ${t}\n`);
    if (opts.interactive) lab.shell(name);

    step(5, 'Check');
    const result = checkContainer(lesson, lab, target);
    write(formatCheck(lesson, result));
    write(`\nTo see this check fail, check a container without the isolation:\n  ${shellLine(['mini-run', 'run', '-d', '--name', 'mr-broken', ...withImage(lesson.check.counterExample, lab.image)])}\n  mini-run lesson ${lesson.slug} --check mr-broken; mini-run rm -f mr-broken\n`);
    return result;
  } finally {
    lab.remove(name);
  }
}

/** Lessons write `{image}` where the image goes (mini-run/busybox unless --image says otherwise). */
function withImage(args: readonly string[], image: string): string[] {
  return args.map((a) => (a === '{image}' ? image : a));
}

/** The lesson's check on any running container (the learner's own, with `--check NAME`). */
export function checkContainer(lesson: Lesson, lab: Lab, target: CheckTarget): CheckResult {
  try {
    return lesson.check.verify(lab, target);
  } catch (err) {
    return { ok: false, evidence: `could not read the container: ${(err as Error).message}` };
  }
}

export function formatCheck(lesson: Lesson, r: CheckResult): string {
  const evidence = r.evidence.trimEnd().split('\n').map((l) => `    ${l}\n`).join('');
  return `${r.ok ? '✓ PASS' : '✗ FAIL'}  ${lesson.check.fact}\n${evidence}`;
}

/**
 * Run the lesson's command with --trace and keep the lines it is about. Paths under the state
 * root and container ids are shortened so the calls themselves stand out.
 */
function traceLines(lab: Lab, runArgs: readonly string[], show: RegExp): string[] {
  const r = lab.mr(['--trace', 'run', '--rm', ...runArgs]);
  const root = stateRoot();
  const lines = r.stderr.split('\n')
    .filter((l) => /^\[(run|init|shim|exec)\]/.test(l))
    .map((l) => l.split(root).join('$ROOT').replace(/\b[0-9a-f]{64}\b/g, '<id>'))
    .filter((l) => show.test(l));
  const max = 24;
  if (lines.length > max) return [...lines.slice(0, max), `  … and ${lines.length - max} more (run it yourself to see all)`];
  if (!lines.length) return [`  (no matching trace lines: the run said ${JSON.stringify((r.stderr.split('\n').find((l) => l.startsWith('mini-run:')) ?? '').slice(0, 200))})`];
  return lines;
}

/**
 * Columns side by side when they fit, each line wrapped inside its column; else one after
 * another. Command lines (`$ …`) too long for a column are listed in full above the table and
 * stand in it as `$ [1]`, `$ [2]`…, so they stay easy to read and retype.
 */
function renderColumns(columns: readonly Column[], width: number): string {
  const gap = ' │ ';
  const colWidth = Math.floor((width - gap.length * (columns.length - 1)) / columns.length);
  if (colWidth < 28) {
    return columns.map((c) => `${c.title}\n${'─'.repeat(Math.min(c.title.length, width))}\n${c.text.trimEnd()}\n`).join('\n');
  }
  const commands: string[] = [];
  const shorten = (line: string) => {
    if (!line.startsWith('$ ') || line.length <= colWidth) return line;
    commands.push(line.slice(2));
    return `$ [${commands.length}]`;
  };
  const cells = columns.map((c) => [c.title, '─'.repeat(colWidth), ...c.text.trimEnd().split('\n').map(shorten).flatMap((l) => wrapHard(l, colWidth))]);
  const legend = commands.map((cmd, i) => `[${i + 1}] ${cmd}\n`).join('') + (commands.length ? '\n' : '');
  const height = Math.max(...cells.map((c) => c.length));
  let out = legend;
  for (let i = 0; i < height; i++) {
    out += cells.map((c) => pad(c[i] ?? '', colWidth)).join(gap).trimEnd() + '\n';
  }
  return out;
}

function pad(s: string, width: number): string {
  const n = [...s].length;
  return n >= width ? s : s + ' '.repeat(width - n);
}

/** Cut a line into pieces of at most `width` characters (for columns; continuation indented). */
function wrapHard(line: string, width: number): string[] {
  const chars = [...line.replace(/\t/g, '  ')];
  if (chars.length <= width) return [chars.join('')];
  const out = [chars.slice(0, width).join('')];
  for (let i = width; i < chars.length; i += width - 2) out.push('  ' + chars.slice(i, i + width - 2).join(''));
  return out;
}

/** Word-wrap a paragraph. */
export function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/** Wait for Enter on stdin (q + Enter quits). End of input counts as Enter. */
function waitForEnter(write: (s: string) => void): void {
  write('\n[Enter: go on, q: quit] ');
  const buf = Buffer.alloc(64);
  let answer = '';
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return;
    }
    if (n === 0) return;
    answer += buf.subarray(0, n).toString();
    if (answer.includes('\n')) break;
  }
  if (answer.trim().toLowerCase() === 'q') throw new QuitLesson();
}
