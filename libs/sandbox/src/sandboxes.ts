import type { Config, Logger } from '@sqlfleet/core';
import { SchemaCompiler } from '@sqlfleet/dbml';
import type { FleetKeys } from '@sqlfleet/queue';
import type { Redis } from 'ioredis';
import { ExamStore } from './exams/exam-store.ts';
import { RedisLocks } from './redis-lock.ts';
import { SandboxManager, type SandboxManagerOptions } from './sandbox-manager.ts';
import { createSandboxRuntime, type SandboxRuntime } from './sandbox-runtime.ts';
import { SessionStore } from './session-store.ts';

/** Everything an app needs to keep sessions and their sandboxes, built the same way in api, worker and reaper. */
export interface Sandboxes {
  runtime: SandboxRuntime;
  sessions: SessionStore;
  /** Compiles DBML on a thread of its own that lives only while there is work. */
  compiler: SchemaCompiler;
  manager: SandboxManager;
  exams: ExamStore;
  /** Stops the compiler and closes provisioners and engines. Idempotent. */
  close(): Promise<void>;
}

export interface SandboxesOptions {
  config: Config;
  logger: Logger;
  redis: Redis;
  keys: FleetKeys;
  /** A worker's id: it keeps connections to the sandboxes it pre-warms and claims those first. */
  holderId?: string;
  /** A worker's: true while its query slots are all taken (bookkeeping gives way). */
  saturated?: () => boolean;
}

export async function createSandboxes({
  config,
  logger,
  redis,
  keys,
  holderId,
  saturated,
}: SandboxesOptions): Promise<Sandboxes> {
  const runtime = await createSandboxRuntime({ config, logger, ...(saturated ? { saturated } : {}) });
  // A schema outlives its sessions' TTL, so a session idle almost that long can still be rebuilt.
  const sessions = new SessionStore(redis, keys, config.sessionTtlMs * 2);
  const compiler = new SchemaCompiler();
  const exams = new ExamStore(redis, keys);
  const options: SandboxManagerOptions = {
    exams,
    store: sessions,
    locks: new RedisLocks(redis, keys),
    provisioners: runtime.provisioners,
    compiler,
    logger,
  };
  if (holderId) {
    options.holder = {
      id: holderId,
      // Readied for a first query under the default time limit, which most first queries run under.
      prepare: async (sandbox, keepMs) =>
        (await runtime.engines
          .get(sandbox.engine)
          ?.prepare?.(sandbox.target, keepMs, config.limits.queryTimeMs.default)) ?? false,
    };
  }
  const manager = new SandboxManager(options);
  let closing: Promise<void> | undefined;
  return {
    runtime,
    sessions,
    compiler,
    manager,
    exams,
    close() {
      closing ??= Promise.allSettled([compiler.close(), runtime.close()]).then(() => undefined);
      return closing;
    },
  };
}
