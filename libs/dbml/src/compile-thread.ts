/**
 * The worker-thread side of `SchemaCompiler`: compiles what it is sent and answers with the
 * batches, or with the AppError's code, message and details.
 */
import { parentPort } from 'node:worker_threads';
import { isAppError } from '@sqlfleet/core';
import type { CompileInput } from './compile-input.ts';
import { compileSchema } from './compile-schema.ts';

export interface CompileRequest {
  id: number;
  input: CompileInput;
}

export type CompileReply =
  | { id: number; ok: true; batches: string[]; fingerprint: string }
  | { id: number; ok: false; code: string; message: string; details: Record<string, unknown> };

parentPort?.on('message', ({ id, input }: CompileRequest) => {
  let reply: CompileReply;
  try {
    const { batches, fingerprint } = compileSchema(input);
    reply = { id, ok: true, batches, fingerprint };
  } catch (error) {
    reply = isAppError(error)
      ? { id, ok: false, code: error.code, message: error.message, details: error.details }
      : {
          id,
          ok: false,
          code: 'INTERNAL',
          message: error instanceof Error ? error.message : String(error),
          details: {},
        };
  }
  parentPort?.postMessage(reply);
});
