/** Docker's size units for --memory, --memory-swap, --shm-size: 64m, 1g, 512k, 1024 (bytes). */
import { UserError } from '../errors';

export function parseBytes(value: string | number, flag: string): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)i?b?$/i.exec(value.trim());
  if (!m) throw new UserError(`invalid argument "${value}" for "${flag}" flag: invalid size: '${value}'`, 125);
  const mult: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  return Math.floor(Number(m[1]) * mult[m[2].toLowerCase()]);
}
