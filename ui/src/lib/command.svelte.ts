// A screen's commands in flight: whether one is running (buttons wait) and the last one's
// error in words. A cancelled approval is no error.
import { toCommandError } from './api';

/** Whether a command is running, and what the last one that failed said. */
export class CommandStatus {
  busy = $state(false);
  error = $state<string | null>(null);

  /** Runs `command`: its answer, or undefined when it failed (the error is kept). */
  async run<T>(command: () => Promise<T>): Promise<T | undefined> {
    this.error = null;
    this.busy = true;
    try {
      return await command();
    } catch (e) {
      this.fail(e);
      return undefined;
    } finally {
      this.busy = false;
    }
  }

  /** Keeps what a command that failed elsewhere said (unless it was cancelled). */
  fail(e: unknown): void {
    const err = toCommandError(e);
    if (err.code !== 'cancelled') this.error = err.message;
  }
}
