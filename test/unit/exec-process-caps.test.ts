/**
 * native/program.c (shared by exec-process.c and the native init) names capabilities in its trace and error lines from a table of its own
 * (`CAP_NAMES`: C cannot import src/sys/constants.ts). The two must agree — the same names at the
 * same positions, a position being the kernel's capability number — or the C exec process
 * would print another capability's name than the Node one for the same bit. This reads the C
 * source, so a change to either side alone fails here.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CAPABILITIES } from '../../src/sys/constants';

const SOURCE = join(__dirname, '../../native/program.c');

/** The strings of `static const char *const CAP_NAMES[] = { … };`, in order. */
function cNames(source: string): string[] {
  const m = /static\s+const\s+char\s*\*\s*const\s+CAP_NAMES\s*\[\s*\]\s*=\s*\{([^}]*)\};/.exec(source);
  if (!m) throw new Error('program.c: no CAP_NAMES table found');
  const body = m[1].replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const names = [...body.matchAll(/"([^"]*)"/g)].map((x) => x[1]);
  // nothing but the quoted names and commas between them (no number, macro or skipped slot)
  expect(body.replace(/"[^"]*"/g, '').replace(/[\s,]/g, '')).toBe('');
  return names;
}

describe("program.c's capability table", () => {
  it("is constants.ts's CAPABILITIES: the same names, the same numbers (positions)", () => {
    const names = cNames(readFileSync(SOURCE, 'utf8'));
    expect(names.length).toBe(CAPABILITIES.length);
    // position by position, so a failure names the capability number that differs
    expect(names.map((n, i) => `${i} ${n}`)).toEqual(CAPABILITIES.map((n, i) => `${i} ${n}`));
  });

  it('the reader sees a change to the C side (a swapped, a dropped or an added name)', () => {
    const source = readFileSync(SOURCE, 'utf8');
    const swapped = source.replace('"CAP_CHOWN", "CAP_DAC_OVERRIDE"', '"CAP_DAC_OVERRIDE", "CAP_CHOWN"');
    const dropped = source.replace('"CAP_BPF", ', '');
    const added = source.replace('"CAP_CHECKPOINT_RESTORE",', '"CAP_CHECKPOINT_RESTORE", "CAP_NEXT",');
    for (const edited of [swapped, dropped, added]) {
      expect(edited).not.toBe(source);
      expect(cNames(edited)).not.toEqual([...CAPABILITIES]);
    }
  });
});
