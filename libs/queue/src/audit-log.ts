import type { OutcomeKind } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';
import type { ChainableCommander, Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';
import { NO_ROOM } from './mailbox.ts';

/**
 * The audit trail: one entry per query (answered, failed or refused), per room, for a teacher
 * reviewing an exam afterwards. Kept in a Redis stream per room: entries are appended in time
 * order with time-based ids, so trimming by age (`MINID`) happens on each append and an export
 * is one `XRANGE`; a length cap bounds a room whatever its traffic; no other store has to run.
 * Redis persists it with its append-only file (compose and k8s configure it so).
 */
export interface AuditEntry {
  /** ISO time the query finished (or was refused). */
  at: string;
  room: string;
  sessionId: string;
  clientId: string;
  engine: EngineName | '';
  jobId: string;
  outcome: OutcomeKind;
  /** The engine's or our error code; empty when it answered. */
  code: string;
  durationMs: number;
  waitMs: number;
  sql: string;
}

export interface AuditLogOptions {
  retentionMs: number;
  maxEntriesPerRoom: number;
  now?: () => number;
}

/** The fields of an audit entry, in the order they are stored and exported. */
export const AUDIT_FIELDS = [
  'at',
  'room',
  'sessionId',
  'clientId',
  'engine',
  'jobId',
  'outcome',
  'code',
  'durationMs',
  'waitMs',
  'sql',
] as const satisfies readonly (keyof AuditEntry)[];

export class AuditLog {
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly options: AuditLogOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Appends entries in `pipeline` (a worker writes a batch with the rooms' figures in one round trip),
   * trimming each room's stream once for all of them.
   */
  add(pipeline: ChainableCommander, entries: readonly (Omit<AuditEntry, 'room'> & { room?: string })[]): void {
    const rooms = new Set<string>();
    const oldest = String(this.now() - this.options.retentionMs);
    for (const entry of entries) {
      const room = entry.room ?? NO_ROOM;
      rooms.add(room);
      const fields = AUDIT_FIELDS.flatMap((name) => [name, String(name === 'room' ? room : entry[name])]);
      pipeline.xadd(this.keys.audit(room), 'MINID', '~', oldest, '*', ...fields);
    }
    for (const room of rooms) {
      const key = this.keys.audit(room);
      pipeline.xtrim(key, 'MAXLEN', '~', this.options.maxEntriesPerRoom);
      // A room nobody writes to any more disappears once its newest entry is past retention.
      pipeline.pexpire(key, this.options.retentionMs);
    }
  }

  async append(entry: Omit<AuditEntry, 'room'> & { room?: string }): Promise<void> {
    const pipeline = this.redis.multi();
    this.add(pipeline, [entry]);
    await pipeline.exec();
  }

  /** A room's entries, oldest first, from `sinceMs` on, at most `limit` of them. */
  async read(room: string, options: { sinceMs?: number; limit: number }): Promise<AuditEntry[]> {
    const start = options.sinceMs === undefined ? '-' : String(options.sinceMs);
    const raw = await this.redis.xrange(this.keys.audit(room), start, '+', 'COUNT', options.limit);
    return raw.map(([, values]) => toEntry(values));
  }
}

function toEntry(values: string[]): AuditEntry {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < values.length; i += 2) fields[values[i] as string] = values[i + 1] as string;
  return {
    at: fields.at ?? '',
    room: fields.room ?? '',
    sessionId: fields.sessionId ?? '',
    clientId: fields.clientId ?? '',
    engine: (fields.engine ?? '') as AuditEntry['engine'],
    jobId: fields.jobId ?? '',
    outcome: (fields.outcome ?? 'failed') as OutcomeKind,
    code: fields.code ?? '',
    durationMs: Number(fields.durationMs ?? 0),
    waitMs: Number(fields.waitMs ?? 0),
    sql: fields.sql ?? '',
  };
}
