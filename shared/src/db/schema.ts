import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { SearchLanguage } from '../search-language.js';

/** The Kysely view of the schema built by `@folio/migrations`. */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** bigint columns come back as JS numbers (see the type parsers in connect.ts). */
type BigIntColumn = ColumnType<number, number | bigint | string, number | bigint | string>;

export type InstanceRole = 'member' | 'admin' | 'compliance';
export type Scope = 'read' | 'write' | 'admin';
export type WorkspaceRole = 'admin' | 'member';
export type DocumentRole = 'owner' | 'editor' | 'viewer';
export type ErasureStatus = 'pending' | 'running' | 'done' | 'failed';

export interface UsersTable {
  id: string;
  email: string | null;
  name: ColumnType<string, string | undefined, string>;
  role: ColumnType<InstanceRole, InstanceRole | undefined, InstanceRole>;
  oidc_issuer: string | null;
  oidc_subject: string | null;
  erased_at: Timestamp | null;
  /**
   * What audit hashes cover instead of the id (random; the id itself for users created
   * before pseudonyms). Kept when erasure gives the user a new id; never leaves the database.
   */
  audit_ref: ColumnType<string, never, never>;
  /**
   * Sealed profile (crypto/sealed-profile.ts): the keyed hash of the lower-cased email
   * (lookups, uniqueness) and email and name sealed with the user's key. While these are
   * set, `email` is null and `name` empty; rows from before encryption keep plaintext
   * until the background sealer reaches them.
   */
  email_hmac: ColumnType<Uint8Array | null, Uint8Array | null | undefined, Uint8Array | null>;
  email_sealed: ColumnType<Uint8Array | null, Uint8Array | null | undefined, Uint8Array | null>;
  name_sealed: ColumnType<Uint8Array | null, Uint8Array | null | undefined, Uint8Array | null>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: ColumnType<string, string | undefined, string>;
  token_hash: Uint8Array;
  scopes: Scope[];
  /** Set on agent tokens: the label of the software acting for the user. */
  agent: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface SessionsTable {
  id_hash: Uint8Array;
  /** Public id: what connect tokens minted by the session name (never the hash). */
  id: ColumnType<string, string | undefined, never>;
  user_id: string;
  created_at: CreatedAt;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  user_agent: string | null;
}

export interface LoginLinksTable {
  id_hash: Uint8Array;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface WorkspacesTable {
  id: string;
  name: string;
  personal_user_id: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  /** The text search configuration new search rows are built with (see SEARCH_LANGUAGES). */
  search_language: ColumnType<SearchLanguage, SearchLanguage | undefined, SearchLanguage>;
  /** Every configuration the workspace's search rows may carry: more than one while a reindex runs. */
  search_languages: ColumnType<SearchLanguage[], SearchLanguage[] | undefined, SearchLanguage[]>;
}

export interface WorkspaceMembersTable {
  workspace_id: string;
  user_id: string;
  role: WorkspaceRole;
  created_at: CreatedAt;
}

export interface WorkspaceInvitationsTable {
  id: string;
  workspace_id: string;
  /** Not a foreign key: invitations to unknown ids are stored alike (see the migration). */
  invitee_id: string;
  role: WorkspaceRole;
  invited_by: string | null;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
  expires_at: Timestamp;
}

export interface DocumentsTable {
  id: string;
  workspace_id: string;
  title: ColumnType<string, string | undefined, string>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface DocumentPermissionsTable {
  document_id: string;
  user_id: string;
  role: DocumentRole;
  granted_by: string | null;
  created_at: CreatedAt;
}

/**
 * A transaction horizon (`xid8`, as text): a state covering horizon H holds every log
 * row with xid < H. Compare them in SQL, never as JavaScript strings.
 */
export type XidColumn = ColumnType<string, string, string>;

export interface DocumentStatesTable {
  document_id: string;
  snapshot: Uint8Array;
  /** The highest seq in the state when it was written (informational). */
  seq: BigIntColumn;
  covers_xid: XidColumn;
  /** `update`/`snapshot` is an envelope under the document's key (crypto/sealed-content.ts). */
  sealed: ColumnType<boolean, boolean | undefined, boolean>;
  updated_at: Timestamp;
}

export interface DocumentUpdatesTable {
  document_id: string;
  /** From one global sequence: unique and ordered, but neither gap-free nor commit order. */
  seq: ColumnType<number, number | undefined, never>;
  /** The inserting transaction (default pg_current_xact_id()). */
  xid: ColumnType<string, never, never>;
  /** The insert wrote the row's `document.update` audit entry itself (REST writes). */
  audited_inline: ColumnType<boolean, boolean | undefined, never>;
  update: Uint8Array;
  size: number;
  actor_id: string | null;
  /** The agent label of the token the edit came through (agent tokens only). */
  agent: ColumnType<string | null, string | null | undefined, never>;
  connection_id: string | null;
  /** `update`/`snapshot` is an envelope under the document's key (crypto/sealed-content.ts). */
  sealed: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
}

export interface DocumentVersionsTable {
  id: string;
  document_id: string;
  label: string | null;
  kind: ColumnType<'manual' | 'auto' | 'restore', 'manual' | 'auto' | 'restore' | undefined, never>;
  snapshot: Uint8Array;
  seq: BigIntColumn;
  covers_xid: XidColumn;
  created_by: string | null;
  /** `update`/`snapshot` is an envelope under the document's key (crypto/sealed-content.ts). */
  sealed: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
}

export interface DocumentSearchTable {
  document_id: string;
  workspace_id: string;
  title: string;
  body: string;
  /** The row's own configuration; `tsv` is generated with it. */
  search_language: ColumnType<SearchLanguage, SearchLanguage | undefined, SearchLanguage>;
  tsv: ColumnType<string, never, never>;
  updated_at: Timestamp;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: ColumnType<Date, Date | string, never>;
  actor_id: string | null;
  action: string;
  document_id: string | null;
  workspace_id: string | null;
  details: ColumnType<Record<string, unknown>, string, never>;
  prev_hash: Uint8Array;
  hash: Uint8Array;
}

export interface AuditChainHeadTable {
  singleton: ColumnType<boolean, never, never>;
  last_id: BigIntColumn;
  hash: Uint8Array;
}

export interface ErasureRequestsTable {
  id: string;
  user_id: string;
  requested_by: string | null;
  status: ColumnType<ErasureStatus, ErasureStatus | undefined, ErasureStatus>;
  report: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  error: string | null;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

/** The `document.update` summariser's place: the snapshot its last pass saw. */
export interface DocumentUpdateAuditCursorTable {
  singleton: ColumnType<boolean, never, never>;
  snapshot: ColumnType<string, never, string>;
  holder: string | null;
  held_until: Date | null;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhooksTable {
  id: string;
  workspace_id: string;
  url: string;
  events: string[];
  description: string | null;
  /** The Standard Webhooks signing secret (`whsec_…`). */
  secret: string;
  created_by: string | null;
  created_at: CreatedAt;
  failing_since: Timestamp | null;
  disabled_at: Timestamp | null;
}

export interface WebhookDeliveriesTable {
  /** The `webhook-id` header: the same on every attempt. */
  id: string;
  seq: ColumnType<number, never, never>;
  webhook_id: string;
  /** One endpoint's deliveries about one document share a lane and go out in seq order. */
  lane: string;
  type: string;
  body: string;
  status: ColumnType<WebhookDeliveryStatus, WebhookDeliveryStatus | undefined, WebhookDeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: Timestamp | null;
  lease_until: Timestamp | null;
  created_at: CreatedAt;
  settled_at: Timestamp | null;
}

/** The events outbox: written with the change, drained by the worker. */
export interface WebhookEventsTable {
  id: ColumnType<number, never, never>;
  type: string;
  workspace_id: string;
  document_id: string | null;
  data: ColumnType<Record<string, unknown>, string, never>;
  created_at: CreatedAt;
}

/** Edits not yet announced as `document.updated`, one row per document. */
export interface WebhookDocumentChangesTable {
  document_id: string;
  workspace_id: string;
  from_seq: BigIntColumn;
  to_seq: BigIntColumn;
  actor_ids: string[];
  agents: Generated<string[]>;
  first_at: CreatedAt;
}

export interface Database {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  login_links: LoginLinksTable;
  workspaces: WorkspacesTable;
  workspace_members: WorkspaceMembersTable;
  workspace_invitations: WorkspaceInvitationsTable;
  documents: DocumentsTable;
  document_permissions: DocumentPermissionsTable;
  document_states: DocumentStatesTable;
  document_updates: DocumentUpdatesTable;
  document_versions: DocumentVersionsTable;
  document_search: DocumentSearchTable;
  audit_events: AuditEventsTable;
  audit_chain_head: AuditChainHeadTable;
  erasure_requests: ErasureRequestsTable;
  document_update_audit_cursor: DocumentUpdateAuditCursorTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_events: WebhookEventsTable;
  webhook_document_changes: WebhookDocumentChangesTable;
}

/** A user as the application sees it: the profile opened, sealed columns left in the repository. */
export type User = Omit<Selectable<UsersTable>, 'audit_ref' | 'email_hmac' | 'email_sealed' | 'name_sealed'>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type ApiToken = Selectable<ApiTokensTable>;
export type Workspace = Selectable<WorkspacesTable>;
export type WorkspaceInvitation = Selectable<WorkspaceInvitationsTable>;
export type DocumentRow = Selectable<DocumentsTable>;
export type DocumentUpdateRow = Selectable<DocumentUpdatesTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
export type WebhookRow = Selectable<WebhooksTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
