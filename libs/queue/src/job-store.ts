import type { JobState, JobStatus, QueryResult } from '@sqlfleet/contracts';
import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';
import { LuaScript } from './lua-script.ts';

/**
 * Lua: stores an outcome in a job's hash unless one is stored already, and gives back the stored
 * state and payload. Shared with the drain's COMPLETE script. An empty `state` stores nothing.
 */
export const STORE_FIRST_LUA = `
local function storeFirst(jobKey, state, payload, ttl)
  local stored = redis.call('HMGET', jobKey, 'state', 'payload')
  if stored[1] == 'done' or stored[1] == 'failed' then return stored[1], stored[2] or '' end
  if state == '' then return stored[1] or '', '' end
  redis.call('HSET', jobKey, 'state', state, 'payload', payload)
  redis.call('PEXPIRE', jobKey, ttl)
  return state, payload
end
`;

const FINISH_ONCE = new LuaScript(`${STORE_FIRST_LUA}
local state, payload = storeFirst(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
return {state, payload, redis.call('HGET', KEYS[1], 'sessionId') or ''}
`);

export interface JobFailure {
  code: string;
  message: string;
}

/**
 * Reads each job's state and result, stored under its id with a TTL so a client that reconnects
 * can fetch it. Submissions create the record and drains store results through the mailbox's
 * scripts (one round trip each); here a job is failed outside a drain (its session deleted).
 * The first stored outcome wins: a job re-run after a worker died hands the client the same
 * answer it may already have seen.
 */
export class JobStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly ttlMs: number,
  ) {}

  async fail(jobId: string, error: JobFailure): Promise<JobStatus> {
    return this.finish(jobId, 'failed', JSON.stringify(error));
  }

  async get(jobId: string): Promise<JobStatus | undefined> {
    const fields = await this.redis.hgetall(this.keys.job(jobId));
    if (!fields.state || !fields.sessionId) return undefined;
    return statusOf(jobId, fields.sessionId, fields.state as JobState, fields.payload);
  }

  private async finish(jobId: string, state: 'done' | 'failed', payload: string): Promise<JobStatus> {
    const [stored, storedPayload, sessionId] = (await FINISH_ONCE.run(
      this.redis,
      [this.keys.job(jobId)],
      [state, payload, this.ttlMs],
    )) as [JobState, string, string];
    return statusOf(jobId, sessionId, stored, storedPayload);
  }
}

/** A job's status from its stored state and payload (JSON of the result or of the failure). */
export function statusOf(jobId: string, sessionId: string, state: JobState, payload: string | undefined): JobStatus {
  const status: JobStatus = { jobId, sessionId, state };
  if (payload && state === 'done') status.result = JSON.parse(payload) as QueryResult;
  if (payload && state === 'failed') status.error = JSON.parse(payload) as JobFailure;
  return status;
}
