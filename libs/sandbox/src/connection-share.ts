import type { Config, Logger } from '@sqlfleet/core';
import type { ServerAdmin } from './server/server-admin.ts';

/** Used when the server cannot be asked its max_connections at start-up: small, so it cannot crowd it. */
const FALLBACK_BUDGET = 10;
/** Docker provisioner: every sandbox is a server of its own, so the budget only caps one worker. */
const CONTAINER_BUDGET = 100;

/**
 * How many connections this process's sandbox logins may hold on the admin's server: its share
 * (`budget / workers`, at least 1) of the fleet's budget, the budget being CONNECTION_BUDGET or, when
 * 0, half of what the server accepts from non-superusers.
 */
export async function connectionShare(
  connections: Config['connections'],
  admin: ServerAdmin | undefined,
  logger: Logger,
): Promise<number> {
  const budget = connections.budget || (admin ? await derivedBudget(admin, logger) : CONTAINER_BUDGET);
  return Math.max(1, Math.floor(budget / (admin ? connections.workers : 1)));
}

async function derivedBudget(admin: ServerAdmin, logger: Logger): Promise<number> {
  try {
    const usable = admin.maxConnections ? await admin.maxConnections() : Number.NaN;
    if (Number.isFinite(usable) && usable > 1) return Math.floor(usable / 2);
  } catch (error) {
    logger.warn({ err: error, engine: admin.engine }, 'could not read max_connections: using a small budget');
  }
  return FALLBACK_BUDGET;
}
