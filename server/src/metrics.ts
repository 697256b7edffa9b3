import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The collaboration node's Prometheus metrics, on a registry of its own (no globals). */
export function createCollabMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    connections: new Gauge({
      name: 'folio_connections',
      help: 'Open WebSocket connections',
      labelNames: ['protocol'],
      registers: [registry],
    }),
    documents: new Gauge({
      name: 'folio_documents_loaded',
      help: 'Documents loaded in memory',
      registers: [registry],
    }),
    messages: new Counter({
      name: 'folio_messages_total',
      help: 'WebSocket messages received, by type',
      labelNames: ['type'],
      registers: [registry],
    }),
    applySeconds: new Histogram({
      name: 'folio_update_apply_seconds',
      help: 'Time for Yjs to apply one incoming update once it is validated',
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
      registers: [registry],
    }),
    storeSeconds: new Histogram({
      name: 'folio_store_seconds',
      help: 'Time to commit one batch of updates to Postgres',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    storeBatchSize: new Histogram({
      name: 'folio_store_batch_size',
      help: 'Updates per committed batch',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [registry],
    }),
    unsavedBytes: new Gauge({
      name: 'folio_unsaved_update_bytes',
      help: 'Bytes of updates not yet committed (data at risk)',
      registers: [registry],
    }),
    divergedDocuments: new Counter({
      name: 'folio_documents_diverged_total',
      help: 'Documents reloaded from storage because a commit failed after its update was broadcast',
      registers: [registry],
    }),
    relayedUpdates: new Counter({
      name: 'folio_relayed_updates_total',
      help: 'Committed updates exchanged with peer instances over Redis, by direction',
      labelNames: ['direction'],
      registers: [registry],
    }),
    compactions: new Counter({
      name: 'folio_compactions_total',
      help: 'Snapshots written, by where their state came from (memory, or storage: snapshot plus log)',
      labelNames: ['source'],
      registers: [registry],
    }),
    antiEntropyApplied: new Counter({
      name: 'folio_anti_entropy_updates_total',
      help: 'Update-log rows applied by anti-entropy (missed by pub/sub or written over REST)',
      registers: [registry],
    }),
    redisLagSeconds: new Gauge({
      name: 'folio_redis_roundtrip_seconds',
      help: 'Last measured Redis round trip',
      registers: [registry],
    }),
  };
}

export type CollabMetrics = ReturnType<typeof createCollabMetrics>;
