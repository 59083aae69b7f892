import type { EngineName } from '@sqlfleet/core';

/** Where a sandbox database is and the least-privilege login that reaches it. */
export interface SandboxTarget {
  engine: EngineName;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

/** A key naming a target's pool: the same sandbox and login share one pool. */
export const targetKey = (t: SandboxTarget): string => `${t.engine}://${t.user}@${t.host}:${t.port}/${t.database}`;
