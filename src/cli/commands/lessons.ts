/**
 * `mini-run lessons` (the list, with done marks) and `mini-run lesson N` (walk through one).
 * The lessons themselves are in src/lessons/.
 */
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { PARSER_CONFIG } from '../args';

const DEFAULT_IMAGE = 'mini-run/busybox';

export const lessonsCommand: CommandModule<object, object> = {
  command: 'lessons',
  describe: 'List the lessons: container isolation one primitive at a time',
  handler: async () => {
    const { LESSONS } = await import('../../lessons/catalog');
    const { loadProgress } = await import('../../lessons/progress');
    const done = loadProgress().done;
    const width = Math.max(...LESSONS.map((l) => l.slug.length));
    let out = '';
    LESSONS.forEach((l, i) => {
      out += `${done[l.slug] ? '[x]' : '[ ]'} ${String(i + 1).padStart(2)}  ${l.slug.padEnd(width)}  ${l.goal}\n`;
    });
    const n = Object.keys(done).filter((s) => LESSONS.some((l) => l.slug === s)).length;
    out += `\n${n} of ${LESSONS.length} done. Start with: mini-run lesson 1   (Enter goes on; --no-pause runs straight through)\n`;
    process.stdout.write(out);
  },
};

interface LessonArgs { which: string; 'no-pause'?: boolean; check?: string; image?: string }

export const lessonCommand: CommandModule<object, LessonArgs> = {
  command: 'lesson <which>',
  describe: 'Walk through one lesson (a number or a name from `mini-run lessons`)',
  builder: (y) => y
    .parserConfiguration(PARSER_CONFIG)
    .positional('which', { type: 'string', describe: 'lesson number or name' })
    .option('no-pause', { type: 'boolean', describe: "don't wait for Enter and don't open a shell (for scripts)" })
    .option('check', { type: 'string', describe: "only run the lesson's check, on your own running container" })
    .option('image', { type: 'string', describe: 'image for the experiments', default: DEFAULT_IMAGE }) as any,
  handler: async (a) => {
    const { findLesson } = await import('../../lessons/catalog');
    const { Lab } = await import('../../lessons/lab');
    const { runLesson, checkContainer, formatCheck, QuitLesson } = await import('../../lessons/runner');
    const { markDone } = await import('../../lessons/progress');
    const found = findLesson(String(a.which));
    if (!found) throw new UserError(`no lesson "${a.which}": see mini-run lessons`, 125);
    const { lesson, number } = found;
    const lab = new Lab(a.image ?? DEFAULT_IMAGE);
    const write = (s: string) => { process.stdout.write(s); };

    let result;
    if (a.check !== undefined) {
      // The learner's own container: just the check.
      const target = lab.target(a.check);
      write(`Lesson ${number} (${lesson.slug}), check on container ${a.check}:\n`);
      result = checkContainer(lesson, lab, target);
      write(formatCheck(lesson, result));
    } else {
      const onSignal = () => { lab.cleanUp(); process.exit(130); };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        result = runLesson(lesson, number, lab, {
          interactive: !a['no-pause'] && !!process.stdin.isTTY,
          write,
          width: Math.max(60, Math.min(process.stdout.columns || Number(process.env.COLUMNS) || 120, 160)),
        });
      } catch (e) {
        if (e instanceof QuitLesson) return;
        throw new UserError(`lesson ${number}: ${(e as Error).message}`, 125);
      } finally {
        lab.cleanUp();
      }
    }
    if (result.ok) markDone(lesson.slug);
    else process.exitCode = 1;
  },
};
