/** docker's human formats: sizes, relative times, tables, --format templates. */
import { describe, expect, it } from 'vitest';
import { formatTable, humanDuration, humanSize, renderListFormat, renderTemplate, timeAgo } from '../../src/cli/format';
import { UserError } from '../../src/errors';

describe('CLI formats', () => {
  it('prints sizes like docker (decimal units, 3 significant digits)', () => {
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(999)).toBe('999B');
    expect(humanSize(4_261_550)).toBe('4.26MB');
    expect(humanSize(1_000)).toBe('1kB');
    expect(humanSize(77_800_000)).toBe('77.8MB');
    expect(humanSize(1_230_000_000)).toBe('1.23GB');
  });
  it('prints durations like docker', () => {
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(30_000)).toBe('30 seconds');
    expect(humanDuration(60_000)).toBe('About a minute');
    expect(humanDuration(3_600_000)).toBe('About an hour');
    expect(humanDuration(2 * 3_600_000)).toBe('2 hours');
    expect(humanDuration(3 * 86_400_000)).toBe('3 days');
    expect(humanDuration(21 * 86_400_000)).toBe('3 weeks');
    expect(humanDuration(100 * 86_400_000)).toBe('3 months');
    expect(humanDuration(3 * 365 * 86_400_000)).toBe('3 years');
    expect(timeAgo(new Date(Date.now() - 7_200_000).toISOString())).toBe('2 hours ago');
    expect(timeAgo(undefined)).toBe('N/A');
  });
  it('aligns tables like docker (min width 10, padding 3)', () => {
    expect(formatTable([['REPOSITORY', 'TAG', 'SIZE'], ['alpine', 'latest', '7MB']]))
      .toBe('REPOSITORY   TAG       SIZE\nalpine       latest    7MB\n');
  });
  it('renders the --format subset', () => {
    expect(renderTemplate('{{.Id}} {{.Config.Cmd}} {{json .Config.Env}}', { Id: 'x', Config: { Cmd: ['sh', '-c'], Env: ['A=1'] } }))
      .toBe('x [sh -c] ["A=1"]');
  });
});

describe('renderListFormat: --format of images, history, network ls, volume ls (docker\'s struct contexts)', () => {
  const items = () => [{ ID: 'f9a5623d7c9c', Digest: '<none>', Command: 'a && b' }];
  const header = { ID: 'IMAGE ID', Digest: 'DIGEST', Command: 'COMMAND' };

  it('a field the items lack, or a template that does not parse, is one line, exit 1 — with no item too', () => {
    for (const [format, list] of [['{{.Nope}}', items()], ['table {{.Nope}}', items()], ['{{.Nope', []], ['{{.ID}', items()]] as const) {
      let err: unknown;
      try { renderListFormat(format, [...list], header); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).exitCode).toBe(1);
      expect((err as Error).message).toMatch(/^template parsing error: template: :1/);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('json is json.Marshal\'s, as docker\'s contexts write themselves: <, > and & escaped; a json of one field is not', () => {
    expect(renderListFormat('json', items(), header)).toBe('{"ID":"f9a5623d7c9c","Digest":"\\u003cnone\\u003e","Command":"a \\u0026\\u0026 b"}\n');
    expect(renderListFormat('{{json .}}', items(), header)).toBe('{"ID":"f9a5623d7c9c","Digest":"\\u003cnone\\u003e","Command":"a \\u0026\\u0026 b"}\n');
    expect(renderListFormat('{{json .Digest}} {{.Command}}', items(), header)).toBe('"<none>" a && b\n');
    expect(renderListFormat('table {{.ID}}\t{{.Digest}}', items(), header)).toBe('IMAGE ID       DIGEST\nf9a5623d7c9c   <none>\n');
  });
});
