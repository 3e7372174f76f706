/**
 * The json-file log driver's options, as docker spells them (`--log-opt max-size=10m
 * --log-opt max-file=3`), turned into the numbers the supervisor's log writer rotates by;
 * the local driver's options the same way (its lines are json-file lines here).
 */
import type { LogOptions } from '../shim/json-log';
import { parseBytes } from './units';
import { localLogOptions } from '../image/registry/local-log';

export { localLogOptions };

export function parseLogOptions(opts: Record<string, string>): LogOptions {
  for (const k of Object.keys(opts)) {
    if (k !== 'max-size' && k !== 'max-file') throw new Error(`unknown log opt '${k}' for json-file log driver`);
  }
  const maxSize = opts['max-size'] && opts['max-size'] !== '-1' ? parseBytes(opts['max-size'], '--log-opt max-size') : null;
  const maxFile = opts['max-file'] ? Number(opts['max-file']) : 1;
  if (!Number.isInteger(maxFile) || maxFile < 1) throw new Error(`invalid value for max-file: ${opts['max-file']}`);
  if (maxFile > 1 && maxSize === null) throw new Error("max-file cannot be set without max-size");
  return { maxSize, maxFile };
}

/** The options the log writer rotates by, for a record's LogConfig (json-file or local). */
export function logOptionsOf(log: { Type: string; Config: Record<string, string> }): Record<string, string> {
  return log.Type === 'local' ? localLogOptions(log.Config, (m) => new Error(m)) : log.Config;
}
