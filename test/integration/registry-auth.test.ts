/**
 * Registry authentication: a real docker-registry with htpasswd Basic auth, `login`/`logout`
 * (credentials file mode 0600), the Bearer token dance through a small test token server
 * in front of a real registry, and identity tokens (OAuth2 refresh tokens, as `docker login`
 * keeps them) against a docker-registry with token auth and a token server it trusts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mr, tempRoot, removeRoot } from '../helpers/cli';
import { busyboxArchive, mrAsync, Registry, skopeoPush, startRegistry } from '../fixtures/registry';
import { startTokenServer, type TokenServer } from '../fixtures/token-server';
import { expectNothingStored } from '../helpers/store';

let basic: Registry;
let open: Registry;
let fx: string;
const roots: string[] = [];
function newRoot(): string {
  const r = tempRoot('auth');
  roots.push(r);
  return r;
}

beforeAll(async () => {
  fx = mkdtempSync('/tmp/mr-test-authfx-');
  // No login of the machine's user (a ~/.docker/config.json) may change what these tests see.
  process.env.DOCKER_CONFIG = join(fx, 'no-docker-config');
  [basic, open] = await Promise.all([startRegistry({ users: { alice: 's3cret' } }), startRegistry()]);
  const archive = busyboxArchive(fx);
  skopeoPush(`oci-archive:${archive}`, `${basic.host}/private/app:v1`, ['--dest-creds', 'alice:s3cret']);
  skopeoPush(`oci-archive:${archive}`, `${open.host}/library/alpine:latest`);
}, 120_000);

afterAll(async () => {
  for (const r of roots) removeRoot(r);
  await Promise.all([basic?.stop(), open?.stop()]);
  rmSync(fx, { recursive: true, force: true });
});

describe('Basic auth (htpasswd) and login/logout', () => {
  it('without credentials, pull fails with one line and exit 1', () => {
    const root = newRoot();
    const r = mr(root, ['pull', `${basic.host}/private/app:v1`], { env: { MINI_RUN_AUTH_CONFIG: join(fx, 'none.json') } });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`mini-run: manifest for ${basic.host}/private/app:v1: no basic auth credentials (run 'mini-run login ${basic.host}' first)\n`);
  });

  it('a wrong password: login fails with one line, exit 1, nothing saved', () => {
    const auth = join(fx, 'wrong.json');
    const r = mr(newRoot(), ['login', '-u', 'alice', '--password-stdin', basic.host], { input: 'nope\n', env: { MINI_RUN_AUTH_CONFIG: auth } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^mini-run: login to ${basic.host} failed: unauthorized: .*\\n$`));
    expect(existsSync(auth)).toBe(false);
  });

  it('login saves base64 credentials with mode 0600, pull then works, logout removes them', () => {
    const root = newRoot();
    const auth = join(fx, 'auth.json');
    const env = { MINI_RUN_AUTH_CONFIG: auth };
    const r = mr(root, ['login', '-u', 'alice', '--password-stdin', basic.host], { input: 's3cret\n', env });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Login Succeeded\n');
    expect(statSync(auth).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(auth, 'utf8'));
    expect(saved.auths[basic.host].auth).toBe(Buffer.from('alice:s3cret').toString('base64'));

    const pull = mr(root, ['pull', '-q', `${basic.host}/private/app:v1`], { env });
    expect(pull.stderr).toBe('');
    expect(pull.stdout).toBe(`${basic.host}/private/app:v1\n`);

    const out = mr(root, ['logout', basic.host], { env });
    expect(out.stdout).toBe(`Removing login credentials for ${basic.host}\n`);
    expect(JSON.parse(readFileSync(auth, 'utf8')).auths).toEqual({});
    expect(mr(root, ['logout', basic.host], { env }).stdout).toBe(`Not logged in to ${basic.host}\n`);
  });

  it('-p works too, with docker\'s warning on stderr', () => {
    const auth = join(fx, 'p.json');
    const r = mr(newRoot(), ['login', '-u', 'alice', '-p', 's3cret', `http://${basic.host}/`], { env: { MINI_RUN_AUTH_CONFIG: auth } });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    expect(Object.keys(JSON.parse(readFileSync(auth, 'utf8')).auths)).toEqual([basic.host]);
  });
});

describe("logins made with docker login (~/.docker/config.json and credential helpers)", () => {
  // Each case gets a DOCKER_CONFIG dir of its own; mini-run's own credentials file is empty.
  let n = 0;
  function dockerConfig(cfg: object | null): string {
    const dir = join(fx, `docker-config-${n++}`);
    mkdirSync(dir, { recursive: true });
    if (cfg) writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    return dir;
  }
  /** A credential helper on PATH: knows alice's password for the basic registry, logs each call. */
  function helperPath(): { path: string; log: string } {
    const bin = join(fx, 'helper-bin');
    const log = join(fx, 'helper.log');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'docker-credential-mr-test'), `#!/bin/sh
read -r server
echo "$1 $server" >> ${log}
if [ "$server" = "${basic.host}" ]; then printf '{"ServerURL":"%s","Username":"alice","Secret":"s3cret"}\n' "$server"; exit 0; fi
echo "credentials not found in native keychain"; exit 1
`);
    writeFileSync(join(bin, 'docker-credential-mr-locked'), '#!/bin/sh\necho "the keyring is locked"; exit 1\n');
    chmodSync(join(bin, 'docker-credential-mr-test'), 0o755);
    chmodSync(join(bin, 'docker-credential-mr-locked'), 0o755);
    return { path: `${bin}:${process.env.PATH}`, log };
  }
  const noOwn = () => ({ MINI_RUN_AUTH_CONFIG: join(fx, 'none.json') });

  it('auths written by the Docker CLI are used by pull', () => {
    const dir = dockerConfig(null);
    // The real Docker CLI (with the engine the tests run) writes the file; without one, write what it writes.
    let how = 'docker login';
    try {
      execFileSync('docker', ['login', '-u', 'alice', '--password-stdin', basic.host], { input: 's3cret\n', env: { ...process.env, DOCKER_CONFIG: dir }, stdio: 'pipe', timeout: 30_000 });
    } catch (e) {
      how = 'written by the test';
      console.log(`docker login not available (${String((e as Error).message).split('\n')[0]}): writing its config.json by hand`);
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [basic.host]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }));
    }
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).auths[basic.host].auth, how).toBe(Buffer.from('alice:s3cret').toString('base64'));
    const r = mr(newRoot(), ['pull', '-q', `${basic.host}/private/app:v1`], { env: { ...noOwn(), DOCKER_CONFIG: dir } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${basic.host}/private/app:v1\n`);
  });

  it('credHelpers: docker-credential-NAME get is asked with the registry host and its answer used', () => {
    const { path, log } = helperPath();
    rmSync(log, { force: true });
    const dir = dockerConfig({ auths: {}, credHelpers: { [basic.host]: 'mr-test' } });
    const r = mr(newRoot(), ['pull', '-q', `${basic.host}/private/app:v1`], { env: { ...noOwn(), DOCKER_CONFIG: dir, PATH: path } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean).every((l) => l === `get ${basic.host}`)).toBe(true);
  });

  it("credsStore: a helper with nothing for the registry means no credentials; mini-run's own login comes first", () => {
    const { path, log } = helperPath();
    const dir = dockerConfig({ credsStore: 'mr-test' });
    const other = mr(newRoot(), ['pull', '-q', `${open.host}/library/alpine:latest`], { env: { ...noOwn(), DOCKER_CONFIG: dir, PATH: path } });
    expect(other.stderr).toBe('');
    expect(other.status).toBe(0);
    expect(readFileSync(log, 'utf8')).toContain(`get ${open.host}\n`);

    // Own file with the password: the broken helper is never asked.
    const own = join(fx, 'own.json');
    writeFileSync(own, JSON.stringify({ auths: { [basic.host]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }));
    const locked = dockerConfig({ credsStore: 'mr-locked' });
    const r = mr(newRoot(), ['pull', '-q', `${basic.host}/private/app:v1`], { env: { MINI_RUN_AUTH_CONFIG: own, DOCKER_CONFIG: locked, PATH: path } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('a helper that fails or is missing: one line naming it, exit 1', () => {
    const { path } = helperPath();
    const locked = mr(newRoot(), ['pull', '-q', `${basic.host}/private/app:v1`], { env: { ...noOwn(), DOCKER_CONFIG: dockerConfig({ credsStore: 'mr-locked' }), PATH: path } });
    expect(locked.status).toBe(1);
    expect(locked.stderr).toBe(`mini-run: error getting credentials for ${basic.host} from docker-credential-mr-locked: the keyring is locked\n`);
    const dir = dockerConfig({ credsStore: 'mr-absent' });
    const missing = mr(newRoot(), ['pull', '-q', `${basic.host}/private/app:v1`], { env: { ...noOwn(), DOCKER_CONFIG: dir, PATH: path } });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`mini-run: error getting credentials for ${basic.host}: docker-credential-mr-absent is not on PATH ("credsStore" in ${dir}/config.json): install it, or remove that setting\n`);
  });
});

describe('Bearer token dance', () => {
  let server: http.Server;
  let host: string;
  const tokenRequests: string[] = [];
  const registryRequests: string[] = [];

  beforeAll(async () => {
    // Gatekeeper in front of the real registry: /v2/* wants "Bearer tok-<scope>", /token hands it out.
    server = http.createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/token') {
        tokenRequests.push(`${url.searchParams.get('service')} ${url.searchParams.get('scope')}`);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ token: `tok-${url.searchParams.get('scope')}`, expires_in: 300, issued_at: new Date().toISOString() }));
        return;
      }
      registryRequests.push(`${req.method} ${url.pathname} ${req.headers.authorization ?? '-'}`);
      const repo = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(url.pathname)?.[1];
      const want = `Bearer tok-repository:${repo}:pull`;
      if (req.headers.authorization !== want) {
        res.writeHead(401, {
          'Content-Type': 'application/json',
          'WWW-Authenticate': `Bearer realm="http://${host}/token",service="test-registry"${repo ? `,scope="repository:${repo}:pull"` : ''}`,
        });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
      const up = http.request(open.url + req.url, { method: req.method, headers: { ...req.headers, host: open.host } }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('gets an anonymous token with the pull scope once, and reuses it for every request of the pull', async () => {
    const root = newRoot();
    const r = await mrAsync(root, ['pull', `${host}/library/alpine`], { env: { MINI_RUN_AUTH_CONFIG: join(fx, 'none.json') } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(tokenRequests).toEqual(['test-registry repository:library/alpine:pull']);
    const authorized = registryRequests.filter((l) => l.endsWith('Bearer tok-repository:library/alpine:pull'));
    expect(authorized.length).toBeGreaterThanOrEqual(3); // manifest, config, layer
    expect(registryRequests.filter((l) => l.endsWith(' -'))).toHaveLength(1); // only the first, to learn the challenge
  });
});

describe('identity tokens (OAuth2 refresh tokens): a docker-registry with token auth and its token server', () => {
  // The registry is a real docker-registry with `auth: token`; it checks every JWT against the
  // token server's certificate. The token server (test/fixtures/token-server.ts) runs in this
  // process, so everything that talks to it is spawned asynchronously.
  let ts: TokenServer;
  let reg: Registry;
  const ref = () => `${reg.host}/private/app:v1`;
  const scope = 'repository:private/app:pull';
  const execAsync = promisify(execFile);
  let n = 0;
  function dockerConfig(cfg: object | null): string {
    const dir = join(fx, `idtoken-config-${n++}`);
    mkdirSync(dir, { recursive: true });
    if (cfg) writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    return dir;
  }
  const noOwn = () => ({ MINI_RUN_AUTH_CONFIG: join(fx, 'none.json') });
  /** A directory for PATH holding docker-credential-NAME, a helper that answers Username "<token>"
   *  and TOKEN as its Secret (how Docker's helpers hand back an identity token). */
  function tokenHelper(name: string, token: string): string {
    const bin = join(fx, `${name}-bin`);
    mkdirSync(bin, { recursive: true });
    const script = join(bin, `docker-credential-${name}`);
    writeFileSync(script, `#!/bin/sh\nread -r server\nprintf '{"ServerURL":"%s","Username":"<token>","Secret":"${token}"}\\n' "$server"\n`);
    chmodSync(script, 0o755);
    return bin;
  }

  beforeAll(async () => {
    ts = await startTokenServer(fx, { alice: 's3cret' });
    reg = await startRegistry({ token: ts });
    // skopeo pushes with alice's password: the token server's classic GET + Basic flow.
    await execAsync('skopeo', ['copy', '-q', '--dest-tls-verify=false', '--dest-creds', 'alice:s3cret', `oci-archive:${busyboxArchive(fx)}`, `docker://${ref()}`]);
  }, 120_000);
  afterAll(async () => {
    await reg?.stop();
    await ts?.stop();
  });

  it('the registry wants a token: an anonymous pull is refused with one line', async () => {
    const r = await mrAsync(newRoot(), ['pull', '-q', ref()], { env: { ...noOwn(), DOCKER_CONFIG: dockerConfig(null) } });
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/^mini-run: .*unauthorized/);
  });

  it('docker login keeps an identity token instead of the password; pull trades it at the OAuth2 endpoint (grant_type=refresh_token)', async () => {
    const dir = dockerConfig(null);
    let how = 'docker login';
    try {
      // The real Docker CLI and engine: the engine asks the token server with offline_token=true
      // and the CLI stores the refresh token it gets as "identitytoken", without the password.
      await execAsync('sh', ['-c', `printf 's3cret\\n' | docker login -u alice --password-stdin ${reg.host}`], { env: { ...process.env, DOCKER_CONFIG: dir }, timeout: 30_000 });
    } catch (e) {
      how = 'written by the test';
      console.log(`docker login not available (${String((e as Error).message).split('\n')[0]}): getting the refresh token as it would, writing config.json by hand`);
      const got = await fetch(ts.realm, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'password', username: 'alice', password: 's3cret', service: ts.service, client_id: 'docker', access_type: 'offline' }).toString() });
      const { refresh_token } = await got.json() as { refresh_token: string };
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('alice:').toString('base64'), identitytoken: refresh_token } } }));
    }
    const saved = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).auths[reg.host];
    expect(saved.identitytoken, how).toMatch(/^rt-[0-9a-f]{32}$/);
    expect(Buffer.from(saved.auth ?? '', 'base64').toString()).not.toContain('s3cret');

    const before = ts.log.length;
    const r = await mrAsync(newRoot(), ['pull', '-q', ref()], { env: { ...noOwn(), DOCKER_CONFIG: dir } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${ref()}\n`);
    // One OAuth2 refresh for the pull's scope, reused for every request; no password anywhere.
    expect(ts.log.slice(before)).toEqual([`POST refresh_token user=alice client_id=mini-run scope=${scope}`]);
  });

  it('a credential helper answering Username "<token>": its Secret is the refresh token', async () => {
    const token = `rt-${'ab'.repeat(16)}`;
    ts.refreshTokens.set(token, 'alice');
    const bin = tokenHelper('mr-idtoken', token);
    const before = ts.log.length;
    const r = await mrAsync(newRoot(), ['pull', '-q', ref()], {
      env: { ...noOwn(), DOCKER_CONFIG: dockerConfig({ credHelpers: { [reg.host]: 'mr-idtoken' } }), PATH: `${bin}:${process.env.PATH}` },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(ts.log.slice(before)).toEqual([`POST refresh_token user=alice client_id=mini-run scope=${scope}`]);
  });

  it('push with a credential helper answering Username "<token>": one refresh for pull,push; skopeo reads the image back', async () => {
    const token = `rt-${'ef'.repeat(16)}`;
    ts.refreshTokens.set(token, 'alice');
    const bin = tokenHelper('mr-idpush', token);
    const env = { ...noOwn(), DOCKER_CONFIG: dockerConfig({ credHelpers: { [reg.host]: 'mr-idpush' } }), PATH: `${bin}:${process.env.PATH}` };
    const root = newRoot();
    const target = `${reg.host}/private/pushed:v1`;
    expect((await mrAsync(root, ['pull', '-q', ref()], { env })).status).toBe(0);
    expect((await mrAsync(root, ['tag', ref(), target], { env })).status).toBe(0);

    const before = ts.log.length;
    const r = await mrAsync(root, ['push', target], { env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`The push refers to repository [${reg.host}/private/pushed]`);
    const digest = /^v1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(r.stdout)?.[1];
    expect(digest, r.stdout).toBeDefined();
    expect(r.stdout + r.stderr).not.toContain(token);
    // The refresh token is traded once, for the push's scope; the registry only ever saw JWTs.
    expect(ts.log.slice(before)).toEqual(['POST refresh_token user=alice client_id=mini-run scope=repository:private/pushed:pull,push']);
    // An independent client (skopeo, with alice's password: GET + Basic at the token server) reads it back.
    const { stdout } = await execAsync('skopeo', ['inspect', '--tls-verify=false', '--creds', 'alice:s3cret', `docker://${target}`]);
    expect(JSON.parse(stdout).Digest).toBe(digest);
  });

  it('push with a revoked identity token: one line saying to log in again, exit 1, nothing reaches the registry', async () => {
    const token = `rt-${'0f'.repeat(16)}`; // never issued
    const root = newRoot();
    const env = { ...noOwn(), DOCKER_CONFIG: dockerConfig({ auths: { [reg.host]: { identitytoken: token } } }) };
    const target = `${reg.host}/private/refused:v1`;
    expect((await mrAsync(root, ['load', '-i', busyboxArchive(fx)], { env })).status).toBe(0);
    expect((await mrAsync(root, ['tag', 'alpine:latest', target], { env })).status).toBe(0);
    const r = await mrAsync(root, ['push', target], { env });
    expect(r.stderr).toBe(`mini-run: token for ${reg.host} (repository:private/refused:pull,push): the token server refused the identity token (invalid_grant: unknown or revoked token): log in again (docker login ${reg.host})\n`);
    expect(r.status).toBe(1);
    const seen = await execAsync('skopeo', ['inspect', '--tls-verify=false', '--creds', 'alice:s3cret', `docker://${target}`]).then(() => 'found', (e: Error) => e.message);
    expect(seen).toMatch(/manifest unknown|not found/i);
  });

  it('a revoked identity token: one line saying to log in again, exit 1, nothing stored', async () => {
    const token = `rt-${'cd'.repeat(16)}`; // never issued (or revoked): the token server does not know it
    const root = newRoot();
    const r = await mrAsync(root, ['pull', '-q', ref()], {
      env: { ...noOwn(), DOCKER_CONFIG: dockerConfig({ auths: { [reg.host]: { identitytoken: token } } }) },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`mini-run: token for ${reg.host} (${scope}): the token server refused the identity token (invalid_grant: unknown or revoked token): log in again (docker login ${reg.host})\n`);
    expect(r.stderr).not.toContain(token);
    expectNothingStored(root);
  });
});
