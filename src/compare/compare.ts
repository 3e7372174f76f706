/**
 * `mini-run compare`: the same container in mini-run and in another engine, side by side.
 *
 *   compare IMAGE -- CMD…     both outputs in two columns, differing lines marked
 *   compare --probe [IMAGE]   the probe set (probes.ts) in both, as a same/different table
 *
 * Both containers run at the same time, each as a plain `run --rm` command line that is
 * printed first, so a learner can retype either one.
 */
import { detectCgroupVersion } from '../runtime/cgroups/detect';
import {
  capture, compareName, ensureImageIn, findEngine, miniRunArgv, otherArgv, prepareEngine, shownCommand, stopRuns,
  type Captured, type OtherEngine,
} from './engines';
import { alignLines, renderSideBySide, terminalWidth, toLines, type Row } from './side-by-side';
import { evaluateProbes, probeRunFlags, probeScript, splitProbeOutput } from './probes';
import { probeSummary, renderProbeTable } from './probe-table';

export interface CompareOptions {
  image: string;
  /** The command to run (empty: the image's default command). Ignored with `probe`. */
  command: string[];
  probe: boolean;
  /** docker or podman; default: MINI_RUN_COMPARE_ENGINE, else whichever answers. */
  engine?: string;
  write?: (s: string) => void;
}

/** Runs the comparison, prints it, returns the exit code: 0 same (or all explained), 1 different. */
export async function compare(opts: CompareOptions): Promise<number> {
  const write = opts.write ?? ((s: string) => { process.stdout.write(s); });
  const engineName = opts.engine ? findEngine(opts.engine) : findEngine(process.env.MINI_RUN_COMPARE_ENGINE || undefined, 'MINI_RUN_COMPARE_ENGINE');
  const otherImage = await ensureImageIn(engineName, opts.image);
  const engine = prepareEngine(engineName, { network: true });
  // Ctrl-C (or a kill): let both `run`s stop and remove their containers, then undo prepareEngine.
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => { stoppedBy = sig; stopRuns(sig); };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const name = compareName();
    const flags = opts.probe ? probeRunFlags() : [];
    const cmd = opts.probe ? ['sh', '-c', probeScript()] : opts.command;
    const miniArgv = miniRunArgv(name, flags, opts.image, cmd);
    const theirArgv = otherArgv(engine, name, flags, otherImage, cmd);
    writeHeader(write, engine, miniArgv, theirArgv, opts.probe);
    const [mini, other] = await Promise.all([capture(miniArgv), capture(theirArgv)]);
    if (stoppedBy) return 128 + (stoppedBy === 'SIGINT' ? 2 : 15);
    return opts.probe ? printProbes(write, engine, mini, other) : printOutputs(write, engine, mini, other);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    engine.cleanup();
  }
}

function writeHeader(write: (s: string) => void, engine: OtherEngine, miniArgv: string[], theirArgv: string[], probe: boolean): void {
  // the probe script is long: show it as a placeholder (`mini-run compare --probe` prints the table, not the script)
  const show = (argv: string[]) => shownCommand(probe ? [...argv.slice(0, -1), '<probe script>'] : argv);
  write(`mini-run: ${show(miniArgv)}\n`);
  write(`${engine.name}:${' '.repeat(Math.max(1, 9 - engine.name.length))}${show(theirArgv)}\n`);
  for (const n of engine.notes) write(`note: ${n}\n`);
  write('\n');
}

function printOutputs(write: (s: string) => void, engine: OtherEngine, mini: Captured, other: Captured): number {
  const width = terminalWidth();
  const rows: Row[] = alignLines(toLines(mini.stdout), toLines(other.stdout));
  write(renderSideBySide(rows, ['mini-run', engine.name], width));
  const errRows = alignLines(toLines(mini.stderr), toLines(other.stderr));
  if (errRows.length) write('\n' + renderSideBySide(errRows, ['mini-run (stderr)', `${engine.name} (stderr)`], width));
  const all = [...rows, ...errRows];
  const differing = all.filter((r) => r.mark !== ' ').length;
  const statusSame = mini.status === other.status;
  const status = statusSame ? `exit status ${mini.status} on both` : `exit status ${mini.status} (mini-run) vs ${other.status} (${engine.name})`;
  write('\n');
  if (differing === 0 && statusSame) {
    write(`same output (${all.length} line${all.length === 1 ? '' : 's'}) and ${status}\n`);
    return 0;
  }
  write(`${differing} of ${all.length} lines differ (marked | changed, < only mini-run, > only ${engine.name}); ${status}\n`);
  return 1;
}

function printProbes(write: (s: string) => void, engine: OtherEngine, mini: Captured, other: Captured): number {
  for (const [who, c] of [['mini-run', mini], [engine.name, other]] as const) {
    if (c.status !== 0 || c.stderr.trim()) write(`${who}: exit status ${c.status}${c.stderr.trim() ? `: ${c.stderr.trim().split('\n').pop()}` : ''}\n`);
  }
  const results = evaluateProbes(splitProbeOutput(mini.stdout), splitProbeOutput(other.stdout), { engine: engine.name, cgroupVersion: detectCgroupVersion() });
  write(renderProbeTable(results, engine.name, terminalWidth()));
  write('\n' + probeSummary(results) + '\n');
  return results.some((r) => !r.same && !r.reason) ? 1 : 0;
}
