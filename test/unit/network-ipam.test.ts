/** The pure parts of networking: addresses, MACs, -p specs and their display forms, /etc files. */
import { describe, expect, it } from 'vitest';
import { allocateAddress, formatSubnet, inSubnet, intToIp, ipToInt, macForAddress, parseSubnet } from '../../src/network/ipam';
import { exposedBindings, formatPortLines, formatPortsColumn, parsePublish, portsMap } from '../../src/network/ports';
import { applyDnsOptions, hostsFile } from '../../src/engine/etc-files';

describe('IPAM', () => {
  const s = parseSubnet('10.88.0.0/16');

  it('parses subnets and normalises the base address', () => {
    expect(formatSubnet(parseSubnet('10.88.3.4/16'))).toBe('10.88.0.0/16');
    expect(inSubnet(s, '10.88.255.254')).toBe(true);
    expect(inSubnet(s, '10.89.0.1')).toBe(false);
    expect(intToIp(ipToInt('192.168.1.200'))).toBe('192.168.1.200');
    expect(() => parseSubnet('10.88.0.0')).toThrow(/invalid subnet/);
    expect(() => ipToInt('10.88.0.256')).toThrow(/invalid IPv4/);
  });

  it('hands out the lowest free address, never the network, gateway or broadcast', () => {
    expect(allocateAddress(s, '10.88.0.1', new Set())).toBe('10.88.0.2');
    expect(allocateAddress(s, '10.88.0.1', new Set(['10.88.0.2', '10.88.0.3']))).toBe('10.88.0.4');
    const tiny = parseSubnet('10.1.2.0/30'); // .1 gateway, .2 the only host address
    expect(allocateAddress(tiny, '10.1.2.1', new Set())).toBe('10.1.2.2');
    expect(() => allocateAddress(tiny, '10.1.2.1', new Set(['10.1.2.2']))).toThrow(/no free address/);
  });

  it('gives a requested address only if it is free and in the subnet', () => {
    expect(allocateAddress(s, '10.88.0.1', new Set(), '10.88.7.7')).toBe('10.88.7.7');
    expect(() => allocateAddress(s, '10.88.0.1', new Set(['10.88.7.7']), '10.88.7.7')).toThrow(/already in use/);
    expect(() => allocateAddress(s, '10.88.0.1', new Set(), '10.88.0.1')).toThrow(/reserved/);
    expect(() => allocateAddress(s, '10.88.0.1', new Set(), '172.17.0.2')).toThrow(/does not belong/);
  });

  it("derives the MAC like docker: 02:42 and the address's bytes", () => {
    expect(macForAddress('10.88.0.2')).toBe('02:42:0a:58:00:02');
    expect(macForAddress('172.17.255.1')).toBe('02:42:ac:11:ff:01');
  });
});

describe('-p / -P', () => {
  it('reads every form of docker -p', () => {
    expect(parsePublish('80')).toEqual([{ proto: 'tcp', containerPort: 80, hostIp: '0.0.0.0', hostPort: 0 }]);
    expect(parsePublish('8080:80')).toEqual([{ proto: 'tcp', containerPort: 80, hostIp: '0.0.0.0', hostPort: 8080 }]);
    expect(parsePublish('127.0.0.1:8080:80/udp')).toEqual([{ proto: 'udp', containerPort: 80, hostIp: '127.0.0.1', hostPort: 8080 }]);
    expect(parsePublish('127.0.0.1::80')).toEqual([{ proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', hostPort: 0 }]);
    expect(parsePublish('8000-8001:80-81').map((b) => `${b.hostPort}->${b.containerPort}`)).toEqual(['8000->80', '8001->81']);
  });

  it('refuses what docker refuses', () => {
    expect(() => parsePublish('8080:80/sctp')).toThrow(/protocol/);
    expect(() => parsePublish('8080:70000')).toThrow(/1 to 65535/);
    expect(() => parsePublish('8000-8002:80-81')).toThrow(/same size/);
    expect(() => parsePublish('a:b:c:d')).toThrow(/invalid publish/);
  });

  it('publishes the image EXPOSE ports onto free host ports', () => {
    expect(exposedBindings({ '80/tcp': {}, '53/udp': {} })).toEqual([
      { proto: 'tcp', containerPort: 80, hostIp: '0.0.0.0', hostPort: 0 },
      { proto: 'udp', containerPort: 53, hostIp: '0.0.0.0', hostPort: 0 },
    ]);
  });

  it("shows bindings as ps, port and inspect do", () => {
    const b = [{ proto: 'tcp' as const, containerPort: 80, hostIp: '0.0.0.0', hostPort: 8080 }, { proto: 'udp' as const, containerPort: 53, hostIp: '0.0.0.0', hostPort: 5353 }];
    expect(formatPortsColumn(b)).toBe('0.0.0.0:5353->53/udp, 0.0.0.0:8080->80/tcp'); // Docker's order: by container port
    expect(formatPortsColumn(b, ['443/tcp', '80/tcp', '22/tcp'])).toBe('22/tcp, 0.0.0.0:5353->53/udp, 0.0.0.0:8080->80/tcp, 443/tcp');
    expect(formatPortLines(b)).toEqual(['80/tcp -> 0.0.0.0:8080', '53/udp -> 0.0.0.0:5353']);
    expect(portsMap(b)).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '53/udp': [{ HostIp: '0.0.0.0', HostPort: '5353' }] });
  });
});

describe('/etc/hosts and resolv.conf', () => {
  it('lists localhost, --add-host, --link entries and the container itself', () => {
    const text = hostsFile({ self: { ip: '10.88.0.5', names: ['abc'] }, extra: ['db:10.0.0.9'], links: [{ ip: '10.88.0.3', names: ['alias', 'web'] }] });
    expect(text.split('\n').slice(-4)).toEqual(['10.0.0.9\tdb', '10.88.0.3\talias web', '10.88.0.5\tabc', '']);
    expect(text.startsWith('127.0.0.1\tlocalhost\n')).toBe(true);
  });

  it('--dns replaces the nameservers and --dns-search the search list', () => {
    const r = applyDnsOptions('search example.org\nnameserver 10.0.0.1\noptions ndots:2\n', ['10.0.0.53'], ['a.test', 'b.test']);
    expect(r).toBe('options ndots:2\nnameserver 10.0.0.53\nsearch a.test b.test\n');
    expect(applyDnsOptions('nameserver 10.0.0.1\n')).toBe('nameserver 10.0.0.1\n');
  });
});

describe('--ip-range', () => {
  it('hands out addresses of the range only, lowest free first, and says when it is full', () => {
    const s = parseSubnet('10.89.240.0/24');
    const r = parseSubnet('10.89.240.128/30');
    expect(allocateAddress(s, '10.89.240.1', new Set(), undefined, r)).toBe('10.89.240.128');
    expect(allocateAddress(s, '10.89.240.1', new Set(['10.89.240.128']), undefined, r)).toBe('10.89.240.129');
    expect(() => allocateAddress(s, '10.89.240.1', new Set(['10.89.240.128', '10.89.240.129', '10.89.240.130', '10.89.240.131']), undefined, r)).toThrow(/no free address left in 10\.89\.240\.128\/30/);
    // a range at the start of the subnet skips the network address and the gateway
    expect(allocateAddress(s, '10.89.240.1', new Set(), undefined, parseSubnet('10.89.240.0/28'))).toBe('10.89.240.2');
  });
});
