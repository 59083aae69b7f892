import { roomLimitsSchema, roomNameSchema } from '@sqlfleet/contracts';
import { AppError } from '@sqlfleet/core';
import { RoomLimits } from '@sqlfleet/queue';
import type { FastifyInstance } from 'fastify';
import { opsTokenGuard } from '../ops-token.ts';
import type { ApiServices } from '../services.ts';

/**
 * A room's share of the fleet (fairness, issue 9 item 6): `PUT /api/rooms/:room/limits
 * { concurrency?, priority? }` (ops token; `null` restores the configured default) and its GET.
 */
export function registerRoomLimitsRoutes(app: FastifyInstance, services: ApiServices): void {
  const { redis, keys, config } = services;
  const limits = new RoomLimits(redis, keys, config.rooms);
  const opsOnly = { preHandler: opsTokenGuard(services.proctor.access) };
  const roomOf = (params: { room: string }) => {
    if (!roomNameSchema.safeParse(params.room).success)
      throw new AppError('VALIDATION_FAILED', 'room: letters, digits, _ . : - (at most 64)');
    return params.room;
  };

  app.get<{ Params: { room: string } }>('/api/rooms/:room/limits', opsOnly, async (request) => {
    const room = roomOf(request.params);
    return { room, ...(await limits.get(room)) };
  });

  app.put<{ Params: { room: string } }>('/api/rooms/:room/limits', opsOnly, async (request) => {
    const room = roomOf(request.params);
    const parsed = roomLimitsSchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
      throw new AppError('VALIDATION_FAILED', `${issues[0]?.path || 'body'}: ${issues[0]?.message}`, {
        details: { issues },
      });
    }
    return { room, ...(await limits.set(room, parsed.data)) };
  });
}
