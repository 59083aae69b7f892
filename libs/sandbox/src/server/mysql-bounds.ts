import type { Pool, RowDataPacket } from 'mysql2/promise';

/**
 * Session variables any login may raise for itself unless the server was started with
 * `--maximum-<name>=N` (MariaDB and MySQL clamp a SET above it, with a warning). MariaDB has no
 * per-user setting, so these bounds are server options only.
 */
const RAISABLE = [
  { name: 'max_heap_table_size', why: 'grows a MEMORY table (and in-memory temporary tables) in server memory' },
  { name: 'tmp_table_size', why: 'keeps internal temporary tables in server memory' },
  { name: 'max_session_mem_used', why: "is the only bound on one session's memory" },
];
const PROBE = 2 ** 40;

/**
 * What this MariaDB/MySQL server lets one sandbox login take from the others, found by trying it on
 * an admin connection of its own (closed afterwards, so nothing it changed outlives the probe).
 */
export async function mysqlBoundsReport(pool: Pool): Promise<string[]> {
  const connection = await pool.getConnection();
  try {
    const report: string[] = [];
    const [engines] = await connection.query<RowDataPacket[]>('SELECT @@global.enforce_storage_engine AS engine');
    if (String(engines[0]?.engine ?? '').toLowerCase() !== 'innodb') {
      report.push(
        'enforce_storage_engine is not InnoDB: a login may make ENGINE=MEMORY tables in server memory ' +
          '(start the server with --enforce-storage-engine=InnoDB)',
      );
    }
    for (const { name, why } of RAISABLE) {
      await connection.query(`SET SESSION ${name} = ${PROBE}`);
      const [rows] = await connection.query<RowDataPacket[]>(`SELECT @@session.${name} AS value`);
      if (Number(rows[0]?.value) >= PROBE) {
        report.push(`a login can raise ${name}, which ${why} (start the server with --maximum-${name}=N)`);
      }
    }
    return report;
  } finally {
    connection.destroy();
  }
}
