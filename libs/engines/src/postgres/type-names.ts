import type { ClientBase } from 'pg';
import { BUILTIN_TYPE_NAMES } from './postgres-types.ts';

/** Type names by OID for one database: built-ins from a table, user types (enums, domains) looked up once. */
export class TypeNames {
  private readonly known = new Map<number, string>(BUILTIN_TYPE_NAMES);

  async resolve(client: ClientBase, oids: readonly number[]): Promise<ReadonlyMap<number, string>> {
    const missing = [...new Set(oids)].filter((oid) => !this.known.has(oid));
    if (missing.length > 0) {
      const found = await client.query<{ oid: number; typname: string }>({
        text: 'SELECT oid::int4 AS oid, typname::text AS typname FROM pg_catalog.pg_type WHERE oid = ANY($1::oid[])',
        values: [missing],
      });
      for (const row of found.rows) this.known.set(row.oid, row.typname);
    }
    return this.known;
  }
}
