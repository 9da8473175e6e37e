// Locale formatting of decimal strings. The digits always come from the string itself;
// Intl only tells the symbols (decimal, group, currency, minus), where they go, how digits
// are grouped and how many minor units the currency has.
import { parseDecimal, roundTo } from './decimal';

interface Pattern {
  /** parts of a formatted sample, in order; the number itself is the 'number' placeholder */
  parts: { type: string; value: string }[];
  decimal: string;
  group: string;
  primary: number; // digits in the group nearest the decimal
  secondary: number; // digits in the other groups (2 in en-IN)
  minGrouping: number; // integer digits needed before grouping starts (2 in es, pl)
  numerals: string[]; // the locale's digits 0..9
}

interface Layout {
  positive: Pattern;
  negative: Pattern;
  fractionDigits: number;
}

const cache = new Map<string, Layout>();

function analyse(nf: Intl.NumberFormat, sample: number): Pattern {
  const raw = nf.formatToParts(sample);
  const parts: Pattern['parts'] = [];
  const integers: string[] = [];
  let decimal = '.';
  let group = ',';
  let inNumber = false;
  for (const p of raw) {
    if (p.type === 'integer' || p.type === 'group' || p.type === 'decimal' || p.type === 'fraction') {
      if (p.type === 'integer') integers.push(p.value);
      if (p.type === 'group') group = p.value;
      if (p.type === 'decimal') decimal = p.value;
      if (!inNumber) parts.push({ type: 'number', value: '' });
      inNumber = true;
    } else {
      parts.push({ type: p.type, value: p.value });
      inNumber = false;
    }
  }
  const primary = integers.length > 1 ? integers[integers.length - 1].length : 3;
  const secondary = integers.length > 2 ? integers[integers.length - 2].length : primary;
  return { parts, decimal, group, primary, secondary, minGrouping: 1, numerals: [] };
}

function layoutFor(locale: string, currency: string): Layout {
  const key = `${locale}|${currency}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const nf = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const fractionDigits = nf.resolvedOptions().maximumFractionDigits ?? 2;
  // Samples only reveal the pattern; their own digits are thrown away.
  const positive = analyse(nf, 1234567890.5);
  const negative = analyse(nf, -1234567890.5);
  // Some locales (es, pl) leave four-digit amounts ungrouped ("1234,50 €").
  const groupsAt4 = nf.formatToParts(1000).some((p) => p.type === 'group');
  const numerals = Array.from({ length: 10 }, (_, d) =>
    new Intl.NumberFormat(locale, { useGrouping: false }).format(d),
  );
  for (const p of [positive, negative]) {
    p.minGrouping = groupsAt4 ? 1 : 2;
    p.numerals = numerals;
  }
  const layout = { positive, negative, fractionDigits };
  cache.set(key, layout);
  return layout;
}

function localDigits(digits: string, numerals: string[]): string {
  if (numerals[0] === '0' && numerals[9] === '9') return digits;
  return digits.replace(/\d/g, (d) => numerals[Number(d)] ?? d);
}

function group(int: string, p: Pattern): string {
  if (int.length < p.primary + p.minGrouping) return int;
  const out: string[] = [int.slice(-p.primary)];
  let rest = int.slice(0, -p.primary);
  while (rest.length > p.secondary) {
    out.unshift(rest.slice(-p.secondary));
    rest = rest.slice(0, -p.secondary);
  }
  if (rest) out.unshift(rest);
  return out.join(p.group);
}

/** Minor units of a currency as the locale's Intl data knows them (EUR 2, JPY 0, KWD 3). */
export function minorUnits(locale: string, currency: string): number {
  return layoutFor(locale, currency).fractionDigits;
}

/**
 * "1234.5" in nl-NL/EUR → "€ 1.234,50"; "-3.10" in en-US/USD → "-$3.10".
 * Spaces are whatever Intl uses (often U+00A0). A string that is not a decimal is returned
 * unchanged, so a bad value shows rather than disappears.
 */
export function formatMoney(amount: string, locale: string, currency: string): string {
  let layout: Layout;
  try {
    layout = layoutFor(locale, currency);
  } catch {
    return `${amount} ${currency}`;
  }
  if (!parseDecimal(amount)) return amount;
  const rounded = parseDecimal(roundTo(amount, layout.fractionDigits))!;
  const zero = /^0*$/.test(rounded.int + rounded.frac);
  const pattern = rounded.negative && !zero ? layout.negative : layout.positive;
  const number =
    localDigits(group(rounded.int, pattern), pattern.numerals) +
    (layout.fractionDigits > 0
      ? pattern.decimal + localDigits(rounded.frac, pattern.numerals)
      : '');
  return pattern.parts.map((p) => (p.type === 'number' ? number : p.value)).join('');
}

interface PlainLayout {
  decimal: string;
  group: string;
  minus: string;
}
const plainCache = new Map<string, PlainLayout>();

function plainLayout(locale: string): PlainLayout {
  const hit = plainCache.get(locale);
  if (hit) return hit;
  const parts = new Intl.NumberFormat(locale).formatToParts(-1234.5);
  const layout = {
    decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.',
    group: parts.find((p) => p.type === 'group')?.value ?? ',',
    minus: parts.find((p) => p.type === 'minusSign')?.value ?? '-',
  };
  plainCache.set(locale, layout);
  return layout;
}

/**
 * A plain decimal ("0.505", "2.000") with the locale's decimal sign, trailing zeros after
 * the decimal sign dropped unless `minFraction` asks to keep some: nl "0.505" → "0,505".
 */
export function formatDecimal(value: string, locale: string, minFraction = 0): string {
  const p = parseDecimal(value);
  if (!p) return value;
  const l = plainLayout(locale);
  let frac = p.frac.replace(/0+$/, '');
  if (frac.length < minFraction) frac = frac.padEnd(minFraction, '0');
  const zero = /^0*$/.test(p.int + frac);
  return (p.negative && !zero ? l.minus : '') + p.int + (frac ? l.decimal + frac : '');
}

/** A line quantity: pieces as a whole count, weights with three decimals and "kg". */
export function formatQuantity(value: string, unit: string, locale: string): string {
  if (unit === 'kg') return `${formatDecimal(value, locale, 3)} kg`;
  return formatDecimal(value, locale);
}

/** "R1-000042" etc. stay as they are; timestamps (RFC 3339) in the locale's short form. */
export function formatDateTime(iso: string, locale: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(d);
}
