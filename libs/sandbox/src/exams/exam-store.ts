import type { ExamStatus, SampleData } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';
import type { FleetKeys } from '@sqlfleet/queue';
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
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1`;

/** A builder takes a slot only while the exam (this registration of it) wants more sandboxes. */
const RESERVE = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return -1 end
local made = tonumber(redis.call('HGET', KEYS[1], 'made'))
if made >= tonumber(redis.call('HGET', KEYS[1], 'target')) then return 0 end
return redis.call('HINCRBY', KEYS[1], 'made', 1)`;

const RELEASE = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
redis.call('HINCRBY', KEYS[1], 'made', -1)
return 1`;

/** A finished build joins the pool only if its exam is still the one it was built for. */
const PUSH_READY = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('PEXPIREAT', KEYS[2], redis.call('HGET', KEYS[1], 'expiresAt'))
return 1`;

/** Atomic across the fleet: one handle goes to exactly one session. */
const CLAIM = `
if redis.call('HGET', KEYS[1], 'fingerprint') ~= ARGV[1] then return false end
local handle = redis.call('LPOP', KEYS[2])
if handle then redis.call('HINCRBY', KEYS[1], 'claimed', 1) else redis.call('HINCRBY', KEYS[1], 'missed', 1) end
return handle`;

/** Forgets the exam and hands back the handles nobody claimed, for their sandboxes to be removed. */
const REMOVE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local ready = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[1], KEYS[2])
return ready`;

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
    const created = await this.redis.eval(
      CREATE,
      1,
      this.keys.exam(exam.room),
      String(exam.expiresAt),
      ...Object.entries(fields).flat(),
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
    return Number(await this.redis.eval(RESERVE, 1, this.keys.exam(room), examId));
  }

  /** Gives back a slot whose build failed, so a later fill builds it. */
  async release(room: string, examId: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.keys.exam(room), examId);
  }

  /** False when the exam went away meanwhile: the caller removes the sandbox. */
  async pushReady(room: string, examId: string, sandbox: Sandbox): Promise<boolean> {
    const pushed = await this.redis.eval(
      PUSH_READY,
      2,
      this.keys.exam(room),
      this.keys.examReady(room),
      examId,
      JSON.stringify(sandbox),
    );
    return pushed === 1;
  }

  /** A ready sandbox of this exam for a new session, if the exam's schema is the one asked for. */
  async claim(room: string, fingerprint: string): Promise<Sandbox | undefined> {
    const handle = await this.redis.eval(CLAIM, 2, this.keys.exam(room), this.keys.examReady(room), fingerprint);
    return typeof handle === 'string' ? (JSON.parse(handle) as Sandbox) : undefined;
  }

  /** Undefined when there was no such exam; else the unclaimed sandboxes to remove. */
  async remove(room: string): Promise<Sandbox[] | undefined> {
    const ready = await this.redis.eval(REMOVE, 2, this.keys.exam(room), this.keys.examReady(room));
    return Array.isArray(ready) ? ready.map((h) => JSON.parse(String(h)) as Sandbox) : undefined;
  }
}
