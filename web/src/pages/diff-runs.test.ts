import { describe, expect, it } from 'vitest';
import { type Change, mergeRuns } from './diff-runs.js';

const change = (
  op: Change['op'],
  text: string,
  actorId: string | null,
  at: string,
  agent: string | null = null,
) => ({
  op,
  text,
  actorId,
  agent,
  at,
});

describe('mergeRuns', () => {
  it('joins adjacent edits of one kind by one person and agent, and keeps the others apart', () => {
    const runs = mergeRuns([
      change('insert', 'H', 'bob', '2026-12-08T01:00:01Z'),
      change('insert', 'i', 'bob', '2026-12-08T01:00:02Z'),
      change('insert', '!', 'bob', '2026-12-08T01:00:03Z', 'helper'),
      change('delete', 'old', 'bob', '2026-12-08T01:00:04Z', 'helper'),
      change('insert', ' there', 'ann', '2026-12-08T01:00:05Z'),
      change('insert', '.', 'bob', '2026-12-08T01:00:06Z'),
    ]);
    expect(runs.map((r) => [r.op, r.text, r.actorId, r.agent])).toEqual([
      ['insert', 'Hi', 'bob', null],
      ['insert', '!', 'bob', 'helper'],
      ['delete', 'old', 'bob', 'helper'],
      ['insert', ' there', 'ann', null],
      ['insert', '.', 'bob', null],
    ]);
    expect(runs[0]).toMatchObject({ at: '2026-12-08T01:00:01Z', until: '2026-12-08T01:00:02Z' });
    expect(mergeRuns([])).toEqual([]);
  });
});
