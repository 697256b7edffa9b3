import type { ClientSpec } from './bench-client.js';
import type { ReplayResult } from './results.js';
import { NotMeasured, type ScenarioContext } from './scenarios.js';
import { round } from './stats.js';
import type { Target } from './targets.js';
import type { ReplayOutcome } from './trace-replay.js';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function replayable(ctx: ScenarioContext, target: Target): void {
  if (!ctx.profiles.replay.servers.includes(target.id)) {
    throw new NotMeasured('n/a (quick mode replays against Folio and plain Hocuspocus only)');
  }
  if (target.protocol === 'y-websocket') {
    throw new NotMeasured('n/a (no acknowledgement in the y-websocket protocol to pace the replay by)');
  }
}

function summarise(
  outcome: ReplayOutcome,
  setup: { writers: number; instances: number; maxInFlight: number },
): ReplayResult {
  if (outcome.mismatch) throw new NotMeasured(`n/a (texts not exact: ${outcome.mismatch})`);
  return {
    ...setup,
    keystrokes: outcome.keystrokes,
    acknowledged: outcome.acknowledged,
    acknowledgedRatio: round(outcome.acknowledged / Math.max(1, outcome.keystrokes), 4),
    elapsedMs: round(outcome.elapsedMs, 0),
    keystrokesPerSec: round(outcome.acknowledged / Math.max(0.001, outcome.elapsedMs / 1000), 0),
    closes: outcome.closes,
    textLength: outcome.textLength,
  };
}

/** "stalled at k of n after s": a replay cut off by its time cap. */
export function stalled(result: ReplayResult): string | undefined {
  return result.acknowledged < result.keystrokes
    ? `stalled at ${result.acknowledged} of ${result.keystrokes} after ${round(result.elapsedMs / 1000, 1)} s`
    : undefined;
}

/**
 * `automerge-paper` keystroke by keystroke through one provider, as fast as the server
 * acknowledges; a second client checks the text. Then, for a server that stores, a
 * restart and the cold load of that history (one update per keystroke).
 */
export async function replayOneAuthor(ctx: ScenarioContext, target: Target, documentId: string) {
  replayable(ctx, target);
  const { keystrokes, maxInFlight, timeCapMs } = ctx.profiles.replay;
  const server = await target.start(ctx.infra.env, { instances: 1, persistent: !target.noPersistence });
  try {
    const spec: ClientSpec = {
      protocol: target.protocol,
      url: server.urls[0] as string,
      documentId,
      token: ctx.infra.token,
    };
    const outcome = await ctx.fleet.replay({
      writers: [spec],
      readerUrl: spec.url,
      limit: keystrokes,
      maxInFlight,
      timeCapMs,
    });
    const result = summarise(outcome, { writers: 1, instances: 1, maxInFlight });
    const cut = stalled(result);
    ctx.log(`    ${cut ?? `${result.keystrokes} keystrokes`}: ${result.keystrokesPerSec}/s`);
    if (target.noPersistence) {
      result.coldLoadMs = `n/a (${target.noPersistence})`;
    } else if (cut) {
      result.coldLoadMs = `n/a (the replay ${cut}: not the whole history)`;
    } else {
      await sleep(ctx.profiles.settleMs);
      await server.restart();
      const url = server.urls[0] as string;
      const load = await ctx.fleet.load({ ...spec, url }, result.textLength, 30_000);
      result.coldLoadMs =
        load.length === result.textLength
          ? round(load.completeMs, 1)
          : `n/a (after a restart a client received ${load.length} of ${result.textLength} characters)`;
    }
    return result;
  } finally {
    await server.stop();
  }
}

/**
 * `friendsforever` with its two authors as two providers, on two instances sharing Redis
 * where the server has that mode (else both on one instance); both texts must end exact.
 */
export async function replayTwoAuthors(ctx: ScenarioContext, target: Target, documentId: string) {
  replayable(ctx, target);
  const { twoAuthorKeystrokes, maxInFlight, timeCapMs } = ctx.profiles.replay;
  const instances = target.noCrossInstance ? 1 : 2;
  const server = await target.start(ctx.infra.env, { instances, redis: instances > 1 });
  try {
    const writers = server.urls.map(
      (url): ClientSpec => ({ protocol: target.protocol, url, documentId, token: ctx.infra.token }),
    );
    const outcome = await ctx.fleet.replay({
      writers: [writers[0] as ClientSpec, writers[1 % writers.length] as ClientSpec],
      readerUrl: writers[0]?.url as string,
      limit: twoAuthorKeystrokes,
      maxInFlight,
      timeCapMs,
    });
    const result = summarise(outcome, { writers: 2, instances, maxInFlight });
    ctx.log(`    ${stalled(result) ?? `${result.keystrokes} keystrokes`}: ${result.keystrokesPerSec}/s`);
    return result;
  } finally {
    await server.stop();
  }
}
