import { describe, expect, it } from 'vitest';
import {
  freshPass,
  holdBack,
  nextReconcileState,
  resumedPass,
  type WorkgroupRunEnd,
} from '../../lib/reconcile/reconcile-watermark.js';
import type { ReconcileState } from '../../lib/store/reconcile-state-store.js';

const at = (iso: string): number => Date.parse(iso);
const RUN_START = at('2026-11-30T12:00:00.000Z');
const OLD_WATERMARK = '2026-11-30T11:00:00.000Z';

const saved: ReconcileState = {
  workgroup: 'analytics',
  watermark: OLD_WATERMARK,
  pass: undefined,
  version: 3,
  updatedAt: '2026-11-30T11:05:00.000Z',
};

const runEnd = (overrides: Partial<WorkgroupRunEnd>): WorkgroupRunEnd => ({
  workgroup: 'analytics',
  saved,
  watermarkUsed: OLD_WATERMARK,
  pass: freshPass(RUN_START),
  complete: true,
  nextToken: undefined,
  pagesListed: 1,
  ...overrides,
});

describe('nextReconcileState', () => {
  it('moves the watermark to the start of a complete pass that held nothing back', () => {
    expect(nextReconcileState(runEnd({}))).toEqual({
      ...saved,
      watermark: '2026-11-30T12:00:00.000Z',
      pass: undefined,
    });
  });

  it('holds the watermark back to the earliest query left for later', () => {
    // Prepare: two queries deferred (still running, within the grace period).
    let pass = freshPass(RUN_START);
    pass = holdBack(pass, at('2026-11-30T11:50:00.000Z'));
    pass = holdBack(pass, at('2026-11-30T11:40:00.000Z'));
    pass = holdBack(pass, at('2026-11-30T11:45:00.000Z'));
    // Act
    const next = nextReconcileState(runEnd({ pass }));
    // Assess
    expect(next?.watermark).toBe('2026-11-30T11:40:00.000Z');
  });

  it('keeps the watermark it used when a query of unknown submission time was left', () => {
    const pass = holdBack(holdBack(freshPass(RUN_START), undefined), at(OLD_WATERMARK) + 1);
    expect(nextReconcileState(runEnd({ pass }))?.watermark).toBe(OLD_WATERMARK);
  });

  it("gives a workgroup's first complete pass a state of version 0 to create", () => {
    const next = nextReconcileState(
      runEnd({ saved: undefined, watermarkUsed: '2026-11-30T11:00:00.000Z' }),
    );
    expect(next).toEqual({
      workgroup: 'analytics',
      watermark: '2026-11-30T12:00:00.000Z',
      pass: undefined,
      version: 0,
      updatedAt: undefined,
    });
  });

  it('saves where an unfinished pass stops, with its holds, and keeps the watermark', () => {
    // Prepare
    const pass = holdBack(freshPass(RUN_START), at('2026-11-30T11:58:00.000Z'));
    // Act
    const next = nextReconcileState(
      runEnd({ pass, complete: false, nextToken: 'page-3', pagesListed: 2 }),
    );
    // Assess
    expect(next).toEqual({
      ...saved,
      watermark: OLD_WATERMARK,
      pass: {
        startedAt: '2026-11-30T12:00:00.000Z',
        nextToken: 'page-3',
        holdAt: '2026-11-30T11:58:00.000Z',
        blocked: false,
      },
    });
  });

  it('saves nothing for an unfinished pass that listed no page or has no place to go on from', () => {
    expect(
      nextReconcileState(runEnd({ complete: false, nextToken: 'page-3', pagesListed: 0 })),
    ).toBeUndefined();
    expect(
      nextReconcileState(runEnd({ complete: false, nextToken: undefined, pagesListed: 4 })),
    ).toBeUndefined();
  });

  it('carries a resumed pass over runs: its start and holds survive the save', () => {
    // Prepare: a first run stops after two pages, holding one query back.
    const first = nextReconcileState(
      runEnd({
        pass: holdBack(freshPass(RUN_START), at('2026-11-30T11:30:00.000Z')),
        complete: false,
        nextToken: 'page-3',
        pagesListed: 2,
      }),
    );
    // Act: the next run, an hour later, resumes the pass and completes it.
    const resumed = resumedPass(first?.pass, RUN_START + 3_600_000);
    const second = nextReconcileState(runEnd({ saved: first, pass: resumed }));
    // Assess: the watermark is the first run's start held back, not the second run's start.
    expect(resumed).toEqual({
      startedAt: RUN_START,
      holdAt: at('2026-11-30T11:30:00.000Z'),
      blocked: false,
    });
    expect(second?.watermark).toBe('2026-11-30T11:30:00.000Z');
  });

  it('never moves the watermark past the pass start, whatever is held', () => {
    const pass = holdBack(freshPass(RUN_START), RUN_START + 60_000);
    expect(nextReconcileState(runEnd({ pass }))?.watermark).toBe('2026-11-30T12:00:00.000Z');
  });
});
