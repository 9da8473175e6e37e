// Manager approvals. A command that needs one rejects with {code: "permission", message};
// the prompt asks for a manager's code and PIN and the call is retried with "CODE:PIN".
import { toCommandError } from './api';
import { t } from './i18n.svelte';

export const approval = $state({
  request: null as null | { message: string; error: string | null },
});

let resolver: ((answer: string | null) => void) | null = null;

export function requestApproval(message: string, error: string | null = null): Promise<string | null> {
  resolver?.(null);
  approval.request = { message, error };
  return new Promise((resolve) => {
    resolver = resolve;
  });
}

export function answerApproval(answer: string | null): void {
  const r = resolver;
  resolver = null;
  approval.request = null;
  r?.(answer);
}

const MAX_PROMPTS = 5;

/**
 * Runs `fn` with the approvals gathered so far; on a "permission" rejection asks for one
 * more and retries. A rejected approval (wrong manager PIN: code "sign_in") is dropped and
 * asked again with the error shown. Cancelling rejects with code "cancelled".
 */
export async function withApprovals<T>(
  fn: (approvals: string[]) => Promise<T>,
  initial: string[] = [],
): Promise<T> {
  const approvals = [...initial];
  let last_error: string | null = null;
  let lastMessage = '';
  for (let i = 0; i <= MAX_PROMPTS; i++) {
    try {
      return await fn([...approvals]);
    } catch (e) {
      const err = toCommandError(e);
      if (err.code === 'permission') {
        lastMessage = err.message;
        last_error = null;
      } else if (err.code === 'sign_in' && approvals.length > initial.length) {
        approvals.pop();
        last_error = err.message;
      } else {
        throw err;
      }
      if (i === MAX_PROMPTS) throw err;
      const answer = await requestApproval(lastMessage, last_error);
      if (answer === null) throw { code: 'cancelled', message: t('approval.cancelled') };
      approvals.push(answer);
    }
  }
  throw { code: 'permission', message: lastMessage };
}
