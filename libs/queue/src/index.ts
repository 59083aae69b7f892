export { AUDIT_FIELDS, type AuditEntry, AuditLog, type AuditLogOptions } from './audit-log.ts';
export { type Backlog, readBacklog } from './backlog.ts';
export { DrainHomes } from './drain-homes.ts';
export { DrainQueues } from './drain-queue.ts';
export { type HomedSession, HomeQueue } from './home-queue.ts';
export { type JobFailure, JobStore } from './job-store.ts';
export { FleetKeys } from './keys.ts';
export { LuaScript } from './lua-script.ts';
export {
  type DrainJobData,
  type DrainStart,
  type EnqueueChecks,
  type EnqueueRefusal,
  type EnqueueResult,
  Mailbox,
  type MailboxItem,
  type MailboxOptions,
  mailboxOptions,
  type NewJob,
  NO_ROOM,
  type TakenItem,
} from './mailbox.ts';
export { addFillJobs, createPrewarmQueue, type PrewarmJobData } from './prewarm-queue.ts';
export { closeRedis, connectRedis, FAIL_FAST, isRedisDown, redisReady, warnIfVolatile } from './redis-connection.ts';
export { parseAnnouncement, ResultPublisher, type RoomEmitter } from './result-publisher.ts';
export { RoomLimits, type RoomLimitsValue } from './room-limits.ts';
export {
  BUCKET_MS,
  type FinishedQuery,
  type Percentiles,
  RoomStats,
  type RunningQuery,
  type ScopeFigures,
  WINDOW_BUCKETS,
} from './room-stats.ts';
export { SOCKET_STREAM_MAX_LEN } from './socket-stream.ts';
export { TransactionJournal } from './transaction-journal.ts';
export { HEARTBEAT_STALE_MS, type WorkerHeartbeat, WorkerHeartbeats } from './worker-heartbeats.ts';
