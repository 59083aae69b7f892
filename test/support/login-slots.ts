/** Fault injection: a sandbox login whose connection cap is used up, as on a full server. */
import type { SandboxTarget } from '@sqlfleet/contracts';
import mysql from 'mysql2/promise';
import pg from 'pg';

export interface HeldSlots {
  /** The server's refusal once the login's cap was reached (PostgreSQL `code`, MySQL `errno`). */
  refusal: { code?: string; errno?: number; message?: string };
  release(): Promise<void>;
}

/**
 * Opens connections as the sandbox login until the server refuses one (PostgreSQL: the role's
 * CONNECTION LIMIT, SQLSTATE 53300 as for a full server; MariaDB: MAX_USER_CONNECTIONS, 1226), and
 * holds them until `release`. Only that login's slots are taken, never the shared server's.
 */
export async function fillLoginSlots(target: SandboxTarget, atMost = 20): Promise<HeldSlots> {
  const opened: { close(): Promise<unknown> }[] = [];
  const release = async () => {
    await Promise.all(opened.splice(0).map((c) => c.close().catch(() => undefined)));
  };
  for (let i = 0; i < atMost; i++) {
    try {
      if (target.engine === 'postgres') {
        const client = new pg.Client({ ...target, connectionTimeoutMillis: 5_000 });
        client.on('error', () => undefined);
        await client.connect();
        opened.push({ close: () => client.end() });
      } else {
        const { host, port, user, password, database } = target;
        const conn = await mysql.createConnection({ host, port, user, password, database, connectTimeout: 5_000 });
        conn.on('error', () => undefined);
        opened.push({ close: () => conn.end() });
      }
    } catch (error) {
      return { refusal: error as HeldSlots['refusal'], release };
    }
  }
  await release();
  throw new Error(`the login ${target.user} was never refused a connection`);
}
