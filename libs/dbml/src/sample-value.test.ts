import { describe, expect, it } from 'vitest';
import { compileSchema } from './compile-schema.ts';
import { sampleValueProblem } from './sample-value.ts';

describe('sampleValueProblem', () => {
  it.each([
    ['integer', 42],
    ['integer', '-7'],
    ['number', 12.5],
    ['number', '12345678901234567890.123456789'],
    ['boolean', true],
    ['boolean', 0],
    ['date', '2026-11-21'],
    ['time', '09:30'],
    ['datetime', '2026-11-21 09:30:00'],
    ['datetime', '2026-11-21T09:30:00.123Z'],
    ['string', 'O’Brien'],
    ['other', { nested: [1, 2] }],
    ['integer', null],
  ] as const)('accepts a %s value %j', (kind, value) => {
    expect(sampleValueProblem(kind, value)).toBeUndefined();
  });

  it.each([
    ['integer', 'abc', 'not an integer'],
    ['integer', 1.5, 'not an integer'],
    ['number', 'twelve', 'not a number'],
    ['boolean', 'maybe', 'not a boolean'],
    ['date', '21/11/2026', 'not a date'],
    ['datetime', 'yesterday', 'not a timestamp'],
    ['time', '9am', 'not a time'],
    ['string', { a: 1 }, 'object or array'],
  ] as const)('refuses a %s value %j', (kind, value, reason) => {
    expect(sampleValueProblem(kind, value)).toContain(reason);
  });
});

describe('compileSchema with sample data of the wrong type', () => {
  it('refuses it with DATA_INVALID naming the table, column and row', () => {
    const dbml = 'Table people {\n  id int [pk]\n  born date\n}';
    expect(() =>
      compileSchema({ engine: 'postgres', dbml, data: { people: [{ id: 1, born: 'not a date' }] } }),
    ).toThrow(
      expect.objectContaining({
        code: 'DATA_INVALID',
        message: expect.stringContaining('row 0 of table "people", column "born"'),
        details: { table: 'people', column: 'born' },
      }),
    );
  });
});
