import { MAX_PRIORITY } from '@sqlfleet/core';
import { z } from 'zod';

/** Body of `PUT /api/rooms/:room/limits`: a room's share of the fleet; `null` restores the default. */
export const roomLimitsSchema = z
  .object({
    concurrency: z.number().int().min(0).max(100_000).nullable().optional(),
    priority: z.number().int().min(1).max(MAX_PRIORITY).nullable().optional(),
  })
  .strict();

export type RoomLimitsRequest = z.infer<typeof roomLimitsSchema>;
