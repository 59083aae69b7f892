const LEADING_NOISE = /^(?:\s+|--[^\n]*|#[^\n]*|\/\*(?!M?!)[\s\S]*?\*\/)*/;
const DDL_VERBS = new Set(['CREATE', 'ALTER', 'DROP', 'RENAME', 'TRUNCATE']);
const DDL_MODIFIERS = new Set([
  'OR',
  'REPLACE',
  'TEMPORARY',
  'UNIQUE',
  'FULLTEXT',
  'SPATIAL',
  'IF',
  'ONLINE',
  'IGNORE',
]);

/**
 * MySQL sends no command tag: this names the statement the way PostgreSQL's tags do
 * (`SELECT`, `INSERT`, `CREATE TABLE`).
 */
export function mysqlCommandOf(text: string): string | undefined {
  const words = text
    .replace(LEADING_NOISE, '')
    .match(/^[A-Za-z]+(?:\s+[A-Za-z]+){0,4}/)?.[0]
    .toUpperCase()
    .split(/\s+/);
  const verb = words?.[0];
  if (!verb) return undefined;
  if (!DDL_VERBS.has(verb)) return verb;
  const object = words.slice(1).find((w) => !DDL_MODIFIERS.has(w));
  return object ? `${verb} ${object}` : verb;
}
