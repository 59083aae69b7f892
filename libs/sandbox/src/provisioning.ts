import type { SandboxTarget } from '@sqlfleet/contracts';
import { AppError, isAppError } from '@sqlfleet/core';
import type { Engine } from '@sqlfleet/engines';

/** What every provisioner needs: whether a handle still answers, and one way to report a failure. */

/** True when the target answers a trivial query (the handle in hand still works). */
export const answersPing = (engine: Engine, target: SandboxTarget): Promise<boolean> =>
  pingFailure(engine, target).then((failure) => failure === undefined);

/** Why the target does not answer a trivial query, or undefined when it does. */
export const pingFailure = (engine: Engine, target: SandboxTarget): Promise<unknown> =>
  engine.ping(target).then(
    () => undefined,
    (error: unknown) => error ?? new Error('ping failed'),
  );

/** Keeps AppErrors (SCHEMA_REJECTED, CONTAINER_ENGINE_DOWN…); anything else is a retryable SANDBOX_FAILED with its message. */
export function asSandboxError(error: unknown, what: string): AppError {
  if (isAppError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new AppError('SANDBOX_FAILED', `${what}: ${reason}`, { cause: error });
}
