/**
 * Docker's `local` log driver keeps logs in its own compressed binary format. mini-run keeps
 * json-file lines (which `logs` reads) rotated as the local driver rotates, so the disk a
 * container's log takes stays bounded the same way. Here (beside the daemon config file that
 * can name the driver) so that config.ts and the engine's log options share one list.
 */

/** The local log driver's rotation when log-opts do not say (dockerd's: 100 MB per container). */
const LOCAL_DEFAULTS = { 'max-file': '5', 'max-size': '20m' };

/**
 * The local driver's options as the json-file writer takes them: its rotation (max-size, max-file;
 * 20m × 5 unless given); compress is dropped (the lines stay uncompressed). Another option is
 * refused in docker's words, through `refuse`. The record keeps the options as given (inspect
 * shows them as Docker's does); the supervisor calls this when it opens the log.
 */
export function localLogOptions(opts: Record<string, string>, refuse: (message: string) => Error): Record<string, string> {
  for (const k of Object.keys(opts)) {
    if (k !== 'max-size' && k !== 'max-file' && k !== 'compress') throw refuse(`unknown log opt '${k}' for log driver local`);
  }
  const { compress: _compress, ...rotation } = opts;
  return { ...LOCAL_DEFAULTS, ...rotation };
}
