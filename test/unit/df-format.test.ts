/** `system df` (cli/df-format.ts): Docker's summary, and -v's four sections with Docker's columns and words. */
import { describe, expect, it } from 'vitest';
import { dfSummary, dfVerbose, dfVerboseFormat } from '../../src/cli/df-format';

const NOW = Date.parse('2026-12-05T12:00:00Z');
const hex = (c: string) => c.repeat(64);
const ZERO = '0001-01-01T00:00:00Z';

describe('system df', () => {
  it('summary: TYPE TOTAL ACTIVE SIZE RECLAIMABLE with the reclaimable share', () => {
    expect(dfSummary([
      { type: 'Images', total: 2, active: 1, size: 4_000_000, reclaimable: 1_000_000 },
      { type: 'Build Cache', total: 0, active: 0, size: 0, reclaimable: 0 },
    ])).toBe([
      'TYPE          TOTAL     ACTIVE    SIZE      RECLAIMABLE',
      'Images        2         1         4MB       1MB (25%)',
      'Build Cache   0         0         0B        0B',
      '',
    ].join('\n'));
  });

  it('-v: images (first tag, SHARED/UNIQUE SIZE, CONTAINERS), containers (COMMAND, LOCAL VOLUMES, SIZE, CREATED, STATUS), volumes (LINKS), build cache — as Docker\'s CLI lays them out', () => {
    const out = dfVerbose({
      images: [
        { id: `sha256:${hex('a')}`, repoTag: 'docker.io/library/alpine:3.19', created: '2026-12-05T10:00:00Z', size: 1_990_000, sharedSize: 1_986_140, containers: 1 },
        { id: `sha256:${hex('b')}`, repoTag: null, created: '2026-05-01T00:00:00Z', size: 1_986_140, sharedSize: 1_986_140, containers: 0 },
      ],
      containers: [
        { id: hex('c'), name: 'web', image: 'alpine:3.19', imageId: `sha256:${hex('a')}`, command: ['sh', '-c', 'echo hello; sleep 300'], created: '2026-12-05T11:55:00Z',
          localVolumes: 2, size: 1_048_576, status: 'running', exitCode: 0, startedAt: '2026-12-05T11:58:00Z', finishedAt: ZERO },
        { id: hex('d'), name: 'made', image: hex('b').slice(0, 12), imageId: `sha256:${hex('b')}`, command: ['true'], created: '2026-12-05T11:59:59Z',
          localVolumes: 0, size: 0, status: 'created', exitCode: 0, startedAt: ZERO, finishedAt: ZERO },
      ],
      volumes: [{ name: 'data', links: 2, size: 4096 }],
      buildCacheSize: 0,
    }, NOW);
    expect(out.split('\n')).toEqual([
      'Images space usage:',
      '',
      'REPOSITORY   TAG       IMAGE ID       CREATED        SIZE      SHARED SIZE   UNIQUE SIZE   CONTAINERS',
      'alpine       3.19      aaaaaaaaaaaa   2 hours ago    1.99MB    1.986MB       3.86kB        1',
      '<none>       <none>    bbbbbbbbbbbb   7 months ago   1.99MB    1.986MB       0B            0',
      '',
      'Containers space usage:',
      '',
      'CONTAINER ID   IMAGE          COMMAND                  LOCAL VOLUMES   SIZE      CREATED         STATUS         NAMES',
      'cccccccccccc   alpine:3.19    "sh -c \'echo hello; …"   2               1.05MB    5 minutes ago   Up 2 minutes   web',
      'dddddddddddd   bbbbbbbbbbbb   "true"                   0               0B        1 second ago    Created        made',
      '',
      'Local Volumes space usage:',
      '',
      'VOLUME NAME   LINKS     SIZE',
      'data          2         4.1kB',
      '',
      'Build cache usage: 0B',
      '',
      'CACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED',
      '',
    ]);
  });

  it('-v --format: one template on the whole object (Images, Containers, Volumes, BuildCache), docker\'s errors after what was written', () => {
    const u = {
      images: [{ id: `sha256:${hex('a')}`, repoTag: 'docker.io/library/alpine:3.19', created: '2026-12-05T10:00:00Z', size: 1_990_000, sharedSize: 1_986_140, containers: 1 }],
      containers: [{ id: hex('c'), name: 'web', image: 'alpine:3.19', imageId: `sha256:${hex('a')}`, command: ['true'], created: '2026-12-05T11:55:00Z',
        localVolumes: 1, size: 0, status: 'created' as const, exitCode: 0, startedAt: ZERO, finishedAt: ZERO }],
      volumes: [{ name: 'data', links: 1, size: 4096 }],
    };
    const extras = { containers: new Map(), volumes: new Map([['data', { Driver: 'local', Labels: { a: '<b>' }, Mountpoint: '/v/data/_data' }]]) };
    const all = JSON.parse(dfVerboseFormat(u, extras, '{{json .}}', NOW).out);
    expect(Object.keys(all)).toEqual(['Images', 'Containers', 'Volumes', 'BuildCache']);
    expect(all.Images[0]).toMatchObject({ ID: `sha256:${hex('a')}`, Repository: 'alpine', Tag: '3.19', Containers: '1', Digest: '', SharedSize: '1.986MB', UniqueSize: '3.86kB', Size: '1.99MB' });
    expect(all.Containers[0]).toMatchObject({ ID: hex('c'), Command: '"true"', LocalVolumes: '1', Size: '0B', Names: 'web', State: 'created', Status: 'Created' });
    expect(all.Volumes[0]).toEqual({ Availability: 'N/A', Driver: 'local', Group: 'N/A', Labels: 'a=<b>', Links: '1', Mountpoint: '/v/data/_data', Name: 'data', Scope: 'local', Size: '4.1kB', Status: 'N/A' });
    expect(all.BuildCache).toEqual([]);
    // json.Marshal's escaping, `json` = `{{json .}}`, `table` dropped, spaces trimmed, no newline added
    expect(dfVerboseFormat(u, extras, 'json', NOW).out).toContain('"Labels":"a=\\u003cb\\u003e"');
    expect(dfVerboseFormat(u, extras, 'table  {{len .Images}}\\t{{range .Volumes}}{{.Label "a"}}{{end}} ', NOW)).toEqual({ out: '1\t<b>' });
    expect(dfVerboseFormat(u, extras, ' table {{len .Containers}} ', NOW)).toEqual({ out: 'table 1' }); // ("table" only as the very first word)
    // `table`: ids and commands truncated as docker's tables show them
    expect(dfVerboseFormat(u, extras, 'table {{range .Images}}{{.ID}}{{end}} {{range .Containers}}{{.ID}}{{end}}', NOW)).toEqual({ out: `${hex('a').slice(0, 12)} ${hex('c').slice(0, 12)}` });
    expect(dfVerboseFormat(u, extras, 'x{{.Type}}', NOW)).toEqual({ out: 'x', error: 'template: :1:3: executing "" at <.Type>: can\'t evaluate field Type in type *formatter.diskUsageContext' });
    expect(dfVerboseFormat(u, extras, '{{range .Containers}}{{.Nope}}{{end}}', NOW).error).toBe('template: :1:23: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext');
    expect(dfVerboseFormat(u, extras, '{{.Type', NOW)).toEqual({ out: '', error: 'template parsing error: template: :1: unclosed action' });
  });
});
