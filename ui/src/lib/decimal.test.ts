import { describe, expect, test } from 'vitest';
import { add, compare, isZero, max, ratio, readDecimalInput, roundTo, sub, sum } from './decimal';

describe('decimal strings', () => {
  test('exact sums where floats drift', () => {
    expect(add('0.1', '0.2')).toBe('0.3');
    expect(sum(['10.00', '5.00', '0.01'])).toBe('15.01');
    expect(sub('12.90', '15.00')).toBe('-2.10');
    expect(sub('9007199254740993.01', '0.01')).toBe('9007199254740993.00');
  });

  test('compare, zero, max', () => {
    expect(compare('2.10', '2.1')).toBe(0);
    expect(compare('-1', '0.5')).toBe(-1);
    expect(isZero('-0.000')).toBe(true);
    expect(max(['3.50', '12.1', '-40'])).toBe('12.1');
  });

  test('rounding half away from zero', () => {
    expect(roundTo('2.345', 2)).toBe('2.35');
    expect(roundTo('-2.345', 2)).toBe('-2.35');
    expect(roundTo('10', 2)).toBe('10.00');
  });

  test('reading what a person typed', () => {
    expect(readDecimalInput('12,5')).toBe('12.5');
    expect(readDecimalInput(' 20 ')).toBe('20');
    expect(readDecimalInput('0.505')).toBe('0.505');
    expect(readDecimalInput('1.234,5')).toBeNull();
    expect(readDecimalInput('abc')).toBeNull();
    expect(readDecimalInput('')).toBeNull();
  });

  test('ratio for drawing, on integers', () => {
    expect(ratio('50.00', '200.00')).toBe(0.25);
    expect(ratio('1', '0')).toBe(0);
    expect(ratio('-5', '10')).toBe(0);
  });
});
