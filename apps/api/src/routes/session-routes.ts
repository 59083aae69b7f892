import { sessionIdSchema } from '@sqlfleet/contracts';
import { AppError } from '@sqlfleet/core';
import type { FastifyInstance } from 'fastify';
import type { ApiServices } from '../services.ts';

export function registerSessionRoutes(app: FastifyInstance, services: ApiServices): void {
  const { mailbox, jobs, manager } = services;

  app.delete<{ Params: { sessionId: string } }>('/api/session/:sessionId', async (request, reply) => {
    const { sessionId } = request.params;
    if (!sessionIdSchema.safeParse(sessionId).success) {
      throw new AppError('SESSION_NOT_FOUND', `Session ${sessionId} does not exist or has expired`);
    }
    // Drop what waits first, so no worker starts another query on a sandbox about to go.
    const dropped = await mailbox.clear(sessionId);
    const existed = await manager.destroySession(sessionId);
    for (const job of dropped) {
      const status = await jobs.fail(job.jobId, { code: 'SESSION_NOT_FOUND', message: 'The session was deleted' });
      await services.publisher?.publish(status);
    }
    if (!existed) throw new AppError('SESSION_NOT_FOUND', `Session ${sessionId} does not exist or has expired`);
    request.log.info({ sessionId, dropped: dropped.length }, 'session deleted');
    return reply.status(204).send();
  });
}
