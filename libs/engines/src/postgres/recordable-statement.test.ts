import { describe, expect, it } from 'vitest';
import { isRecordableStatement } from './recordable-statement.ts';

describe('isRecordableStatement', () => {
  it.each([
    'INSERT INTO t VALUES (1)',
    '  update t set n = 2',
    '-- a comment\n/* another */ DELETE FROM t',
    'CREATE TABLE t (n int)',
    'WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x',
    'TRUNCATE t',
    'ALTER TABLE t ADD COLUMN m int',
  ])('wraps %j', (sql) => {
    expect(isRecordableStatement(sql)).toBe(true);
  });

  it.each([
    'SELECT 1',
    'BEGIN',
    'COMMIT',
    'CALL p()',
    'DO $$ BEGIN COMMIT; END $$',
    'VACUUM t',
    'CREATE INDEX CONCURRENTLY i ON t (n)',
    'DROP INDEX CONCURRENTLY i',
    'CREATE DATABASE x',
    'DROP TABLESPACE x',
    'ALTER SYSTEM SET work_mem = 1',
    '/* /* nested */ */ INSERT INTO t VALUES (1)',
  ])('leaves %j alone', (sql) => {
    expect(isRecordableStatement(sql)).toBe(false);
  });
});
