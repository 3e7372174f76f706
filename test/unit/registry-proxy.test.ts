import { describe, expect, it } from 'vitest';
import { bypassesProxy, isSocks, proxyAuthHeaders, proxyFor, proxyPort, redactProxy } from '../../src/image/registry/proxy';

describe('NO_PROXY matching (Go net/http rules, as docker)', () => {
  const cases: Array<[string, string, string, boolean]> = [
    ['registry.corp.example', '443', 'corp.example', true],        // a name covers its subdomains
    ['corp.example', '443', 'corp.example', true],
    ['notcorp.example', '443', 'corp.example', false],            // not a suffix match on letters
    ['registry.corp.example', '443', '.corp.example', true],
    ['corp.example', '443', '.corp.example', false],              // a leading dot: subdomains only
    ['registry.corp.example', '443', '*.corp.example', true],
    ['registry.corp.example', '5000', 'registry.corp.example:443', false], // the port must match
    ['registry.corp.example', '443', 'registry.corp.example:443', true],
    ['10.1.2.3', '5000', '10.0.0.0/8', true],
    ['11.1.2.3', '5000', '10.0.0.0/8', false],
    ['10.1.2.3', '5000', '10.1.2.3', true],
    ['anything', '80', '*', true],
    ['a.example', '80', ' b.example , A.EXAMPLE ', true],           // spaces and case
    ['a.example', '80', '', false],
    ['localhost', '5000', '', true],                                // loopback: never proxied
    ['127.0.0.1', '5000', '', true],
    ['127.9.9.9', '5000', '', true],
    ['::1', '5000', '', true],
  ];
  for (const [host, port, noProxy, want] of cases) {
    it(`${host}:${port} with NO_PROXY=${JSON.stringify(noProxy)} → ${want ? 'direct' : 'proxy'}`, () => {
      expect(bypassesProxy(host, port, noProxy)).toBe(want);
    });
  }
});

describe('proxyFor', () => {
  const settings = { http: 'http://hp:3128', https: 'proxy.lan:8080', noProxy: 'internal.lan' };
  it('picks the proxy by the scheme of the request, a bare host:port meaning http://', () => {
    expect(proxyFor(new URL('https://registry.example/v2/'), settings)?.href).toBe('http://proxy.lan:8080/');
    expect(proxyFor(new URL('http://registry.example/v2/'), settings)?.href).toBe('http://hp:3128/');
    expect(proxyFor(new URL('https://x.internal.lan/v2/'), settings)).toBeNull();
    expect(proxyFor(new URL('https://registry.example/v2/'), {})).toBeNull();
  });
  it('refuses what it cannot speak, with one line and no password', () => {
    expect(() => proxyFor(new URL('https://r.example/'), { https: 'ftp://u:pw@p:21' })).toThrow(/^proxy ftp:\/\/u:xxxxx@p:21: only http:\/\/, https:\/\/, socks5:\/\/ and socks5h:\/\/ proxies are supported \(got ftp\)$/);
  });
  it('takes https://, socks5:// and socks5h:// proxies (as Go net/http), each with its default port', () => {
    const url = new URL('https://r.example/');
    for (const [raw, port] of [['https://p.lan', 443], ['socks5://p.lan', 1080], ['socks5h://p.lan:9050', 9050], ['http://p.lan', 80], ['p.lan:3128', 3128]] as const) {
      const p = proxyFor(url, { https: raw })!;
      expect(proxyPort(p), raw).toBe(port);
      expect(isSocks(p), raw).toBe(raw.startsWith('socks'));
    }
  });
  it('user:password in the proxy URL becomes Proxy-Authorization and is redacted in messages', () => {
    const p = new URL('http://bob:p%40ss@proxy:3128');
    expect(proxyAuthHeaders(p)).toEqual({ 'Proxy-Authorization': 'Basic ' + Buffer.from('bob:p@ss').toString('base64') });
    expect(redactProxy(p.href)).toBe('http://bob:xxxxx@proxy:3128/');
    expect(proxyAuthHeaders(new URL('http://proxy:3128'))).toEqual({});
  });
});
