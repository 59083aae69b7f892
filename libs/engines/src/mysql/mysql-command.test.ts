import { describe, expect, it } from 'vitest';
import { mysqlCommandOf } from './mysql-command.ts';

describe('mysqlCommandOf', () => {
  it.each([
    ['select 1', 'SELECT'],
    ['  -- note\n# more\n/* and */ insert into t values (1)', 'INSERT'],
    ['CREATE TABLE t (a int)', 'CREATE TABLE'],
    ['create or replace view v as select 1', 'CREATE VIEW'],
    ['CREATE TEMPORARY TABLE x (a int)', 'CREATE TABLE'],
    ['drop table if exists t', 'DROP TABLE'],
    ['CREATE UNIQUE INDEX i ON t (a)', 'CREATE INDEX'],
    ['(select 1)', undefined],
  ])('names %j as %j', (text, command) => {
    expect(mysqlCommandOf(text)).toBe(command);
  });
});
