import { z } from '@hono/zod-openapi';
import { pathId } from '../http/openapi.js';
import { Token } from './tokens.schemas.js';

export const AgentTokenList = z
  .object({ items: z.array(Token.extend({ userId: z.string() })) })
  .openapi('AgentTokenList');

export const WorkspaceTokenParams = z.object({ id: pathId('id'), tokenId: pathId('tokenId') });
