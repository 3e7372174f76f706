/**
 * `search TERM`: Docker Hub's search API for a plain term; for `REGISTRY/TERM` (a private
 * registry or a mirror, which have no search API) the registry's `/v2/_catalog` listing,
 * keeping the repositories whose name contains TERM. When Docker Hub cannot be reached and
 * `registry-mirrors` are configured (a host without internet, pulling through a mirror), a
 * plain term searches the first mirror's catalog instead, with docker's short names
 * (`library/nginx` is `nginx`, official), and says so on stderr. Answers are checked with zod.
 */
import { z } from 'zod';
import { UserError } from '../errors';
import { RegistryClient } from './registry/client';
import { originEndpoints, pullEndpoints } from './registry/endpoint';
import { DEFAULT_DOMAIN } from './reference';
import { send, TransportError } from './registry/transport';

export interface SearchResult { Name: string; Description: string; StarCount: number; IsOfficial: boolean; IsAutomated: boolean }

const HubAnswer = z.object({
  results: z.array(z.object({
    name: z.string(),
    description: z.string().nullable().default(''),
    star_count: z.number().default(0),
    is_official: z.boolean().default(false),
    is_automated: z.boolean().default(false),
  })),
});
const Catalog = z.object({ repositories: z.array(z.string()).nullable().default([]) });

const HUB_SEARCH = 'https://index.docker.io/v1/search';

/** "127.0.0.1:5000/ngi" → registry + term; "nginx" → Docker Hub. Docker's rule: a host has a '.' or ':' or is localhost. */
export function splitSearchTerm(term: string): { registry: string | null; term: string } {
  const slash = term.indexOf('/');
  if (slash > 0) {
    const head = term.slice(0, slash);
    if (head.includes('.') || head.includes(':') || head === 'localhost') return { registry: head, term: term.slice(slash + 1) };
  }
  return { registry: null, term };
}

async function readJson(res: import('node:http').IncomingMessage, what: string): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new UserError(`${what}: the answer is not JSON`, 1);
  }
}

/** The repositories of a registry's catalog whose name contains `term`, sorted. */
async function catalogMatches(client: RegistryClient, what: string, term: string): Promise<string[]> {
  const res = await client.request('/v2/_catalog?n=1000', { what });
  const parsed = Catalog.safeParse(await readJson(res, what));
  if (!parsed.success) throw new UserError(`${what}: unexpected answer: ${parsed.error.issues[0].message}`, 1);
  return (parsed.data.repositories ?? []).filter((name) => name.includes(term)).sort();
}

export async function searchImages(query: string, limit: number, note: (line: string) => void = () => undefined): Promise<SearchResult[]> {
  const { registry, term } = splitSearchTerm(query);
  if (registry === null) {
    const url = `${HUB_SEARCH}?q=${encodeURIComponent(term)}&n=${limit}`;
    let res;
    try {
      res = await send(url, { method: 'GET' });
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      const mirror = pullEndpoints(DEFAULT_DOMAIN).find((m) => m.mirror);
      if (!mirror) throw new UserError(`error searching Docker Hub: ${e.message}`, 1);
      note(`Docker Hub cannot be reached (${e.message}): searching the catalog of the registry mirror ${mirror.base}`);
      const names = await catalogMatches(new RegistryClient(mirror, ''), `catalog of ${mirror.base}`, term);
      return names.slice(0, limit).map((name) => ({
        Name: name.replace(/^library\//, ''), Description: '', StarCount: 0, IsOfficial: name.startsWith('library/'), IsAutomated: false,
      }));
    }
    if (res.statusCode !== 200) { res.resume(); throw new UserError(`error searching Docker Hub: HTTP ${res.statusCode}`, 1); }
    const parsed = HubAnswer.safeParse(await readJson(res, 'Docker Hub search'));
    if (!parsed.success) throw new UserError(`Docker Hub search: unexpected answer: ${parsed.error.issues[0].message}`, 1);
    return parsed.data.results.slice(0, limit).map((r) => ({
      Name: r.name, Description: r.description ?? '', StarCount: r.star_count, IsOfficial: r.is_official, IsAutomated: r.is_automated,
    }));
  }
  const client = new RegistryClient(originEndpoints(registry)[0], '');
  return (await catalogMatches(client, `catalog of ${registry}`, term))
    .slice(0, limit)
    .map((name) => ({ Name: `${registry}/${name}`, Description: '', StarCount: 0, IsOfficial: false, IsAutomated: false }));
}

/** `--filter is-official=true`, `is-automated=false`, `stars=N` (docker's three). */
export function searchFilter(filters: string[]): (r: SearchResult) => boolean {
  const tests: ((r: SearchResult) => boolean)[] = [];
  for (const f of filters) {
    const i = f.indexOf('=');
    const key = i < 0 ? f : f.slice(0, i);
    const value = i < 0 ? '' : f.slice(i + 1);
    const bool = () => {
      if (value !== 'true' && value !== 'false' && value !== '1' && value !== '0') throw new UserError(`invalid filter '${key}=${value}'`, 1);
      return value === 'true' || value === '1';
    };
    if (key === 'is-official') { const want = bool(); tests.push((r) => r.IsOfficial === want); }
    else if (key === 'is-automated') { const want = bool(); tests.push((r) => r.IsAutomated === want); }
    else if (key === 'stars') {
      const n = Number(value);
      if (!/^\d+$/.test(value)) throw new UserError(`invalid filter 'stars=${value}'`, 1);
      tests.push((r) => r.StarCount >= n);
    } else throw new UserError(`invalid filter '${key}'`, 1);
  }
  return (r) => tests.every((t) => t(r));
}
