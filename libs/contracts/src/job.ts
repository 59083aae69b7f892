import type { EngineName } from '@sqlfleet/core';
import type { SampleData } from './query-request.ts';
import type { QueryLimits, QueryResult } from './result.ts';

/** One query as it waits in a session's mailbox. */
export interface QueryJob {
  jobId: string;
  sessionId: string;
  engine: EngineName;
  query: string;
  /** The schema this query expects; a query after a DBML change runs on the rebuilt sandbox. */
  fingerprint: string;
  limits: QueryLimits;
  room?: string;
  /** Who submitted it (rate-limit identity), for the room's audit trail. */
  clientId?: string;
  /** Socket.IO id of the submitting client, so the result reaches it directly. */
  socketId?: string;
  submittedAt: number;
}

/** The schema a session's sandbox is built from; changing it rebuilds the sandbox. */
export interface SessionSchema {
  dbml: string;
  data?: SampleData;
  /**
   * The DDL and seed batches compiled for the schema's engine by the API that checked it: workers build
   * from them without compiling again (loading the compiler's thread cost a worker 1.5–2 s of CPU at the
   * start of a burst). Run as the sandbox's own login, like a student's SQL.
   */
  batches?: readonly string[];
}

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface JobStatus {
  jobId: string;
  sessionId: string;
  state: JobState;
  result?: QueryResult;
  error?: { code: string; message: string };
}
