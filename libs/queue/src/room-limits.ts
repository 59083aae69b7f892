import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';

export interface RoomLimitsValue {
  /** Drains the room may hold at once fleet-wide while other rooms have work (0: no cap). */
  concurrency: number;
  /** BullMQ priority of the room's drains (1 is served first). */
  priority: number;
}

/** Per-room overrides of ROOM_CONCURRENCY and ROOM_PRIORITY, read by the drain and submit scripts. */
export class RoomLimits {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly defaults: RoomLimitsValue,
  ) {}

  async get(room: string): Promise<RoomLimitsValue> {
    const [concurrency, priority] = await this.redis
      .multi()
      .hget(this.keys.roomConcurrency, room)
      .hget(this.keys.roomPriority, room)
      .exec()
      .then((replies) => (replies ?? []).map(([, value]) => value as string | null));
    return {
      concurrency: concurrency == null ? this.defaults.concurrency : Number(concurrency),
      priority: priority == null ? this.defaults.priority : Number(priority),
    };
  }

  /** Sets what is given; `null` goes back to the configured default. */
  async set(room: string, limits: { [K in keyof RoomLimitsValue]?: number | null }): Promise<RoomLimitsValue> {
    const tx = this.redis.multi();
    const fields = [
      [this.keys.roomConcurrency, limits.concurrency],
      [this.keys.roomPriority, limits.priority],
    ] as const;
    for (const [key, value] of fields) {
      if (value === null) tx.hdel(key, room);
      else if (value !== undefined) tx.hset(key, room, String(value));
    }
    await tx.exec();
    return this.get(room);
  }
}
