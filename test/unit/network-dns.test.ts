/** The embedded DNS's wire format: reading a query, writing an answer, round-robin. */
import { describe, expect, it } from 'vitest';
import { buildAnswer, parseQuery, rotate } from '../../src/network/dns';

function query(name: string, qtype = 1, id = 0x1234): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const header = Buffer.from([id >> 8, id & 255, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]); // RD, one question
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, qtype, 0, 1])]);
}

describe('embedded DNS', () => {
  it('reads the question of a query, lower-cased', () => {
    expect(parseQuery(query('Web.appnet'))).toMatchObject({ id: 0x1234, name: 'web.appnet', qtype: 1, qclass: 1, rd: true });
    expect(parseQuery(Buffer.alloc(5))).toBeNull();
  });

  it('answers with one A record per address, pointing at the question name', () => {
    const q = query('web');
    const a = buildAnswer(q, parseQuery(q)!, ['10.89.0.2', '10.89.0.3']);
    expect(a.readUInt16BE(0)).toBe(0x1234);
    expect(a.readUInt16BE(2) & 0x8000).toBe(0x8000); // a response
    expect(a.readUInt16BE(2) & 0xf).toBe(0); // NOERROR
    expect(a.readUInt16BE(6)).toBe(2); // two answers
    const first = q.length;
    expect(a.readUInt16BE(first)).toBe(0xc00c);
    expect([...a.subarray(first + 12, first + 16)]).toEqual([10, 89, 0, 2]);
    expect([...a.subarray(first + 28, first + 32)]).toEqual([10, 89, 0, 3]);
  });

  it('rotates the addresses of a shared alias between answers', () => {
    const ips = ['a', 'b', 'c'];
    expect([0, 1, 2, 3].map((n) => rotate(ips, n)[0])).toEqual(['a', 'b', 'c', 'a']);
    expect(rotate([], 5)).toEqual([]);
  });
});
