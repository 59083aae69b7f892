import type { QueryJob, QueryOutcome, SandboxState } from '@sqlfleet/contracts';
import { AppError } from '@sqlfleet/core';
import type { Engine } from '@sqlfleet/engines';
import type { TransactionJournal } from '@sqlfleet/queue';
import type { Sandbox, SandboxManager } from '@sqlfleet/sandbox';
import { describe, expect, it } from 'vitest';
import { QueryRunner } from './query-runner.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

const job: QueryJob = {
  jobId: 'j1',
  sessionId: 's1',
  engine: 'postgres',
  query: 'SELECT 1',
  fingerprint: 'f',
  limits: { timeoutMs: 5_000, maxRows: 100, maxBytes: 1_000 },
  submittedAt: 0,
};

const sandbox = { id: 'sb', sessionId: 's1', engine: 'postgres', fingerprint: 'f', target: {} } as unknown as Sandbox;
const ok: QueryOutcome = { kind: 'ok', results: [], durationMs: 1 } as unknown as QueryOutcome;
const metrics = { sandboxBuilt: () => undefined, sandboxFailed: () => undefined } as unknown as WorkerMetrics;

/** A runner whose sandbox ensure says `state` once (then `reused`), and whose engine fails its first `failures` runs. */
function runner(state: SandboxState, failures: number) {
  let ensures = 0;
  let runs = 0;
  const manager = {
    ensure: async () => ({ sandbox, state: ensures++ === 0 ? state : 'reused', claimed: false }),
  } as unknown as SandboxManager;
  const engine = {
    execute: async () => {
      if (runs++ < failures) throw new AppError('SERVER_BUSY', 'the server refused the connection');
      return ok;
    },
  } as unknown as Engine;
  return new QueryRunner(manager, new Map([['postgres', engine]]), new Map(), metrics, {} as TransactionJournal);
}

describe('QueryRunner: a try after one that failed', () => {
  it.each(['created', 'recreated'] as const)('still says the sandbox was %s by the failed try', async (state) => {
    const run = runner(state, 1);
    await expect(run.run(job)).rejects.toMatchObject({ code: 'SERVER_BUSY' });
    // The drain tries again: the sandbox is trusted now, and the answer must not read "reused".
    expect((await run.run(job)).sandbox).toBe(state);
    // The job's next query finds it as it is.
    expect((await run.run({ ...job, jobId: 'j2' })).sandbox).toBe('reused');
  });
});
