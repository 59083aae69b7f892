export {
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SubmitAck,
  sessionRoom,
} from './events.ts';
export { type ExamRequest, type ExamStatus, examRequestSchema } from './exam.ts';
export type { JobState, JobStatus, QueryJob, SessionSchema } from './job.ts';
export { type OutcomeKind, type OutcomeLabel, outcomeOf } from './query-outcome.ts';
export {
  type QueryRequest,
  type QuerySubmit,
  queryRequestSchema,
  roomNameSchema,
  type SampleData,
  sampleDataSchema,
  sessionIdSchema,
} from './query-request.ts';
export type {
  Column,
  EarlierRun,
  QueryLimits,
  QueryOutcome,
  QueryResult,
  ResultSet,
  SandboxState,
  SqlError,
} from './result.ts';
export { type RoomLimitsRequest, roomLimitsSchema } from './room-limits.ts';
export { type SandboxTarget, targetKey } from './sandbox-target.ts';
