/**
 * `mini-run compare [--engine docker|podman] IMAGE -- CMD…` and `mini-run compare --probe [IMAGE]`:
 * the same container in mini-run and in docker or podman, side by side (src/compare/).
 */
import type { Argv, CommandModule } from 'yargs';
import { UserError } from '../../errors';
import { PARSER_CONFIG } from '../args';

interface CompareArgs { image?: string; cmd?: string[]; probe?: boolean; engine?: string; '--'?: (string | number)[] }

export const compareCommand: CommandModule<object, CompareArgs> = {
  command: 'compare [image] [cmd..]',
  describe: 'Run the same command in mini-run and in docker or podman, and show both outputs side by side',
  builder: ((y: Argv) => y
    .usage('Usage: mini-run compare [--engine docker|podman] IMAGE -- COMMAND [ARG...]\n       mini-run compare --probe [IMAGE]')
    .parserConfiguration({ ...PARSER_CONFIG, 'populate--': true })
    .option('probe', { type: 'boolean', describe: 'run the built-in probes (hostname, PID 1, mounts, /dev, capabilities, cgroup limits, network, env, user) and print a same/different table' })
    .option('engine', { type: 'string', choices: ['docker', 'podman'], describe: 'the other engine (default: $MINI_RUN_COMPARE_ENGINE, else docker if its daemon answers, else podman)' })) as any,
  handler: async (a) => {
    const command = [...(a.cmd ?? []), ...(a['--'] ?? [])].map(String);
    if (!a.probe && !a.image) throw new UserError('compare: an IMAGE is needed (mini-run compare IMAGE -- COMMAND…, or compare --probe)');
    if (a.probe && command.length) throw new UserError('compare --probe runs its own probes: give no COMMAND');
    const { compare } = await import('../../compare/compare');
    const code = await compare({ image: a.image ?? 'mini-run/busybox', command, probe: !!a.probe, engine: a.engine });
    process.exitCode = code;
  },
};
