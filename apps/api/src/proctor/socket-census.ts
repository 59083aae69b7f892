import { randomBytes } from 'node:crypto';
import type { FleetKeys } from '@sqlfleet/queue';
import type { Redis } from 'ioredis';

/** Socket.IO room that a student's socket joins once it submits a query of that exam room. */
export const examRoom = (room: string): string => `exam:${room}`;

const STALE_MS = 10_000;

/**
 * Students connected, fleet-wide: each API replica writes how many of its own sockets are in
 * each exam room to Redis every tick, and reads every replica's counts back, so all replicas
 * show the same total (a replica that died stops counting once its figures are stale).
 */
export class SocketCensus {
  readonly replicaId = `api-${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
  ) {}

  /** False while Redis is unreachable (a write would wait for it). */
  ready(): boolean {
    return this.redis.status === 'ready';
  }

  /** Writes this replica's counts: exam room → sockets, and `*` → all its sockets. */
  async publish(rooms: ReadonlyMap<string, ReadonlySet<string>>, total: number): Promise<void> {
    const counts: Record<string, number> = { '*': total };
    for (const [name, members] of rooms) {
      if (name.startsWith('exam:')) counts[name.slice(5)] = members.size;
    }
    const key = this.keys.socketCounts(this.replicaId);
    await this.redis
      .multi()
      .del(key)
      .hset(key, counts)
      .pexpire(key, STALE_MS)
      .zadd(this.keys.socketReplicas, Date.now(), this.replicaId)
      .exec();
  }

  /** Students connected per room across every live replica, and `*` for all sockets. */
  async read(): Promise<Record<string, number>> {
    const since = Date.now() - STALE_MS;
    await this.redis.zremrangebyscore(this.keys.socketReplicas, '-inf', `(${since}`);
    const replicas = await this.redis.zrange(this.keys.socketReplicas, 0, -1);
    const pipeline = this.redis.pipeline();
    for (const id of replicas) pipeline.hgetall(this.keys.socketCounts(id));
    const totals: Record<string, number> = {};
    for (const [, hash] of (await pipeline.exec()) ?? []) {
      for (const [room, count] of Object.entries((hash ?? {}) as Record<string, string>)) {
        totals[room] = (totals[room] ?? 0) + Number(count);
      }
    }
    return totals;
  }

  async leave(): Promise<void> {
    await this.redis
      .multi()
      .del(this.keys.socketCounts(this.replicaId))
      .zrem(this.keys.socketReplicas, this.replicaId)
      .exec();
  }
}
