// Frozen in time: this file must never import application code, and must never change
// once released. Later schema changes are new migrations.
import { type Kysely, sql } from 'kysely';

/**
 * Webhooks: endpoints per workspace, their deliveries (the delivery log and the state of
 * each delivery's retries), and two transactional outboxes that the worker drains:
 *
 * - `webhook_events`: one row per event, written in the transaction of the change it
 *   describes (only when the workspace has an endpoint that wants it), so no change is
 *   missed and no event describes a change that rolled back.
 * - `webhook_document_changes`: edits not yet announced, one row per document, merged by
 *   the update-log summariser's passes; the worker turns a row into one
 *   `document.updated` event once it is `WEBHOOK_DEBOUNCE_MS` old.
 *
 * Neither outbox nor the delivery log references documents: a `document.deleted` event
 * and its deliveries outlive the document.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', sql`text[]`, (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null').onUpdate('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Set by the first failed attempt after a success; the endpoint is disabled when it
    // has been failing for long enough.
    .addColumn('failing_since', 'timestamptz')
    .addColumn('disabled_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('webhooks_workspace_idx').on('webhooks').column('workspace_id').execute();

  await db.schema
    .createTable('webhook_deliveries')
    // The Standard Webhooks message id (`webhook-id`): the same on every attempt.
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Order within a lane, and the listing's cursor.
    .addColumn('seq', 'bigint', (c) => c.notNull().generatedAlwaysAsIdentity())
    .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    // Deliveries of one lane (one endpoint, one document) go out one at a time, in seq order.
    .addColumn('lane', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    // The exact body sent (and signed) on every attempt.
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'delivered', 'failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.defaultTo(sql`now()`))
    // A worker attempting the delivery holds it until then; after that (the worker died)
    // any other may attempt it.
    .addColumn('lease_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('settled_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_lane_idx')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'lane', 'seq'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_listing_idx')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_settled_idx')
    .on('webhook_deliveries')
    .column('settled_at')
    .where(sql.ref('settled_at'), 'is not', null)
    .execute();

  await db.schema
    .createTable('webhook_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('document_id', 'text')
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('webhook_document_changes')
    .addColumn('document_id', 'text', (c) => c.primaryKey().references('documents.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('from_seq', 'bigint', (c) => c.notNull())
    .addColumn('to_seq', 'bigint', (c) => c.notNull())
    .addColumn('actor_ids', sql`text[]`, (c) => c.notNull())
    .addColumn('agents', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('first_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('webhook_document_changes_first_at_idx')
    .on('webhook_document_changes')
    .column('first_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_document_changes').ifExists().execute();
  await db.schema.dropTable('webhook_events').ifExists().execute();
  await db.schema.dropTable('webhook_deliveries').ifExists().execute();
  await db.schema.dropTable('webhooks').ifExists().execute();
}
