/**
 * Statements a run may wrap in a transaction of its own (to record it, issue 10 item 4) without
 * changing what they do: the common writes and DDL. Not wrapped: reads (a re-run of a read changes
 * nothing, and wrapping costs a round trip), transaction control and routines that may commit
 * (`CALL`, `DO`), and what PostgreSQL refuses inside a transaction block (VACUUM, `CONCURRENTLY`,
 * databases, tablespaces, subscriptions, `ALTER SYSTEM`).
 */
const WRAPPABLE = /^(insert|update|delete|merge|truncate|create|alter|drop|grant|revoke|comment|with)\b/i;
const REFUSED_IN_BLOCK =
  /^(create|drop|alter)\s+(database|tablespace|subscription|system)\b|^alter\s+system\b|\bconcurrently\b/i;

/** Leading white space, `--` comments and `/* … *\/` comments (a nested one keeps its tail: not wrapped). */
const LEADING_NOISE = /^(?:\s+|--[^\n\r]*|\/\*(?:[^*/]|\*(?!\/)|\/(?!\*))*\*\/)*/;

export function isRecordableStatement(text: string): boolean {
  const body = text.replace(LEADING_NOISE, '');
  return WRAPPABLE.test(body) && !REFUSED_IN_BLOCK.test(body);
}
