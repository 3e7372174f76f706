/**
 * Registry errors. The distribution spec answers failures with a JSON body
 *   {"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":…}]}
 * which docker shows as "<code in words>: <message>". We keep the status and the code so the
 * caller can turn "404 MANIFEST_UNKNOWN" into "manifest for alpine:nope not found".
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { UserError } from '../../errors';
import { readBody } from './transport';

const ErrorBody = z.object({
  errors: z.array(z.object({ code: z.string().optional(), message: z.string().optional() }).passthrough()),
}).passthrough();

export class RegistryError extends UserError {
  constructor(message: string, readonly status: number, readonly code: string | null) {
    super(message, 1);
  }
}

/** "MANIFEST_UNKNOWN" → "manifest unknown" (the words docker prints for a code). */
export function codeWords(code: string): string {
  return code.toLowerCase().replace(/_/g, ' ');
}

/** Read an error response's body (small, bounded) and make one line of it. */
export async function errorFromResponse(res: IncomingMessage, what: string): Promise<RegistryError> {
  const status = res.statusCode ?? 0;
  let body: Buffer = Buffer.alloc(0);
  try {
    body = await readBody(res, 64 << 10, what);
  } catch { /* keep the status alone */ }
  let code: string | null = null;
  let detail = '';
  try {
    const parsed = ErrorBody.safeParse(JSON.parse(body.toString()));
    if (parsed.success && parsed.data.errors.length) {
      const first = parsed.data.errors[0];
      code = first.code ?? null;
      const words = code ? codeWords(code) : '';
      detail = words && first.message && first.message !== words ? `${words}: ${first.message}` : (first.message ?? words);
    }
  } catch { /* not JSON */ }
  if (!detail) detail = status === 401 ? 'unauthorized' : `unexpected status ${status} ${res.statusMessage ?? ''}`.trim();
  return new RegistryError(`${what}: ${detail}`, status, code);
}
