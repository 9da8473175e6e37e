// A search box's requests to the register: debounced while typing, each one numbered, and
// only the newest may answer. Clearing the box (Escape, an item chosen, the text deleted)
// invalidates whatever is still on its way or still waiting out the debounce, so a late
// answer to an older request never repaints the list. Every screen's search box goes
// through this one class, so they cannot drift apart again.

/** Quiet time after the last key before a search box asks the register. */
export const SEARCH_DEBOUNCE_MS = 80;
/** How many results a search box asks for. */
export const SEARCH_LIMIT = 20;

/** What a search box asks and whom it tells. */
export interface SearchOptions<T> {
  /** asks the register for the results of `text` (trimmed, never empty) */
  find: (text: string) => Promise<T[]>;
  /** the newest request's answer, after `results` holds it */
  onAnswer?: (found: T[]) => void;
  /** the newest request's rejection (older ones are dropped silently) */
  onError: (e: unknown) => void;
  debounceMs?: number;
}

/** The text of one search box and the answer to its newest request. */
export class SequencedSearch<T> {
  /** what the box holds (bind:value to it) */
  text = $state('');
  /** the newest answer */
  results = $state<T[]>([]);
  /** the number of the newest request; raising it makes every older answer stale */
  #newest = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #options: SearchOptions<T>;

  constructor(options: SearchOptions<T>) {
    this.#options = options;
  }

  /** The box's text changed: empty clears the list now; anything else asks after the debounce. */
  changed(): void {
    clearTimeout(this.#timer);
    if (!this.text.trim()) {
      this.#invalidate();
      return;
    }
    this.#timer = setTimeout(() => void this.submit(), this.#options.debounceMs ?? SEARCH_DEBOUNCE_MS);
  }

  /** Asks now for what the box holds (Enter in a box that does not search as you type). */
  async submit(): Promise<void> {
    clearTimeout(this.#timer);
    const text = this.text.trim();
    if (!text) return;
    const asked = ++this.#newest;
    try {
      const found = await this.#options.find(text);
      if (asked !== this.#newest) return;
      this.results = found;
      this.#options.onAnswer?.(found);
    } catch (e) {
      if (asked === this.#newest) this.#options.onError(e);
    }
  }

  /** Empties the box and the list, and drops what was asked or waiting to be asked. */
  clear(): void {
    this.text = '';
    this.#invalidate();
  }

  /**
   * Escape in the box: clears it when it holds anything and takes the key (so the shell
   * does not also act on it); true when it did.
   */
  escape(e: KeyboardEvent): boolean {
    if (e.key !== 'Escape' || (!this.text && !this.results.length)) return false;
    e.preventDefault();
    this.clear();
    return true;
  }

  /** Stops a waiting debounce and drops late answers: the box is going away. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#newest++;
  }

  #invalidate(): void {
    clearTimeout(this.#timer);
    this.#newest++;
    this.results = [];
  }
}
