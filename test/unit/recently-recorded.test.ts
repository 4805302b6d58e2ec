import { describe, expect, it } from 'vitest';
import { RecentlyRecorded } from '../../lib/store/recently-recorded.js';

describe('RecentlyRecorded', () => {
  it('remembers ids up to its capacity, forgetting the least recently seen first', () => {
    // Prepare
    const recent = new RecentlyRecorded(3);
    // Act
    recent.add(['a', 'b', 'c']);
    recent.add(['a']); // seen again: now the newest
    recent.add(['d']);
    // Assess
    expect(['a', 'b', 'c', 'd'].filter((id) => recent.has(id))).toEqual(['a', 'c', 'd']);
  });

  it('knows nothing it was not told', () => {
    expect(new RecentlyRecorded().has('q-1')).toBe(false);
  });
});
