/** `mini-run doctor`: check the host, one line per check, and say what to do about what fails. */
import type { CommandModule } from 'yargs';
import { UserError } from '../../errors';
import type { Check } from '../../engine/doctor';

/** `ok    name           detail`, then `      to fix: …` under each warn and FAIL. */
export function renderChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${c.status.padEnd(4)}  ${c.name.padEnd(width)}  ${c.detail}`);
    if (c.status !== 'ok' && c.fix) lines.push(`${' '.repeat(6 + width + 2)}to fix: ${c.fix}`);
  }
  return lines.join('\n') + '\n';
}

export const doctorCommand: CommandModule<object, { format?: string }> = {
  command: 'doctor',
  describe: 'Check that this host has what mini-run needs, and what to do if not',
  builder: (y) => y.option('format', { type: 'string', describe: "'json' for scripts" }) as any,
  handler: async (a) => {
    if (a.format !== undefined && a.format !== 'json') throw new UserError(`unknown --format ${a.format}: only 'json' is supported`, 125);
    const { runDoctor } = await import('../../engine/doctor');
    const result = runDoctor();
    if (a.format === 'json') process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else {
      process.stdout.write(renderChecks(result.checks));
      process.stdout.write(result.ok ? '\nmini-run can run containers on this host.\n' : '\nmini-run cannot work here until the FAIL lines are fixed.\n');
    }
    if (!result.ok) process.exitCode = 1;
  },
};
