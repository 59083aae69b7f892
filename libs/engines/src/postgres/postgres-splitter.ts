import { type DialectScanner, type Statement, splitStatements } from '../statement-splitter.ts';
import { readPostgresLexeme } from './postgres-lexemes.ts';
import { PsqlNesting } from './psql-nesting.ts';
import { StandardStrings } from './standard-strings.ts';

/**
 * Splits a PostgreSQL script where psql splits it: at a `;` outside strings, quoted identifiers,
 * dollar quotes, comments, parentheses and `BEGIN ATOMIC … END` bodies, reading '…' strings as
 * `standard_conforming_strings` says at that point of the script.
 */
export function splitPostgres(sql: string): Statement[] {
  return splitStatements(sql, postgresScanner(sql));
}

/** psql's reading of one script (it keeps state from statement to statement). */
export function postgresScanner(sql: string): DialectScanner {
  const nesting = new PsqlNesting();
  const strings = new StandardStrings();
  return {
    read: (text, i) => readPostgresLexeme(text, i, strings.at(i)) ?? nesting.read(text, i),
    canEnd: () => nesting.canEnd(),
    ended: (statement, next) => {
      nesting.reset();
      if (statement) strings.ended(sql, statement.text, next);
    },
  };
}
