/** `ps` as docker presents it: columns, relative times, filters, selection and --format. */
import { describe, expect, it } from 'vitest';
import { ellipsis, humanDuration, renderFormat, renderTemplate, tabwrite } from '../../src/cli/format';
import {
  commandLine, commandText, createdText, filterContainers, formatUsesSize, imageText, parsePortsText, psFormat,
  PsView, psTemplateData, renderPs, renderPsTable, renderPsTemplate, selectContainers, sizeText, statusText, ZERO_TIME,
} from '../../src/cli/ps-format';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

let seq = 0;
function view(over: Partial<PsView> = {}): PsView {
  seq++;
  const hex = (seq.toString(16).padStart(4, '0') + 'ab').repeat(11).slice(0, 64);
  return {
    id: hex,
    name: `c${seq}`,
    image: 'mini-run/busybox',
    command: ['sh'],
    created: ago(10 * MIN),
    status: 'running',
    exitCode: 0,
    startedAt: ago(5 * MIN),
    finishedAt: ZERO_TIME,
    ports: '',
    labels: {},
    ...over,
  };
}

describe('HumanDuration (docker/go-units thresholds)', () => {
  it.each([
    [0, 'Less than a second'], [999, 'Less than a second'], [1 * S, '1 second'], [59 * S, '59 seconds'],
    [60 * S, 'About a minute'], [119 * S, 'About a minute'], [2 * MIN, '2 minutes'], [59 * MIN, '59 minutes'],
    [60 * MIN, 'About an hour'], [89 * MIN, 'About an hour'], [90 * MIN, '2 hours'], [47 * HOUR, '47 hours'],
    [48 * HOUR, '2 days'], [13 * DAY, '13 days'], [14 * DAY, '2 weeks'], [59 * DAY, '8 weeks'],
    [60 * DAY, '2 months'], [729 * DAY, '24 months'], [730 * DAY, '2 years'], [-5 * S, 'Less than a second'],
  ])('%d ms → %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('STATUS and CREATED columns', () => {
  it('reads like docker for every state', () => {
    expect(statusText(view({ status: 'created', startedAt: ZERO_TIME }), NOW)).toBe('Created');
    expect(statusText(view({ status: 'running', startedAt: ago(5 * MIN) }), NOW)).toBe('Up 5 minutes');
    expect(statusText(view({ status: 'running', startedAt: ago(500) }), NOW)).toBe('Up Less than a second');
    expect(statusText(view({ status: 'paused', startedAt: ago(5 * MIN) }), NOW)).toBe('Up 5 minutes (Paused)');
    expect(statusText(view({ status: 'restarting', exitCode: 1, finishedAt: ago(2 * S) }), NOW)).toBe('Restarting (1) 2 seconds ago');
    expect(statusText(view({ status: 'exited', exitCode: 0, finishedAt: ago(3 * MIN) }), NOW)).toBe('Exited (0) 3 minutes ago');
    expect(statusText(view({ status: 'exited', exitCode: 137, finishedAt: ago(2 * HOUR) }), NOW)).toBe('Exited (137) 2 hours ago');
    expect(statusText(view({ status: 'dead' }), NOW)).toBe('Dead');
    expect(statusText(view({ status: 'removing' }), NOW)).toBe('Removal In Progress');
  });
  it('shows a container whose start failed (exited, never started) as Created, like docker', () => {
    expect(statusText(view({ status: 'exited', exitCode: 127, startedAt: ZERO_TIME, finishedAt: ago(MIN) }), NOW)).toBe('Created');
  });
  it('adds the health state when there is a healthcheck', () => {
    expect(statusText(view({ health: 'healthy' }), NOW)).toBe('Up 5 minutes (healthy)');
    expect(statusText(view({ health: 'starting' }), NOW)).toBe('Up 5 minutes (health: starting)');
  });
  it('CREATED counts from creation', () => {
    expect(createdText(view({ created: ago(3 * DAY) }), NOW)).toBe('3 days ago');
    expect(createdText(view({ created: ago(45 * S) }), NOW)).toBe('45 seconds ago');
  });
});

describe('COMMAND, IMAGE and SIZE columns', () => {
  it('joins the command, single-quoting arguments that contain a space', () => {
    expect(commandLine(['sh', '-c', 'echo hi'])).toBe("sh -c 'echo hi'");
    expect(commandText(['sh', '-c', 'echo hi'], false)).toBe(`"sh -c 'echo hi'"`);
    expect(commandText([], false)).toBe('""');
  });
  it('cuts the command to 20 columns, the last being …, unless --no-trunc', () => {
    expect(commandText(['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;'], false)).toBe('"/docker-entrypoint.…"');
    expect(commandText(['/docker-entrypoint.sh', 'nginx'], true)).toBe('"/docker-entrypoint.sh nginx"');
    expect(commandText(['12345678901234567890'], false)).toBe('"12345678901234567890"'); // exactly 20: kept
    expect(commandText(['123456789012345678901'], false)).toBe('"1234567890123456789…"');
    expect(ellipsis('日本語のテキスト', 7)).toBe('日本語…'); // wide characters count 2 columns
  });
  it('escapes the command like strconv.Quote', () => {
    expect(commandText(['echo', 'say "hi"\n'], true)).toBe(`"echo 'say \\"hi\\"\\n'"`);
  });
  it('shows the image as given, without digest or docker.io prefix when truncating', () => {
    expect(imageText(view({ image: 'alpine:3.19' }), false)).toBe('alpine:3.19');
    expect(imageText(view({ image: 'alpine@sha256:' + 'a'.repeat(64) }), false)).toBe('alpine');
    expect(imageText(view({ image: 'alpine@sha256:' + 'a'.repeat(64) }), true)).toBe('alpine@sha256:' + 'a'.repeat(64));
    expect(imageText(view({ image: 'docker.io/library/nginx:1' }), false)).toBe('nginx:1');
    const id = 'sha256:' + 'b'.repeat(64);
    expect(imageText(view({ image: id, imageId: id }), false)).toBe('bbbbbbbbbbbb');
    expect(imageText(view({ image: '' }), false)).toBe('<no image>');
  });
  it('prints sizes like docker -s', () => {
    expect(sizeText(view({ sizeRw: 0, sizeRootFs: 4_261_550 }))).toBe('0B (virtual 4.26MB)');
    expect(sizeText(view({ sizeRw: 12_000 }))).toBe('12kB');
  });
});

describe('psTemplateData: docker placeholders', () => {
  it('has every placeholder, as strings', () => {
    const v = view({
      id: 'f'.repeat(64), name: 'web', command: ['sh', '-c', 'echo hi'], created: '2026-11-22T11:34:56.789Z',
      labels: { b: '2', a: '1' }, ports: '0.0.0.0:8080->80/tcp', sizeRw: 2, sizeRootFs: 21_500_000,
      mounts: [{ name: 'data', source: '/var/lib/mini-run/volumes/data/_data', destination: '/data', driver: 'local' }, { source: '/home/someone/project', destination: '/src' }],
      networks: ['bridge'],
    });
    const d = psTemplateData(v, { now: NOW });
    expect({ ...d }).toEqual({
      Command: `"sh -c 'echo hi'"`, CreatedAt: '2026-11-22 11:34:56 +0000 UTC', ID: 'ffffffffffff', Image: 'mini-run/busybox',
      Labels: 'a=1,b=2', LocalVolumes: '1', Mounts: 'data,/home/someone/…', Names: 'web', Networks: 'bridge',
      Ports: '0.0.0.0:8080->80/tcp', RunningFor: '25 minutes ago', Size: '2B (virtual 21.5MB)', State: 'running', Status: 'Up 5 minutes',
    });
    expect(d.Label('a')).toBe('1');
    expect(d.Label('nope')).toBe('');
    expect(psTemplateData(v, { now: NOW, noTrunc: true }).ID).toBe('f'.repeat(64));
  });
});

describe('filters', () => {
  const web = view({ name: 'web', labels: { app: 'shop', tier: 'front' }, image: 'nginx:1', created: ago(4 * MIN) });
  const db = view({ name: 'db', labels: { app: 'shop' }, image: 'postgres', status: 'exited', exitCode: 0, finishedAt: ago(MIN), created: ago(3 * MIN) });
  const job = view({ name: 'web-job', image: 'alpine', status: 'exited', exitCode: 2, finishedAt: ago(MIN), created: ago(2 * MIN) });
  const fresh = view({ name: 'fresh', status: 'created', startedAt: ZERO_TIME, created: ago(MIN) });
  const all = [web, db, job, fresh];
  const names = (vs: PsView[]) => vs.map((v) => v.name);

  it('name= matches a part of the name, or a regular expression', () => {
    expect(names(filterContainers(all, ['name=web']))).toEqual(['web-job', 'web']);
    expect(names(filterContainers(all, ['name=^web$']))).toEqual(['web']);
    expect(names(filterContainers(all, ['name=^/web$']))).toEqual(['web']); // docker's names start with '/'
  });
  it('id= matches an unambiguous id prefix', () => {
    expect(names(filterContainers(all, [`id=${db.id.slice(0, 6)}`]))).toEqual(['db']);
    expect(names(filterContainers(all, [`id=${db.id}`]))).toEqual(['db']);
    expect(filterContainers(all, ['id=zzz'])).toEqual([]);
  });
  it('label= needs the key (and value); several label filters must all match', () => {
    expect(names(filterContainers(all, ['label=app']))).toEqual(['db', 'web']);
    expect(names(filterContainers(all, ['label=tier=front']))).toEqual(['web']);
    expect(names(filterContainers(all, ['label=app=shop', 'label=tier']))).toEqual(['web']);
  });
  it('status= and exited=: values of one key are OR-ed, keys AND-ed', () => {
    expect(names(filterContainers(all, ['status=exited']))).toEqual(['web-job', 'db']);
    expect(names(filterContainers(all, ['status=created', 'status=running']))).toEqual(['fresh', 'web']);
    expect(names(filterContainers(all, ['exited=0']))).toEqual(['db']);
    expect(names(filterContainers(all, ['exited=0', 'exited=2']))).toEqual(['web-job', 'db']);
    expect(names(filterContainers(all, ['status=exited', 'name=web']))).toEqual(['web-job']);
  });
  it('exited= only matches containers that ran', () => {
    expect(names(filterContainers([view({ status: 'exited', exitCode: 0, startedAt: ZERO_TIME, name: 'never' })], ['exited=0']))).toEqual([]);
  });
  it('ancestor= matches the image reference (latest implied) or id, or asks a resolver', () => {
    expect(names(filterContainers(all, ['ancestor=nginx:1']))).toEqual(['web']);
    expect(names(filterContainers(all, ['ancestor=postgres:latest']))).toEqual(['db']);
    expect(names(filterContainers(all, ['ancestor=nginx', 'ancestor=alpine']))).toEqual(['web-job']);
    const withId = view({ name: 'byid', imageId: 'sha256:' + 'c'.repeat(64) });
    expect(names(filterContainers([withId], ['ancestor=cccccc']))).toEqual(['byid']);
    const resolver = (v: PsView, value: string) => value === 'base' && v.image.startsWith('nginx');
    expect(names(filterContainers(all, ['ancestor=base'], { ancestorMatches: resolver }))).toEqual(['web']);
  });
  it('before= and since= cut the list at a container given by name or id', () => {
    expect(names(filterContainers(all, ['before=job'].map((f) => f.replace('job', 'web-job'))))).toEqual(['db', 'web']);
    expect(names(filterContainers(all, [`since=${db.id.slice(0, 12)}`]))).toEqual(['fresh', 'web-job']);
    expect(() => filterContainers(all, ['since=nope'])).toThrow('No such container: nope');
  });
  it('publish= and expose= look at the ports', () => {
    const p = view({ name: 'p', ports: '0.0.0.0:8080->80/tcp, 9000-9001/udp' });
    expect(names(filterContainers([p], ['publish=8080']))).toEqual(['p']);
    expect(names(filterContainers([p], ['expose=80/tcp']))).toEqual(['p']);
    expect(names(filterContainers([p], ['expose=9001/udp']))).toEqual(['p']);
    expect(filterContainers([p], ['publish=80'])).toEqual([]);
    expect(() => filterContainers([p], ['publish=0.0.0.0:80'])).toThrow("filter for 'publish' should not contain ':': 0.0.0.0:80");
    expect(parsePortsText('[::]:8000-8001->80-81/tcp')).toEqual([
      { privatePort: 80, publicPort: 8000, proto: 'tcp' }, { privatePort: 81, publicPort: 8001, proto: 'tcp' },
    ]);
  });
  it('health=, volume=, network=', () => {
    const v = view({ name: 'v', mounts: [{ name: 'data', source: '/x', destination: '/data' }], networks: ['bridge'] });
    expect(names(filterContainers([v], ['health=none', 'volume=data', 'network=bridge']))).toEqual(['v']);
    expect(names(filterContainers([v], ['volume=/data']))).toEqual(['v']);
    expect(filterContainers([v], ['network=host'])).toEqual([]);
  });
  it("rejects what docker rejects, with docker's messages", () => {
    expect(() => filterContainers(all, ['foo=bar'])).toThrow("invalid filter 'foo'");
    expect(() => filterContainers(all, ['status=sleeping'])).toThrow("invalid filter 'status=sleeping'");
    expect(() => filterContainers(all, ['exited=x'])).toThrow('strconv.Atoi: parsing "x": invalid syntax');
    expect(() => filterContainers(all, ['name'])).toThrow('bad format of filter (expected name=value)');
  });
});

describe('which containers ps lists', () => {
  const old = view({ name: 'old', status: 'exited', finishedAt: ago(MIN), created: ago(3 * HOUR) });
  const up = view({ name: 'up', created: ago(2 * HOUR) });
  const paused = view({ name: 'paused', status: 'paused', created: ago(HOUR) });
  const newest = view({ name: 'newest', status: 'created', startedAt: ZERO_TIME, created: ago(MIN) });
  const all = [old, up, paused, newest];
  const names = (vs: PsView[]) => vs.map((v) => v.name);

  it('lists running (and paused) containers, newest first; -a adds the rest', () => {
    expect(names(selectContainers(all))).toEqual(['paused', 'up']);
    expect(names(selectContainers(all, { all: true }))).toEqual(['newest', 'paused', 'up', 'old']);
  });
  it('-n N and -l take the most recently created, whatever their state', () => {
    expect(names(selectContainers(all, { limit: 1 }))).toEqual(['newest']);
    expect(names(selectContainers(all, { limit: 3 }))).toEqual(['newest', 'paused', 'up']);
  });
  it('a status= filter implies -a', () => {
    expect(names(selectContainers(all, { filters: ['status=exited'] }))).toEqual(['old']);
  });
  it('exited= alone does not (docker needs -a for it)', () => {
    expect(selectContainers(all, { filters: ['exited=0'] })).toEqual([]);
  });
});

describe('renderPs', () => {
  const a = view({
    id: 'a1b2c3d4e5f6' + '0'.repeat(52), name: 'web', image: 'nginx:1', command: ['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;'],
    created: ago(10 * MIN), startedAt: ago(10 * MIN), ports: '0.0.0.0:8080->80/tcp', labels: { app: 'shop' }, sizeRw: 1200, sizeRootFs: 187_000_000,
  });
  const b = view({
    id: 'b1b2c3d4e5f6' + '0'.repeat(52), name: 'job', image: 'mini-run/busybox', command: ['sh', '-c', 'exit 3'],
    created: ago(2 * MIN), status: 'exited', exitCode: 3, startedAt: ago(2 * MIN), finishedAt: ago(MIN),
  });
  const views = [a, b];

  it("prints docker's default table", () => {
    expect(renderPs(views, { now: NOW })).toBe(
      'CONTAINER ID   IMAGE     COMMAND                  CREATED          STATUS          PORTS                  NAMES\n'
      + 'a1b2c3d4e5f6   nginx:1   "/docker-entrypoint.…"   10 minutes ago   Up 10 minutes   0.0.0.0:8080->80/tcp   web\n',
    );
  });
  it('-a adds stopped containers, newest first, and empty cells keep their column', () => {
    expect(renderPs(views, { all: true, now: NOW })).toBe(
      'CONTAINER ID   IMAGE              COMMAND                  CREATED          STATUS                          PORTS                  NAMES\n'
      + 'b1b2c3d4e5f6   mini-run/busybox   "sh -c \'exit 3\'"         2 minutes ago    Exited (3) About a minute ago                          job\n'
      + 'a1b2c3d4e5f6   nginx:1            "/docker-entrypoint.…"   10 minutes ago   Up 10 minutes                   0.0.0.0:8080->80/tcp   web\n',
    );
  });
  it('prints only the header when nothing matches', () => {
    expect(renderPs([], { now: NOW })).toBe('CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n');
  });
  it('-q prints ids only (full with --no-trunc)', () => {
    expect(renderPs(views, { all: true, quiet: true, now: NOW })).toBe('b1b2c3d4e5f6\na1b2c3d4e5f6\n');
    expect(renderPs(views, { quiet: true, noTrunc: true, now: NOW })).toBe(a.id + '\n');
  });
  it('-s adds SIZE', () => {
    const out = renderPs(views, { size: true, now: NOW }).split('\n');
    expect(out[0]).toMatch(/NAMES     SIZE$/);
    expect(out[1]).toMatch(/web       1\.2kB \(virtual 187MB\)$/);
  });
  it('--no-trunc shows full ids and commands', () => {
    const out = renderPs(views, { noTrunc: true, now: NOW });
    expect(out).toContain(a.id);
    expect(out).toContain('"/docker-entrypoint.sh nginx -g \'daemon off;\'"');
  });
  it('-l and -n N take the latest containers', () => {
    expect(renderPs(views, { latest: true, quiet: true, now: NOW })).toBe('b1b2c3d4e5f6\n');
    expect(renderPs(views, { last: 2, quiet: true, now: NOW })).toBe('b1b2c3d4e5f6\na1b2c3d4e5f6\n');
  });
  it('--format without table: one line per container, no header', () => {
    expect(renderPs(views, { all: true, format: '{{.Names}}: {{.Status}}', now: NOW })).toBe('job: Exited (3) About a minute ago\nweb: Up 10 minutes\n');
    expect(renderPs(views, { format: '{{.ID}}\\t{{.Label "app"}}', now: NOW })).toBe('a1b2c3d4e5f6\tshop\n');
  });
  it('--format "table …": header from the placeholder names, aligned columns', () => {
    expect(renderPs(views, { all: true, format: 'table {{.ID}}\\t{{.Names}}\\t{{.State}}\\t{{.Label "com.example.app-name"}}', now: NOW })).toBe(
      'CONTAINER ID   NAMES     STATE     app name\n'
      + 'b1b2c3d4e5f6   job       exited    \n'
      + 'a1b2c3d4e5f6   web       running   \n',
    );
    expect(renderPs(views, { format: 'table {{.Image}}\\t{{.CreatedAt}}\\t{{.RunningFor}}\\t{{.Labels}}\\t{{.Size}}', now: NOW })).toBe(
      'IMAGE     CREATED AT                      CREATED          LABELS     SIZE\n'
      + `nginx:1   ${a.created.slice(0, 10)} 11:50:00 +0000 UTC   10 minutes ago   app=shop   1.2kB (virtual 187MB)\n`,
    );
  });
  it('--format json prints each container as one line of JSON', () => {
    const line = JSON.parse(renderPs(views, { format: 'json', now: NOW }).trim());
    expect(Object.keys(line)).toEqual([...Object.keys(line)].sort());
    expect(line).toMatchObject({ ID: 'a1b2c3d4e5f6', Names: 'web', State: 'running', Status: 'Up 10 minutes' });
  });
  it('reports an unknown placeholder as docker does (an error), and a bad filter', () => {
    const nope = 'failed to execute template: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext';
    expect(() => renderPs(views, { format: '{{.Nope}}', now: NOW })).toThrow(nope);
    expect(() => renderPs([], { format: '{{.Nope}}', now: NOW })).toThrow(nope); // checked with no container too, as docker
    expect(renderPs([], { format: '{{.ID}} {{.Label "x"}} {{json .}}', now: NOW })).toBe('');
    expect(() => renderPs(views, { filters: ['foo=1'] })).toThrow("invalid filter 'foo'");
  });
  it('chooses the format like docker: -q wins, table default, raw', () => {
    expect(psFormat(undefined, true, true)).toBe('{{.ID}}');
    expect(psFormat('{{.Names}}', true, false)).toBe('{{.ID}}');
    expect(psFormat('table', false, true)).toMatch(/\t\{\{\.Size\}\}$/);
    expect(renderPs([a], { format: 'raw', now: NOW })).toBe(
      'container_id: a1b2c3d4e5f6\nimage: nginx:1\ncommand: "/docker-entrypoint.…"\n'
      + `created_at: ${a.created.slice(0, 10)} 11:50:00 +0000 UTC\nstate: running\nstatus: Up 10 minutes\nnames: web\nlabels: app=shop\nports: 0.0.0.0:8080->80/tcp\n\n`,
    );
    expect(formatUsesSize('table {{.Names}}\t{{.Size}}')).toBe(true);
    expect(formatUsesSize('{{.Names}}')).toBe(false);
  });
});

describe('the default table and -q without the template engine (ps-view renderPsTable)', () => {
  // Wide, East Asian and combining characters, quotes and control characters in the command,
  // ports, labels, every state: the direct table must be byte for byte the template's.
  const views = [
    view({ name: 'web', command: ['nginx', '-g', 'daemon off;'], ports: '0.0.0.0:8080->80/tcp, :::8080->80/tcp', labels: { a: '1' } }),
    view({ status: 'exited', exitCode: 3, finishedAt: ago(2 * HOUR), command: ['sh', '-c', 'echo "hi"\tthere\n'], image: 'docker.io/library/alpine@sha256:' + 'a'.repeat(64) }),
    view({ status: 'created', startedAt: ZERO_TIME, name: '日本語の名前', command: ['café', 'e\u0301', '😀😀😀😀😀😀😀😀😀😀😀'] }),
    view({ status: 'paused', sizeRw: 1234, sizeRootFs: 4_260_000, created: ago(3 * DAY) }),
    view({ status: 'restarting', exitCode: 1, finishedAt: ago(2 * S), command: [] }),
    view({ status: 'dead', image: '' }), view({ status: 'removing' }),
  ];
  const cases: Array<Parameters<typeof renderPs>[1]> = [
    {}, { all: true }, { all: true, noTrunc: true }, { all: true, size: true }, { size: true }, { quiet: true }, { all: true, quiet: true },
    { quiet: true, noTrunc: true }, { last: 2 }, { latest: true, quiet: true }, { all: true, filters: ['status=exited'] },
    { format: 'table' }, { format: '', all: true }, { format: 'table', quiet: true, all: true }, { format: '{{.Names}}', quiet: true, all: true },
  ];
  it.each(cases.map((c) => [JSON.stringify(c), c]))('%s', (_, c) => {
    const opts = { ...c, now: NOW };
    const direct = renderPsTable(views, opts);
    expect(direct).not.toBeNull();
    expect(direct).toBe(renderPsTemplate(views, opts));
    expect(renderPs(views, opts)).toBe(direct);
  });
  it('an empty list is the header alone, as the template makes it', () => {
    expect(renderPsTable([], { now: NOW })).toBe(renderPsTemplate([], { now: NOW }));
    expect(renderPsTable([], { now: NOW })).toBe('CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n');
  });
  it('leaves every other format to the template engine', () => {
    expect(renderPsTable(views, { all: true, format: '{{.ID}}', now: NOW })).toBe(renderPsTemplate(views, { all: true, format: '{{.ID}}', now: NOW }));
    for (const format of ['{{.Names}}', 'json', 'raw', 'table {{.ID}}', '{{.ID}} ', String.raw`table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}`]) {
      expect(renderPsTable(views, { all: true, format, now: NOW })).toBeNull();
      expect(renderPs(views, { all: true, format, now: NOW })).toBe(renderPsTemplate(views, { all: true, format, now: NOW }));
    }
  });
});

describe('tabwrite (Go tabwriter as docker configures it)', () => {
  it('pads tab-terminated cells to the widest + 3, at least 10; the last cell is not padded', () => {
    expect(tabwrite('a\tbb\tc\nlonger cell\tx\ty\n')).toBe('a             bb        c\nlonger cell   x         y\n');
  });
  it('aligns only contiguous lines that share a column', () => {
    expect(tabwrite('aaaa\tb\nno tabs here\nc\td\n')).toBe('aaaa      b\nno tabs here\nc         d\n');
  });
  it('counts wide characters as two columns', () => {
    expect(tabwrite('日本語語語\tx\na\ty\n')).toBe('日本語語語   x\na            y\n');
  });
});

describe('--format plumbing in format.ts', () => {
  it('renderTemplate expands a typed \\t and \\n in the text, not in the data', () => {
    expect(renderTemplate('{{.A}}\\t{{.B}}\\n', { A: 'x', B: 'a\\tb' })).toBe('x\ta\\tb\n');
    expect(renderTemplate('{{join .L "\\t"}}', { L: ['a', 'b'] })).toBe('a\tb'); // Go string escape
  });
  it('renderFormat: table header via the header map, json, plain', () => {
    const items = [{ Repository: 'alpine', Tag: '3.19' }];
    const header = { Repository: 'REPOSITORY', Tag: 'TAG' };
    expect(renderFormat('table {{.Repository}}\\t{{.Tag}}', items, { header })).toBe('REPOSITORY   TAG\nalpine       3.19\n');
    expect(renderFormat('table {{json .Repository}}\\t{{upper .Tag}}', items, { header })).toBe('REPOSITORY   TAG\n"alpine"     3.19\n');
    expect(renderFormat('json', items)).toBe('{"Repository":"alpine","Tag":"3.19"}\n');
    expect(renderFormat('{{.Repository}}:{{.Tag}}', items)).toBe('alpine:3.19\n');
  });
});
