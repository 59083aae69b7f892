import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';
import type { DrainJobData } from './mailbox.ts';

/** The producer side of the drain queue; API replicas and the reaper share its name. */
export function createDrainQueue(connection: Redis, keys: FleetKeys): Queue<DrainJobData> {
  return new Queue<DrainJobData>(keys.drainQueue, { connection, prefix: 'bull' });
}
