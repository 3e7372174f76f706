/** Image references are normalized like docker's (distribution/reference) and shown "familiar". */
import { describe, expect, it } from 'vitest';
import { familiarName, normalizeReference, parseReference, splitRepoTag } from '../../src/image/reference';

describe('reference normalization', () => {
  it.each([
    ['alpine', 'docker.io/library/alpine:latest'],
    ['alpine:3.19', 'docker.io/library/alpine:3.19'],
    ['user/app', 'docker.io/user/app:latest'],
    ['docker.io/alpine', 'docker.io/library/alpine:latest'],
    ['index.docker.io/library/alpine:1', 'docker.io/library/alpine:1'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/app:v2', 'localhost:5000/app:v2'],
    ['example.com/a/b/c:t', 'example.com/a/b/c:t'],
    ['mini-run/busybox', 'docker.io/mini-run/busybox:latest'],
    ['127.0.0.1:5000/x', '127.0.0.1:5000/x:latest'],
    [`alpine@sha256:${'a'.repeat(64)}`, `docker.io/library/alpine@sha256:${'a'.repeat(64)}`],
    [`alpine:3@sha256:${'a'.repeat(64)}`, `docker.io/library/alpine:3@sha256:${'a'.repeat(64)}`],
  ])('%s → %s', (input, want) => {
    expect(normalizeReference(input)).toBe(want);
  });

  it('treats the first component as a registry only with ".", ":" or "localhost"', () => {
    expect(parseReference('foo/bar').domain).toBe('docker.io');
    expect(parseReference('foo.io/bar').domain).toBe('foo.io');
    expect(parseReference('foo:5000/bar').domain).toBe('foo:5000');
    expect(parseReference('localhost/bar').domain).toBe('localhost');
  });

  it.each(['', 'Alpine', 'alpine:', 'a b', 'alpine@sha256:short', '-x', 'x:tag with space', 'alpine/X'])('refuses %j', (bad) => {
    expect(() => parseReference(bad)).toThrow(/invalid reference format|must be lowercase/);
  });

  it('refuses a bare 64-hex string as a name (docker: it is an id)', () => {
    expect(() => parseReference('a'.repeat(64))).toThrow(/64-byte hexadecimal/);
  });
});

describe('familiar names', () => {
  it.each([
    ['docker.io/library/alpine:latest', 'alpine:latest'],
    ['docker.io/mini-run/busybox:latest', 'mini-run/busybox:latest'],
    ['docker.io/library/a/b:1', 'library/a/b:1'],
    ['example.com/test/a:v1', 'example.com/test/a:v1'],
    ['localhost:5000/app:v2', 'localhost:5000/app:v2'],
  ])('%s → %s', (full, familiar) => {
    expect(familiarName(full)).toBe(familiar);
  });

  it('splits repository and tag for the images table', () => {
    expect(splitRepoTag('docker.io/library/alpine:3.19')).toEqual({ repository: 'alpine', tag: '3.19' });
    expect(splitRepoTag('localhost:5000/app:v2')).toEqual({ repository: 'localhost:5000/app', tag: 'v2' });
  });
});
