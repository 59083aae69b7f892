import { describe, expect, it } from 'vitest';
import { decimalText } from './decimal-text.ts';

describe('decimalText', () => {
  it('pads to the column scale as SQL Server shows it', () => {
    expect(decimalText(1.5, 2)).toBe('1.50');
    expect(decimalText(42, 0)).toBe('42');
    expect(decimalText(0, 3)).toBe('0.000');
    expect(decimalText(-0.05, 2)).toBe('-0.05');
  });

  it('writes tiny and huge values without exponent notation', () => {
    expect(decimalText(1e-7, 7)).toBe('0.0000001');
    expect(decimalText(1e21, 0)).toBe('1000000000000000000000');
    expect(decimalText(-1.25e-5, 6)).toBe('-0.000013');
  });

  it('gives back every digit of a 15-significant-digit value', () => {
    expect(decimalText(1234567890.12345, 5)).toBe('1234567890.12345');
    expect(decimalText(-99999999999.9999, 4)).toBe('-99999999999.9999');
    expect(decimalText(0.000000000000001, 15)).toBe('0.000000000000001');
  });

  it('rounds half away from zero when the double carries more digits than the scale', () => {
    expect(decimalText(2.675, 2)).toBe('2.68');
    expect(decimalText(-2.675, 2)).toBe('-2.68');
    expect(decimalText(-0.004, 2)).toBe('0.00');
  });
});
