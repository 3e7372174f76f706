/**
 * The docker command lines of the study notes (../shared/notes): what a learner types.
 *
 * A command line is a line of a code block (``` or ~~~ fences, indented or not) or a prompted
 * line (`$ `, `[root@host ~]# `, `user@host: `) that starts with `docker` or `sudo docker`;
 * a trailing `\` joins the next line, as the shell does. Lines that are templates, not
 * commands (`docker cp [복사할 파일 경로] [container]:[복사 경로]`), are returned with the
 * reason they cannot be typed as they are.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NoteCommand {
  /** "001:110": the notes file's number and the line the command starts on */
  where: string;
  command: string;
  /** why the line is a template and not a command, or undefined */
  template?: string;
}

const PROMPT = /^(?:\$ |\[[^\]]*\][#$] |[\w.-]+@[\w.-]+: )/;
const FENCE = /^(```|~~~)/;

export function noteCommands(dir: string): NoteCommand[] {
  const out: NoteCommand[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    let inCode = false;
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i].trim();
      if (FENCE.test(text)) { inCode = !inCode; continue; }
      const prompted = PROMPT.test(text);
      if (!inCode && !prompted) continue;
      const start = text.replace(PROMPT, '');
      if (!/^(sudo )?docker /.test(start)) continue;
      const where = `${file.slice(0, 3)}:${i + 1}`;
      let command = start;
      while (command.endsWith('\\') && i + 1 < lines.length) command = `${command.slice(0, -1).trimEnd()} ${lines[++i].trim()}`;
      const template = /\[[^\]]*\]/.test(command) ? 'a template: [placeholders] stand for what to type'
        : /[\u3131-\u318e\uac00-\ud7a3]/.test(command) ? 'a template: Korean words stand for what to type' : undefined;
      out.push({ where, command, template });
    }
  }
  return out;
}
