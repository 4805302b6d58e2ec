import type { Writer } from '../command.js';

/** Where a long command is: done/total work units and a short status line. */
export interface ProgressUpdate {
  /** 0..1 */
  readonly fraction: number;
  readonly status: string;
}

export interface ProgressBar {
  update(progress: ProgressUpdate): void;
  /** A line that stays (on a terminal, written above the bar). */
  note(line: string): void;
  /** Clears the bar (on a terminal) so what follows starts on a clean line. */
  finish(): void;
}

const WIDTH = 24;
const REDRAW_MS = 100;

/**
 * A progress bar on stderr when it is a terminal, redrawn in place at most every 100 ms; when
 * stderr is not a terminal (a log file, CI) no bar is drawn, only the notes, one line each.
 */
export function createProgressBar(
  stderr: Writer & { readonly isTTY?: boolean; readonly columns?: number },
  now: () => number = Date.now,
): ProgressBar {
  const tty = stderr.isTTY === true;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let drawn = false;
  let last: ProgressUpdate | undefined;
  const clear = () => {
    if (drawn) stderr.write('\r\u001b[2K');
    drawn = false;
  };
  const draw = (progress: ProgressUpdate) => {
    const fraction = Math.min(1, Math.max(0, progress.fraction));
    const filled = Math.round(fraction * WIDTH);
    const percent = String(Math.floor(fraction * 100)).padStart(3);
    const line = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${percent}% ${progress.status}`;
    const columns = stderr.columns ?? 120;
    stderr.write(`\r\u001b[2K${line.length > columns - 1 ? line.slice(0, columns - 1) : line}`);
    drawn = true;
    lastDraw = now();
  };
  return {
    update(progress) {
      last = progress;
      if (!tty || now() - lastDraw < REDRAW_MS) return;
      draw(progress);
    },
    note(line) {
      if (!tty) {
        stderr.write(`${line}\n`);
        return;
      }
      clear();
      stderr.write(`${line}\n`);
      if (last !== undefined) draw(last);
    },
    finish() {
      if (tty) clear();
    },
  };
}
