import { randomUUID } from 'node:crypto';
import { AppError, ERROR_CODES, isErrorCode, type Logger } from '@sqlfleet/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { clientIdOf } from '../client-id.ts';
import { recordRefusal } from '../proctor/refusal-recorder.ts';
import type { ApiServices } from '../services.ts';
import { validateCounted, validateRequest } from '../validate-request.ts';

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function registerQueryRoutes(app: FastifyInstance, services: ApiServices, logger: Logger): void {
  const { config, submissions, waiter, jobs, rateLimiter } = services;

  /**
   * Validation, rate limit and enqueue; a refusal is counted on its room's dashboard. Waiting starts
   * before the job exists, so its result cannot slip past unseen (and nothing is read back).
   */
  const accept = async (request: FastifyRequest, clientId: string) => {
    try {
      const body = await validateCounted(() => validateRequest(request.body, config.limits), clientId, rateLimiter);
      const jobId = body.requestId ?? randomUUID();
      const result = body.wait ? waiter.wait(jobId, config.waitTimeoutMs, { submitted: false }) : undefined;
      try {
        return { body, result, submitted: await submissions.submit(body, clientId, undefined, jobId) };
      } catch (error) {
        waiter.cancel(jobId);
        throw error;
      }
    } catch (error) {
      await recordRefusal(services.proctor, request.body, clientId, error, logger);
      throw error;
    }
  };

  app.post('/api/query', async (request, reply) => {
    const clientId = clientIdOf(request.headers, request.ip);
    const { body, result, submitted } = await accept(request, clientId);
    request.log.info({ ...submitted, engine: body.engine }, 'query accepted');
    if (!result) return reply.status(202).send(submitted);

    // Held up to WAIT_TIMEOUT_MS, a sandbox start included; past it the client gets 202 and fetches the job.
    const status = await result;
    if (status?.state === 'done' && status.result) return reply.send(status.result);
    if (status?.state === 'failed' && status.error) {
      const code = status.error.code;
      const httpStatus = isErrorCode(code) ? ERROR_CODES[code].status : ERROR_CODES.JOB_FAILED.status;
      return reply.status(httpStatus).send({ error: { ...status.error }, ...submitted });
    }
    return reply.status(202).send({ ...submitted, state: status?.state ?? 'queued' });
  });

  app.get<{ Params: { jobId: string } }>('/api/jobs/:jobId', async (request) => {
    const { jobId } = request.params;
    const status = JOB_ID.test(jobId) ? await jobs.get(jobId) : undefined;
    if (!status) throw new AppError('JOB_NOT_FOUND', `Job ${jobId} does not exist or its result has expired`);
    return status;
  });
}
