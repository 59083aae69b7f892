import type { QueryOutcome } from '@sqlfleet/contracts';
import type { Engine } from '@sqlfleet/engines';
import type { Sandbox } from '../provisioner.ts';
import type { MeasureSchedule } from './measure-schedule.ts';
import type { SandboxStorage, StorageControl } from './server-admin.ts';

/** The result code of a write refused because its sandbox is past the storage cap. */
export const STORAGE_FULL = 'STORAGE_FULL';

const MB = 1024 * 1024;

/**
 * Checked from the admin side after a query: a sandbox past `capBytes` is frozen (its login keeps
 * only rights that read or remove data), one back under it is thawed. A write the frozen login was
 * refused comes back as STORAGE_FULL. The check follows the query, so one query may overshoot the
 * cap by what it writes within its time limit; the next write is refused. Called once the `schedule` says a
 * measure is due (`due`, which the caller asks first: a query that only read is not measured until the reads'
 * running time since the last measure reaches its budget, see MeasureSchedule); the schedule then learns it.
 */
export async function enforceStorageCap(
  control: StorageControl,
  engine: Engine,
  sandbox: Sandbox,
  capBytes: number,
  outcome: QueryOutcome,
  schedule?: MeasureSchedule,
): Promise<QueryOutcome> {
  const found = await applyCap(control, engine, sandbox, capBytes).catch((error: unknown) => {
    // Not measured, or not frozen or thawed as measured: the next query checks again.
    schedule?.forget(sandbox);
    throw error;
  });
  if (!found) {
    schedule?.forget(sandbox);
    return outcome;
  }
  schedule?.measured(sandbox, found.bytes > capBytes);
  if (!found.frozen || outcome.kind !== 'sql-error' || !control.refusalCodes.includes(outcome.error.code)) {
    return outcome;
  }
  const used = (found.bytes / MB).toFixed(1);
  const message =
    `This sandbox holds ${used} MB, past its storage cap of ${(capBytes / MB).toFixed(0)} MB: ` +
    `writes are refused until data is removed (${control.remedy})`;
  return { ...outcome, error: { ...outcome.error, code: STORAGE_FULL, message, detail: outcome.error.message } };
}

/** Measures the sandbox, then freezes or thaws it to match the cap; undefined when it does not exist. */
async function applyCap(
  control: StorageControl,
  engine: Engine,
  sandbox: Sandbox,
  capBytes: number,
): Promise<SandboxStorage | undefined> {
  const found = await control.measure(sandbox.id, sandbox.id);
  if (!found) return undefined;
  const over = found.bytes > capBytes;
  if (over !== found.frozen) {
    await (over ? control.freeze(sandbox.id, sandbox.id) : control.thaw(sandbox.id, sandbox.id));
    // Open connections may keep the rights they started with (MariaDB's database grants).
    await engine.release(sandbox.target);
  }
  return found;
}
