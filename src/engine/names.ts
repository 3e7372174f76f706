/**
 * Container ids and names. An id is 64 hex digits (32 random bytes), shown as its first 12;
 * a name is chosen by the user (--name) or made up as adjective_noun, as docker does —
 * from our own word lists: adjectives of temperament, nouns of things that hold or contain.
 */
import { randomBytes } from '../sys/random';

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

const ADJECTIVES = [
  'brave', 'calm', 'clever', 'curious', 'daring', 'eager', 'fancy', 'gentle', 'happy', 'honest',
  'jolly', 'keen', 'kind', 'lively', 'lucky', 'merry', 'modest', 'nimble', 'patient', 'plucky',
  'proud', 'quiet', 'quirky', 'rapid', 'sharp', 'shy', 'steady', 'sturdy', 'swift', 'tidy',
  'upbeat', 'vivid', 'wise', 'witty', 'zealous', 'bold', 'cheerful', 'cosy', 'frugal', 'humble',
];
const NOUNS = [
  'anchor', 'barrel', 'basket', 'beacon', 'bucket', 'cabin', 'canister', 'capsule', 'carton', 'cask',
  'chest', 'crate', 'cupboard', 'drawer', 'flask', 'harbor', 'hatch', 'hive', 'jar', 'kettle',
  'lantern', 'locker', 'nest', 'parcel', 'pocket', 'pod', 'pouch', 'satchel', 'shell', 'silo',
  'suitcase', 'teapot', 'thimble', 'tin', 'trunk', 'tub', 'vault', 'vessel', 'wagon', 'wallet',
];

function pick<T>(list: readonly T[]): T {
  return list[randomBytes(2).readUInt16BE(0) % list.length];
}

/** A generated name not in `taken` (a number is appended on the rare collision). */
export function generateName(taken: ReadonlySet<string>): string {
  for (let i = 0; i < 20; i++) {
    const name = `${pick(ADJECTIVES)}_${pick(NOUNS)}`;
    if (!taken.has(name)) return name;
  }
  let n = 2;
  const base = `${pick(ADJECTIVES)}_${pick(NOUNS)}`;
  while (taken.has(`${base}${n}`)) n++;
  return `${base}${n}`;
}

/** Docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
export function validName(name: string): boolean {
  return /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name);
}
