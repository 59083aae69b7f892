import { describe, expect, it } from 'vitest';
import { auditCsv, csvField } from './audit-csv.ts';

describe('audit CSV', () => {
  it('quotes fields with commas, quotes and line breaks, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('SELECT 1;\nSELECT 2')).toBe('"SELECT 1;\nSELECT 2"');
  });

  it('defuses spreadsheet formulas at the start of a text', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-- comment\nSELECT 1')).toBe(`"'-- comment\nSELECT 1"`);
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tx')).toBe("'\tx");
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField(12)).toBe('12');
  });

  it('writes a header and one line per entry', () => {
    const csv = auditCsv([
      {
        at: '2026-01-01T00:00:00.000Z',
        room: 'r1',
        sessionId: 's',
        clientId: 'c:x',
        engine: 'postgres',
        jobId: 'j',
        outcome: 'sql-error',
        code: '42601',
        durationMs: 3,
        waitMs: 1,
        sql: 'SELEC 1',
      },
    ]);
    expect(csv).toBe(
      'at,room,sessionId,clientId,engine,jobId,outcome,code,durationMs,waitMs,sql\r\n' +
        '2026-01-01T00:00:00.000Z,r1,s,c:x,postgres,j,sql-error,42601,3,1,SELEC 1\r\n',
    );
  });
});
