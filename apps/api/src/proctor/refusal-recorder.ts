import { roomNameSchema, sessionIdSchema } from '@sqlfleet/contracts';
import { ENGINE_NAMES, type EngineName, isAppError, type Logger, RepeatFolder } from '@sqlfleet/core';
import type { ProctorServices } from './proctor-services.ts';

/** A refused query's text is kept only this long in the audit trail (it may be a 4 MiB body). */
const REFUSED_SQL_CHARS = 4_096;

/**
 * A query of a room that the API refused (rate limit, full queue, bad input) shows on that
 * room's dashboard and in its audit trail: a proctor must see students being turned away.
 * Only requests naming a valid room count; recording never changes the answer.
 */
export async function recordRefusal(
  proctor: ProctorServices,
  body: unknown,
  clientId: string,
  error: unknown,
  /** The process's logger, not a request's child: refusals of every request fold into one line. */
  logger: Logger,
): Promise<void> {
  if (!isAppError(error) || (error.status >= 500 && error.code !== 'QUEUE_FULL')) return;
  const fields = (body ?? {}) as Record<string, unknown>;
  const room = roomNameSchema.safeParse(fields.room);
  if (!room.success) return;
  const sessionId = sessionIdSchema.safeParse(fields.sessionId);
  const engine = (ENGINE_NAMES as readonly unknown[]).includes(fields.engine) ? (fields.engine as EngineName) : '';
  try {
    await proctor.stats.refused(room.data, error.code);
    await proctor.audit.append({
      at: new Date().toISOString(),
      room: room.data,
      sessionId: sessionId.success ? sessionId.data : '',
      clientId,
      engine,
      jobId: '',
      outcome: 'refused',
      code: error.code,
      durationMs: 0,
      waitMs: 0,
      sql: typeof fields.query === 'string' ? fields.query.slice(0, REFUSED_SQL_CHARS) : '',
    });
  } catch (recordError) {
    // Refusals come in bursts (Redis away: every query refused), so does this.
    RepeatFolder.of(logger).warn({ err: recordError }, 'could not record a refused query');
  }
}
