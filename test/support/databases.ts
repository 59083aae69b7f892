/** Direct looks at the shared servers, to check what a fleet made and to remove it after a test. */
import mysql from 'mysql2/promise';
import pg from 'pg';

const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';
const MYSQL_ADMIN = { host: '127.0.0.1', port: 3306, user: 'root' };

export async function pgQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client(PG_ADMIN);
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export async function mysqlQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const connection = await mysql.createConnection(MYSQL_ADMIN);
  try {
    const [rows] = await connection.query(sql, params);
    return rows as T[];
  } finally {
    await connection.end();
  }
}

interface Footprint {
  pg: string[];
  pgRoles: string[];
  mysql: string[];
  mysqlUsers: string[];
}

/**
 * Sandbox databases and logins of a fleet, on both servers. Schema templates (`<fleet>_t…` and their
 * logins `<fleet>_r…`, SANDBOX_TEMPLATES) are no session's, so they are listed apart, under `templates`.
 */
export async function fleetFootprint(fleetId: string): Promise<Footprint & { templates: Footprint }> {
  const all = await everythingOf(fleetId);
  const template = new RegExp(`^${fleetId}_[tr][0-9a-f]{23}$`);
  const split = (names: string[]) => [names.filter((n) => !template.test(n)), names.filter((n) => template.test(n))];
  const [pg, pgT] = split(all.pg);
  const [pgRoles, pgRolesT] = split(all.pgRoles);
  const [my, myT] = split(all.mysql);
  const [myUsers, myUsersT] = split(all.mysqlUsers);
  return {
    pg: pg ?? [],
    pgRoles: pgRoles ?? [],
    mysql: my ?? [],
    mysqlUsers: myUsers ?? [],
    templates: { pg: pgT ?? [], pgRoles: pgRolesT ?? [], mysql: myT ?? [], mysqlUsers: myUsersT ?? [] },
  };
}

async function everythingOf(fleetId: string): Promise<Footprint> {
  const like = `${fleetId}\\_%`;
  const [pgDbs, pgRoles, myDbs, myUsers] = await Promise.all([
    pgQuery<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [like]),
    pgQuery<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname LIKE $1', [like]),
    mysqlQuery<{ name: string }>(
      'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?',
      [like],
    ),
    mysqlQuery<{ name: string }>('SELECT DISTINCT User AS name FROM mysql.user WHERE User LIKE ?', [like]),
  ]);
  return {
    pg: pgDbs.map((r) => r.datname),
    pgRoles: pgRoles.map((r) => r.rolname),
    mysql: myDbs.map((r) => r.name),
    mysqlUsers: myUsers.map((r) => r.name),
  };
}

export async function dropFleetDatabases(fleetId: string): Promise<void> {
  const found = await everythingOf(fleetId);
  for (const db of found.pg) await pgQuery(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  for (const role of found.pgRoles) await pgQuery(`DROP ROLE IF EXISTS "${role}"`);
  for (const db of found.mysql) await mysqlQuery(`DROP DATABASE IF EXISTS \`${db}\``);
  for (const user of found.mysqlUsers) {
    const hosts = await mysqlQuery<{ Host: string }>('SELECT Host FROM mysql.user WHERE User = ?', [user]);
    for (const { Host } of hosts) await mysqlQuery('DROP USER IF EXISTS ?@?', [user, Host]);
  }
}
