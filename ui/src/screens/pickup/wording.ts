// The pickup screen's words for what the register answers: status names, quantities,
// times, and a refused pickup code explained.
import type { CommandError, PickupStatus } from '../../lib/api';
import { locale } from '../../lib/app.svelte';
import { formatDateTime, formatDecimal } from '../../lib/format';
import { t } from '../../lib/i18n.svelte';
import type { MessageKey } from '../../lib/messages';

/** The refusal codes that have a sentence of their own. */
const REFUSALS = ['token_forged', 'token_expired', 'token_other_store', 'token_used', 'token_malformed'];

/** An order status in words. */
export const statusLabel = (s: PickupStatus): string => t(`pickup.status.${s}` as MessageKey);

/** A quantity in the locale ("0,5"). */
export const qty = (q: string): string => formatDecimal(q, locale());

/** RFC 3339 from the register (nanoseconds trimmed to what Date reads) in the locale. */
export const when = (at: string): string => formatDateTime(at.replace(/(\.\d{3})\d+/, '$1'), locale());

/** A refusal in plain words: its code's sentence, and where and when from its details
 * (the register's data, never its English message). */
export function explainRefusal(err: CommandError): { headline: string; details: string[] } {
  const known = REFUSALS.includes(err.code);
  const headline = known ? t(`pickup.refused.${err.code}` as MessageKey) : t('pickup.refused.other');
  const details: string[] = [];
  const d = err.details;
  if (d?.kind === 'token_expired') {
    details.push(t('pickup.expiredAt', { at: when(d.at) }));
  } else if (d?.kind === 'token_other_store') {
    details.push(t('pickup.otherStore', { store: d.store, here: d.here }));
  } else if (d?.kind === 'token_used') {
    for (const h of d.handovers) {
      if (h.register !== null && h.at !== null) details.push(t('pickup.usedAt', { register: h.register, at: when(h.at) }));
    }
  }
  if (!known) details.push(err.message);
  return { headline, details };
}
