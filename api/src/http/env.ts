import type { Logger } from '@folio/shared/logger';
import type { Principal } from './auth.js';

export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    /** Set by `authenticate` on every /v1 route. */
    principal: Principal;
  };
}
