export { type Backlog, readBacklog } from './backlog.ts';
export { createDrainQueue } from './drain-queue.ts';
export { type JobFailure, JobStore } from './job-store.ts';
export { FleetKeys } from './keys.ts';
export { type DrainJobData, Mailbox, type MailboxItem, NO_ROOM } from './mailbox.ts';
export { closeRedis, connectRedis } from './redis-connection.ts';
export { ResultPublisher, type RoomEmitter } from './result-publisher.ts';
