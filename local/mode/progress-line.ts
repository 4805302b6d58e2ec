import type { LocalModeOutput } from './context.js';

/** What the progress line shows: queries ingested, batches, failed records and the simulated time. */
export interface ProgressState {
  readonly ingested: number;
  readonly batches: number;
  readonly failed: number;
  readonly clockMs: number;
}

/** One updating line on a TTY; a line every 10% (or 5 s) otherwise. */
export class Progress {
  private lastWrite = 0;
  private lastDecile = -1;
  private lastLine = '';

  constructor(
    private readonly output: LocalModeOutput,
    private readonly mode: ProgressMode,
    private readonly total: number,
    private readonly dayEndMs: number,
  ) {}

  update(state: ProgressState): void {
    const now = Date.now();
    if (this.mode === 'tty') {
      if (now - this.lastWrite < 80) return;
      this.lastWrite = now;
      this.output.write(`\r\x1b[2K${this.line(state)}`);
    } else if (this.mode === 'plain') {
      const decile = Math.floor((state.ingested * 10) / Math.max(1, this.total));
      if (decile === this.lastDecile && now - this.lastWrite < 5_000) return;
      this.lastDecile = decile;
      this.lastWrite = now;
      this.lastLine = this.line(state);
      this.output.write(`${this.lastLine}\n`);
    }
  }

  done(state: ProgressState): void {
    const line = this.line(state);
    if (this.mode === 'tty') this.output.write(`\r\x1b[2K${line}\n`);
    else if (this.mode === 'plain' && line !== this.lastLine) this.output.write(`${line}\n`);
  }

  private line(state: ProgressState): string {
    // Late and redelivered messages may still arrive after midnight: show the date then.
    const clock = new Date(state.clockMs)
      .toISOString()
      .slice(state.clockMs >= this.dayEndMs ? 5 : 11, 16)
      .replace('T', ' ');
    return `ingested ${state.ingested}/${this.total} queries · ${state.batches} batches · ${state.failed} failed · ${clock} UTC`;
  }
}

/** `auto`: one updating line on a TTY, periodic lines otherwise; `none`: no progress. */
export type ProgressSetting = 'auto' | ProgressMode;
export type ProgressMode = 'tty' | 'plain' | 'none';

export function progressMode(mode: ProgressSetting, output: LocalModeOutput): ProgressMode {
  if (mode !== 'auto') return mode;
  return output.isTTY === true ? 'tty' : 'plain';
}
