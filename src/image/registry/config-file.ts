/** Where mini-run's "daemon.json" is (config.ts reads it): light, for `run`'s first moments. */
export const DEFAULT_CONFIG_FILE = '/etc/mini-run/config.json';

export function configFile(): string {
  return process.env.MINI_RUN_CONFIG || DEFAULT_CONFIG_FILE;
}
