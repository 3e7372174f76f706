/**
 * Shell completion: what may come next on a mini-run command line.
 *
 * The shell scripts (`mini-run completion bash|zsh|fish`) are thin: at each TAB they run
 * `mini-run __complete WORD… CURRENT` (the words typed after `mini-run`, the last one being
 * the word under the cursor, maybe empty) and offer the lines it prints; when it prints none,
 * the shell completes file names. The answer comes from the commands' own yargs definitions
 * (command-shape.ts), so a new flag completes without touching this file, and from the state
 * root for names (containers, images, volumes, networks) — as Docker's completion asks dockerd.
 */
import type { CommandModule } from 'yargs';
import { isListed, namesOf, shapeOf, type CommandShape } from './command-shape';

type Command = CommandModule<any, any>;

export interface ContainerName { name: string; state: 'running' | 'paused' | 'stopped' }

/** Where names come from (the state root; a test can hand in its own). */
export interface NameSource {
  containers(): ContainerName[];
  images(): string[];
  volumes(): string[];
  networks(): string[];
}

/** Flags every command takes (main.ts's global options and yargs' --help). */
const GLOBAL_FLAGS: CommandShape['flags'] = new Map([
  ['--root', { takesValue: true, name: 'root' }],
  ['--trace', { takesValue: false, name: 'trace' }],
  ['--help', { takesValue: false, name: 'help' }],
]);

const SIGNALS = ['KILL', 'TERM', 'INT', 'HUP', 'QUIT', 'USR1', 'USR2', 'STOP', 'CONT'];

/** The values some flags take, by the flag's long name (and the command, where names clash). */
function flagValues(flag: string, command: string, names: NameSource): string[] {
  switch (flag) {
    case 'network': case 'net': return ['bridge', 'host', 'none', ...names.networks()];
    case 'volumes-from': case 'link': return names.containers().map((c) => c.name);
    case 'volume': return names.volumes();
    case 'log-driver': return ['json-file', 'local', 'none'];
    case 'restart': return ['no', 'always', 'on-failure', 'unless-stopped'];
    case 'type': return command === 'inspect' ? ['container', 'image', 'network', 'volume'] : [];
    case 'signal': return SIGNALS;
    case 'driver': return command === 'create' ? ['bridge', 'macvlan', 'ipvlan', 'local'] : [];
    default: return [];
  }
}

/** Which containers a command can act on: `stop` only running ones, `start` only stopped ones, … */
const CONTAINER_STATES: Record<string, ContainerName['state'][]> = {
  stop: ['running'], kill: ['running', 'paused'], pause: ['running'], unpause: ['paused'],
  exec: ['running'], attach: ['running'], top: ['running'], port: ['running', 'paused'], stats: ['running'],
  start: ['stopped'],
};

/** The names an operand takes, from its name in the command's definition (`rm <containers..>`). */
function operandValues(path: string[], operand: string, names: NameSource): string[] {
  const command = path[path.length - 1];
  const group = path.length > 1 ? path[0] : null;
  const containers = () => {
    const states = CONTAINER_STATES[command];
    return names.containers().filter((c) => !states || states.includes(c.state)).map((c) => c.name);
  };
  switch (operand) {
    case 'container': case 'containers': return containers();
    case 'image': case 'images': case 'source': return names.images();
    case 'network': return names.networks();
    case 'name': return command === 'push' ? names.images() : [];
    case 'names': return group === 'volume' ? names.volumes() : command === 'inspect' ? [...containers(), ...names.images()] : [];
    case 'shell': return ['bash', 'zsh', 'fish'];
    default: return [];
  }
}

/** `<containers..>` → { name: 'containers', variadic: true } for each operand of `rm <containers..>`. */
function operandsOf(c: Command): Array<{ name: string; variadic: boolean }> {
  return String(c.command).split(' ').slice(1).map((w) => ({ name: w.replace(/^[<[]|[\]>]$/g, '').replace(/\.\.$/, ''), variadic: w.includes('..') }));
}

/**
 * Does flag token `t` consume the next word as its value? `--memory` yes, `--memory=1g` no,
 * `-it` no, `-p` yes, `-p80:80` no (a short flag taking a value takes the rest of its token).
 */
function consumesNext(t: string, flags: CommandShape['flags']): boolean {
  if (t.includes('=')) return false;
  if (t.startsWith('--')) return flags.get(t)?.takesValue ?? false;
  const letters = t.slice(1);
  for (let i = 0; i < letters.length; i++) {
    if (flags.get(`-${letters[i]}`)?.takesValue) return i === letters.length - 1;
  }
  return false;
}

/** The candidates for the word under the cursor (`words` = what follows `mini-run`, the last being that word). */
export function complete(words: string[], commands: Command[], names: NameSource): string[] {
  const cur = words.length ? words[words.length - 1] : '';
  const before = words.slice(0, -1);
  let choices: Command[] | null = commands.filter(isListed); // what the next plain word may name
  let cmd: Command | null = null;
  let flags = GLOBAL_FLAGS;
  const path: string[] = [];
  const operands: string[] = [];
  let dashDash = false;
  let valueOf: string | null = null; // the flag whose value is the word under the cursor
  for (let i = 0; i < before.length; i++) {
    const t = before[i];
    if (dashDash) { operands.push(t); continue; }
    if (t === '--') { dashDash = true; continue; }
    if (t.startsWith('-') && t !== '-') {
      if (consumesNext(t, flags)) {
        if (i === before.length - 1) valueOf = flags.get(t)?.name ?? flags.get(`-${t[t.length - 1]}`)?.name ?? null;
        i++;
      }
      continue;
    }
    const next = choices?.find((c) => namesOf(c).includes(t));
    if (choices && next) {
      cmd = next;
      path.push(t);
      const shape = shapeOf(next);
      flags = new Map([...GLOBAL_FLAGS, ...shape.flags]);
      choices = shape.subcommands.length ? shape.subcommands.filter(isListed) : null;
      continue;
    }
    if (choices && !cmd) return []; // not a command of ours: nothing to offer
    choices = null;
    operands.push(t);
  }
  const startsWith = (list: string[], prefix: string) => [...new Set(list)].filter((s) => s.startsWith(prefix)).sort();
  const command = path[path.length - 1] ?? '';
  if (valueOf) return startsWith(flagValues(valueOf, command, names), cur);
  if (!dashDash && cur.startsWith('-')) {
    const eq = cur.indexOf('=');
    if (cur.startsWith('--') && eq > 0) {
      const flag = flags.get(cur.slice(0, eq));
      return flag?.takesValue ? startsWith(flagValues(flag.name, command, names).map((v) => cur.slice(0, eq + 1) + v), cur) : [];
    }
    return startsWith([...flags.keys()], cur);
  }
  if (choices) return startsWith(choices.flatMap((c) => namesOf(c).slice(0, 1)), cur);
  if (!cmd) return [];
  // After `run IMAGE` (or `exec CONTAINER`) comes the container's own command line: files.
  const declared = operandsOf(cmd);
  const last = declared[declared.length - 1];
  const operand = operands.length < declared.length ? declared[operands.length] : last?.variadic ? last : null;
  if (!operand || dashDash) return [];
  const taken = operand.variadic ? new Set(operands) : new Set<string>();
  return startsWith(operandValues(path, operand.name, names).filter((n) => !taken.has(n)), cur);
}

/** The scripts `mini-run completion SHELL` prints; each asks `mini-run __complete` at every TAB. */
export const SHELL_SCRIPTS: Record<'bash' | 'zsh' | 'fish', string> = {
  bash: `# mini-run completion for bash. Load it now:  source <(mini-run completion bash)
# or for every shell:  mini-run completion bash > /etc/bash_completion.d/mini-run
_mini_run_complete() {
  local line=\${COMP_LINE:0:COMP_POINT} cur
  local -a words
  read -r -a words <<< "$line"
  [[ $line == *[[:space:]] ]] && words+=("")
  cur=\${words[\${#words[@]}-1]}
  local IFS=$'\\n'
  COMPREPLY=($("\${words[0]}" __complete "\${words[@]:1}" 2>/dev/null))
  # bash replaces only what follows the last ':' or '=' of the word (COMP_WORDBREAKS)
  local done=\${cur##*[=:]}
  [[ $done != "$cur" ]] && COMPREPLY=("\${COMPREPLY[@]#"\${cur%"$done"}"}")
  return 0
}
complete -o default -F _mini_run_complete mini-run
`,
  zsh: `#compdef mini-run
# mini-run completion for zsh. Load it now:  source <(mini-run completion zsh)
# or for every shell:  mini-run completion zsh > "\${fpath[1]}/_mini-run"
_mini_run() {
  local -a candidates
  candidates=("\${(@f)$(\${words[1]} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ -n \${candidates[1]} ]]; then
    compadd -Q -- "\${candidates[@]}"
  else
    _files
  fi
}
if (( $+functions[compdef] )); then compdef _mini_run mini-run; fi
`,
  fish: `# mini-run completion for fish. Load it now:  mini-run completion fish | source
# or for every shell:  mini-run completion fish > ~/.config/fish/completions/mini-run.fish
function __mini_run_complete
    set -l typed (commandline -opc)
    set -l cur (commandline -ct)
    set -l out ($typed[1] __complete $typed[2..-1] "$cur" 2>/dev/null)
    if test (count $out) -gt 0
        printf '%s\\n' $out
    else
        __fish_complete_path "$cur"
    end
end
complete -c mini-run -f -a '(__mini_run_complete)'
`,
};
