import { AppError } from '@sqlfleet/core';
import type { FastifyRequest } from 'fastify';
import { type AccessResolver, tokenOf } from './proctor/proctor-access.ts';

/**
 * Guards the fleet-wide operator views (metrics, the queue UI, making proctor tokens) when an
 * OPS_TOKEN is set: the token comes as `Authorization: Bearer …` (Prometheus, scripts) or `?token=`.
 */
export function opsTokenGuard(access: AccessResolver): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (!access.isOps(tokenOf(request.headers.authorization, request.query))) throw new AppError('OPS_TOKEN_REQUIRED');
  };
}
