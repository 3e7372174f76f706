/** The Go text/template subset behind `--format` / `inspect -f`, checked against Go's behaviour. */
import { describe, expect, it } from 'vitest';
import { goQuote, renderTemplate, sprintf, Template, TemplateError } from '../../src/cli/template';
import { renderInspectFormat } from '../../src/cli/format';
import { goNamed, goNilSlice, goStruct } from '../../src/go-values';

/** A cut-down `docker inspect` document. */
const inspect = {
  Id: '3f2a9c01b7de5a1c0e6b2b1c1d7f5f2e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d',
  Name: '/web',
  Path: 'sh',
  Args: ['-c', 'echo hi'],
  RestartCount: 0,
  State: { Status: 'running', Running: true, Paused: false, Pid: 4242, ExitCode: 0 },
  Config: {
    Env: ['PATH=/usr/bin', 'A=1'],
    Cmd: ['sh', '-c', 'echo hi'],
    Entrypoint: null,
    Labels: { 'com.example': 'yes', b: '2', a: '1' },
  },
  Mounts: [{ Source: '/srv/a', Destination: '/a' }, { Source: '/srv/b', Destination: '/b' }],
  NetworkSettings: { Networks: { bridge: { IPAddress: '10.88.0.2' } } },
  Ratio: 0.25,
};

const r = (t: string, data: unknown = inspect) => renderTemplate(t, data);
const err = (t: string, data: unknown = inspect) => {
  try {
    renderTemplate(t, data);
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return (e as Error).message;
  }
  throw new Error(`expected ${t} to fail`);
};

describe('docker-typical formats', () => {
  it('reads nested fields: {{.State.Status}}', () => {
    expect(r('{{.State.Status}}')).toBe('running');
    expect(r('{{.State.Pid}} {{.Name}}')).toBe('4242 /web');
  });
  it('prints compact JSON with {{json}}', () => {
    expect(r('{{json .Config.Env}}')).toBe('["PATH=/usr/bin","A=1"]');
    expect(r('{{json .State}}')).toBe('{"Status":"running","Running":true,"Paused":false,"Pid":4242,"ExitCode":0}');
    expect(r('{{json .Config.Entrypoint}}')).toBe('null');
    expect(r('{{json .Nope}}')).toBe('null');
    expect(r('{{json "<a&b>"}}')).toBe('"<a&b>"'); // docker turns HTML escaping off
  });
  it('ranges over a list: {{range .Mounts}}{{.Source}} {{end}}', () => {
    expect(r('{{range .Mounts}}{{.Source}} {{end}}')).toBe('/srv/a /srv/b ');
  });
  it('indexes a map by a key with dots: {{index .Config.Labels "com.example"}}', () => {
    expect(r('{{index .Config.Labels "com.example"}}')).toBe('yes');
  });
  it('joins a list: {{join .Args " "}}', () => {
    expect(r('{{join .Args " "}}')).toBe('-c echo hi');
  });
  it('branches: {{if .State.Running}}up{{else}}down{{end}}', () => {
    expect(r('{{if .State.Running}}up{{else}}down{{end}}')).toBe('up');
    expect(r('{{if .State.Paused}}up{{else}}down{{end}}')).toBe('down');
  });
  it('ranges over a map in sorted key order, like Go', () => {
    expect(r('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}')).toBe('a=1;b=2;com.example=yes;');
  });
  it('pipes into printf: {{.Name | printf "%-10s"}}', () => {
    expect(r('[{{.Name | printf "%-10s"}}]')).toBe('[/web      ]');
  });
  it('reaches into a map of maps: the IP address of each network', () => {
    expect(r('{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}')).toBe('10.88.0.2');
    expect(r('{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{$n.IPAddress}}{{end}}')).toBe('bridge 10.88.0.2');
  });
});

describe('printing values like Go', () => {
  it('prints lists as [a b] and maps as map[k:v] with sorted keys', () => {
    expect(r('{{.Config.Cmd}}')).toBe('[sh -c echo hi]');
    expect(r('{{.Config.Labels}}')).toBe('map[a:1 b:2 com.example:yes]');
    expect(r('{{.Mounts}}')).toBe('[map[Destination:/a Source:/srv/a] map[Destination:/b Source:/srv/b]]');
    expect(r('{{.X}}', { X: [1, null, true] })).toBe('[1 <nil> true]');
  });
  it('prints a Go struct as {v1 v2} in field order, a nil slice as [] (JSON null), as Docker does', () => {
    const policy = goStruct({ Name: 'no', MaximumRetryCount: 0 });
    const state = goStruct({ Status: 'created', Error: '' }, ['Status', 'Error', 'Pid']);
    const ports = { '80/tcp': goNilSlice(), '81/tcp': [goStruct({ HostIp: '', HostPort: '8080' })] };
    expect(r('{{.P}}|{{.S}}|{{.Ports}}|{{.E}}', { P: policy, S: state, Ports: ports, E: { '80/tcp': goStruct({}) } }))
      .toBe('{no 0}|{created  }|map[80/tcp:[] 81/tcp:[{ 8080}]]|map[80/tcp:{}]');
    expect(r('{{json .Ports}}', { Ports: ports })).toBe('{"80/tcp":null,"81/tcp":[{"HostIp":"","HostPort":"8080"}]}');
    expect(JSON.stringify(ports)).toBe('{"80/tcp":null,"81/tcp":[{"HostIp":"","HostPort":"8080"}]}');
  });
  it('prints integers without .0, floats shortest, booleans as true/false', () => {
    expect(r('{{.RestartCount}} {{.State.Pid}} {{.Ratio}} {{.State.Running}}')).toBe('0 4242 0.25 true');
    expect(r('{{.X}}', { X: 1e-7 })).toBe('1e-07');
  });
  it('prints <no value> for a missing field or null, and missing stays missing down a chain', () => {
    expect(r('{{.Nope}}')).toBe('<no value>');
    expect(r('{{.Nope.Deeper}}')).toBe('<no value>');
    expect(r('{{.Config.Entrypoint}}')).toBe('<no value>');
  });
  it('gives "" for a missing key of a string map with index (docker labels), <no value> otherwise', () => {
    expect(r('[{{index .Config.Labels "missing"}}]')).toBe('[]');
    expect(r('[{{index .State "missing"}}]')).toBe('[<no value>]');
  });
});

describe('actions and whitespace', () => {
  it('keeps text outside actions', () => {
    expect(r('id={{.RestartCount}}\tok\n')).toBe('id=0\tok\n');
    expect(r('no actions at all')).toBe('no actions at all');
  });
  it('trims whitespace next to {{- and -}}', () => {
    expect(r('a  \n {{- .State.Pid -}} \n  b')).toBe('a4242b');
    expect(r('{{range .Args -}}\n  [{{.}}]\n{{- end}}')).toBe('[-c][echo hi]');
  });
  it('reads {{-3}} as the number -3, not a trim marker', () => {
    expect(r('x {{-3}}')).toBe('x -3');
  });
  it('skips comments', () => {
    expect(r('a{{/* a comment */}}b {{- /* trimmed */ -}} c')).toBe('abc');
  });
});

describe('variables', () => {
  it('declares, uses and reassigns variables; $ is the root', () => {
    expect(r('{{$id := .Id}}{{slice $id 0 12}}')).toBe('3f2a9c01b7de');
    expect(r('{{range .Mounts}}{{$.Name}}:{{.Destination}} {{end}}')).toBe('/web:/a /web:/b ');
    expect(r('{{$n := 1}}{{if .State.Running}}{{$n = 2}}{{end}}{{$n}}')).toBe('2');
    expect(r('{{$s := .State}}{{$s.Status}}')).toBe('running');
  });
  it('gives range the index and element', () => {
    expect(r('{{range $i, $a := .Args}}{{$i}}={{$a}},{{end}}')).toBe('0=-c,1=echo hi,');
    expect(r('{{range $a := .Args}}<{{$a}}>{{end}}')).toBe('<-c><echo hi>');
  });
  it('scopes variables to their control structure', () => {
    expect(err('{{if .State}}{{$x := 1}}{{end}}{{$x}}')).toBe('template: :1: undefined variable "$x"');
  });
});

describe('control structures', () => {
  it('range: {{else}} for an empty or missing list, break and continue', () => {
    expect(r('{{range .Nope}}x{{else}}none{{end}}')).toBe('none');
    expect(r('{{range .Config.Entrypoint}}x{{else}}none{{end}}')).toBe('none');
    expect(r('{{range $i, $e := .Args}}{{if $i}}{{break}}{{end}}{{$e}}{{end}}')).toBe('-c');
    expect(r('{{range .Args}}{{if eq . "-c"}}{{continue}}{{end}}{{.}}{{end}}')).toBe('echo hi');
    expect(r('{{range 3}}{{.}}{{end}}')).toBe('012');
  });
  it('if / else if / else', () => {
    const t = '{{if eq .State.Status "exited"}}E{{else if eq .State.Status "running"}}R{{else}}?{{end}}';
    expect(r(t)).toBe('R');
    expect(r(t, { State: { Status: 'exited' } })).toBe('E');
    expect(r(t, { State: { Status: 'dead' } })).toBe('?');
  });
  it('if treats empty values as false', () => {
    const t = '{{if .X}}T{{else}}F{{end}}';
    expect([0, '', [], {}, null, false, undefined].map((X) => r(t, { X })).join('')).toBe('FFFFFFF');
    expect([1, 'a', [0], { a: 1 }, true].map((X) => r(t, { X })).join('')).toBe('TTTTT');
  });
  it('with sets dot, and has an else', () => {
    expect(r('{{with .State}}{{.Status}}/{{.Pid}}{{end}}')).toBe('running/4242');
    expect(r('{{with .Nope}}x{{else}}none{{end}}')).toBe('none');
    expect(r('{{with $s := .State}}{{$s.Pid}}{{end}}')).toBe('4242');
  });
  it('parenthesized pipelines and fields on their result', () => {
    expect(r('{{(index .Mounts 1).Destination}}')).toBe('/b');
    expect(r('{{len (index .Config.Cmd 2)}}')).toBe('7');
  });
});

describe('functions', () => {
  it('len counts list items, map keys and string bytes (like Go)', () => {
    expect(r('{{len .Args}} {{len .Config.Labels}} {{len "héllo"}}')).toBe('2 3 6');
  });
  it('index walks several keys and indexes lists', () => {
    expect(r('{{index .Config.Cmd 0}}')).toBe('sh');
    expect(r('{{index .NetworkSettings.Networks "bridge" "IPAddress"}}')).toBe('10.88.0.2');
    expect(r('{{index .Mounts 0 "Source"}}')).toBe('/srv/a');
  });
  it('upper, lower, title, split, truncate, pad', () => {
    expect(r('{{upper .State.Status}} {{lower "ABC"}} {{title "hello wide world"}}')).toBe('RUNNING abc Hello Wide World');
    expect(r('{{split "a:b:c" ":"}} {{index (split "a:b:c" ":") 1}}')).toBe('[a b c] b');
    expect(r('{{truncate .Id 12}}|{{pad "x" 1 2}}|{{pad "" 1 2}}|')).toBe('3f2a9c01b7de| x  ||');
  });
  it('print and println', () => {
    expect(r('{{print "a" 1 2 "b"}}')).toBe('a1 2b'); // spaces only between non-strings
    expect(r('{{println "a" 1}}')).toBe('a 1\n');
    expect(r('{{range .Args}}{{println .}}{{end}}')).toBe('-c\necho hi\n');
  });
  it('comparisons: eq (with several candidates), ne, lt, le, gt, ge', () => {
    expect(r('{{eq .State.Status "exited" "running"}} {{ne .RestartCount 0}}')).toBe('true false');
    expect(r('{{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}')).toBe('true true true false');
    expect(r('{{eq .Nope .AlsoNope}}')).toBe('true');
  });
  it('and / or return the deciding value and stop early; not negates', () => {
    expect(r('{{and .State.Running .State.Pid}} {{and .State.Paused .State.Pid}}')).toBe('4242 false');
    expect(r('{{or .Config.Entrypoint .Config.Cmd}}')).toBe('[sh -c echo hi]');
    expect(r('{{or .State.Status (index .Args 99)}}')).toBe('running'); // index never runs
    expect(r('{{not .State.Running}} {{not ""}}')).toBe('false true');
  });
  it('calls function-valued fields like Go methods: {{.Label "key"}}', () => {
    const data = { Labels: { a: 'b' }, Label(this: { Labels: Record<string, string> }, k: string) { return this.Labels[k] ?? ''; } };
    expect(r('{{.Label "a"}}|{{.Label "zz"}}|{{"a" | .Label}}', data)).toBe('b||b');
  });
  it('never exposes JavaScript internals as fields', () => {
    expect(r('{{.toString}} {{.constructor}}', {})).toBe('<no value> <no value>');
  });
});

describe('printf', () => {
  it('formats %s %d %v %q with widths and precision', () => {
    expect(sprintf('%s|%5s|%-5s|%.2s', ['ab', 'ab', 'ab', 'abc'])).toBe('ab|   ab|ab   |ab');
    expect(sprintf('%d|%5d|%-5d|%05d|%+d', [42, 42, 42, -42, 42])).toBe('42|   42|42   |-0042|+42');
    expect(sprintf('%v %v %v', [[1, 'a'], { b: 1, a: 2 }, true])).toBe('[1 a] map[a:2 b:1] true');
    expect(sprintf('%q %q', ['say "hi"\n', 97])).toBe(`"say \\"hi\\"\\n" 'a'`);
  });
  it('formats floats, hex, bools and %%', () => {
    expect(sprintf('%.2f %f %e %g', [3.14159, 1.5, 1234.5, 0.000012])).toBe('3.14 1.500000 1.234500e+03 1.2e-05');
    // Exact halves round to even in Go (JavaScript's toFixed would give 0.3 and 3).
    expect(sprintf('%.1f %.0f %.0f %.1f', [0.25, 2.5, 3.5, 0.35])).toBe('0.2 2 4 0.3');
    expect(sprintf('%x %X %#x %x %t 100%%', [255, 255, 255, 'hi', false])).toBe('ff FF 0xff 6869 false 100%');
  });
  it('reports bad verbs, missing and extra arguments the way Go does', () => {
    expect(sprintf('%d', ['x'])).toBe('%!d(string=x)');
    expect(sprintf('%s', [5])).toBe('%!s(int=5)');
    expect(sprintf('%s %s', ['a'])).toBe('a %!s(MISSING)');
    expect(sprintf('%s', ['a', 1])).toBe('a%!(EXTRA int=1)');
  });
  it('works inside templates', () => {
    expect(r('{{printf "%s has %d args" .Path (len .Args)}}')).toBe('sh has 2 args');
    expect(r('{{printf "%.1f%%" .Ratio}}')).toBe('0.2%');
  });
  it('quotes strings like strconv.Quote', () => {
    expect(goQuote('a\tb"c\\é\x01')).toBe('"a\\tb\\"c\\\\é\\x01"');
  });
});

describe('errors, in one line shaped like Go', () => {
  it('cannot evaluate a field of a non-object', () => {
    // Go reports a chain at its second element: `.State.Status.Foo` → column of `.Status`.
    expect(err('{{.State.Status.Foo}}')).toBe('template: :1:8: executing "" at <.State.Status.Foo>: can\'t evaluate field Foo in type string');
    expect(err('{{.Args.X}}')).toBe('template: :1:7: executing "" at <.Args.X>: can\'t evaluate field X in type []interface {}');
    expect(err('{{.Config.Entrypoint.X}}')).toContain('nil pointer evaluating interface {}.X');
  });
  it('reports the line and column of the failing action', () => {
    expect(err('line one\n  {{index .Args 5}}')).toBe('template: :2:4: executing "" at <index .Args 5>: error calling index: index out of range: 5');
  });
  it('rejects unknown functions, unclosed actions and stray keywords at parse time', () => {
    expect(err('{{foo .X}}')).toBe('template: :1: function "foo" not defined');
    expect(err('{{.Name')).toBe('template: :1: unclosed action');
    expect(err('{{end}}')).toBe('template: :1: unexpected {{end}}');
    expect(err('{{if .X}}no end')).toBe('template: :1: unexpected EOF');
    expect(err('{{break}}')).toBe('template: :1: {{break}} outside {{range}}');
    expect(err('{{$nope}}')).toBe('template: :1: undefined variable "$nope"');
    expect(err('{{"unterminated}}')).toBe('template: :1: unterminated quoted string');
    expect(err('{{define "x"}}{{end}}')).toContain('not supported');
  });
  it('rejects wrong calls at run time', () => {
    expect(err('{{eq .Name 1}}')).toContain('error calling eq: incompatible types for comparison');
    expect(err('{{len 3}}')).toContain('error calling len: len of type int');
    expect(err('{{join .Name ","}}')).toContain('error calling join: wrong type for value; expected []string; got string');
    expect(err('{{upper}}')).toContain('wrong number of args for upper: want 1 got 0');
    expect(err('{{.Name "x"}}')).toContain('Name is not a method but has arguments');
    expect(err('{{range .Name}}{{end}}')).toContain("range can't iterate over /web");
  });
  it('can treat a missing field as an error (missingkey=error)', () => {
    expect(() => renderTemplate('{{.Nope}}', {}, { missingKey: 'error' })).toThrow('map has no entry for key "Nope"');
  });
  it('never evaluates JavaScript', () => {
    expect(err('{{process.exit 1}}')).toBe('template: :1: function "process" not defined');
  });
});

describe('Template', () => {
  it('parses once and executes many times', () => {
    const t = Template.parse('{{.A}}-{{.B}}');
    expect([{ A: 1, B: 2 }, { A: 'x', B: 'y' }].map((d) => t.execute(d))).toEqual(['1-2', 'x-y']);
  });
  it('keeps the output produced before an error', () => {
    try {
      Template.parse('ok {{index .L 3}}').execute({ L: [] });
    } catch (e) {
      expect((e as TemplateError).partial).toBe('ok ');
    }
  });
});

describe('a field the value lacks (docker: a struct names its type, a map under missingkey=error)', () => {
  it('a Go struct marked with its type name: an error naming it, whatever missingkey says; present fields print', () => {
    const v = goNamed({ Client: goNamed({ Version: '1' }, 'system.clientVersion') }, 'system.versionInfo');
    expect(renderTemplate('{{.Client.Version}}', v)).toBe('1');
    expect(() => renderTemplate('{{.Nope}}', v)).toThrow(`template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type system.versionInfo`);
    expect(() => renderTemplate('{{.Client.Nope}}', v, { name: 'version' }))
      .toThrow(`template: version:1:9: executing "version" at <.Client.Nope>: can't evaluate field Nope in type system.clientVersion`);
    expect(renderTemplate('{{.Nope}}', { a: 1 })).toBe('<no value>'); // a plain map, default missingkey
  });

  it('inspect -f: each object on its line, a failing one an error in order with the others, an empty line when nothing printed', () => {
    const f = '{{.Id}}{{.State.Nope}}';
    expect(renderInspectFormat(f, [{ error: 'Error: No such object: x' }, { doc: { Id: 'a', State: {} } }])).toEqual({
      out: '\n', errors: ['Error: No such object: x', 'template parsing error: template: :1:15: executing "" at <.State.Nope>: map has no entry for key "Nope"'],
    });
    expect(renderInspectFormat('{{.Id}}', [{ doc: { Id: 'a' } }, { error: 'e' }, { doc: { Id: 'b' } }])).toEqual({ out: 'a\nb\n', errors: ['e'] });
    // a field docker's struct has but this document omits (no healthcheck) is nil, as in docker
    expect(renderInspectFormat('{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.HostConfig.ShmSize}}', [{ doc: { State: {}, HostConfig: {} } }]))
      .toEqual({ out: 'none <no value>\n', errors: [] });
    expect(renderInspectFormat('{{.Nope}}', [{ doc: { Name: 'v' }, goType: 'volume.Volume' }]).errors)
      .toEqual([`template parsing error: template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type volume.Volume`]);
  });
});
