/** Where mini-run's "daemon.json" is (config.ts reads it), and what its absence means: light, for `run`'s first moments. */
export const DEFAULT_CONFIG_FILE = '/etc/mini-run/config.json';

export function configFile(): string {
  return process.env.MINI_RUN_CONFIG || DEFAULT_CONFIG_FILE;
}

/**
 * The keys that have a default, with it: what a missing file means (config.ts, without zod),
 * and what the schema gives a file that leaves them out (config-schema.ts). A fresh object
 * each time: a caller may change what it got.
 */
export function daemonConfigDefaults(): { 'registry-mirrors': string[]; 'insecure-registries': string[]; 'log-opts': Record<string, string> } {
  return { 'registry-mirrors': [], 'insecure-registries': [], 'log-opts': {} };
}
