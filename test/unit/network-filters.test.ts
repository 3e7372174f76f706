/** network ls --filter: dockerd's rules for each key (the live comparison is in docker-parity-run). */
import { describe, expect, it } from 'vitest';
import { networkMatches, parseNetworkFilters, type FilterableNetwork } from '../../src/cli/network-filters';

const net = (o: Partial<FilterableNetwork>): FilterableNetwork => ({ id: 'ab12cd34', name: 'web', driver: 'bridge', labels: {}, predefined: false, inUse: false, ...o });
const keep = (filters: string[], ...nets: FilterableNetwork[]) => nets.filter((n) => networkMatches(n, parseNetworkFilters(filters))).map((n) => n.name);

describe('network ls --filter', () => {
  const bridge = net({ name: 'bridge', predefined: true, id: 'ff00' });
  const none = net({ name: 'none', driver: 'null', predefined: true, id: 'ee00' });
  const web = net({ name: 'web', labels: { team: 'blue', tier: '' }, inUse: true });
  const db = net({ name: 'db', driver: 'macvlan', labels: { team: 'red' }, id: '99ab' });
  const all = [bridge, none, web, db];

  it('values of one key are alternatives, keys all hold', () => {
    expect(keep(['driver=null', 'driver=macvlan'], ...all)).toEqual(['none', 'db']);
    expect(keep(['driver=bridge', 'type=custom'], ...all)).toEqual(['web']);
  });

  it('name and id: equal, or a regular expression found anywhere; a bad expression matches only itself', () => {
    expect(keep(['name=one'], ...all)).toEqual(['none']);
    expect(keep(['name=^b'], ...all)).toEqual(['bridge']);
    expect(keep(['id=^99'], ...all)).toEqual(['db']);
    expect(keep(['id=ab'], ...all)).toEqual(['web', 'db']);
    expect(keep(['name=('], net({ name: '(' }), web)).toEqual(['(']);
  });

  it('label=K and label=K=V: every label filter must hold', () => {
    expect(keep(['label=team'], ...all)).toEqual(['web', 'db']);
    expect(keep(['label=team=red'], ...all)).toEqual(['db']);
    expect(keep(['label=team', 'label=tier'], ...all)).toEqual(['web']);
  });

  it('type, scope and dangling: predefined networks are builtin and never dangling', () => {
    expect(keep(['type=builtin'], ...all)).toEqual(['bridge', 'none']);
    expect(keep(['scope=local'], ...all)).toEqual(['bridge', 'none', 'web', 'db']);
    expect(keep(['scope=swarm'], ...all)).toEqual([]);
    expect(keep(['dangling=true'], ...all)).toEqual(['db']);
    expect(keep(['dangling=0'], ...all)).toEqual(['bridge', 'none', 'web']);
  });

  it('bad filters are refused in docker words, with its exit codes', () => {
    const refused = (f: string[]) => { try { parseNetworkFilters(f); return null; } catch (e) { return [(e as Error).message, (e as { exitCode?: number }).exitCode]; } };
    expect(refused(['bogus=1'])).toEqual(["Invalid filter 'bogus'", 1]);
    expect(refused(['nofilter'])).toEqual(['bad format of filter (expected name=value)', 125]);
    expect(refused(['type=other'])).toEqual(["invalid filter: 'type'='other'", 1]);
    expect(refused(['dangling=maybe'])).toEqual([`invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`, 1]);
    expect(refused(['dangling=true', 'dangling=false'])).toEqual(['got more than one value for filter key "dangling"', 1]);
  });
});
