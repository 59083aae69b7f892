/**
 * The floors a warm query cannot go under (issue 9 item 7): the database driver alone on an open
 * connection to a warm sandbox, and a bare BullMQ round trip (add → a no-op worker finishes it).
 * The fleet's warm query is compared with their sum.
 */
import { randomBytes } from 'node:crypto';
import type { EngineName } from '@sqlfleet/core';
import { createLogger } from '@sqlfleet/core';
import { closeRedis, connectRedis } from '@sqlfleet/queue';
import { Queue, Worker } from 'bullmq';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createSandbox } from '../sandboxes.ts';
import { sequential } from '../stats.ts';
import type { Row } from '../table.ts';

export const FLOORS = { warmup: 200, iterations: 2_000 };

const REDIS = { kind: 'url', url: 'redis://127.0.0.1:6379' } as const;

export async function benchFloors(engines: readonly EngineName[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const engine of engines) rows.push(await driverFloor(engine));
  rows.push(await bullmqFloor());
  return rows;
}

/** `SELECT 1` through the bare driver on one open connection to a sandbox, as its login. */
async function driverFloor(engine: EngineName): Promise<Row> {
  const sandbox = await createSandbox(engine);
  const { target } = sandbox;
  try {
    if (engine === 'postgres') {
      const client = new pg.Client({ ...target });
      client.on('error', () => undefined);
      await client.connect();
      try {
        const summary = await sequential(() => client.query('SELECT 1'), FLOORS);
        return { suite: 'floors', case: 'postgres driver SELECT 1 (pg, open connection)', summary };
      } finally {
        await client.end();
      }
    }
    const connection = await mysql.createConnection({ ...target });
    try {
      const summary = await sequential(() => connection.query('SELECT 1'), FLOORS);
      return { suite: 'floors', case: 'mysql driver SELECT 1 (mysql2, open connection)', summary };
    } finally {
      await connection.end();
    }
  } finally {
    await sandbox.drop();
  }
}

/** One job at a time: Queue.add until a no-op Worker in this process has finished it. */
async function bullmqFloor(): Promise<Row> {
  const logger = createLogger({ name: 'bench', level: 'warn' });
  const name = `bfloor${randomBytes(5).toString('hex')}`;
  const producer = connectRedis(REDIS, logger);
  const consumer = connectRedis(REDIS, logger);
  const queue = new Queue(name, { connection: producer, prefix: 'bull' });
  const finished = new Map<string, () => void>();
  const worker = new Worker(name, async () => undefined, { connection: consumer, prefix: 'bull', concurrency: 1 });
  worker.on('completed', (job) => finished.get(job.id ?? '')?.());
  try {
    await worker.waitUntilReady();
    let n = 0;
    const roundTrip = async () => {
      const jobId = `j${++n}`;
      const done = new Promise<void>((resolve) => finished.set(jobId, resolve));
      await queue.add('noop', {}, { jobId, removeOnComplete: true });
      await done;
      finished.delete(jobId);
    };
    const summary = await sequential(roundTrip, FLOORS);
    return { suite: 'floors', case: 'BullMQ add → finished (no-op worker)', summary, note: 'one job at a time' };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await Promise.all([producer, consumer].map(closeRedis));
  }
}
