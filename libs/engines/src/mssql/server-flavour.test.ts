import { describe, expect, it } from 'vitest';
import { BABELFISH_UNTRANSLATED, flavourOf } from './server-flavour.ts';

const BABELFISH_VERSION =
  'Babelfish for PostgreSQL with SQL Server Compatibility - 12.0.2000.8\nCopyright (c) Amazon Web Services\nPostgreSQL 16.3 on x86_64-pc-linux-gnu (Babelfish 4.2.0)';
const SQL_SERVER_VERSION = 'Microsoft SQL Server 2022 (RTM-CU14) - 16.0.4135.4 (X64)';

describe('server flavour', () => {
  it('tells Babelfish from SQL Server by @@VERSION', () => {
    expect(flavourOf(BABELFISH_VERSION)).toMatchObject({ kind: 'babelfish', stopsRunaway: 'kill' });
    expect(flavourOf(SQL_SERVER_VERSION)).toMatchObject({ kind: 'sql-server', stopsRunaway: 'attention' });
  });

  it('KILLs a runaway on Babelfish with its own checks, and on SQL Server only a session of the sandbox login', () => {
    expect(flavourOf(BABELFISH_VERSION).killSession(123, 'sb_1')).toBe('KILL 123');
    expect(flavourOf(SQL_SERVER_VERSION).killSession(123, "o'k")).toMatch(
      /session_id = 123 AND login_name = N'o''k'\) KILL 123$/,
    );
  });

  it.each([
    ["syntax error near 't' at line 2 and character position 5", 102],
    ['syntax error at or near "FORM"', 102],
    ['relation "nosuch" does not exist', 208],
    ['column "nosuchcol" does not exist', 207],
    ['procedure nosuchproc() does not exist', 2812],
  ])('gives Babelfish’s untranslated “%s” SQL Server’s number %i, keeping the text', (message, number) => {
    const error = { number: BABELFISH_UNTRANSLATED, message, lineNumber: 2 };
    expect(flavourOf(BABELFISH_VERSION).normaliseError(error)).toEqual({ ...error, number });
  });

  it('keeps 33557097 for a text it does not know, and never touches SQL Server’s errors', () => {
    const unknown = { number: BABELFISH_UNTRANSLATED, message: 'function nosuchfn(integer) does not exist' };
    expect(flavourOf(BABELFISH_VERSION).normaliseError(unknown)).toEqual(unknown);
    const own = { number: BABELFISH_UNTRANSLATED, message: 'syntax error near x' };
    expect(flavourOf(SQL_SERVER_VERSION).normaliseError(own)).toEqual(own);
  });

  it('makes a Babelfish sandbox as a login owning its database, and a SQL Server one as a contained user', () => {
    const babelfish = flavourOf(BABELFISH_VERSION).createSandbox('sb_1', 'sb_1', "it's");
    expect(babelfish.join('\n')).toMatch(/ALTER AUTHORIZATION ON DATABASE::\[sb_1\] TO \[sb_1\]/);
    expect(babelfish.join('\n')).toContain("N'it''s'");
    expect(babelfish.join('\n')).not.toMatch(/CONTAINMENT|ALTER DATABASE /);
    const sqlServer = flavourOf(SQL_SERVER_VERSION).createSandbox('sb_1', 'sb_1', 'pw');
    expect(sqlServer.join('\n')).toMatch(/CONTAINMENT = PARTIAL/);
    expect(sqlServer.join('\n')).not.toMatch(/CREATE LOGIN|db_owner/);
  });
});
