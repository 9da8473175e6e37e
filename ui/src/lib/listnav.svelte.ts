// Keyboard navigation over a list (search results, a cart's lines, a queue, parked sales):
// ArrowUp/ArrowDown move one, Home/End go to the ends, Enter picks. One implementation for
// every list on every screen.

/**
 * Where a navigation key moves in a list of `count` items from `at` (-1: nothing yet), or
 * null when the key is not one (or the list is empty). From nothing, ArrowDown starts at
 * the top and ArrowUp at the bottom; the ends hold.
 */
export function movedIndex(key: string, at: number, count: number): number | null {
  if (count <= 0) return null;
  switch (key) {
    case 'ArrowDown':
      return at < 0 ? 0 : Math.min(at + 1, count - 1);
    case 'ArrowUp':
      return at < 0 ? count - 1 : Math.max(at - 1, 0);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/** The list a `ListNavigation` moves over, and what Enter does. */
export interface ListNavigationOptions {
  /** how many items the list shows now */
  count: () => number;
  /**
   * Where the highlight is, when the list's owner keeps it (a selected id, say); together
   * with `moveTo`. Left out, the navigation keeps the index itself.
   */
  at?: () => number;
  moveTo?: (index: number) => void;
  /** Enter on the highlighted item; left out, Enter is not taken */
  pick?: (index: number) => void;
}

/** The highlighted item of one list and the keys that move it. */
export class ListNavigation {
  #own = $state(0);
  readonly #options: ListNavigationOptions;

  constructor(options: ListNavigationOptions) {
    this.#options = options;
  }

  /** the highlighted item's index (-1 for none) */
  get index(): number {
    return this.#options.at ? this.#options.at() : this.#own;
  }

  /** Highlights `index`. */
  moveTo(index: number): void {
    if (this.#options.moveTo) this.#options.moveTo(index);
    else this.#own = index;
  }

  /** Back to the top (a new answer). */
  reset(): void {
    this.moveTo(0);
  }

  /** Handles a navigation key or Enter, taking it from the page; false for any other key. */
  onkey(e: KeyboardEvent): boolean {
    const count = this.#options.count();
    const next = movedIndex(e.key, this.index, count);
    if (next !== null) {
      e.preventDefault();
      this.moveTo(next);
      return true;
    }
    const pick = this.#options.pick;
    if (e.key !== 'Enter' || !pick) return false;
    e.preventDefault();
    const at = this.index;
    if (at >= 0 && at < count) pick(at);
    return true;
  }
}
