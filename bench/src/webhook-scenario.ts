import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startWebhookReceiver } from '@folio/worker/testing';
import { repoRoot, type ServerProcess, startProcess } from './processes.js';
import type { WebhookResult } from './results.js';
import { NotMeasured, type ScenarioContext } from './scenarios.js';
import { startBenchApi } from './search-scenario.js';
import { percentiles, round } from './stats.js';
import { folioServerEntry } from './targets.js';

const workerEntry = join(repoRoot, 'worker/dist/main.js');
/** The pipeline alone: the contract's default debounce (5 s) would only add itself. */
const DEBOUNCE_MS = 0;
const PATH = '/bench';

async function waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Webhooks end to end, as deployed: the real collaboration server (whose summariser
 * pass records edits), a real worker process and the real API on the run's database,
 * and a receiver on loopback that verifies every signature.
 *
 * - Latency: `profile.edits` times, one at a time, a `PUT …/content` on a document of
 *   its own, timed from the request to the `document.updated` about that document
 *   arriving (commit → summariser pass ≤ 1 s → relay ≤ 250 ms → lane job → POST),
 *   each after a random pause so edits fall anywhere in the passes' cycle.
 * - Throughput: `profile.deliveries` events recorded in the outbox at once, one lane
 *   each, timed until every one was delivered — relay, queue and HTTP together.
 */
export async function webhookScenario(ctx: ScenarioContext): Promise<WebhookResult> {
  if (!existsSync(workerEntry)) throw new NotMeasured('n/a (worker/dist/main.js is missing: run tsc -b)');
  const profile = ctx.profiles.webhooks;
  const receiver = await startWebhookReceiver();
  const env = {
    DATABASE_URL: ctx.infra.env.databaseUrl,
    REDIS_URL: '',
    SECRET_KEY: ctx.infra.env.secretKey,
    // The run's key file: the bench database's keys are wrapped with it.
    KEY_FILE: ctx.infra.env.keyFile,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    WEBHOOK_DEBOUNCE_MS: String(DEBOUNCE_MS),
  };
  const processes: ServerProcess[] = [];
  let webhookId: string | undefined;
  try {
    const collab = startProcess([folioServerEntry], { ...env, COLLAB_PORT: '0' });
    processes.push(collab);
    const worker = startProcess([workerEntry], env);
    processes.push(worker);
    await Promise.all([
      collab.waitFor(/collaboration server listening/, 30_000),
      worker.waitFor(/worker running/, 30_000),
    ]);
    const { api, base } = await startBenchApi(ctx, env);
    processes.push(api);
    const webhook = await ctx.infra.registerWebhook(receiver.url(PATH));
    webhookId = webhook.id;
    const documents = await ctx.infra.createDocuments(profile.edits, 'webhook latency');

    const latencies = new Float64Array(documents.length);
    for (const [i, documentId] of documents.entries()) {
      // A random phase against the summariser's 1 s passes: edits made right after the
      // previous webhook would all land at the same point of the cycle.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 1_000));
      const began = performance.now();
      const response = await fetch(`${base}/v1/documents/${documentId}/content`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ctx.infra.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: `edit number ${i}` }),
      });
      if (!response.ok) throw new Error(`PUT content answered ${response.status}: ${await response.text()}`);
      await waitUntil(
        () =>
          receiver
            .delivered(PATH)
            .some((r) => r.event.type === 'document.updated' && r.event.data.documentId === documentId),
        30_000,
        `document.updated of edit ${i}`,
      );
      latencies[i] = performance.now() - began;
    }

    const stages = await ctx.infra.webhookStages(webhook.id);
    const before = receiver.delivered(PATH).length;
    const began = performance.now();
    await ctx.infra.recordWebhookEvents(profile.deliveries);
    await waitUntil(
      () => receiver.delivered(PATH).length >= before + profile.deliveries,
      180_000,
      `${profile.deliveries} deliveries`,
    );
    const seconds = (performance.now() - began) / 1000;
    receiver.verify(PATH, webhook.secret);
    const latency = percentiles(latencies);
    return {
      debounceMs: DEBOUNCE_MS,
      edits: documents.length,
      latencyP50Ms: round(latency?.p50 ?? 0, 0),
      latencyP95Ms: round(latency?.p95 ?? 0, 0),
      latencyMaxMs: round(latency?.max ?? 0, 0),
      ...stages,
      deliveries: profile.deliveries,
      deliveriesPerSec: round(profile.deliveries / seconds, 0),
    };
  } finally {
    if (webhookId) await ctx.infra.deleteWebhook(webhookId);
    await Promise.all(processes.map((p) => p.stop()));
    await receiver.close();
  }
}
