import {
  documentRoleSchema,
  emailSchema,
  instanceRoleSchema,
  SEARCH_LANGUAGES,
  scopeSchema,
  workspaceRoleSchema,
} from '@folio/shared';
import { z } from '@hono/zod-openapi';

/**
 * Request and response shapes of the REST API. The same schemas validate requests,
 * type the handlers' responses and generate /openapi.json. Request bodies are strict:
 * unknown fields are a 400 naming the field.
 */

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    field: z.string().optional(),
    requestId: z.string().optional(),
  })
  .openapi('Problem');

const id = (name: string) =>
  z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\w-]+$/, 'must be an id')
    .openapi({ param: { name, in: 'path' }, example: '0192f1a0-7d2c-7c4e-9a5b-3f1e2d4c5b6a' });

export const DocumentIdParam = z.object({ id: id('id') });
export const WorkspaceIdParam = z.object({ id: id('id') });
export const TokenIdParam = z.object({ id: id('id') });
export const DocumentUserParams = z.object({ id: id('id'), userId: id('userId') });
export const WorkspaceUserParams = z.object({ id: id('id'), userId: id('userId') });

const title = z.string().trim().min(1).max(500);
const timestamp = z.string().openapi({ format: 'date-time' });

export const Me = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    name: z.string(),
    role: instanceRoleSchema,
  })
  .openapi('Me');

export const UserLookupQuery = z.strictObject({
  email: emailSchema,
});

export const UserSummary = z
  .object({ id: z.string(), email: z.string().nullable(), name: z.string() })
  .openapi('UserSummary');

export const UserList = z.object({ items: z.array(UserSummary) }).openapi('UserList');

export const TokenCreate = z
  .strictObject({
    name: z.string().trim().max(200).optional(),
    scopes: z.array(scopeSchema).min(1).max(3).optional().openapi({ description: 'default: read, write' }),
    agent: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .openapi({
        description:
          'makes an agent token: software acting for the user, shown with this label in attribution, ' +
          'audit details, diffs and the document awareness while it writes',
      }),
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({
        description:
          'default: the expiry of the credential making the request (none for a token without one); ' +
          'a later time than that is a 400',
      }),
  })
  .openapi('TokenCreate');

export const Token = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(scopeSchema),
    agent: z.string().nullable().openapi({ description: 'the agent label of an agent token' }),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    expiresAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  })
  .openapi('Token');

export const CreatedToken = Token.extend({
  token: z.string().openapi({ description: 'The secret; shown only in this response.' }),
}).openapi('CreatedToken');

export const TokenList = z.object({ items: z.array(Token) }).openapi('TokenList');

export const AgentTokenList = z
  .object({ items: z.array(Token.extend({ userId: z.string() })) })
  .openapi('AgentTokenList');

export const WorkspaceTokenParams = z.object({ id: id('id'), tokenId: id('tokenId') });

// --- workspace search language (issue 12) ---
const workspaceName = z.string().trim().min(1).max(200);
const searchLanguage = z.enum(SEARCH_LANGUAGES).openapi({
  description:
    'Text search configuration of the workspace: the language whose stemming and stop words search uses; `simple` (lowercase words, no stemming) for mixed-language workspaces.',
  example: 'english',
});

export const WorkspaceCreate = z
  .strictObject({ name: workspaceName, searchLanguage: searchLanguage.optional() })
  .openapi('WorkspaceCreate', { description: '`searchLanguage` defaults to `english`.' });

export const WorkspacePatch = z
  .strictObject({ name: workspaceName.optional(), searchLanguage: searchLanguage.optional() })
  .refine((b) => b.name !== undefined || b.searchLanguage !== undefined, {
    message: 'name or searchLanguage is required',
  })
  .openapi('WorkspacePatch');

export const Workspace = z
  .object({
    id: z.string(),
    name: z.string(),
    personal: z.boolean(),
    role: workspaceRoleSchema
      .nullable()
      .openapi({ description: "The caller's role; null for instance admins who are not members" }),
    searchLanguage,
    searchReindexing: z.boolean().openapi({
      description:
        'True while existing documents are being reindexed after a searchLanguage change (a background job); search stays correct meanwhile, each document matched with the language it was indexed with.',
    }),
    createdAt: timestamp,
  })
  .openapi('Workspace');
// --- end workspace search language ---

export const WorkspaceList = z.object({ items: z.array(Workspace) }).openapi('WorkspaceList');

export const MemberSet = z.strictObject({ role: workspaceRoleSchema }).openapi('MemberSet');

export const Member = z
  .object({
    workspaceId: z.string(),
    userId: z.string(),
    role: workspaceRoleSchema,
    email: z.string().nullable().optional(),
    name: z.string().optional(),
  })
  .openapi('Member');

export const MemberList = z.object({ items: z.array(Member) }).openapi('MemberList');

export const Invited = z
  .object({
    status: z.literal('invited'),
    invitationId: z.string(),
  })
  .openapi('Invited', {
    description:
      'The user was invited: they join when they accept (GET /v1/invitations). Until then the workspace sees nothing of them. An id that names nobody is answered alike.',
  });

export const InvitationIdParam = z.object({ id: id('id') });

export const Invitation = z
  .object({
    id: z.string(),
    workspaceId: z.string(),
    workspaceName: z.string(),
    role: workspaceRoleSchema,
    invitedBy: z.string().nullable().openapi({ description: "The inviter's user id" }),
    createdAt: timestamp,
    expiresAt: timestamp,
  })
  .openapi('Invitation');

export const InvitationList = z.object({ items: z.array(Invitation) }).openapi('InvitationList');

export const ContentInput = z
  .union(
    [
      z.strictObject({
        text: z.string().max(2_000_000),
        field: z.string().min(1).max(200).optional(),
      }),
      z.strictObject({
        markdown: z.string().max(2_000_000),
        field: z.string().min(1).max(200).optional(),
      }),
    ],
    { error: 'give exactly one of text or markdown (and optionally field)' },
  )
  .openapi('ContentInput', {
    description:
      'Replaces the document text. Goes to the top-level type named `field`; by default `default`, else the first XML fragment, else the first text.',
  });

export const DocumentCreate = z
  .strictObject({
    title,
    workspaceId: z.string().min(1).max(64).optional(),
    content: ContentInput.optional(),
  })
  .openapi('DocumentCreate');

export const DocumentPatch = z.strictObject({ title }).openapi('DocumentPatch');

export const Document = z
  .object({
    id: z.string(),
    title: z.string(),
    workspaceId: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
    createdBy: z.string().nullable(),
    role: documentRoleSchema.optional().openapi({ description: "The caller's effective role" }),
  })
  .openapi('Document');

export const DocumentList = z
  .object({ items: z.array(Document), nextCursor: z.string().nullable() })
  .openapi('DocumentList');

/** Query strings are lenient about extra parameters (cache busters); JSON bodies are strict. */
export const DocumentListQuery = z.object({
  workspaceId: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const PermissionSet = z.strictObject({ role: documentRoleSchema }).openapi('PermissionSet');

export const Permission = z
  .object({
    userId: z.string(),
    role: documentRoleSchema,
    email: z.string().nullable().optional(),
    name: z.string().optional(),
    createdAt: timestamp.optional(),
  })
  .openapi('Permission');

export const PermissionList = z.object({ items: z.array(Permission) }).openapi('PermissionList');

export const ConnectToken = z
  .object({
    token: z.string(),
    expiresAt: timestamp,
    role: documentRoleSchema,
    url: z.string().openapi({ description: 'COLLAB_PUBLIC_URL: the server URL for @hocuspocus/provider' }),
    yjsUrl: z.string().openapi({
      description:
        'url + /yjs: the server URL for the stock y-websocket WebsocketProvider (room = documentName)',
    }),
    documentName: z.string(),
  })
  .openapi('ConnectToken');

export const ContentQuery = z.object({
  format: z.enum(['text', 'json', 'yjs', 'markdown']).default('text'),
});

export const StateAtQuery = ContentQuery.extend({
  at: z.iso.datetime({ offset: true }).openapi({ description: 'the instant, ISO 8601 with an offset' }),
});

export const WriteResult = z
  .object({
    changed: z.boolean(),
    seq: z.number().int(),
    bytes: z.number().int(),
  })
  .openapi('WriteResult');

/** A document's (or a version's) content in the format `?format=` asks for. */
export const contentResponse = {
  description: 'the content',
  headers: z.object({
    etag: z.string().openapi({
      description: 'names the exact state shown: send it as If-Match with PUT …/content, or as a diff end',
    }),
  }),
  content: {
    'text/plain': { schema: z.string() },
    'text/markdown': { schema: z.string() },
    'application/json': { schema: z.record(z.string(), z.unknown()) },
    'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) },
  },
};

const diffEnd = z
  .string()
  .trim()
  .min(1)
  .max(4_096)
  .openapi({ description: 'a content ETag, a version id, an ISO time, or live' });

export const DiffQuery = z.object({ from: diffEnd, to: diffEnd.optional() });

export const DiffResult = z
  .object({
    changes: z.array(
      z.object({
        op: z.enum(['insert', 'delete']),
        text: z.string(),
        actorId: z.string().nullable(),
        agent: z.string().nullable().openapi({ description: 'the agent label, for an agent token' }),
        at: timestamp.openapi({ description: 'when the edit was made (its transaction began)' }),
      }),
    ),
  })
  .openapi('DiffResult');

export const ContentWriteHeaders = z.object({
  'if-match': z
    .string()
    .max(4_096)
    .optional()
    .openapi({
      description:
        'an ETag from a content read: the body is merged as the change from that state (412 when it ' +
        'cannot be rebuilt); absent or `*`: the body replaces the content',
    }),
});

/** Standard error responses, for the OpenAPI document. */
export const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: 'problem', content: { 'application/problem+json': { schema: Problem } } },
    ]),
  );

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const SearchQuery = z.object({
  q: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(256)
    // Postgres text cannot hold NUL: refuse it here rather than fail in the query.
    .refine((q) => !q.includes('\u0000'), 'must not contain NUL characters')
    .openapi({ description: 'Web-search syntax: "a phrase", either or other, -excluded' }),
  workspaceId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\w-]+$/, 'must be an id')
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const SearchResults = z
  .object({
    items: z.array(
      z.object({
        documentId: z.string(),
        title: z.string(),
        snippet: z.string().openapi({
          description: 'Plain text, HTML-escaped, with each match wrapped in <mark>…</mark>',
        }),
        rank: z.number(),
      }),
    ),
  })
  .openapi('SearchResults');

const auditId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w-]+$/, 'must be an id');
export const AuditQuery = z.object({
  documentId: auditId.optional(),
  actorId: auditId.optional(),
  action: z
    .string()
    .max(64)
    .regex(/^[a-z]+(\.[a-z_]+)+$/, 'must be an action such as document.update')
    .optional(),
  since: z.iso.datetime({ offset: true }).optional().openapi({ description: 'inclusive' }),
  until: z.iso.datetime({ offset: true }).optional().openapi({ description: 'exclusive' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
});

export const AuditEntry = z
  .object({
    id: z.string(),
    at: timestamp,
    actorId: z.string().nullable(),
    action: z.string(),
    documentId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEntry');

export const AuditList = z
  .object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() })
  .openapi('AuditList');

export const AuditVerification = z
  .object({
    ok: z.boolean(),
    count: z.number().int(),
    brokenAt: z.string().optional().openapi({ description: 'The first entry that does not verify' }),
  })
  .openapi('AuditVerification');

export const VersionParams = z.object({ id: id('id'), versionId: id('versionId') });

export const VersionCreate = z
  .strictObject({ label: z.string().trim().max(200).optional() })
  .openapi('VersionCreate');

export const Version = z
  .object({
    id: z.string(),
    label: z.string().nullable(),
    kind: z.enum(['manual', 'auto', 'restore']),
    seq: z.number().int().openapi({ description: 'The update-log position the version covers' }),
    createdAt: timestamp,
    createdBy: z.string().nullable(),
    bytes: z.number().int(),
  })
  .openapi('Version');

export const VersionList = z.object({ items: z.array(Version) }).openapi('VersionList');

export const VersionListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const RestoreRequest = z
  .union(
    [
      z.strictObject({
        versionId: z
          .string()
          .min(1)
          .max(64)
          .regex(/^[\w-]+$/, 'must be an id'),
      }),
      z.strictObject({ at: z.iso.datetime({ offset: true }) }),
    ],
    { error: 'give exactly one of versionId or at' },
  )
  .openapi('RestoreRequest');

export const RestoreResult = WriteResult.extend({
  previousVersionId: z.string().openapi({ description: 'A version holding the state before the restore' }),
}).openapi('RestoreResult');
