/** `system df` (cli/df-format.ts): Docker's summary, and -v's four sections with Docker's columns and words. */
import { describe, expect, it } from 'vitest';
import { dfSummary, dfVerbose } from '../../src/cli/df-format';

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
});
