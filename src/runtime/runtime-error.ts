/** An error of the runtime with docker's exit code (125 runtime, 126 cannot execute, 127 not found). */
export class RuntimeError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 125) {
    super(message);
    this.name = 'RuntimeError';
    this.exitCode = exitCode;
  }
}
