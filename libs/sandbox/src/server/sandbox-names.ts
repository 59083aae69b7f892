import { createHash, randomBytes } from 'node:crypto';

/**
 * A fleet id starts every name this fleet makes. No `_` in it, so one fleet's prefix is never the
 * start of another fleet's sandbox name, and short enough that `<fleet>_<24 hex>` fits PostgreSQL's
 * 63-byte identifiers and MariaDB's 64-char database names (MySQL 8 caps user names at 32: keep
 * the fleet id to 7 characters there).
 */
const FLEET_ID = /^[a-z][a-z0-9]{0,29}$/;
const HASH_CHARS = 24;

export function assertFleetId(fleetId: string): void {
  if (!FLEET_ID.test(fleetId)) throw new Error(`fleetId must match ${FLEET_ID}: got ${JSON.stringify(fleetId)}`);
}

/**
 * The database and login name of a session's sandbox: deterministic, so any worker finds it,
 * and a hash, so the session id (which authorises access to the session) never shows in
 * catalogues other logins can read (pg_database, pg_roles).
 */
export function sandboxName(fleetId: string, sessionId: string): string {
  assertFleetId(fleetId);
  const hash = createHash('sha256').update(sessionId).digest('hex').slice(0, HASH_CHARS);
  return `${fleetId}_${hash}`;
}

/** Tells this fleet's sandbox names from anything else sharing the prefix (e.g. the metadata database). */
export function isSandboxName(fleetId: string, name: string): boolean {
  return (
    name.length === fleetId.length + 1 + HASH_CHARS &&
    name.startsWith(`${fleetId}_`) &&
    /^[0-9a-f]+$/.test(name.slice(fleetId.length + 1))
  );
}

/** 144 random bits, URL-safe base64: no quote or backslash to escape in any dialect. */
export function newPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** Names reach SQL quoted, and still only ever from `sandboxName`: refuse anything else outright. */
export function assertSafeName(name: string): void {
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new Error(`unsafe sandbox name ${JSON.stringify(name)}`);
}

/**
 * The template database of a schema fingerprint (`<fleet>_t<hash>`) and its login (`<fleet>_r<hash>`):
 * same length as sandbox names, but `isSandboxName` is false for both, so the orphan sweep never takes one.
 */
export function templateName(fleetId: string, fingerprint: string): string {
  assertFleetId(fleetId);
  const hash = createHash('sha256')
    .update(fingerprint)
    .digest('hex')
    .slice(0, HASH_CHARS - 1);
  return `${fleetId}_t${hash}`;
}

export function templateLogin(template: string): string {
  return template.replace(/_t([0-9a-f]+)$/, '_r$1');
}
