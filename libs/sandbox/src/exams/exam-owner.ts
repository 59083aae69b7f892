/**
 * A pre-warmed sandbox is made before any session exists, so it is built for an owner that names
 * its exam instead: `exam:<room>:<examId>:<n>`. Session ids are base64url (no `:`), so an owner
 * never reads as a session id; the orphan sweep uses it to tell a pooled sandbox from a lost one.
 */
const PREFIX = 'exam:';

export function examOwner(room: string, examId: string, n: string): string {
  return `${PREFIX}${room}:${examId}:${n}`;
}

/** The exam a sandbox was pre-warmed for, or undefined when its owner is a session. */
export function parseExamOwner(owner: string): { room: string; examId: string } | undefined {
  if (!owner.startsWith(PREFIX)) return undefined;
  const parts = owner.slice(PREFIX.length).split(':');
  if (parts.length < 3) return undefined;
  // Rooms may hold `:` themselves; the exam id and counter are the last two parts.
  const examId = parts[parts.length - 2] ?? '';
  return { room: parts.slice(0, -2).join(':'), examId };
}
