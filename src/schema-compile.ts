/**
 * A zod schema turned into a plain JavaScript check, written out as source once (not at run
 * time): `ps`, `inspect` and `logs` read container records on every call, and loading zod and
 * building the record's schema took ≈ 15 % of a `ps` (docs/perf.md). The generated check gives
 * what zod's `safeParse(...).data` gives for a valid input — the same keys in the same order,
 * unknown keys stripped, defaults filled in — and `undefined` for anything else, where the caller
 * asks zod itself, so every error message stays zod's. `test/unit/schema-compile.test.ts`
 * compares both on valid, defaulted and broken records, and fails when a generated file is stale
 * (regenerate: `npm run build && node scripts/gen-record-checks.mjs`).
 *
 * Only what our records use is supported (object, string, number, boolean, enum, literal, array,
 * record, optional, nullable, default, union, any/unknown, with zod's common checks); anything
 * else throws here, at generation, never at run time.
 */
import type { ZodTypeAny } from 'zod';

interface Def { typeName: string; [k: string]: unknown }
type Check = { kind: string; value?: unknown; inclusive?: boolean; regex?: RegExp };

export function compileSchema(schema: ZodTypeAny, name: string): string {
  const fns: string[] = [];
  const emitted = new Map<string, string>();
  let n = 0;
  /** Emits a function for one schema node; returns its name. It returns the parsed value or F. */
  function node(s: ZodTypeAny): string {
    const def = (s as unknown as { _def: Def })._def;
    const fn = `c${n++}`;
    const body: string[] = [];
    const checks = (def.checks as Check[] | undefined) ?? [];
    switch (def.typeName) {
      case 'ZodString': {
        body.push(`if (typeof v !== 'string') return F;`);
        for (const c of checks) {
          if (c.kind === 'regex') body.push(`if (!${String(c.regex)}.test(v)) return F;`);
          else if (c.kind === 'startsWith') body.push(`if (!v.startsWith(${JSON.stringify(c.value)})) return F;`);
          else if (c.kind === 'min') body.push(`if (v.length < ${Number(c.value)}) return F;`);
          else if (c.kind === 'max') body.push(`if (v.length > ${Number(c.value)}) return F;`);
          else throw new Error(`${name}: string check ${c.kind} not supported`);
        }
        body.push('return v;');
        break;
      }
      case 'ZodNumber': {
        body.push(`if (typeof v !== 'number' || Number.isNaN(v)) return F;`);
        for (const c of checks) {
          if (c.kind === 'int') body.push('if (!Number.isInteger(v)) return F;');
          else if (c.kind === 'min') body.push(`if (!(v ${c.inclusive ? '>=' : '>'} ${Number(c.value)})) return F;`);
          else if (c.kind === 'max') body.push(`if (!(v ${c.inclusive ? '<=' : '<'} ${Number(c.value)})) return F;`);
          else if (c.kind === 'finite') body.push('if (!Number.isFinite(v)) return F;');
          else throw new Error(`${name}: number check ${c.kind} not supported`);
        }
        body.push('return v;');
        break;
      }
      case 'ZodBoolean':
        body.push(`return typeof v === 'boolean' ? v : F;`);
        break;
      case 'ZodAny':
      case 'ZodUnknown':
        body.push('return v;');
        break;
      case 'ZodEnum':
        body.push(`return typeof v === 'string' && ${JSON.stringify(def.values)}.includes(v) ? v : F;`);
        break;
      case 'ZodLiteral':
        body.push(`return v === ${JSON.stringify(def.value)} ? v : F;`);
        break;
      case 'ZodOptional':
        body.push(`return v === undefined ? undefined : ${node(def.innerType as ZodTypeAny)}(v);`);
        break;
      case 'ZodNullable':
        body.push(`return v === null ? null : ${node(def.innerType as ZodTypeAny)}(v);`);
        break;
      case 'ZodDefault': {
        // zod parses the default through the inner type too (a fresh object each time)
        const value = (def.defaultValue as () => unknown)();
        body.push(`return ${node(def.innerType as ZodTypeAny)}(v === undefined ? ${JSON.stringify(value)} : v);`);
        break;
      }
      case 'ZodArray': {
        const item = node(def.type as ZodTypeAny);
        body.push('if (!Array.isArray(v)) return F;');
        const len = (k: string, op: string) => {
          const c = def[k] as { value: number } | null;
          if (c) body.push(`if (v.length ${op} ${c.value}) return F;`);
        };
        len('minLength', '<');
        len('maxLength', '>');
        if (def.exactLength) body.push(`if (v.length !== ${(def.exactLength as { value: number }).value}) return F;`);
        body.push('const out = new Array(v.length);', `for (let i = 0; i < v.length; i++) { const x = ${item}(v[i]); if (x === F) return F; out[i] = x; }`, 'return out;');
        break;
      }
      case 'ZodRecord': {
        const keyDef = (def.keyType as { _def: Def })._def;
        if (keyDef.typeName !== 'ZodString' || ((keyDef.checks as Check[]) ?? []).length) throw new Error(`${name}: record keys other than z.string() not supported`);
        const value = node(def.valueType as ZodTypeAny);
        body.push(`if (!isObject(v)) return F;`, 'const out: any = {};',
          `for (const k in v) { const x = ${value}(v[k]); if (x === F) return F; if (k !== '__proto__') out[k] = x; }`, 'return out;');
        break;
      }
      case 'ZodObject': {
        const shape = (def.shape as () => Record<string, ZodTypeAny>)();
        const mode = def.unknownKeys as string;
        if (mode !== 'strip' && mode !== 'passthrough') throw new Error(`${name}: object mode ${mode} not supported`);
        if ((def.catchall as { _def: Def })._def.typeName !== 'ZodNever') throw new Error(`${name}: catchall not supported`);
        body.push(`if (!isObject(v)) return F;`, 'const out: any = {};');
        for (const [key, child] of Object.entries(shape)) {
          const k = JSON.stringify(key);
          body.push(`{ const x = ${node(child)}(v[${k}]); if (x === F) return F; if (x !== undefined || ${k} in v) out[${k}] = x; }`);
        }
        if (mode === 'passthrough') {
          body.push(`for (const k in v) if (!(${JSON.stringify(Object.keys(shape))} as string[]).includes(k) && k !== '__proto__') out[k] = v[k];`);
        }
        body.push('return out;');
        break;
      }
      case 'ZodUnion': {
        const options = (def.options as ZodTypeAny[]).map(node);
        body.push(`for (const o of [${options.join(', ')}]) { const x = o(v); if (x !== F) return x; }`, 'return F;');
        break;
      }
      default:
        throw new Error(`${name}: ${def.typeName} not supported`);
    }
    // the same check (every plain z.string(), say) is emitted once
    const text = body.join('\n  ');
    const same = emitted.get(text);
    if (same !== undefined) return same;
    emitted.set(text, fn);
    fns.push(`function ${fn}(v: any): any {\n  ${text}\n}`);
    return fn;
  }
  const root = node(schema);
  return [
    `// Generated from the zod schema ${name} by src/schema-compile.ts (scripts/gen-record-checks.mjs): do not edit.`,
    '/* eslint-disable */',
    'const F = Symbol(\'invalid\');',
    'const isObject = (v: unknown): boolean => typeof v === \'object\' && v !== null && !Array.isArray(v);',
    ...fns,
    `/** zod's safeParse(v).data for a valid value; undefined when zod must say what is wrong. */`,
    `export function check${name}(v: unknown): unknown {`,
    `  const x = ${root}(v);`,
    '  return x === F ? undefined : x;',
    '}',
    '',
  ].join('\n');
}
