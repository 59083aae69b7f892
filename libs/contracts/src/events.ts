import type { QuerySubmit } from './query-request.ts';
import type { QueryResult } from './result.ts';

export type SubmitAck = { jobId: string; sessionId: string } | { error: { code: string; message: string } };

export interface ClientToServerEvents {
  'query:submit': (payload: QuerySubmit, ack: (answer: SubmitAck) => void) => void;
  /** Join a session's room to receive its results (a reconnecting client). */
  'session:watch': (sessionId: string, ack?: (answer: { ok: boolean }) => void) => void;
}

export interface ServerToClientEvents {
  'query:result': (result: QueryResult) => void;
  'query:failed': (failure: { jobId: string; sessionId: string; error: { code: string; message: string } }) => void;
}

/** Socket.IO room that every socket watching a session joins. */
export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;
