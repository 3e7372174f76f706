/**
 * A reader for the framed orders the runtime sends its C programs (runtime/exec-order.ts →
 * native/exec-process.c, runtime/init-order.ts → native/init-native.c): a magic line, then
 * `<key> <len>\n<bytes>\n` per field, then `end 0`. It checks the framing as strictly as the C
 * reader does (each value followed by exactly one newline, nothing after `end`).
 */
import { expect } from 'vitest';

/** The fields of `buf`, in order, after checking that it starts with `magic` (e.g. 'mini-run-exec 1\n'). */
export function decodeFramedOrder(buf: Buffer, magic: string): Array<[string, Buffer]> {
  expect(buf.toString('latin1', 0, magic.length)).toBe(magic);
  const out: Array<[string, Buffer]> = [];
  let i = magic.length;
  for (;;) {
    const nl = buf.indexOf(10, i);
    const [key, len] = buf.toString('latin1', i, nl).split(' ');
    const value = buf.subarray(nl + 1, nl + 1 + Number(len));
    expect(buf[nl + 1 + Number(len)]).toBe(10);
    i = nl + 2 + Number(len);
    if (key === 'end') break;
    out.push([key, value]);
  }
  expect(i).toBe(buf.length);
  return out;
}
