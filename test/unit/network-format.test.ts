/**
 * `network ls --format`: docker's placeholders for one network, all strings, keys in the order
 * `--format json` prints them; a creation time as Go prints a time.Time.
 */
import { describe, expect, it } from 'vitest';
import { goTimeWithFraction, networkTemplateData } from '../../src/cli/network-format';
import { renderFormat } from '../../src/cli/format';
import { NETWORK_HEADERS } from '../../src/cli/network-format';

const net = { id: 'ab'.repeat(32), name: 'appnet', driver: 'bridge', internal: true, labels: { team: 'blue', 'com.example.tier': 'db' }, created: '2026-12-05T03:12:45.120Z' };

describe('network ls --format', () => {
  it('the placeholders: 12-hex ID (64 with --no-trunc), IPv6/Internal as words, labels sorted, Label "key"', () => {
    const d = networkTemplateData(net);
    expect(JSON.stringify(d)).toBe(`{"CreatedAt":"2026-12-05 03:12:45.12 +0000 UTC","Driver":"bridge","ID":"${'ab'.repeat(6)}","IPv4":"true","IPv6":"false","Internal":"true","Labels":"com.example.tier=db,team=blue","Name":"appnet","Scope":"local"}`);
    expect(d.Label('team')).toBe('blue');
    expect(d.Label('nope')).toBe('');
    expect(networkTemplateData(net, true).ID).toBe('ab'.repeat(32));
  });

  it('a table has docker\'s titles, aligned as its tabwriter; no time is Go\'s zero time', () => {
    const rows = [networkTemplateData(net), networkTemplateData({ ...net, id: 'cd'.repeat(32), name: 'none', driver: 'null', internal: false, labels: {}, created: '' })];
    expect(renderFormat('table {{.ID}}\t{{.Name}}\t{{.Internal}}\t{{.Label "com.example.tier"}}\t{{.CreatedAt}}', rows, { header: NETWORK_HEADERS, strict: true })).toBe(
      'NETWORK ID     NAME      INTERNAL   tier      CREATED AT\n'
      + 'abababababab   appnet    true       db        2026-12-05 03:12:45.12 +0000 UTC\n'
      + 'cdcdcdcdcdcd   none      false                0001-01-01 00:00:00 +0000 UTC\n');
    expect(goTimeWithFraction('2026-12-05T03:12:45.000Z')).toBe('2026-12-05 03:12:45 +0000 UTC');
  });
});
