/**
 * The names of Folio's Redis keys and channels, in one place.
 *
 * Everything about one document carries the document id as a hash tag (`{<id>}`): on a
 * Redis Cluster the slot of a key or sharded channel is computed from its first `{…}`
 * alone, so a document's relay channel, its Hocuspocus channel and its store lock live
 * on one shard, and a cluster shards by document. REDIS_KEY_PREFIX may not contain
 * braces (config), so the tag is always the document id. On a single Redis the braces
 * are just characters.
 *
 * | name | what | who |
 * | --- | --- | --- |
 * | `<prefix>updates:{<doc>}` | committed updates between instances | UpdateRelay |
 * | `<prefix>collab:{<doc>}` | awareness and stateless messages | @hocuspocus/extension-redis |
 * | `<prefix>collab:{<doc>}:lock` | the extension's store lock (Redlock) | idem |
 * | `<prefix>collab#reply:<instance>` | the extension's replies to one instance | idem |
 * | `<prefix>collab:events` | revocations, REST updates, deletions | CollabBus |
 * | `<prefix>ratelimit:<userId>` | request counters | the API's rate limiter |
 *
 * Keys not about a document (the event channel, rate-limit counters) are single keys
 * used one at a time, so their slot does not matter. Erasure's sweep finds keys by the
 * ids in their names (commands/redis-key-sweeper.ts): keep ids in key names.
 */

/** The hash tag of a document: braces around its id. */
export const documentHashTag = (documentId: string) => `{${documentId}}`;

/** Committed updates of one document, published after commit (UpdateRelay). */
export const updatesChannel = (prefix: string, documentId: string) =>
  `${prefix}updates:${documentHashTag(documentId)}`;

/** The document id of an `updatesChannel`, or undefined for any other channel. */
export function documentOfUpdatesChannel(prefix: string, channel: string): string | undefined {
  const head = `${prefix}updates:{`;
  if (!channel.startsWith(head) || !channel.endsWith('}')) return undefined;
  return channel.slice(head.length, -1);
}

/** The prefix Folio hands @hocuspocus/extension-redis (its channels and lock keys). */
export const collabExtensionPrefix = (prefix: string) => `${prefix}collab`;

/**
 * The extension's channel of a document (it adds `:lock` for the store lock). The
 * extension itself would name it `<extension prefix>:<doc>`, without a hash tag;
 * server/src/redis-extension.ts overrides its `getKey` with this.
 */
export const collabDocumentKey = (prefix: string, documentId: string) =>
  `${collabExtensionPrefix(prefix)}:${documentHashTag(documentId)}`;

/** Revocations, REST updates and deletions for every instance (CollabBus). */
export const collabEventsChannel = (prefix: string) => `${prefix}collab:events`;

/** `keyPrefix` of the API's rate limiter; rate-limiter-flexible appends `:<key>`. */
export const rateLimitKeyPrefix = (prefix: string) => `${prefix}ratelimit`;
