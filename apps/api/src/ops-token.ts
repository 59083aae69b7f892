import { timingSafeEqual } from 'node:crypto';
import { AppError } from '@sqlfleet/core';
import type { FastifyRequest } from 'fastify';

/**
 * Guards the views of the whole fleet (backlog, proctor page, metrics) when an OPS_TOKEN is set:
 * the token comes as `Authorization: Bearer …` (Prometheus, scripts) or `?token=` (a proctor's browser).
 */
export function opsTokenGuard(token: string): (request: FastifyRequest) => Promise<void> {
  const expected = Buffer.from(token);
  return async (request) => {
    if (token === '') return;
    const header = request.headers.authorization;
    const query = (request.query as Record<string, unknown> | undefined)?.token;
    const given = header?.startsWith('Bearer ') ? header.slice(7) : typeof query === 'string' ? query : '';
    const offered = Buffer.from(given);
    if (offered.length !== expected.length || !timingSafeEqual(offered, expected)) {
      throw new AppError('OPS_TOKEN_REQUIRED');
    }
  };
}
