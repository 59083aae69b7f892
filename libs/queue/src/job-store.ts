import type { JobState, JobStatus, QueryResult } from '@sqlfleet/contracts';
import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';

/**
 * Stores each job's state and result under its id, with a TTL, so a client that reconnects
 * can fetch it. The first stored outcome wins: a job re-run after a worker died hands the
 * client the same answer it may already have seen.
 */
const FINISH_ONCE = `
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'done' or state == 'failed' then
  return redis.call('HGET', KEYS[1], 'payload')
end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'payload', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return ARGV[2]
`;

export interface JobFailure {
  code: string;
  message: string;
}

export class JobStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly ttlMs: number,
  ) {}

  async create(jobId: string, sessionId: string): Promise<void> {
    const key = this.keys.job(jobId);
    await this.redis.multi().hset(key, 'sessionId', sessionId, 'state', 'queued').pexpire(key, this.ttlMs).exec();
  }

  async markRunning(jobId: string): Promise<void> {
    // Only a queued job becomes running; a finished one stays finished.
    await this.redis.eval(
      "if redis.call('HGET', KEYS[1], 'state') == 'queued' then redis.call('HSET', KEYS[1], 'state', 'running') end",
      1,
      this.keys.job(jobId),
    );
  }

  /** Stores the result unless one is stored already; returns the stored one. */
  async complete(jobId: string, result: QueryResult): Promise<JobStatus> {
    return this.finish(jobId, 'done', JSON.stringify(result));
  }

  async fail(jobId: string, error: JobFailure): Promise<JobStatus> {
    return this.finish(jobId, 'failed', JSON.stringify(error));
  }

  async get(jobId: string): Promise<JobStatus | undefined> {
    const fields = await this.redis.hgetall(this.keys.job(jobId));
    if (!fields.state || !fields.sessionId) return undefined;
    return toStatus(jobId, fields.sessionId, fields.state as JobState, fields.payload);
  }

  private async finish(jobId: string, state: 'done' | 'failed', payload: string): Promise<JobStatus> {
    const key = this.keys.job(jobId);
    const stored = (await this.redis.eval(FINISH_ONCE, 1, key, state, payload, this.ttlMs)) as string;
    const [sessionId, storedState] = await this.redis.hmget(key, 'sessionId', 'state');
    return toStatus(jobId, sessionId ?? '', (storedState ?? state) as JobState, stored);
  }
}

function toStatus(jobId: string, sessionId: string, state: JobState, payload: string | undefined): JobStatus {
  const status: JobStatus = { jobId, sessionId, state };
  if (payload && state === 'done') status.result = JSON.parse(payload) as QueryResult;
  if (payload && state === 'failed') status.error = JSON.parse(payload) as JobFailure;
  return status;
}
