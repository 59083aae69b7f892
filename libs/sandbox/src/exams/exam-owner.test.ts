import { describe, expect, it } from 'vitest';
import { examOwner, parseExamOwner } from './exam-owner.ts';

describe('exam owner tags', () => {
  it('round-trips rooms that contain colons', () => {
    expect(parseExamOwner(examOwner('cs:101.a', 'e1b2', '7'))).toEqual({ room: 'cs:101.a', examId: 'e1b2' });
  });

  it('does not read a session id as an exam owner', () => {
    expect(parseExamOwner('Yda_tbdj66vvAX4UrdV05mFP')).toBeUndefined();
    expect(parseExamOwner('exam:room-only')).toBeUndefined();
  });
});
