import { describe, expect, it } from 'vitest';
import { ByteBudget, RESULT_SET_BYTES, ResultBuilder } from './result-builder.ts';

describe('ResultBuilder', () => {
  it('keeps rows up to the row cap and counts the rest', () => {
    const builder = new ResultBuilder(2, new ByteBudget(1_000));
    expect([1, 2, 3, 4].map((n) => builder.add([n]))).toEqual([true, true, false, false]);
    expect(builder.build([{ name: 'n', type: 'int4' }], builder.seen, 'SELECT')).toEqual({
      columns: [{ name: 'n', type: 'int4' }],
      rows: [[1], [2]],
      rowCount: 4,
      truncated: true,
      command: 'SELECT',
    });
  });

  it('leaves out a row that does not fit the byte budget, and the budget spans result sets', () => {
    const budget = new ByteBudget(12);
    const first = new ResultBuilder(100, budget);
    expect(first.add(['abc'])).toBe(true); // ["abc"] is 7 bytes
    expect(first.add(['abc'])).toBe(false);
    const second = new ResultBuilder(100, budget);
    expect(second.add([1])).toBe(true); // [1] is 3 bytes
    expect(second.add([1])).toBe(false);
    expect(first.rows).toEqual([['abc']]);
    expect(second.truncated).toBe(true);
  });

  it('counts rows dropped unread as seen, and marks the result truncated', () => {
    const builder = new ResultBuilder(100, new ByteBudget(1_000));
    builder.add([1]);
    builder.skip(0);
    expect(builder.truncated).toBe(false);
    builder.skip(3);
    expect(builder.build([], builder.seen, undefined)).toMatchObject({ rows: [[1]], rowCount: 4, truncated: true });
  });

  it('bounds the result sets’ own bytes apart from the rows’', () => {
    const budget = new ByteBudget(RESULT_SET_BYTES * 2 + 1);
    expect([budget.takeResultSet(), budget.takeResultSet(), budget.takeResultSet()]).toEqual([true, true, false]);
    expect(budget.remaining).toBe(RESULT_SET_BYTES * 2 + 1);
    const rowsFirst = new ByteBudget(100);
    new ResultBuilder(100, rowsFirst).add(['x'.repeat(95)]);
    expect(rowsFirst.takeResultSet()).toBe(true);
  });

  it('counts a result set’s columns with it', () => {
    const budget = new ByteBudget(RESULT_SET_BYTES + 100);
    expect(budget.takeResultSet([{ name: 'n'.repeat(60), type: 'int' }])).toBe(true);
    expect(budget.takeResultSet([{ name: 'n', type: 'int' }])).toBe(false);
    expect(new ByteBudget(RESULT_SET_BYTES + 100).takeResultSet([{ name: 'n'.repeat(15), type: 'int' }])).toBe(true);
  });

  it('measures multi-byte text in bytes', () => {
    const builder = new ResultBuilder(100, new ByteBudget(6));
    expect(builder.add(['é'])).toBe(true); // ["é"] is 6 bytes, 5 characters
    expect(builder.add(['é'])).toBe(false);
  });

  it('omits the command when it is unknown', () => {
    expect(new ResultBuilder(1, new ByteBudget(1)).build([], 0, undefined)).not.toHaveProperty('command');
  });
});
