import sql from 'mssql';
import { describe, expect, it } from 'vitest';
import { RESULT_SET_BYTES } from '../result-builder.ts';
import type { MssqlColumnMeta } from './mssql-values.ts';
import { ResultCollector } from './result-collector.ts';

const ints = (...names: string[]): MssqlColumnMeta[] => names.map((name) => ({ name, type: sql.TYPES.Int }));
const limits = { maxRows: 100, maxBytes: 1_000_000 };

describe('ResultCollector', () => {
  it('collects result sets in order, with duplicate column names and the counts the server sent', () => {
    const c = new ResultCollector(limits);
    c.startSet(ints('a', 'a'));
    c.addRow([1, 2]);
    c.rowsAffected(1);
    c.rowsAffected(3); // an UPDATE
    c.startSet(ints('n'));
    c.rowsAffected(0);
    c.closeOpen();
    expect(c.results).toEqual([
      {
        columns: [
          { name: 'a', type: 'int' },
          { name: 'a', type: 'int' },
        ],
        rows: [[1, 2]],
        rowCount: 1,
        truncated: false,
      },
      { columns: [], rows: [], rowCount: 3, truncated: false },
      { columns: [{ name: 'n', type: 'int' }], rows: [], rowCount: 0, truncated: false },
    ]);
  });

  it('counts the rows seen when no count comes (SET NOCOUNT ON)', () => {
    const c = new ResultCollector(limits);
    c.startSet(ints('x'));
    c.addRow([1]);
    c.addRow([2]);
    c.startSet(ints('y'));
    c.closeOpen();
    expect(c.results.map((r) => r.rowCount)).toEqual([2, 0]);
  });

  it('stops at the row cap only when a row past it arrives', () => {
    const c = new ResultCollector({ maxRows: 2, maxBytes: 1_000_000 });
    c.startSet(ints('x'));
    expect([c.addRow([1]), c.addRow([2])]).toEqual([true, true]);
    expect(c.capped).toBe(false);
    expect(c.addRow([3])).toBe(false);
    expect(c.capped).toBe(true);
    c.closeOpen();
    expect(c.results[0]).toMatchObject({ rows: [[1], [2]], truncated: true, rowCount: 3 });
  });

  it('stops at the byte cap, shared by all result sets, leaving out the row that does not fit', () => {
    const c = new ResultCollector({ maxRows: 100, maxBytes: 300 });
    c.startSet([{ name: 's', type: sql.TYPES.NVarChar }]);
    expect(c.addRow(['a'.repeat(150)])).toBe(true); // 154 bytes
    c.rowsAffected(1);
    c.startSet([{ name: 's', type: sql.TYPES.NVarChar }]);
    expect(c.addRow(['b'.repeat(150)])).toBe(false); // 154 more would make 308
    c.rowsAffected(1);
    c.startSet(ints('ignored'));
    c.rowsAffected(5);
    expect(c.results).toHaveLength(2);
    expect(c.results[1]).toMatchObject({ rows: [], truncated: true });
  });

  it('turns FOR JSON output (one object row) into a one-value row', () => {
    const c = new ResultCollector(limits);
    c.startSet([{ name: 'JSON_F52E2B61-18A1-11d1-B105-00805F49916B', type: sql.TYPES.NVarChar }]);
    c.addRow({ 0: '[{"a":1}]' });
    c.closeOpen();
    expect(c.results[0]?.rows).toEqual([['[{"a":1}]']]);
  });

  it('stops at the byte cap when a batch sends count after count (a loop over an INSERT)', () => {
    const c = new ResultCollector({ maxRows: 100, maxBytes: 1_000 });
    let counts = 0;
    while (!c.capped && counts < 100_000) {
      c.rowsAffected(1);
      counts += 1;
    }
    expect(c.capped).toBe(true);
    expect(c.results.length).toBe(Math.floor(1_000 / RESULT_SET_BYTES));
    c.startSet(ints('late'));
    expect(c.results.length).toBe(Math.floor(1_000 / RESULT_SET_BYTES));
  });
});
