import type { Db } from '@folio/shared/db';
import type { DocumentEventBus } from '@folio/shared/document-events';
import type { ApiConfig } from '../config.js';

/** What route modules need; built once in `createApi`. */
export interface RouteDeps {
  config: ApiConfig;
  db: Db;
  replica: Db;
  secretKey: string;
  events: DocumentEventBus;
}
