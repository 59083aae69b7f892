import { ENGINE_NAMES, type EngineName } from '@sqlfleet/core';
import { z } from 'zod';
import { roomNameSchema, sampleDataSchema } from './query-request.ts';

/** `POST /api/exams`: an exam room announced ahead, so its sandboxes are built before students arrive. */
export const examRequestSchema = z.object({
  room: roomNameSchema,
  engine: z.enum(ENGINE_NAMES),
  dbml: z.string(),
  data: sampleDataSchema.optional(),
  /** Students expected; the fleet pre-warms this many sandboxes plus headroom. */
  students: z.number().int().positive(),
});

export type ExamRequest = z.infer<typeof examRequestSchema>;

/** What `GET /api/exams/:room` answers. */
export interface ExamStatus {
  room: string;
  engine: EngineName;
  students: number;
  /** Sandboxes the fleet pre-warms in all: students plus headroom. */
  target: number;
  /** Seeded sandboxes waiting to be claimed. */
  ready: number;
  /** Sandboxes students' first queries have claimed. */
  claimed: number;
  /** First queries that found the pool empty and built their own sandbox. */
  missed: number;
  /** Being built now (or lost to a failed build not yet retried). */
  building: number;
  fingerprint: string;
  createdAt: string;
  expiresAt: string;
}
