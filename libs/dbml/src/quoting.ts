import type { ColumnType, QualifiedName } from './model.ts';

/** How one SQL dialect writes names and literals. Every name and text that reaches SQL goes through here. */
export interface Quoting {
  ident(name: string): string;
  table(name: QualifiedName): string;
  string(text: string): string;
  boolean(value: boolean): string;
  /** A date, time or timestamp given as text, written the way this engine reads it. */
  temporal(text: string, kind: 'datetime' | 'date' | 'time'): string;
  enumValue(text: string, type: ColumnType): string;
  /** SQL written by the author (DBML backticks), translated where the dialect differs. */
  expression(sql: string): string;
}
