// A tiny message catalog lookup: t('sell.total'), t('status.pending', {n: 3}).
import { messages, type Lang, type MessageKey } from './messages';

let lang = $state<Lang>('en');

/** Picks the catalog from a BCP 47 locale ("nl-NL" → nl); unknown languages fall back to en. */
export function setLocale(locale: string | null | undefined): void {
  const l = (locale ?? '').toLowerCase().split(/[-_]/)[0];
  lang = (Object.keys(messages) as Lang[]).includes(l as Lang) ? (l as Lang) : 'en';
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
}

export function currentLang(): Lang {
  return lang;
}

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const s: string = messages[lang][key] ?? messages.en[key] ?? key;
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

/** "45 s", "3 min", "2 h", "1 d" */
export function formatAge(seconds: number): string {
  if (seconds < 60) return t('age.seconds', { n: Math.max(0, Math.floor(seconds)) });
  if (seconds < 3600) return t('age.minutes', { n: Math.floor(seconds / 60) });
  if (seconds < 86400) return t('age.hours', { n: Math.floor(seconds / 3600) });
  return t('age.days', { n: Math.floor(seconds / 86400) });
}
