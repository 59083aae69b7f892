/** PostgreSQL/MySQL functions that DBML authors write in defaults, and their T-SQL equivalents. */
const FUNCTIONS: Record<string, string> = {
  'now()': 'SYSUTCDATETIME()',
  current_timestamp: 'SYSUTCDATETIME()',
  'current_timestamp()': 'SYSUTCDATETIME()',
  localtimestamp: 'SYSDATETIME()',
  current_date: 'CAST(SYSUTCDATETIME() AS DATE)',
  'current_date()': 'CAST(SYSUTCDATETIME() AS DATE)',
  'gen_random_uuid()': 'NEWID()',
  'uuid_generate_v4()': 'NEWID()',
  'uuid()': 'NEWID()',
  true: '1',
  false: '0',
};

/** Translates a whole expression when it is one of the known functions; other SQL passes through. */
export function translateExpression(sql: string): string {
  return FUNCTIONS[sql.trim().toLowerCase()] ?? sql;
}
