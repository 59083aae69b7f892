export { type AuditEntry, AuditLog, type AuditLogOptions } from './audit-log.ts';
export { type Backlog, readBacklog } from './backlog.ts';
export { createDrainQueue } from './drain-queue.ts';
export { type JobFailure, JobStore } from './job-store.ts';
export { FleetKeys } from './keys.ts';
export { type DrainJobData, Mailbox, type MailboxItem, NO_ROOM } from './mailbox.ts';
export { addFillJobs, createPrewarmQueue, type PrewarmJobData } from './prewarm-queue.ts';
export { closeRedis, connectRedis } from './redis-connection.ts';
export { ResultPublisher, type RoomEmitter } from './result-publisher.ts';
export {
  BUCKET_MS,
  type FinishedQuery,
  type Percentiles,
  RoomStats,
  type ScopeFigures,
  WINDOW_BUCKETS,
} from './room-stats.ts';
export { type WorkerHeartbeat, WorkerHeartbeats } from './worker-heartbeats.ts';
