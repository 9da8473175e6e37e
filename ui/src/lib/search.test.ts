import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { SEARCH_DEBOUNCE_MS, SequencedSearch } from './search.svelte';

/** A find whose answers the test releases, in any order. */
function register() {
  const asked: { text: string; answer: (found: string[]) => void; fail: (e: unknown) => void }[] = [];
  const find = (text: string) =>
    new Promise<string[]>((answer, fail) => asked.push({ text, answer, fail }));
  return { asked, find };
}

/** Lets settled promises run their continuations. */
const flush = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function typed(search: SequencedSearch<string>, text: string) {
  search.text = text;
  search.changed();
}

test('typing asks once, after the debounce, for the text as it is then', async () => {
  const reg = register();
  const search = new SequencedSearch({ find: reg.find, onError: () => {} });
  typed(search, 'g');
  typed(search, 'go');
  await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS - 1);
  expect(reg.asked).toHaveLength(0);
  typed(search, ' gouda ');
  await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
  expect(reg.asked.map((a) => a.text)).toEqual(['gouda']);
});

test('an answer to an older request never replaces the newer one, whichever comes first', async () => {
  const reg = register();
  const answers: string[][] = [];
  const search = new SequencedSearch({ find: reg.find, onAnswer: (f) => answers.push(f), onError: () => {} });
  search.text = 'mi';
  void search.submit();
  search.text = 'milk';
  void search.submit();
  reg.asked[1].answer(['MILK-1L']);
  await flush();
  reg.asked[0].answer(['MINT', 'MILK-1L']);
  await flush();
  expect(search.results).toEqual(['MILK-1L']);
  expect(answers).toEqual([['MILK-1L']]);
});

test('clearing drops the answer on its way and the request still waiting out the debounce', async () => {
  const reg = register();
  const search = new SequencedSearch({ find: reg.find, onError: () => {} });
  search.text = 'gouda';
  void search.submit();
  typed(search, 'gouda oud');
  search.clear();
  reg.asked[0].answer(['KAAS-JONG']);
  await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS * 2);
  expect(reg.asked).toHaveLength(1);
  expect(search.results).toEqual([]);
  expect(search.text).toBe('');
});

test('deleting the text empties the list at once, and a late answer does not bring it back', async () => {
  const reg = register();
  const search = new SequencedSearch({ find: reg.find, onError: () => {} });
  search.text = 'tee';
  void search.submit();
  reg.asked[0].answer(['TEE-S-BLK']);
  await flush();
  expect(search.results).toEqual(['TEE-S-BLK']);
  search.text = 'tees';
  void search.submit();
  typed(search, '  ');
  reg.asked[1].answer(['TEE-S-WHT']);
  await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
  expect(search.results).toEqual([]);
  expect(reg.asked).toHaveLength(2);
});

test('only the newest request reports its error', async () => {
  const reg = register();
  const errors: unknown[] = [];
  const search = new SequencedSearch({ find: reg.find, onError: (e) => errors.push(e) });
  search.text = 'a';
  void search.submit();
  search.text = 'ab';
  void search.submit();
  reg.asked[0].fail('stale');
  reg.asked[1].fail('newest');
  await flush();
  expect(errors).toEqual(['newest']);
});

test('Escape is taken only when the box or the list holds something', () => {
  const search = new SequencedSearch<string>({ find: async () => [], onError: () => {} });
  const empty = new KeyboardEvent('keydown', { key: 'Escape', cancelable: true });
  expect(search.escape(empty)).toBe(false);
  expect(empty.defaultPrevented).toBe(false);

  search.text = 'gou';
  const full = new KeyboardEvent('keydown', { key: 'Escape', cancelable: true });
  expect(search.escape(full)).toBe(true);
  expect(full.defaultPrevented).toBe(true);
  expect(search.text).toBe('');
  expect(search.escape(new KeyboardEvent('keydown', { key: 'Enter' }))).toBe(false);
});
