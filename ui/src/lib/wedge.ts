// Keyboard-wedge scanners type like a very fast keyboard. While a screen is shown, a
// global (capture-phase) keydown listener collects each burst of keystrokes with
// performance.now() timestamps; a burst ends at Enter (or the configured suffix) or after a
// quiet gap of 2 × max_gap_ms, and goes to the register's `classifyKeys`, which tells typing
// from scanning. Keys always flow normally into the focused element; only when a burst turns
// out to be scanned is its text taken back out of the input it landed in and handed on.
import type { KeySegment, KeyStroke, WedgeConfig } from './api';

export interface Burst {
  keys: KeyStroke[];
  segments: KeySegment[];
  /** the element the burst's characters were typed into */
  target: Element | null;
  scanned: string[];
}

export interface WedgeOptions {
  config: () => WedgeConfig | null | undefined;
  classify: (keys: KeyStroke[]) => Promise<KeySegment[]>;
  /** each scanned text, after it was removed from the input it landed in */
  onScanned?: (text: string) => void;
  /** every classified burst (the scanner test in Settings shows these) */
  onBurst?: (burst: Burst) => void;
  /** leave scanned text where it landed (scanner test) */
  keepText?: boolean;
  /** collect only while this says so (e.g. no dialog open) */
  active?: () => boolean;
  now?: () => number;
}

const DEFAULT: WedgeConfig = { max_gap_ms: 50, min_length: 4, prefix: '', suffix: '\n' };

const IGNORED = new Set([
  'Shift', 'Control', 'Alt', 'AltGraph', 'Meta', 'CapsLock', 'NumLock', 'ScrollLock',
  'Fn', 'OS', 'Hyper', 'Super', 'Dead', 'Unidentified', 'Process',
]);

/** The key name (KeyboardEvent.key) a configured suffix arrives as. */
export function suffixKey(suffix: string): string {
  switch (suffix) {
    case '\r':
    case '\n':
    case '\r\n':
    case '':
    case 'Enter':
    case 'CR':
    case 'LF':
    case 'CRLF':
      return 'Enter';
    case '\t':
    case 'Tab':
      return 'Tab';
    default:
      return suffix.length === 1 ? suffix : 'Enter';
  }
}

function editable(el: Element | null): el is HTMLInputElement | HTMLTextAreaElement {
  return (
    (el instanceof HTMLInputElement &&
      !['button', 'checkbox', 'radio', 'submit', 'reset'].includes(el.type)) ||
    el instanceof HTMLTextAreaElement
  );
}

/** Takes `text` (and the prefix typed before it) back out of the input it landed in. */
export function removeText(el: Element | null, text: string, prefix: string): boolean {
  if (!editable(el) || !text) return false;
  const v = el.value;
  for (const candidate of prefix ? [prefix + text, text] : [text]) {
    const at = v.lastIndexOf(candidate);
    if (at >= 0) {
      el.value = v.slice(0, at) + v.slice(at + candidate.length);
      el.dispatchEvent(new Event('input', { bubbles: true }));
      return true;
    }
  }
  return false;
}

export class Wedge {
  private keys: KeyStroke[] = [];
  private target: Element | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pending: Promise<Burst | null> = Promise.resolve(null);
  private readonly opts: WedgeOptions;
  private readonly listener = (e: KeyboardEvent) => this.handleKey(e);

  constructor(opts: WedgeOptions) {
    this.opts = opts;
  }

  private get config(): WedgeConfig {
    return { ...DEFAULT, ...(this.opts.config() ?? {}) };
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : performance.now();
  }

  /** Starts listening on `win` (capture phase, so nothing can hide keys from it). */
  attach(win: Window = window): () => void {
    win.addEventListener('keydown', this.listener, true);
    return () => {
      win.removeEventListener('keydown', this.listener, true);
      clearTimeout(this.timer);
      this.keys = [];
    };
  }

  handleKey(e: KeyboardEvent): void {
    if (e.isComposing || e.ctrlKey || e.altKey || e.metaKey) return;
    if (this.opts.active && !this.opts.active()) {
      if (this.keys.length) this.flush();
      return;
    }
    const key = e.key;
    if (!key || IGNORED.has(key)) return;
    const cfg = this.config;
    const end = suffixKey(cfg.suffix);
    const last = this.keys[this.keys.length - 1];
    const at = Math.round(this.now());
    if (last && at - last.at_ms > 2 * cfg.max_gap_ms) this.flush();

    if (key === end || key === 'Enter') {
      if (this.keys.length === 0) {
        // A lone Enter: whatever the last burst was, this one is nobody's scan.
        this.pending = this.pending.then(() => null);
        return;
      }
      this.keys.push({ key, at_ms: at });
      // Characters followed by Enter on a button or the page itself are no typing anyone
      // meant: do not let that Enter press whatever has focus.
      if (!editable(this.target)) e.preventDefault();
      this.flush();
      return;
    }
    if (key.length !== 1) {
      // Navigation/function keys end a burst; they are not part of a code.
      if (this.keys.length) this.flush();
      return;
    }
    if (this.keys.length === 0) this.target = document.activeElement;
    this.keys.push({ key, at_ms: at });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), 2 * cfg.max_gap_ms);
  }

  /** The outcome of the burst in progress (flushed now) or of the last one. */
  settled(): Promise<Burst | null> {
    if (this.keys.length) this.flush();
    return this.pending;
  }

  private flush(): void {
    clearTimeout(this.timer);
    const keys = this.keys;
    const target = this.target;
    this.keys = [];
    this.target = null;
    if (!keys.some((k) => k.key.length === 1)) {
      this.pending = Promise.resolve(null);
      return;
    }
    const previous = this.pending;
    this.pending = previous.then(() => this.classify(keys, target));
  }

  private async classify(keys: KeyStroke[], target: Element | null): Promise<Burst | null> {
    let segments: KeySegment[];
    try {
      segments = await this.opts.classify(keys);
    } catch {
      return null; // unclassified: treat as typing, which already landed where it should
    }
    const scanned = segments.filter((s) => s.kind === 'scanned' && s.text).map((s) => s.text);
    const burst: Burst = { keys, segments, target, scanned };
    for (const text of scanned) {
      if (!this.opts.keepText) removeText(target, text, this.config.prefix);
      this.opts.onScanned?.(text);
    }
    this.opts.onBurst?.(burst);
    return burst;
  }
}
