import type { DriverError } from './mssql-errors.ts';

/** The two TDS servers the mssql engine and admin know: Microsoft SQL Server, and Babelfish for PostgreSQL. */
export type MssqlServerKind = 'sql-server' | 'babelfish';

/** An N'...' literal: quotes doubled. */
export const nLiteral = (value: string): string => `N'${value.replaceAll("'", "''")}'`;

/** `[name]` with `]` doubled; callers pass names already checked to be `[a-z0-9_]`. */
const quoteName = (name: string): string => `[${name.replaceAll(']', ']]')}]`;

/** Batches that make, drop or re-key one sandbox, run in order from an admin connection in master. */
export type SandboxSteps = string[];

/** A batch run inside database `database` by its own sp_executesql (the connection stays in master). */
const inDatabase = (database: string, text: string): string =>
  `EXEC ${quoteName(database)}.sys.sp_executesql ${nLiteral(text)}`;

/**
 * Everything that differs between SQL Server and Babelfish, in one place; every other line of the
 * engine and the admin is the same T-SQL on both. The server is told apart by `@@VERSION`
 * (Babelfish's says "Babelfish"), once per server.
 */
export interface MssqlFlavour {
  readonly kind: MssqlServerKind;
  /**
   * How a batch still running at the deadline is stopped. SQL Server honours a TDS attention at once;
   * Babelfish reads it only after the running statement ends, so a busy loop would run on: there the
   * watchdog ends the session with `KILL <spid>` from an admin connection.
   */
  readonly stopsRunaway: 'attention' | 'kill';
  /** The batch that KILLs session `spid` of `login` (an integer checked by the caller), where runaways are KILLed. */
  killSession(spid: number, login: string): string;
  /** Server-wide set-up before the first sandbox (SQL Server: contained database authentication). */
  readonly prepareServer: string[];
  /** A database and a least-privilege principal that can log in to it and reach nothing else. */
  createSandbox(database: string, login: string, password: string): SandboxSteps;
  /** Ends the sandbox's sessions and removes the database and its principal; harmless if absent. */
  dropSandbox(database: string, login: string): SandboxSteps;
  setPassword(database: string, login: string, password: string): SandboxSteps;
  /** The error with SQL Server's number where the server reported it in its own terms. */
  normaliseError(error: DriverError): DriverError;
}

const sqlServer: MssqlFlavour = {
  kind: 'sql-server',
  stopsRunaway: 'attention',
  // Only a session of the sandbox's login: a spid the server has since given to someone else is left alone.
  killSession: (spid, login) =>
    `IF EXISTS (SELECT 1 FROM sys.dm_exec_sessions WHERE session_id = ${spid} AND login_name = ${nLiteral(login)}) KILL ${spid}`,
  prepareServer: [
    `IF (SELECT CAST(value_in_use AS int) FROM sys.configurations WHERE name = 'contained database authentication') = 0
     BEGIN
       EXEC sp_configure 'contained database authentication', 1;
       RECONFIGURE;
     END`,
  ],
  // A contained user authenticates against its database only and exists nowhere else; it may build,
  // read and write there and nothing more (not db_owner).
  createSandbox: (database, login, password) => {
    const user = quoteName(login);
    return [
      `CREATE DATABASE ${quoteName(database)} CONTAINMENT = PARTIAL; ALTER DATABASE ${quoteName(database)} SET RECOVERY SIMPLE;`,
      inDatabase(
        database,
        `CREATE USER ${user} WITH PASSWORD = ${nLiteral(password)};
         ALTER ROLE db_ddladmin ADD MEMBER ${user};
         ALTER ROLE db_datareader ADD MEMBER ${user};
         ALTER ROLE db_datawriter ADD MEMBER ${user};
         GRANT EXECUTE, VIEW DEFINITION, REFERENCES, SHOWPLAN TO ${user};`,
      ),
    ];
  },
  // ROLLBACK IMMEDIATE ends the sandbox's sessions (and their transactions) so that DROP can proceed;
  // the contained user goes with its database.
  dropSandbox: (database) => [
    `IF DB_ID(${nLiteral(database)}) IS NOT NULL
     BEGIN
       ALTER DATABASE ${quoteName(database)} SET SINGLE_USER WITH ROLLBACK IMMEDIATE;
       DROP DATABASE ${quoteName(database)};
     END`,
  ],
  setPassword: (database, login, password) => [
    inDatabase(database, `ALTER USER ${quoteName(login)} WITH PASSWORD = ${nLiteral(password)}`),
  ],
  normaliseError: (error) => error,
};

/** Babelfish's number for every error it passes through from PostgreSQL untranslated. */
export const BABELFISH_UNTRANSLATED = 33557097;

/**
 * Texts (PostgreSQL's, or Babelfish's own parser's) that say exactly what a SQL Server number says,
 * as Babelfish 4.2 sends them: a syntax error (102), a missing table or view (208), a missing column
 * (207), a missing procedure (2812). The message stays the server's own. Anything else keeps
 * 33557097 and its text rather than a guess.
 */
const UNTRANSLATED_TO_SQL_SERVER: ReadonlyArray<readonly [RegExp, number]> = [
  [/^syntax error (near|at or near|at end of input)/, 102],
  [/^relation ".*" does not exist/, 208],
  [/^column ".*" does not exist/, 207],
  [/^procedure .*\(.*\) does not exist/, 2812],
];

const babelfish: MssqlFlavour = {
  kind: 'babelfish',
  stopsRunaway: 'kill',
  // Babelfish's KILL itself checks that the spid is a live TDS session (through sys.dm_exec_sessions,
  // ~0.4 s on a busy machine: a second look for the login would double that). The spid is the backend
  // of the sandbox connection still running the batch, so it cannot have been given to anyone else.
  killSession: (spid) => `KILL ${spid}`,
  // No contained databases, sp_configure or ALTER DATABASE there.
  prepareServer: [],
  // A server login that owns its sandbox database (is dbo there) and is a user of no other: Babelfish
  // 4.2 has no db_ddladmin/db_datareader/db_datawriter, refuses new db_owner members and GRANTs of
  // database permissions, so owning the database is the least privilege that can build in it. Other
  // user databases have no user for it (entering one fails); it has no server role, so it can make no
  // database or login, KILL nothing and read no server setting.
  createSandbox: (database, login, password) => [
    `CREATE DATABASE ${quoteName(database)}`,
    `CREATE LOGIN ${quoteName(login)} WITH PASSWORD = ${nLiteral(password)}, DEFAULT_DATABASE = ${quoteName(database)}`,
    `ALTER AUTHORIZATION ON DATABASE::${quoteName(database)} TO ${quoteName(login)}`,
  ],
  // The login's sessions are ended first (KILL), since a database in use cannot be dropped.
  dropSandbox: (database, login) => [
    `DECLARE @spid int, @kill nvarchar(40);
       DECLARE sessions CURSOR LOCAL FAST_FORWARD FOR
         SELECT session_id FROM sys.dm_exec_sessions WHERE login_name = ${nLiteral(login)} AND session_id <> @@SPID;
       OPEN sessions;
       FETCH NEXT FROM sessions INTO @spid;
       WHILE @@FETCH_STATUS = 0
       BEGIN
         SET @kill = N'KILL ' + CAST(@spid AS nvarchar(12));
         EXEC (@kill);
         FETCH NEXT FROM sessions INTO @spid;
       END;
       CLOSE sessions;
       DEALLOCATE sessions;`,
    `IF DB_ID(${nLiteral(database)}) IS NOT NULL DROP DATABASE ${quoteName(database)}`,
    `IF EXISTS (SELECT 1 FROM sys.server_principals WHERE name = ${nLiteral(login)}) DROP LOGIN ${quoteName(login)}`,
  ],
  setPassword: (_database, login, password) => [
    `ALTER LOGIN ${quoteName(login)} WITH PASSWORD = ${nLiteral(password)}`,
  ],
  normaliseError: (error) => {
    if (Number(error.number) !== BABELFISH_UNTRANSLATED) return error;
    const known = UNTRANSLATED_TO_SQL_SERVER.find(([pattern]) => pattern.test(error.message ?? ''));
    return known ? { ...error, number: known[1] } : error;
  },
};

/** The flavour of the server whose `@@VERSION` this is. */
export function flavourOf(version: string): MssqlFlavour {
  return /babelfish/i.test(version) ? babelfish : sqlServer;
}

/** Something that answers a query: a pool, a request factory. */
export interface VersionSource {
  request(): { query<T>(text: string): Promise<{ recordset: T[] }> };
}

/** Asks the server which flavour it is. */
export async function detectFlavour(source: VersionSource): Promise<MssqlFlavour> {
  const { recordset } = await source.request().query<{ version: string }>('SELECT @@VERSION AS version');
  return flavourOf(recordset[0]?.version ?? '');
}
