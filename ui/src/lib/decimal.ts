// Exact arithmetic on decimal strings ("12.90", "-0.505") via scaled BigInts.
// Money never becomes a JS number: the register's totals come from Rust, and the few sums
// the UI shows before a command answers (what is left to tender) are done here exactly.

const DECIMAL = /^\s*([+-])?(\d*)(?:\.(\d*))?\s*$/;

export interface ParsedDecimal {
  negative: boolean;
  int: string; // digits, no leading zeros ("0" for zero)
  frac: string; // digits as written
}

export function parseDecimal(text: string): ParsedDecimal | null {
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const intDigits = m[2] ?? '';
  const frac = m[3] ?? '';
  if (intDigits === '' && frac === '') return null;
  const int = intDigits.replace(/^0+(?=\d)/, '') || '0';
  return { negative: m[1] === '-', int, frac };
}

export function isDecimal(text: string): boolean {
  return parseDecimal(text) !== null;
}

/** The decimal as an integer count of 10^-scale units, rounded half away from zero. */
export function toScaled(text: string, scale: number): bigint {
  const p = parseDecimal(text);
  if (!p) throw new Error(`not a decimal: ${text}`);
  const frac = p.frac.padEnd(scale, '0');
  let v = BigInt(p.int + frac.slice(0, scale));
  const rest = frac.slice(scale);
  if (rest !== '' && rest[0] >= '5') v += 1n;
  return p.negative ? -v : v;
}

export function fromScaled(v: bigint, scale: number): string {
  const negative = v < 0n;
  const digits = (negative ? -v : v).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return (negative ? '-' : '') + int + (scale > 0 ? '.' + frac : '');
}

function scaleOf(...xs: string[]): number {
  return Math.max(0, ...xs.map((x) => parseDecimal(x)?.frac.length ?? 0));
}

export function add(a: string, b: string): string {
  const s = scaleOf(a, b);
  return fromScaled(toScaled(a, s) + toScaled(b, s), s);
}

export function sub(a: string, b: string): string {
  const s = scaleOf(a, b);
  return fromScaled(toScaled(a, s) - toScaled(b, s), s);
}

export function sum(xs: string[], zero = '0'): string {
  return xs.reduce((acc, x) => add(acc, x), zero);
}

export function compare(a: string, b: string): -1 | 0 | 1 {
  const s = scaleOf(a, b);
  const d = toScaled(a, s) - toScaled(b, s);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export function isZero(a: string): boolean {
  return compare(a, '0') === 0;
}

export function isNegative(a: string): boolean {
  return compare(a, '0') < 0;
}

/** Rounds to `digits` fraction digits (half away from zero) and pads to exactly that many. */
export function roundTo(text: string, digits: number): string {
  return fromScaled(toScaled(text, digits), digits);
}

/**
 * Reads what a person typed ("12,5", "12.50", "3") into a decimal string ("12.5"):
 * either ',' or '.' is the decimal separator; no grouping, at most one separator.
 */
export function readDecimalInput(text: string): string | null {
  const t = text.trim().replace(',', '.');
  if (!/^-?\d*(\.\d*)?$/.test(t) || t === '' || t === '.' || t === '-') return null;
  const p = parseDecimal(t);
  if (!p) return null;
  return (p.negative ? '-' : '') + p.int + (p.frac ? '.' + p.frac : '');
}

/**
 * The share a/b as a plain number in [0, 1] with 1/1000 resolution, for drawing (bar
 * heights). Computed on scaled integers, so no money is ever a float.
 */
export function ratio(a: string, b: string): number {
  const s = scaleOf(a, b);
  const den = toScaled(b, s);
  if (den === 0n) return 0;
  const num = toScaled(a, s);
  const permille = (num * 1000n) / den;
  const clamped = permille < 0n ? 0n : permille > 1000n ? 1000n : permille;
  return Number(clamped) / 1000;
}

export function max(xs: string[]): string | null {
  return xs.reduce<string | null>((m, x) => (m === null || compare(x, m) > 0 ? x : m), null);
}
