import { type ExamRequest, examRequestSchema } from '@sqlfleet/contracts';
import { AppError, type Config, ENGINE_NAMES } from '@sqlfleet/core';
import { assertWellFormed } from './well-formed.ts';

/**
 * Checks an exam registration against the contract and its ceilings: UNKNOWN_ENGINE, DBML_TOO_LARGE,
 * VALIDATION_FAILED (with the issues), LIMIT_ABOVE_CEILING for `students` past EXAM_MAX_STUDENTS.
 */
export function validateExam(body: unknown, config: Config): ExamRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('VALIDATION_FAILED', 'The body must be a JSON object');
  }
  assertWellFormed(body);
  const fields = body as Record<string, unknown>;
  if (!(ENGINE_NAMES as readonly unknown[]).includes(fields.engine)) {
    throw new AppError('UNKNOWN_ENGINE', `"engine" must be one of ${ENGINE_NAMES.join(', ')}`, {
      details: { engines: ENGINE_NAMES },
    });
  }
  const schemaBytes =
    (typeof fields.dbml === 'string' ? Buffer.byteLength(fields.dbml) : 0) +
    (fields.data === undefined ? 0 : Buffer.byteLength(JSON.stringify(fields.data)));
  if (schemaBytes > config.limits.dbmlBytes) {
    throw new AppError('DBML_TOO_LARGE', `The DBML and data are larger than ${config.limits.dbmlBytes} bytes`, {
      details: { limit: config.limits.dbmlBytes },
    });
  }
  const parsed = examRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    const first = issues[0];
    throw new AppError('VALIDATION_FAILED', first ? `${first.path || 'body'}: ${first.message}` : 'Invalid exam', {
      details: { issues },
    });
  }
  const { maxStudents } = config.exams;
  if (parsed.data.students > maxStudents) {
    throw new AppError('LIMIT_ABOVE_CEILING', `students may be at most ${maxStudents}`, {
      details: { limit: 'students', ceiling: maxStudents },
    });
  }
  return parsed.data;
}
