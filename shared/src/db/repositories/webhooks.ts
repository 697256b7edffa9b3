import { sql } from 'kysely';
import type { WebhookEventType } from '../../schemas.js';
import type { WebhookRow } from '../schema.js';
import type { Handle } from './handle.js';

/** Webhook endpoints and the two outboxes the worker drains (see the webhooks migration). */

export function insertWebhook(
  db: Handle,
  webhook: {
    id: string;
    workspaceId: string;
    url: string;
    events: string[];
    description: string | null;
    secret: string;
    createdBy: string | null;
  },
): Promise<WebhookRow> {
  return db
    .insertInto('webhooks')
    .values({
      id: webhook.id,
      workspace_id: webhook.workspaceId,
      url: webhook.url,
      events: webhook.events,
      description: webhook.description,
      secret: webhook.secret,
      created_by: webhook.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** At most this many endpoints per workspace: every event fans out to each of them. */
export const MAX_WEBHOOKS_PER_WORKSPACE = 50;

export function countWebhooks(db: Handle, workspaceId: string): Promise<number> {
  return db
    .selectFrom('webhooks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow()
    .then((row) => Number(row.n));
}

export function listWebhooks(db: Handle, workspaceId: string): Promise<WebhookRow[]> {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export function findWebhook(db: Handle, id: string): Promise<WebhookRow | undefined> {
  return db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Deletes the endpoint and, by cascade, its delivery log. */
export async function deleteWebhook(db: Handle, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Enabled endpoints of the workspace that subscribe to `type` (or to `*`). */
export function listSubscribedWebhooks(db: Handle, workspaceId: string, type: string): Promise<WebhookRow[]> {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('disabled_at', 'is', null)
    .where(sql<boolean>`events && array[${type}, '*']::text[]`)
    .orderBy('id')
    .execute();
}

export interface WebhookEvent {
  type: WebhookEventType;
  workspaceId: string;
  /** Deliveries about one document to one endpoint arrive in order. */
  documentId?: string | null;
  /** The event's `data`: ids and counts only, never personal data. */
  data: Record<string, unknown>;
}

/**
 * Records events in the caller's transaction (the transaction of the change), for the
 * worker to deliver. Only events some enabled endpoint of the workspace wants are kept,
 * so a workspace without webhooks pays one indexed lookup.
 */
export async function recordWebhookEvents(db: Handle, events: WebhookEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = JSON.stringify(
    events.map((e) => ({
      type: e.type,
      workspace_id: e.workspaceId,
      document_id: e.documentId ?? null,
      data: e.data,
    })),
  );
  await sql`
    insert into webhook_events (type, workspace_id, document_id, data)
    select e.type, e.workspace_id, e.document_id, e.data
      from rows from (jsonb_to_recordset(${rows}::jsonb)
                      as (type text, workspace_id text, document_id text, data jsonb))
           with ordinality as e(type, workspace_id, document_id, data, n)
     where exists (select 1 from webhooks w
                    where w.workspace_id = e.workspace_id and w.disabled_at is null
                      and w.events && array[e.type, '*']::text[])
     order by e.n`.execute(db);
}

export const recordWebhookEvent = (db: Handle, event: WebhookEvent) => recordWebhookEvents(db, [event]);

export interface DocumentChange {
  documentId: string;
  fromSeq: number;
  toSeq: number;
  actorIds: string[];
  /** Agent labels of the agent tokens among those edits (none: people only). */
  agents: string[];
}

/**
 * Merges newly stored edits into the documents' pending `document.updated` rows (in the
 * summariser pass that saw them), for documents whose workspace has an endpoint that
 * wants the event. A row's `first_at` stays that of its first edit: the worker announces
 * it once it is the debounce interval old, covering everything merged until then.
 */
export async function recordDocumentChanges(db: Handle, changes: DocumentChange[]): Promise<void> {
  if (changes.length === 0) return;
  const rows = JSON.stringify(
    changes.map((c) => ({
      document_id: c.documentId,
      from_seq: c.fromSeq,
      to_seq: c.toSeq,
      actor_ids: c.actorIds,
      agents: c.agents,
    })),
  );
  await sql`
    insert into webhook_document_changes (document_id, workspace_id, from_seq, to_seq, actor_ids, agents)
    select d.id, d.workspace_id, c.from_seq, c.to_seq, c.actor_ids, c.agents
      from jsonb_to_recordset(${rows}::jsonb)
           as c(document_id text, from_seq bigint, to_seq bigint, actor_ids text[], agents text[])
      join documents d on d.id = c.document_id
     where exists (select 1 from webhooks w
                    where w.workspace_id = d.workspace_id and w.disabled_at is null
                      and w.events && array['document.updated', '*']::text[])
    on conflict (document_id) do update
       set from_seq = least(webhook_document_changes.from_seq, excluded.from_seq),
           to_seq = greatest(webhook_document_changes.to_seq, excluded.to_seq),
           actor_ids = array(select distinct a
                               from unnest(webhook_document_changes.actor_ids || excluded.actor_ids) a
                              order by a),
           agents = array(select distinct a
                            from unnest(webhook_document_changes.agents || excluded.agents) a
                           order by a)`.execute(db);
}

/** Advisory lock key of a relay pass (any constant no other code uses). */
const RELAY_LOCK = 7_301_447_120_002n;

/** One relay pass at a time cluster-wide, so deliveries get their seq in event order. */
export async function lockWebhookRelay(db: Handle): Promise<boolean> {
  const row = await sql<{
    locked: boolean;
  }>`select pg_try_advisory_xact_lock(${RELAY_LOCK.toString()}::bigint) as locked`.execute(db);
  return row.rows[0]?.locked === true;
}

export interface OutboxEvent extends Required<WebhookEvent> {
  createdAt: Date;
}

/** Removes and returns the oldest `limit` recorded events (under the relay lock). */
export async function takeWebhookEvents(db: Handle, limit: number): Promise<OutboxEvent[]> {
  const result = await sql<{
    id: string | number;
    type: WebhookEventType;
    workspace_id: string;
    document_id: string | null;
    data: Record<string, unknown>;
    created_at: Date;
  }>`
    delete from webhook_events
     where id in (select id from webhook_events order by id limit ${limit})
    returning id, type, workspace_id, document_id, data, created_at`.execute(db);
  // RETURNING has no order: put the events back in the order they were recorded.
  return result.rows
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((r) => ({
      type: r.type,
      workspaceId: r.workspace_id,
      documentId: r.document_id,
      data: r.data,
      createdAt: new Date(r.created_at),
    }));
}

/**
 * Removes and returns pending document changes that are `debounceMs` old, as
 * `document.updated` events.
 */
export async function takeDueDocumentChanges(
  db: Handle,
  options: { debounceMs: number; limit: number },
): Promise<OutboxEvent[]> {
  const result = await sql<{
    document_id: string;
    workspace_id: string;
    from_seq: string | number;
    to_seq: string | number;
    actor_ids: string[];
    agents: string[];
  }>`
    delete from webhook_document_changes
     where document_id in (select document_id from webhook_document_changes
                            where first_at <= now() - ${options.debounceMs} * interval '1 millisecond'
                            order by first_at limit ${options.limit})
    returning document_id, workspace_id, from_seq, to_seq, actor_ids, agents`.execute(db);
  const now = new Date();
  return result.rows.map((r) => ({
    type: 'document.updated' as const,
    workspaceId: r.workspace_id,
    documentId: r.document_id,
    data: {
      documentId: r.document_id,
      workspaceId: r.workspace_id,
      fromSeq: Number(r.from_seq),
      toSeq: Number(r.to_seq),
      actorIds: r.actor_ids,
      agents: r.agents,
    },
    createdAt: now,
  }));
}

/**
 * Erasure: the user's id as the webhook tables hold it outside any foreign key — in a
 * pending change's `actor_ids`, and inside the JSON of outbox events and delivery
 * bodies (`actorId`, `userId`, `actorIds`) — becomes the pseudonym, so the original id is
 * left nowhere (receivers already sent it keep it; pending deliveries are signed per
 * attempt, so a rewritten body goes out correctly signed). Ids are opaque URL-safe
 * strings, so the quoted id matches only a whole JSON string.
 */
export async function moveWebhookRecordsToPseudonym(
  db: Handle,
  userId: string,
  pseudonymId: string,
): Promise<void> {
  await sql`
    update webhook_document_changes
       set actor_ids = array(select distinct a from unnest(array_replace(actor_ids, ${userId}, ${pseudonymId})) a order by a)
     where ${userId} = any(actor_ids)`.execute(db);
  const quoted = JSON.stringify(userId);
  const replacement = JSON.stringify(pseudonymId);
  await sql`
    update webhook_events set data = replace(data::text, ${quoted}, ${replacement})::jsonb
     where strpos(data::text, ${quoted}) > 0`.execute(db);
  await sql`
    update webhook_deliveries set body = replace(body, ${quoted}, ${replacement})
     where strpos(body, ${quoted}) > 0`.execute(db);
}

/** Rows counted at most, so a backlog never makes the count itself slow. */
const OUTBOX_COUNT_CAP = 100_000;

/**
 * How far behind the relay is: rows waiting in each outbox (capped) and the age of the
 * oldest. They grow while no worker runs — and cannot be bounded without refusing the
 * changes they describe or losing events — so they are exported as metrics to alert on.
 */
export async function webhookOutboxStats(
  db: Handle,
): Promise<{ outbox: 'events' | 'document_changes'; rows: number; oldestSeconds: number }[]> {
  const { rows } = await sql<{
    events: string;
    events_age: number | null;
    changes: string;
    changes_age: number | null;
  }>`
    select (select count(*) from (select 1 from webhook_events limit ${OUTBOX_COUNT_CAP}) e) as events,
           (select extract(epoch from now() - min(created_at))::float8 from webhook_events) as events_age,
           (select count(*) from (select 1 from webhook_document_changes limit ${OUTBOX_COUNT_CAP}) c) as changes,
           (select extract(epoch from now() - min(first_at))::float8 from webhook_document_changes) as changes_age`.execute(
    db,
  );
  const row = rows[0];
  return [
    { outbox: 'events', rows: Number(row?.events ?? 0), oldestSeconds: Number(row?.events_age ?? 0) },
    {
      outbox: 'document_changes',
      rows: Number(row?.changes ?? 0),
      oldestSeconds: Number(row?.changes_age ?? 0),
    },
  ];
}
