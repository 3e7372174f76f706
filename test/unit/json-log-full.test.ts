/**
 * The json-file log on a device that refuses every write (/dev/full answers ENOSPC, like a full
 * disk): the writer never throws, reports the failure once, and counts the lines it dropped.
 * (Resuming when space returns is tested on a real full tmpfs in integration/out-of-space.)
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JsonLogWriter, readLogEntries } from '../../src/shim/json-log';

describe('JsonLogWriter on a full device', () => {
  it.skipIf(!existsSync('/dev/full'))('drops and counts lines, reports once, never throws', () => {
    const failures: string[] = [];
    const w = new JsonLogWriter('/dev/full', { maxSize: null, maxFile: 1 }, (e) => failures.push((e as NodeJS.ErrnoException).code ?? e.message));
    expect(() => {
      w.write('stdout', 'one\ntwo\n');
      w.write('stderr', 'three\n');
      w.write('stdout', 'partial');
      w.close();
    }).not.toThrow();
    expect(failures).toEqual(['ENOSPC']);
    expect(w.droppedLines).toMatchObject({ lines: 4, error: 'ENOSPC' });
  });

  it('a dropped-lines note is read back as a note, not as output', () => {
    const dir = mkdtempSync('/tmp/mr-test-jsonlog-');
    try {
      const file = join(dir, 'x-json.log');
      const w = new JsonLogWriter(file, { maxSize: null, maxFile: 1 });
      w.write('stdout', 'hello\n');
      w.close();
      const note = { log: '', stream: 'stderr', time: '2026-01-01T00:00:00.000000000Z', dropped: { lines: 7, from: 'a', to: 'b', error: 'ENOSPC' } };
      const bad = { log: 'x\n', stream: 'stdout', time: 't', dropped: { lines: 'many' } };
      require('node:fs').appendFileSync(file, JSON.stringify(note) + '\n' + JSON.stringify(bad) + '\n');
      const entries = readLogEntries(file);
      expect(entries.map((e) => e.log)).toEqual(['hello\n', '', 'x\n']);
      expect(entries[1].dropped).toEqual(note.dropped);
      expect(entries[2].dropped).toBeUndefined();
      expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
