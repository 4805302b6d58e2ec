import { describe, expect, it } from 'vitest';
import { createProgressBar } from '../../cli/output/progress-bar.js';

function writer(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 60, write: (text: string) => writes.push(text) };
}

describe('progress bar', () => {
  it('redraws in place on a terminal, at most every 100 ms, and clears itself', () => {
    const stderr = writer(true);
    let now = 0;
    const bar = createProgressBar(stderr, () => now);
    bar.update({ fraction: 0.5, status: 'analytics (1/2)' });
    bar.update({ fraction: 0.6, status: 'too soon' });
    now = 150;
    bar.update({ fraction: 1.5, status: 'analytics (2/2)' });
    bar.note('analytics done');
    bar.finish();

    expect(stderr.writes[0]).toBe(
      `\r\u001b[2K[${'#'.repeat(12)}${'-'.repeat(12)}]  50% analytics (1/2)`,
    );
    expect(stderr.writes.some((text) => text.includes('too soon'))).toBe(false);
    expect(stderr.writes[1]).toBe(`\r\u001b[2K[${'#'.repeat(24)}] 100% analytics (2/2)`);
    // A note clears the bar, stays on its own line, and the bar comes back under it.
    expect(stderr.writes.slice(2, 5)).toEqual([
      '\r\u001b[2K',
      'analytics done\n',
      `\r\u001b[2K[${'#'.repeat(24)}] 100% analytics (2/2)`,
    ]);
    expect(stderr.writes.at(-1)).toBe('\r\u001b[2K');
    // Never wider than the terminal.
    for (const text of stderr.writes) expect(text.length).toBeLessThanOrEqual(60 + 5);
  });

  it('writes only the notes, one line each, when stderr is not a terminal', () => {
    const stderr = writer(false);
    const bar = createProgressBar(stderr, () => 1_000);
    bar.update({ fraction: 0.3, status: 'x' });
    bar.note('analytics (1/1): 10 listed, 2 recorded');
    bar.finish();
    expect(stderr.writes).toEqual(['analytics (1/1): 10 listed, 2 recorded\n']);
  });
});
