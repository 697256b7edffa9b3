/** One entry of GET /v1/documents/:id/diff. */
export interface Change {
  op: 'insert' | 'delete';
  text: string;
  actorId: string | null;
  agent: string | null;
  at: string;
}

/**
 * The diff has one entry per stored edit (a keystroke can be one): adjacent entries of
 * the same kind by the same person and agent read as one run, from its first edit's
 * time to its last's.
 */
export function mergeRuns(changes: readonly Change[]): (Change & { until: string })[] {
  const runs: (Change & { until: string })[] = [];
  for (const change of changes) {
    const last = runs.at(-1);
    if (last && last.op === change.op && last.actorId === change.actorId && last.agent === change.agent) {
      last.text += change.text;
      if (change.at > last.until) last.until = change.at;
      if (change.at < last.at) last.at = change.at;
    } else {
      runs.push({ ...change, until: change.at });
    }
  }
  return runs;
}
