import { createHash } from 'node:crypto';

/**
 * Keys of `details` that name a user. The hash covers those users' `audit_ref` rather
 * than their id (as for the actor), so that an erasure can move the entries to the
 * user's pseudonym without breaking the chain. Adding a key needs a migration of the
 * `audit_events_append_only` trigger, which lets erasure rewrite exactly these.
 */
export const AUDIT_USER_KEYS = ['userId', 'invitedBy'] as const;

/** An entry's user ids replaced by what the hash covers (ids that name no user stay as they are). */
export type AuditRefs = ReadonlyMap<string, string>;

/** JSON with object keys sorted at every level: jsonb does not keep key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface HashedEntry {
  at: Date;
  actorId: string | null;
  action: string;
  documentId: string | null;
  workspaceId: string | null;
  details: Record<string, unknown>;
}

/** The user ids an entry names: its actor and the AUDIT_USER_KEYS of its details. */
export function namedUsers(entry: Pick<HashedEntry, 'actorId' | 'details'>): string[] {
  const ids = AUDIT_USER_KEYS.map((key) => entry.details[key]);
  return [entry.actorId, ...ids].filter((id): id is string => typeof id === 'string');
}

/**
 * sha256(prev_hash || canonical entry), the entry's user ids replaced by their users'
 * `audit_ref`. Users created before pseudonyms existed have audit_ref = id, so their old
 * hashes are unchanged.
 */
export function auditHash(prevHash: Uint8Array, entry: HashedEntry, refs: AuditRefs = new Map()): Buffer {
  const ref = (id: unknown) => (typeof id === 'string' ? (refs.get(id) ?? id) : id);
  const details = { ...entry.details };
  for (const key of AUDIT_USER_KEYS) if (key in details) details[key] = ref(details[key]);
  return createHash('sha256')
    .update(prevHash)
    .update(
      canonicalJson({
        at: entry.at.toISOString(),
        actorId: ref(entry.actorId),
        action: entry.action,
        documentId: entry.documentId,
        workspaceId: entry.workspaceId,
        details,
      }),
    )
    .digest();
}
