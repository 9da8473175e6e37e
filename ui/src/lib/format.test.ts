import { describe, expect, test } from 'vitest';
import { formatDecimal, formatMoney, formatQuantity, minorUnits } from './format';

const NBSP = '\u00a0';
/** Intl puts no-break spaces (U+00A0 / U+202F) where a person writes a space. */
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('formatMoney', () => {
  test('nl-NL EUR: symbol first, dot groups, comma decimals, padded to the minor unit', () => {
    expect(plain(formatMoney('1234.5', 'nl-NL', 'EUR'))).toBe('€ 1.234,50');
    expect(formatMoney('1234.5', 'nl-NL', 'EUR')).toBe(`€${NBSP}1.234,50`);
    expect(plain(formatMoney('-1234.5', 'nl-NL', 'EUR'))).toBe('€ -1.234,50');
    expect(plain(formatMoney('12.90', 'nl-NL', 'EUR'))).toBe('€ 12,90');
    expect(plain(formatMoney('0', 'nl-NL', 'EUR'))).toBe('€ 0,00');
  });

  test('en-US USD: the minus goes before the symbol', () => {
    expect(formatMoney('-3.10', 'en-US', 'USD')).toBe('-$3.10');
    expect(formatMoney('3.1', 'en-US', 'USD')).toBe('$3.10');
    expect(formatMoney('1234567.00', 'en-US', 'USD')).toBe('$1,234,567.00');
  });

  test('symbol after the amount, other separators', () => {
    expect(plain(formatMoney('1234567.89', 'de-DE', 'EUR'))).toBe('1.234.567,89 €');
    expect(plain(formatMoney('1234.5', 'fr-FR', 'EUR'))).toBe('1 234,50 €');
    expect(formatMoney('-1234.5', 'de-CH', 'CHF')).toBe("CHF-1'234.50");
  });

  test('Indian grouping (3 then 2) and no grouping of four digits in es/pl', () => {
    expect(formatMoney('1234567.5', 'en-IN', 'INR')).toBe('₹12,34,567.50');
    expect(plain(formatMoney('1234.5', 'es-ES', 'EUR'))).toBe('1234,50 €');
    expect(plain(formatMoney('12345.5', 'es-ES', 'EUR'))).toBe('12.345,50 €');
  });

  test('minor units come from Intl: JPY 0, KWD 3', () => {
    expect(minorUnits('ja-JP', 'JPY')).toBe(0);
    expect(minorUnits('en-US', 'KWD')).toBe(3);
    expect(formatMoney('1234', 'ja-JP', 'JPY')).toBe('￥1,234');
    expect(plain(formatMoney('1.5', 'en-KW', 'KWD'))).toBe('KWD 1.500');
  });

  test('digits come from the string, not from a float', () => {
    // 2^53 + 1 and a value with more digits than a double holds
    expect(formatMoney('9007199254740993.01', 'en-US', 'USD')).toBe('$9,007,199,254,740,993.01');
    expect(plain(formatMoney('12345678901234567890.99', 'nl-NL', 'EUR'))).toBe(
      '€ 12.345.678.901.234.567.890,99',
    );
    // 0.1 + 0.2 would be 0.30000000000000004 as floats; strings stay exact
    expect(formatMoney('0.30', 'en-US', 'USD')).toBe('$0.30');
  });

  test('extra digits are rounded half away from zero; negative zero is zero', () => {
    expect(formatMoney('2.345', 'en-US', 'USD')).toBe('$2.35');
    expect(formatMoney('-2.345', 'en-US', 'USD')).toBe('-$2.35');
    expect(formatMoney('-0.00', 'en-US', 'USD')).toBe('$0.00');
    expect(formatMoney('-0.004', 'en-US', 'USD')).toBe('$0.00');
  });

  test('agrees with Intl wherever a float is exact', () => {
    const cases: [string, string][] = [
      ['nl-NL', 'EUR'],
      ['en-US', 'USD'],
      ['en-GB', 'GBP'],
      ['de-DE', 'EUR'],
      ['fr-CH', 'CHF'],
      ['sv-SE', 'SEK'],
      ['ja-JP', 'JPY'],
      ['ar-EG', 'EGP'],
      ['hi-IN', 'INR'],
    ];
    for (const [locale, currency] of cases) {
      const nf = new Intl.NumberFormat(locale, { style: 'currency', currency });
      for (const v of ['0.5', '7', '-12.25', '1234.75', '-98765.5', '1000000']) {
        expect(formatMoney(v, locale, currency), `${locale} ${currency} ${v}`).toBe(nf.format(Number(v)));
      }
    }
  });

  test('a value that is not a decimal is shown as it is', () => {
    expect(formatMoney('n/a', 'en-US', 'USD')).toBe('n/a');
  });
});

describe('formatDecimal and formatQuantity', () => {
  test('locale decimal sign, trailing zeros dropped', () => {
    expect(formatDecimal('0.505', 'nl-NL')).toBe('0,505');
    expect(formatDecimal('2.000', 'en-US')).toBe('2');
    expect(formatDecimal('-1.50', 'en-US')).toBe('-1.5');
  });

  test('weights keep three decimals and say kg; pieces are counts', () => {
    expect(formatQuantity('0.5', 'kg', 'nl-NL')).toBe('0,500 kg');
    expect(formatQuantity('1.235', 'kg', 'en-US')).toBe('1.235 kg');
    expect(formatQuantity('3', 'each', 'nl-NL')).toBe('3');
  });
});
