import type { ExamStatus, SampleData } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';
import { type FleetKeys, LuaScript } from '@sqlfleet/queue';
import type { Redis } from 'ioredis';
import type { Sandbox } from '../provisioner.ts';

/** A registered exam as the fleet keeps it. */
export interface ExamRecord {
  id: string;
  room: string;
  engine: EngineName;
  fingerprint: string;
  dbml: string;
  data?: SampleData;
  students: number;
  target: number;
  createdAt: number;
  expiresAt: number;
}

/** The exam hash holds the record and three counters: `made` (slots taken by builders), `claimed`, `missed`. */
const CREATE = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1`);

/** A builder takes a slot only while the exam (this registration of it) wants more sandboxes. */
const RESERVE = new LuaScript(`
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return -1 end
local made = tonumber(redis.call('HGET', KEYS[1], 'made'))
if made >= tonumber(redis.call('HGET', KEYS[1], 'target')) then return 0 end
return redis.call('HINCRBY', KEYS[1], 'made', 1)`);

const RELEASE = new LuaScript(`
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
redis.call('HINCRBY', KEYS[1], 'made', -1)
return 1`);

/** A finished build joins the pool only if its exam is still the one it was built for. */
const PUSH_READY = new LuaScript(`
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('PEXPIREAT', KEYS[2], redis.call('HGET', KEYS[1], 'expiresAt'))
return 1`);

/** How far from the head of the pool a worker looks for a sandbox it holds a connection to. */
const CLAIM_LOOKAHEAD = 64;

/**
 * Atomic across the fleet: one handle goes to exactly one session, and is the session's sandbox in the same
 * step (no lock needed: a session that has a sandbox, is gone or is of another room claims nothing). A worker (ARGV[2]) takes
 * one whose connection it holds open (`<worker>\t<handle>`) when there is one near the head, else the head.
 * KEYS[1] exam, KEYS[2] its pool, KEYS[3] the session; ARGV[1] fingerprint, ARGV[2] worker, ARGV[3] session id,
 * ARGV[4] the exam's room.
 * Returns the handle as recorded, or false.
 */
const CLAIM = new LuaScript(`
if redis.call('HGET', KEYS[3], 'room') ~= ARGV[4] or redis.call('HEXISTS', KEYS[3], 'sandbox') == 1 then return false end
if redis.call('HGET', KEYS[1], 'fingerprint') ~= ARGV[1] then return false end
local entry
if ARGV[2] ~= '' then
  local mine = ARGV[2] .. '\t'
  for _, candidate in ipairs(redis.call('LRANGE', KEYS[2], 0, ${CLAIM_LOOKAHEAD - 1})) do
    if string.sub(candidate, 1, #mine) == mine then
      entry = candidate
      break
    end
  end
end
if entry then redis.call('LREM', KEYS[2], 1, entry) else entry = redis.call('LPOP', KEYS[2]) end
if not entry then
  redis.call('HINCRBY', KEYS[1], 'missed', 1)
  return false
end
redis.call('HINCRBY', KEYS[1], 'claimed', 1)
local tab = string.find(entry, '\t', 1, true)
local sandbox = cjson.decode(tab and string.sub(entry, tab + 1) or entry)
sandbox.sessionId = ARGV[3]
local handle = cjson.encode(sandbox)
redis.call('HSET', KEYS[3], 'sandbox', handle)
return handle`);

/** Forgets the exam and hands back the handles nobody claimed, for their sandboxes to be removed. */
const REMOVE = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local ready = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[1], KEYS[2])
return ready`);

/** A pool entry: the handle, after the worker holding a connection to it and a tab when one does. */
const entryOf = (sandbox: Sandbox, heldBy?: string): string =>
  heldBy ? `${heldBy}\t${JSON.stringify(sandbox)}` : JSON.stringify(sandbox);
const handleOf = (entry: string): Sandbox => JSON.parse(entry.slice(entry.indexOf('\t') + 1)) as Sandbox;

const STATUS_FIELDS = [
  'id',
  'engine',
  'students',
  'target',
  'made',
  'claimed',
  'missed',
  'fingerprint',
  'createdAt',
  'expiresAt',
] as const;

/**
 * Exams in Redis: a hash per room and a list of ready sandbox handles, both expiring with the exam,
 * so an exam that expires leaves only sandboxes, which the orphan sweep finds by their owner tag.
 */
export class ExamStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
  ) {}

  /** False when the room already has an exam. */
  async create(exam: ExamRecord): Promise<boolean> {
    const fields: Record<string, string> = {
      id: exam.id,
      room: exam.room,
      engine: exam.engine,
      fingerprint: exam.fingerprint,
      dbml: exam.dbml,
      students: String(exam.students),
      target: String(exam.target),
      createdAt: String(exam.createdAt),
      expiresAt: String(exam.expiresAt),
      made: '0',
      claimed: '0',
      missed: '0',
    };
    if (exam.data) fields.data = JSON.stringify(exam.data);
    const created = await CREATE.run(
      this.redis,
      [this.keys.exam(exam.room)],
      [String(exam.expiresAt), ...Object.entries(fields).flat()],
    );
    return created === 1;
  }

  async get(room: string): Promise<ExamRecord | undefined> {
    const f = await this.redis.hgetall(this.keys.exam(room));
    if (!f.id) return undefined;
    const exam: ExamRecord = {
      id: f.id,
      room: f.room ?? room,
      engine: f.engine as EngineName,
      fingerprint: f.fingerprint ?? '',
      dbml: f.dbml ?? '',
      students: Number(f.students),
      target: Number(f.target),
      createdAt: Number(f.createdAt),
      expiresAt: Number(f.expiresAt),
    };
    if (f.data) exam.data = JSON.parse(f.data) as SampleData;
    return exam;
  }

  async status(room: string): Promise<ExamStatus | undefined> {
    const replies = await this.redis
      .multi()
      .hmget(this.keys.exam(room), ...STATUS_FIELDS)
      .llen(this.keys.examReady(room))
      .exec();
    const fields = (replies?.[0]?.[1] ?? []) as (string | null)[];
    const ready = Number(replies?.[1]?.[1] ?? 0);
    const [id, engine, students, target, made, claimed, missed, fingerprint, createdAt, expiresAt] = fields;
    if (!id) return undefined;
    return {
      room,
      engine: engine as EngineName,
      students: Number(students),
      target: Number(target),
      ready,
      claimed: Number(claimed),
      missed: Number(missed),
      building: Math.max(0, Number(made) - ready - Number(claimed)),
      fingerprint: fingerprint ?? '',
      createdAt: new Date(Number(createdAt)).toISOString(),
      expiresAt: new Date(Number(expiresAt)).toISOString(),
    };
  }

  /** True while the exam registered as `examId` exists (a deleted or expired one's sandboxes are orphans). */
  async isLive(room: string, examId: string): Promise<boolean> {
    return (await this.redis.hget(this.keys.exam(room), 'id')) === examId;
  }

  /** The slot number taken (1-based), 0 when the target is reached, -1 when the exam is gone. */
  async reserve(room: string, examId: string): Promise<number> {
    return Number(await RESERVE.run(this.redis, [this.keys.exam(room)], [examId]));
  }

  /** Gives back a slot whose build failed, so a later fill builds it. */
  async release(room: string, examId: string): Promise<void> {
    await RELEASE.run(this.redis, [this.keys.exam(room)], [examId]);
  }

  /**
   * False when the exam went away meanwhile: the caller removes the sandbox. `heldBy`: the worker that
   * holds a connection to it open, which then claims it first.
   */
  async pushReady(room: string, examId: string, sandbox: Sandbox, heldBy?: string): Promise<boolean> {
    const pushed = await PUSH_READY.run(
      this.redis,
      [this.keys.exam(room), this.keys.examReady(room)],
      [examId, entryOf(sandbox, heldBy)],
    );
    return pushed === 1;
  }

  /**
   * A ready sandbox of this exam for a session of its room that has none yet, recorded as the session's, if the exam's
   * schema is the one asked for; `worker` gets one it holds a connection to when there is one near the head
   * of the pool. Undefined when the session has a sandbox (or is gone), or the pool has none for it.
   */
  async claim(room: string, fingerprint: string, sessionId: string, worker = ''): Promise<Sandbox | undefined> {
    const handle = await CLAIM.run(
      this.redis,
      [this.keys.exam(room), this.keys.examReady(room), this.keys.session(sessionId)],
      [fingerprint, worker, sessionId, room],
    );
    return typeof handle === 'string' ? (JSON.parse(handle) as Sandbox) : undefined;
  }

  /** Undefined when there was no such exam; else the unclaimed sandboxes to remove. */
  async remove(room: string): Promise<Sandbox[] | undefined> {
    const ready = await REMOVE.run(this.redis, [this.keys.exam(room), this.keys.examReady(room)], []);
    return Array.isArray(ready) ? ready.map((entry) => handleOf(String(entry))) : undefined;
  }
}
