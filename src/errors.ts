/**
 * UserError: a failure the user can act on. The CLI prints its message as one line (no stack)
 * and exits with its code — docker's conventions: 125 for an error of the runtime itself,
 * 126 when the program cannot be executed, 127 when it is not found, 1 for a bad command.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 125) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}
