/**
 * Docker's inspect data are typed Go values; `--format` prints them with Go's `%v`. JavaScript
 * objects are all alike, so the few places where the Go type shows in the output are marked
 * here, and the template engine (cli/template.ts) prints them as Go would:
 *   - a struct prints its field values in order: `{{.HostConfig.RestartPolicy}}` → `{no 0}`
 *     (a map would print `map[MaximumRetryCount:0 Name:no]`);
 *   - a nil slice is JSON `null` but prints `[]`: `{{.NetworkSettings.Ports}}` → `map[80/tcp:[]]`.
 */
const structFields = new WeakMap<object, readonly string[]>();
const nilSlices = new WeakSet<object>();

/** Mark `o` as a Go struct with these fields, in declaration order (default: its keys). */
export function goStruct<T extends object>(o: T, fields: readonly string[] = Object.keys(o)): T {
  structFields.set(o, fields);
  return o;
}

/** The fields of a marked struct, or undefined for a plain object (a map). */
export function goStructFields(o: object): readonly string[] | undefined {
  return structFields.get(o);
}

/** A nil Go slice: serialised as null, printed as `[]`. */
export function goNilSlice(): unknown[] {
  const a: unknown[] = [];
  Object.defineProperty(a, 'toJSON', { value: () => null });
  nilSlices.add(a);
  return a;
}

export function isGoNilSlice(v: unknown): boolean {
  return typeof v === 'object' && v !== null && nilSlices.has(v);
}

const typeNames = new WeakMap<object, string>();

/**
 * Mark `o` as a value of the named Go struct type (`*formatter.imageContext`): a field it lacks
 * is an error naming the type, as Go's `can't evaluate field X in type T` (a map has no such
 * error unless missingkey=error, and then words it differently).
 */
export function goNamed<T extends object>(o: T, typeName: string): T {
  typeNames.set(o, typeName);
  return o;
}

export function goNameOf(o: object): string | undefined {
  return typeNames.get(o);
}
