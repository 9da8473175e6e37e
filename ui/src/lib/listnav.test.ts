import { expect, test } from 'vitest';
import { ListNavigation, movedIndex } from './listnav.svelte';

const key = (k: string) => new KeyboardEvent('keydown', { key: k, cancelable: true });

test('arrows move one and stop at the ends; Home and End jump there', () => {
  expect(movedIndex('ArrowDown', 0, 3)).toBe(1);
  expect(movedIndex('ArrowDown', 2, 3)).toBe(2);
  expect(movedIndex('ArrowUp', 1, 3)).toBe(0);
  expect(movedIndex('ArrowUp', 0, 3)).toBe(0);
  expect(movedIndex('Home', 2, 3)).toBe(0);
  expect(movedIndex('End', 0, 3)).toBe(2);
});

test('from nothing highlighted, down starts at the top and up at the bottom', () => {
  expect(movedIndex('ArrowDown', -1, 4)).toBe(0);
  expect(movedIndex('ArrowUp', -1, 4)).toBe(3);
});

test('an empty list and other keys move nothing', () => {
  expect(movedIndex('ArrowDown', 0, 0)).toBeNull();
  expect(movedIndex('End', -1, 0)).toBeNull();
  expect(movedIndex('a', 0, 3)).toBeNull();
  expect(movedIndex('Enter', 0, 3)).toBeNull();
});

test('a list that keeps its own highlight: keys move it, Enter picks it, the keys are taken', () => {
  const picked: number[] = [];
  const nav = new ListNavigation({ count: () => 3, pick: (i) => picked.push(i) });
  const down = key('ArrowDown');
  expect(nav.onkey(down)).toBe(true);
  expect(down.defaultPrevented).toBe(true);
  expect(nav.index).toBe(1);
  nav.onkey(key('End'));
  expect(nav.index).toBe(2);
  const enter = key('Enter');
  expect(nav.onkey(enter)).toBe(true);
  expect(enter.defaultPrevented).toBe(true);
  expect(picked).toEqual([2]);
  nav.reset();
  expect(nav.index).toBe(0);

  const other = key('x');
  expect(nav.onkey(other)).toBe(false);
  expect(other.defaultPrevented).toBe(false);
});

test('Enter on an empty list is taken but picks nothing; without a pick it is left alone', () => {
  const picked: number[] = [];
  const empty = new ListNavigation({ count: () => 0, pick: (i) => picked.push(i) });
  expect(empty.onkey(key('Enter'))).toBe(true);
  expect(picked).toEqual([]);

  const browse = new ListNavigation({ count: () => 2 });
  const enter = key('Enter');
  expect(browse.onkey(enter)).toBe(false);
  expect(enter.defaultPrevented).toBe(false);
});

test('a list whose owner keeps the selection (by id) is moved through its callbacks', () => {
  const ids = ['a', 'b', 'c'];
  let selected: string | null = null;
  const nav = new ListNavigation({
    count: () => ids.length,
    at: () => ids.indexOf(selected ?? ''),
    moveTo: (i) => (selected = ids[i]),
  });
  expect(nav.index).toBe(-1);
  nav.onkey(key('ArrowUp'));
  expect(selected).toBe('c');
  nav.onkey(key('Home'));
  expect(selected).toBe('a');
  nav.onkey(key('ArrowDown'));
  expect(selected).toBe('b');
});
