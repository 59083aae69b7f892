import { ENGINE_NAMES } from '@sqlfleet/core';
import { z } from 'zod';

/** Sample data beside DBML Records: `{ "table": [ { "col": value } ] }`. */
export const sampleDataSchema = z.record(z.string(), z.array(z.record(z.string(), z.unknown())));
export type SampleData = z.infer<typeof sampleDataSchema>;

/** Session ids are unguessable (server-made) but a client may bring one it was given. */
export const sessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'a session id from a previous answer');

/** An exam room's name, as clients, proctors and exams give it. */
export const roomNameSchema = z
  .string()
  .max(64)
  .regex(/^[\w.:-]+$/, 'letters, digits, _ . : -');

export const queryRequestSchema = z.object({
  sessionId: sessionIdSchema.optional(),
  engine: z.enum(ENGINE_NAMES),
  dbml: z.string().optional(),
  data: sampleDataSchema.optional(),
  query: z.string(),
  wait: z.boolean().default(true),
  timeoutMs: z.number().int().positive().optional(),
  room: roomNameSchema.optional(),
  /**
   * The client's own id for this submission (a lowercase UUID), which becomes its job id. Sent again
   * after an error that left it unknown whether the query was accepted (a 503, a dropped connection),
   * it answers the same job instead of running the query twice.
   */
  requestId: z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lowercase UUID')
    .optional(),
});

export type QueryRequest = z.infer<typeof queryRequestSchema>;
/** The Socket.IO `query:submit` payload: the POST body without `wait`. */
export type QuerySubmit = Omit<QueryRequest, 'wait'>;
