import type { Queue } from 'pg-boss';

/** The queues, what their jobs carry, and their retry, expiry and deduplication settings. */

export const QUEUES = {
  /** Deliver the pending deliveries of one lane (one endpoint, one document). */
  webhookLane: 'webhook-lane',
  /** Work through claimable erasure requests. */
  erasure: 'erasure',
  /** Documents an audit summariser pass covered: search catch-up, maintenance scheduling. */
  documentsChanged: 'documents-changed',
  /** One document's compaction, automatic version and version retention. */
  documentMaintenance: 'document-maintenance',
  /** Rebuild a workspace's search rows with its text search configuration. */
  searchReindex: 'search-reindex',
  /** Seal rows written before encryption was on (resumable: the rows say what is left). */
  sealing: 'sealing',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface WebhookLaneJob {
  webhookId: string;
  lane: string;
}
export type ErasureJob = Record<string, never>;
export type SealingJob = Record<string, never>;
export interface DocumentsChangedJob {
  documentIds: string[];
  /** The once-a-minute backstop: look for any settled change without a current search row. */
  sweep?: boolean;
}
export interface DocumentMaintenanceJob {
  documentId: string;
}
export interface SearchReindexJob {
  workspaceId: string;
}

/** The singleton key of a lane's job: at most one of them waits at a time. */
export const webhookLaneKey = (lane: WebhookLaneJob) => `${lane.webhookId}:${lane.lane}`;

/** Jobs of a lane or an erasure drain are cheap to redo (idempotent); what runs too long expires and is retried. */
export const queueDefinitions: Record<QueueName, Omit<Queue, 'name'>> = {
  [QUEUES.webhookLane]: {
    policy: 'short',
    notify: true,
    retryLimit: 20,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 60,
    // A lane job attempts deliveries for at most 3 × the 10 s timeout.
    expireInSeconds: 90,
    deleteAfterSeconds: 60 * 60,
  },
  [QUEUES.erasure]: {
    policy: 'short',
    notify: true,
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
    retryDelayMax: 300,
    expireInSeconds: 15 * 60,
    deleteAfterSeconds: 24 * 60 * 60,
  },
  // At most one a second (one per summariser pass with edits); redone harmlessly.
  [QUEUES.documentsChanged]: {
    policy: 'standard',
    notify: false,
    retryLimit: 10,
    retryDelay: 2,
    retryBackoff: true,
    retryDelayMax: 120,
    expireInSeconds: 5 * 60,
    deleteAfterSeconds: 60 * 60,
  },
  // `short`: one waiting job per document (its singleton key), however much it is edited.
  [QUEUES.documentMaintenance]: {
    policy: 'short',
    notify: false,
    retryLimit: 10,
    retryDelay: 30,
    retryBackoff: true,
    retryDelayMax: 3_600,
    expireInSeconds: 10 * 60,
    deleteAfterSeconds: 24 * 60 * 60,
  },
  // Batches are idempotent: a retried or expired job redoes what is left (1M rows: minutes).
  [QUEUES.searchReindex]: {
    policy: 'short',
    notify: true,
    retryLimit: 10,
    retryDelay: 5,
    retryBackoff: true,
    retryDelayMax: 300,
    expireInSeconds: 60 * 60,
    deleteAfterSeconds: 24 * 60 * 60,
  },
  // One pass works for at most ~20 s and queues the next; a pass lost with its worker
  // expires and is retried, continuing from the rows still unsealed.
  [QUEUES.sealing]: {
    policy: 'short',
    retryLimit: 10,
    retryDelay: 10,
    retryBackoff: true,
    retryDelayMax: 600,
    expireInSeconds: 5 * 60,
    deleteAfterSeconds: 24 * 60 * 60,
  },
};
