import { describe, expect, it } from 'vitest';
import { tokenPages } from '../../lib/async/token-pages.js';

describe('tokenPages', () => {
  it('asks with each NextToken in turn and stops at a page without one, or with an empty one', async () => {
    // Prepare
    for (const last of [undefined, '']) {
      const asked: (string | undefined)[] = [];
      const answers = [
        { NextToken: 'b', n: 1 },
        { NextToken: 'c', n: 2 },
        { NextToken: last, n: 3 },
      ];

      // Act
      const seen: number[] = [];
      for await (const page of tokenPages(async (token) => {
        asked.push(token);
        const answer = answers[asked.length - 1];
        if (answer === undefined) throw new Error('asked past the last page');
        return answer;
      })) {
        seen.push(page.n);
      }

      // Assess
      expect(asked).toEqual([undefined, 'b', 'c']);
      expect(seen).toEqual([1, 2, 3]);
    }
  });
});
