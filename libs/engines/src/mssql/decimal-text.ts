/**
 * Writes a DECIMAL, NUMERIC or MONEY value as SQL Server shows it: fixed `scale` digits after the
 * point ("1.50" for DECIMAL(10,2)).
 *
 * tedious 19 hands these types over as JS numbers (it has no option to return them as text), so
 * the digits come from the shortest decimal that reads back as the same double. That is exact for
 * every value of at most 15 significant digits; beyond that the digits past the 15th or so are
 * what the double held, not what the server stored.
 */
export function decimalText(value: number, scale: number): string {
  const [mantissa = '0', exponentText = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  // |value| = digits × 10^(exponent − (digits.length − 1)); scaled by 10^scale it is an integer
  // once the shift is not negative, and needs rounding (half away from zero) when it is.
  const shift = Number(exponentText) - (digits.length - 1) + scale;
  let unscaled: bigint;
  if (shift >= 0) {
    unscaled = BigInt(digits) * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    unscaled = (BigInt(digits) * 2n + divisor) / (divisor * 2n);
  }
  const text = unscaled.toString().padStart(scale + 1, '0');
  const sign = value < 0 && unscaled !== 0n ? '-' : '';
  if (scale === 0) return sign + text;
  return `${sign}${text.slice(0, -scale)}.${text.slice(-scale)}`;
}
