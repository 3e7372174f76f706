/**
 * `login [-u USER] [-p PASS | --password-stdin] [SERVER]` and `logout [SERVER]`: credentials
 * for registries, saved like docker's ~/.docker/config.json (see image/registry/credentials.ts).
 */
import type { Argv, CommandModule } from 'yargs';
import { createInterface } from 'node:readline';
import { UserError } from '../../errors';

interface LoginArgs { server?: string; username?: string; password?: string; 'password-stdin'?: boolean }

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Ask on the terminal; with `hidden`, the typed characters are not echoed. */
function prompt(question: string, hidden = false): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    if (hidden) {
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
        if (s.startsWith(question)) process.stderr.write(question);
      };
    }
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) process.stderr.write('\n');
      resolve(answer);
    });
  });
}

async function loginHandler(a: LoginArgs): Promise<void> {
  const { login, normalizeServer } = await import('../../image/registry/login');
  const server = normalizeServer(a.server);
  let username = a.username;
  let password = a.password;
  if (a['password-stdin']) {
    if (password !== undefined) throw new UserError('--password and --password-stdin are mutually exclusive', 1);
    if (!username) throw new UserError('Must provide --username with --password-stdin', 1);
    password = (await readAll(process.stdin)).replace(/\r?\n$/, '');
  } else if (password !== undefined) {
    process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  }
  if (!username) {
    if (!process.stdin.isTTY) throw new UserError('Cannot perform an interactive login from a non TTY device', 1);
    username = (await prompt('Username: ')).trim();
  }
  if (password === undefined) {
    if (!process.stdin.isTTY) throw new UserError('Cannot perform an interactive login from a non TTY device', 1);
    password = await prompt('Password: ', true);
  }
  if (!username) throw new UserError('Error: Non-null Username Required', 1);
  if (!password) throw new UserError('Error: Password Required', 1);
  await login(server, { username, password });
  process.stdout.write('Login Succeeded\n');
}

async function logoutHandler(a: { server?: string }): Promise<void> {
  const { logout, normalizeServer } = await import('../../image/registry/login');
  const server = normalizeServer(a.server);
  if (logout(server)) process.stdout.write(`Removing login credentials for ${server}\n`);
  else process.stdout.write(`Not logged in to ${server}\n`);
}

export const loginCommand: CommandModule<object, LoginArgs> = {
  command: 'login [server]',
  describe: 'Log in to a registry (credentials go to ~/.mini-run/config.json, mode 0600)',
  builder: ((y: Argv) => y
    .positional('server', { type: 'string', describe: 'registry host[:port] (default: Docker Hub)' })
    .option('username', { alias: 'u', type: 'string', describe: 'Username' })
    .option('password', { alias: 'p', type: 'string', describe: 'Password' })
    .option('password-stdin', { type: 'boolean', describe: 'Take the password from stdin' })) as any,
  handler: loginHandler,
};

export const logoutCommand: CommandModule<object, { server?: string }> = {
  command: 'logout [server]',
  describe: 'Log out from a registry',
  builder: ((y: Argv) => y.positional('server', { type: 'string' })) as any,
  handler: logoutHandler,
};

export const registryCommands: CommandModule<any, any>[] = [loginCommand, logoutCommand];
