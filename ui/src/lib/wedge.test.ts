import { afterEach, describe, expect, test, vi } from 'vitest';
import type { KeySegment, KeyStroke } from './api';
import { removeText, suffixKey, Wedge } from './wedge';

const config = { max_gap_ms: 30, min_length: 6, prefix: '', suffix: '\r' };

function setup(classifier: (keys: KeyStroke[]) => KeySegment[]) {
  let clock = 1000;
  const sent: KeyStroke[][] = [];
  const scanned: string[] = [];
  const wedge = new Wedge({
    config: () => config,
    classify: async (keys) => {
      sent.push(keys);
      return classifier(keys);
    },
    onScanned: (t) => scanned.push(t),
    now: () => clock,
  });
  const input = document.createElement('input');
  document.body.append(input);
  input.focus();
  const key = (k: string, gap = 5) => {
    clock += gap;
    const e = new KeyboardEvent('keydown', { key: k, cancelable: true });
    wedge.handleKey(e);
    if (k.length === 1 && !e.defaultPrevented) input.value += k;
    return e;
  };
  return { wedge, sent, scanned, input, key };
}

const text = (keys: KeyStroke[]) => keys.filter((k) => k.key.length === 1).map((k) => k.key).join('');

afterEach(() => {
  vi.useRealTimers();
  document.body.innerHTML = '';
});

describe('Wedge', () => {
  test('a burst ends at Enter and carries the timestamps', async () => {
    const { wedge, sent, scanned, input, key } = setup((keys) => [{ kind: 'scanned', text: text(keys) }]);
    for (const c of '123456') key(c, 4);
    key('Enter', 4);
    const burst = await wedge.settled();
    expect(sent).toHaveLength(1);
    expect(sent[0].map((k) => k.at_ms)).toEqual([1004, 1008, 1012, 1016, 1020, 1024, 1028]);
    expect(sent[0].at(-1)?.key).toBe('Enter');
    expect(burst?.scanned).toEqual(['123456']);
    expect(scanned).toEqual(['123456']);
    expect(input.value).toBe('');
  });

  test('typed text stays where it landed', async () => {
    const { wedge, scanned, input, key } = setup((keys) => [{ kind: 'typed', text: text(keys) }]);
    for (const c of 'kaas') key(c, 120);
    await wedge.settled();
    expect(scanned).toEqual([]);
    expect(input.value).toBe('kaas');
  });

  test('a quiet gap of 2 × maxGapMs ends a burst without Enter', async () => {
    vi.useFakeTimers();
    const { sent, key } = setup((keys) => [{ kind: 'typed', text: text(keys) }]);
    key('a');
    key('b');
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(61);
    expect(sent).toHaveLength(1);
    expect(sent[0].map((k) => k.key)).toEqual(['a', 'b']);
  });

  test('keys further apart than 2 × maxGapMs start a new burst', async () => {
    const { wedge, sent, key } = setup((keys) => [{ kind: 'typed', text: text(keys) }]);
    key('a');
    key('b', 100);
    key('Enter', 5);
    await wedge.settled();
    expect(sent.map((b) => b.map((k) => k.key))).toEqual([['a'], ['b', 'Enter']]);
  });

  test('mixed segments: only the scanned part is taken out', async () => {
    const { wedge, input, scanned, key } = setup(() => [
      { kind: 'typed', text: 'ka' },
      { kind: 'scanned', text: '871000' },
    ]);
    for (const c of 'ka871000') key(c, 3);
    key('Enter');
    await wedge.settled();
    expect(input.value).toBe('ka');
    expect(scanned).toEqual(['871000']);
  });

  test('Enter after characters on a non-input is not let through', () => {
    const { key } = setup(() => []);
    const button = document.createElement('button');
    document.body.append(button);
    button.focus();
    key('1');
    key('2');
    expect(key('Enter').defaultPrevented).toBe(true);
  });

  test('modifier shortcuts and lone modifier keys are not part of a burst', async () => {
    const { wedge, sent } = setup((keys) => [{ kind: 'typed', text: text(keys) }]);
    wedge.handleKey(new KeyboardEvent('keydown', { key: 'Shift' }));
    wedge.handleKey(new KeyboardEvent('keydown', { key: 'l', ctrlKey: true }));
    expect(await wedge.settled()).toBeNull();
    expect(sent).toHaveLength(0);
  });

  test('a failing classifier counts as typing', async () => {
    const wedge = new Wedge({ config: () => config, classify: () => Promise.reject(new Error('x')) });
    wedge.handleKey(new KeyboardEvent('keydown', { key: '1' }));
    expect(await wedge.settled()).toBeNull();
  });
});

test('suffix names', () => {
  expect(suffixKey('\r')).toBe('Enter');
  expect(suffixKey('\n')).toBe('Enter');
  expect(suffixKey('\t')).toBe('Tab');
});

test('removeText takes the prefix with it', () => {
  const input = document.createElement('input');
  input.value = 'ab]C1123456';
  expect(removeText(input, '123456', ']C1')).toBe(true);
  expect(input.value).toBe('ab');
});
