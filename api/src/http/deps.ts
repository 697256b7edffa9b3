import type { CollabBus } from '@folio/shared';
import type { Db } from '@folio/shared/db';
import type { ContentConverter } from '@folio/shared/documents';
import type { JobQueue } from '@folio/shared/jobs';
import type { ApiConfig } from '../config.js';

/** What route modules need; built once in `createApi`. */
export interface RouteDeps {
  config: ApiConfig;
  db: Db;
  replica: Db;
  secretKey: string;
  /** Tells collaboration instances about REST writes, deletions and revocations. */
  bus: CollabBus;
  /** Turns `{text|markdown}` bodies into Yjs updates, large ones in worker threads. */
  contentConverter: ContentConverter;
  /** The durable job queue (redeliveries, erasures). */
  jobs: JobQueue;
}
