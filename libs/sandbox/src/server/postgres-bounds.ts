import { assertSafeName } from './sandbox-names.ts';

/**
 * What a sandbox login on a shared PostgreSQL may not do, as SQL the admin runs. Only settings and
 * rights the login cannot change back: a USERSET parameter (work_mem, default_transaction_read_only)
 * set for the role is no bound, since the login can SET it again.
 */

/**
 * Functions revoked from PUBLIC in each sandbox database (pg_catalog is per database, and the
 * login does not own these, so it cannot grant them back). Advisory locks live in the server's one
 * shared lock table: ~12,000 of them from one login made every database answer "out of shared
 * memory". Large objects are written without any CREATE right, so they would bypass the storage cap.
 */
const REVOKED_FUNCTIONS = [
  ...['', '_shared'].flatMap((shared) =>
    ['pg_advisory_lock', 'pg_try_advisory_lock', 'pg_advisory_xact_lock', 'pg_try_advisory_xact_lock'].flatMap(
      (name) => [`${name}${shared}(bigint)`, `${name}${shared}(integer, integer)`],
    ),
  ),
  'lo_creat(integer)',
  'lo_create(oid)',
  'lo_from_bytea(oid, bytea)',
  'lo_import(text)',
  'lo_import(text, oid)',
  'lo_put(oid, bigint, bytea)',
  'lowrite(integer, bytea)',
];

/** Run as the admin inside a new sandbox database, before the login first connects. */
export const REVOKE_SHARED_RESOURCES = `REVOKE EXECUTE ON FUNCTION ${REVOKED_FUNCTIONS.map((f) => `pg_catalog.${f}`).join(', ')} FROM PUBLIC`;

/**
 * Per-role settings. temp_file_limit is SUSET: the login can neither SET it nor ALTER its own role or
 * database to raise it (measured: "permission denied to set parameter").
 */
export const roleBounds = (role: string, tempFileLimitMb: number): string =>
  `ALTER ROLE ${role} SET temp_file_limit = '${Math.trunc(tempFileLimitMb)}MB'`;

/** The role that owns a sandbox's objects while the sandbox is past its storage cap. */
export const keeperOf = (login: string): string => `${login}_k`;

/**
 * Past the cap, the sandbox's objects and the database itself pass to a keeper role the login is not
 * a member of: the login keeps SELECT and TRUNCATE (TRUNCATE frees the space at once) and loses every
 * other write, CREATE in its schemas and TEMP. Only rights it does not own are a bound it cannot undo.
 * Routines go back to the login, so a SECURITY DEFINER function or a trigger runs with the login's
 * own (now read-only) rights, not the keeper's. No DELETE: a rule's action runs with the table
 * owner's rights, so an `ON DELETE DO ALSO INSERT` rule would write as the keeper.
 * Run as the admin inside the sandbox database.
 */
export const freezeSql = (database: string, login: string, keeper: string): string[] => {
  for (const name of [database, login, keeper]) assertSafeName(name);
  return [
    `REASSIGN OWNED BY "${login}" TO "${keeper}"`,
    `GRANT CONNECT ON DATABASE "${database}" TO "${login}"`,
    `DO $$ DECLARE r record; BEGIN
     FOR r IN SELECT oid::regprocedure AS f FROM pg_proc WHERE proowner = '"${keeper}"'::regrole AND prokind IN ('f', 'p') LOOP
       EXECUTE format('ALTER ROUTINE %s OWNER TO "${login}"', r.f);
     END LOOP;
     FOR r IN SELECT nspname FROM pg_namespace WHERE nspowner = '"${keeper}"'::regrole OR nspname = 'public' LOOP
       EXECUTE format('GRANT USAGE ON SCHEMA %I TO "${login}"', r.nspname);
       EXECUTE format('GRANT SELECT, TRUNCATE ON ALL TABLES IN SCHEMA %I TO "${login}"', r.nspname);
       EXECUTE format('GRANT SELECT ON ALL SEQUENCES IN SCHEMA %I TO "${login}"', r.nspname);
     END LOOP;
   END $$`,
  ];
};

/** Back under the cap: everything the keeper holds, the database included, returns to the login. */
export const thawSql = (login: string, keeper: string): string[] => {
  for (const name of [login, keeper]) assertSafeName(name);
  return [`REASSIGN OWNED BY "${keeper}" TO "${login}"`];
};
