import type { EncryptionCostResult, EncryptionModeResult, NotAvailable } from './results.js';
import { coldLoad, durability, type ScenarioContext } from './scenarios.js';
import { median, round } from './stats.js';
import type { Target } from './targets.js';

/**
 * What sealing costs Folio: the write path (acknowledgement latency of the durability
 * profile: every edit sealed and committed before its ack) and a cold load (snapshot and
 * log opened), with `ENCRYPTION=on` and `off`. Run interleaved — off, on, on, off (full
 * mode, after an unmeasured warm-up round), each on fresh documents — so a machine whose
 * load drifts favours neither.
 */
export async function encryptionCostScenario(
  ctx: ScenarioContext,
  folio: Target,
): Promise<EncryptionCostResult> {
  const samples: Record<'on' | 'off', { ackP50: number[]; ackP99: number[]; cold: number[] }> = {
    on: { ackP50: [], ackP99: [], cold: [] },
    off: { ackP50: [], ackP99: [], cold: [] },
  };
  const order = Array.from({ length: ctx.profiles.encryptionRounds }, (_, i) =>
    i % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const),
  ).flat();
  const withMode = (mode: 'on' | 'off'): Target => ({
    ...folio,
    start: (env, options) => folio.start(env, { ...options, serverEnv: { ENCRYPTION: mode } }),
  });
  // The first round of a run paid for everything cold (in three runs its ack p99 was 4–8×
  // the others', whichever mode it measured): one unmeasured round first, in full mode.
  if (ctx.profiles.encryptionRounds > 1) {
    await durability(
      ctx,
      withMode('off'),
      await ctx.infra.createDocuments(ctx.profiles.durability.docs, 'warm-up'),
    );
  }
  for (const mode of order) {
    const target = withMode(mode);
    const writes = await durability(
      ctx,
      target,
      await ctx.infra.createDocuments(ctx.profiles.durability.docs, `encryption ${mode}`),
    );
    if (typeof writes.ackP99Ms === 'number' && typeof writes.ackP50Ms === 'number') {
      samples[mode].ackP99.push(writes.ackP99Ms);
      samples[mode].ackP50.push(writes.ackP50Ms);
    }
    const [cold, warm] = await ctx.infra.createDocuments(2, `encryption ${mode} cold load`);
    samples[mode].cold.push((await coldLoad(ctx, target, cold as string, warm as string)).loadMs);
  }
  const summary = (s: (typeof samples)['on']): EncryptionModeResult => ({
    ackP50Ms: s.ackP50.length ? round(median(s.ackP50), 1) : 'n/a (no edit was acknowledged)',
    ackP99Ms: s.ackP99.length ? round(median(s.ackP99), 1) : 'n/a (no edit was acknowledged)',
    coldLoadMs: round(median(s.cold), 1),
    samples: { ackP99Ms: s.ackP99, coldLoadMs: s.cold },
  });
  const on = summary(samples.on);
  const off = summary(samples.off);
  const overhead = (a: number | NotAvailable, b: number | NotAvailable): number | NotAvailable =>
    typeof a === 'number' && typeof b === 'number' && b > 0
      ? round((100 * (a - b)) / b, 1)
      : 'n/a (a side was not measured)';
  return {
    on,
    off,
    ackP99OverheadPercent: overhead(on.ackP99Ms, off.ackP99Ms),
    coldLoadOverheadPercent: overhead(on.coldLoadMs, off.coldLoadMs),
  };
}
