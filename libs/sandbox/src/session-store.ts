import type { SessionSchema } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';
import { type FleetKeys, LuaScript } from '@sqlfleet/queue';
import type { Redis } from 'ioredis';
import type { Sandbox } from './provisioner.ts';

/** A student's session as every API replica and worker sees it. */
export interface SessionRecord {
  id: string;
  engine: EngineName;
  /** Fingerprint of the schema of the latest query submitted. */
  fingerprint: string;
  clientId: string;
  room?: string;
  createdAt: number;
  lastUsedAt: number;
  /** The sandbox handle (with its login), once a worker has made it. */
  sandbox?: Sandbox;
}

/** Marks an existing session as listened to by a socket (a session gone must not come back as a bare hash). */
const WATCH = new LuaScript(`if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'sockets', '1')
return 1`);

/**
 * Sessions live in Redis only: a hash per session, a sorted set by last use for the reaper,
 * a set per client for the sessions-per-client ceiling, and schemas stored once per fingerprint
 * (a room of 300 students with the same DBML stores it once).
 */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    /** How long a stored schema outlives its last use; longer than the session TTL. */
    readonly schemaTtlMs: number,
  ) {}

  async create(record: SessionRecord): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.session(record.id), sessionFields(record))
      .zadd(this.keys.sessionsByLastUse, record.lastUsedAt, record.id)
      .sadd(this.keys.clientSessions(record.clientId), record.id)
      .exec();
  }

  /** Marks that a socket listens to the session (its results go to sockets from now on); false if it does not exist. */
  async watch(id: string): Promise<boolean> {
    return (await WATCH.run(this.redis, [this.keys.session(id)], [])) === 1;
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const fields = await this.redis.hgetall(this.keys.session(id));
    return fields.engine ? deserialize(fields) : undefined;
  }

  /** Marks the session used now; only an existing session is touched. */
  async touch(id: string, now = Date.now()): Promise<void> {
    await this.redis
      .multi()
      .zadd(this.keys.sessionsByLastUse, 'XX', now, id)
      .hset(this.keys.session(id), 'lastUsedAt', String(now))
      .exec();
  }

  async setFingerprint(id: string, fingerprint: string): Promise<void> {
    await this.redis.hset(this.keys.session(id), 'fingerprint', fingerprint);
  }

  async setSandbox(id: string, sandbox: Sandbox | undefined): Promise<void> {
    if (sandbox) await this.redis.hset(this.keys.session(id), 'sandbox', JSON.stringify(sandbox));
    else await this.redis.hdel(this.keys.session(id), 'sandbox');
  }

  async delete(record: SessionRecord): Promise<void> {
    await this.redis
      .multi()
      .del(this.keys.session(record.id))
      .zrem(this.keys.sessionsByLastUse, record.id)
      .srem(this.keys.clientSessions(record.clientId), record.id)
      .exec();
  }

  /** Ids of sessions last used before `cutoff`, oldest first. */
  async idleBefore(cutoff: number, limit = 500): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.sessionsByLastUse, '-inf', `(${cutoff}`, 'LIMIT', 0, limit);
  }

  async count(): Promise<number> {
    return this.redis.zcard(this.keys.sessionsByLastUse);
  }

  /** Every live session id (the reaper's orphan sweep). */
  async allIds(): Promise<string[]> {
    return this.redis.zrange(this.keys.sessionsByLastUse, 0, -1);
  }

  async saveSchema(fingerprint: string, schema: SessionSchema & { engine: EngineName }): Promise<void> {
    await this.redis.set(this.keys.schema(fingerprint), JSON.stringify(schema), 'PX', this.schemaTtlMs);
  }

  /** Keeps a schema alive while sessions use it; false when it has expired or never existed. */
  async refreshSchema(fingerprint: string): Promise<boolean> {
    return (await this.redis.pexpire(this.keys.schema(fingerprint), this.schemaTtlMs)) === 1;
  }

  async getSchema(fingerprint: string): Promise<(SessionSchema & { engine: EngineName }) | undefined> {
    const raw = await this.redis.get(this.keys.schema(fingerprint));
    return raw === null ? undefined : JSON.parse(raw);
  }
}

/** The session's hash as stored (a new session's first query stores it itself: see Mailbox.enqueue). */
export function sessionFields(record: SessionRecord): Record<string, string> {
  const fields: Record<string, string> = {
    id: record.id,
    engine: record.engine,
    fingerprint: record.fingerprint,
    clientId: record.clientId,
    createdAt: String(record.createdAt),
    lastUsedAt: String(record.lastUsedAt),
  };
  if (record.room) fields.room = record.room;
  if (record.sandbox) fields.sandbox = JSON.stringify(record.sandbox);
  return fields;
}

function deserialize(fields: Record<string, string>): SessionRecord {
  const record: SessionRecord = {
    id: fields.id ?? '',
    engine: fields.engine as EngineName,
    fingerprint: fields.fingerprint ?? '',
    clientId: fields.clientId ?? '',
    createdAt: Number(fields.createdAt),
    lastUsedAt: Number(fields.lastUsedAt),
  };
  if (fields.room) record.room = fields.room;
  if (fields.sandbox) record.sandbox = JSON.parse(fields.sandbox) as Sandbox;
  return record;
}
