import { describe, expect, it } from 'vitest';
import { fingerprintOf } from './fingerprint.ts';

const base = { engine: 'postgres' as const, dbml: 'Table t { id int }', data: { t: [{ id: 1, b: 2 }] } };

describe('fingerprintOf', () => {
  it('is a sha256 hex that does not depend on key order or line endings', () => {
    const fp = fingerprintOf(base);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintOf({ ...base, data: { t: [{ b: 2, id: 1 }] } })).toBe(fp);
    expect(fingerprintOf({ ...base, dbml: 'Table t { id int }  \r\n' })).toBe(fp);
  });

  it('changes with the engine, the DBML or the data', () => {
    const fp = fingerprintOf(base);
    expect(fingerprintOf({ ...base, engine: 'mysql' })).not.toBe(fp);
    expect(fingerprintOf({ ...base, dbml: 'Table t { id bigint }' })).not.toBe(fp);
    expect(fingerprintOf({ ...base, data: { t: [{ id: 2, b: 2 }] } })).not.toBe(fp);
    expect(
      fingerprintOf({
        ...base,
        data: {
          t: [
            { id: 1, b: 2 },
            { id: 1, b: 2 },
          ],
        },
      }),
    ).not.toBe(fp);
  });
});
