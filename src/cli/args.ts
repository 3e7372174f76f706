/** Small helpers for parsed yargs arguments, shared by the commands. */

/** A repeatable option (`-e A -e B`) as a list of strings: yargs gives undefined, one value, or an array. */
export function listOption(v: unknown): string[] {
  return v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String);
}
