import { signConnectToken } from '@folio/shared';
import { sessionStarter } from '@folio/shared/commands';
import type { DocumentRole, User } from '@folio/shared/db';
import {
  buildDocument,
  buildUser,
  createTestDatabase,
  grantDocumentRole,
  type TestDatabase,
  testRedisEnv,
  testRedisPrefix,
} from '@folio/shared/testing';
import { type CollabProcess, SECRET_KEY, spawnCollab } from './harness.js';

/**
 * What every end-to-end file of the collaboration server sets up: its own database and
 * Redis prefix, four users, documents shared between them, and server processes that
 * are killed at the end whatever happened.
 */
export interface CollabFixture {
  db: TestDatabase;
  prefix: string;
  owner: User;
  editor: User;
  viewer: User;
  stranger: User;
  /**
   * A connect token, minted (as the API would) through the user's browser session: the
   * fixture's four users have one; `enroll` starts one for another user.
   */
  token(user: User, documentId: string, role: DocumentRole, ttlSeconds?: number): string;
  /** Starts a session for `user`, through which `token` mints; its id. */
  enroll(user: User): Promise<string>;
  /** The id of the session `token` mints through for `user`. */
  sessionOf(user: User): string;
  /** A document of `owner` with `editor` and `viewer` roles granted. */
  sharedDocument(): Promise<{ id: string }>;
  /** A collaboration server process; `env` adds to or overrides the fixture's. */
  spawn(env?: Record<string, string>): Promise<CollabProcess>;
  track<T extends { destroy(): void }>(client: T): T;
  close(): Promise<void>;
}

export async function createCollabFixture(): Promise<CollabFixture> {
  const db = await createTestDatabase();
  const prefix = testRedisPrefix();
  const processes: CollabProcess[] = [];
  const destroyers: (() => void)[] = [];
  const owner = await buildUser(db.db, { name: 'Olive Owner' });
  const editor = await buildUser(db.db, { name: 'Eddie Editor' });
  const viewer = await buildUser(db.db, { name: 'Vera Viewer' });
  const stranger = await buildUser(db.db, { name: 'Stan Stranger' });
  const sessions = new Map<string, string>();
  const enroll = async (user: User) => {
    const { sessionId } = await sessionStarter(db.db, { userId: user.id });
    sessions.set(user.id, sessionId);
    return sessionId;
  };
  const sessionOf = (user: User) => {
    const sessionId = sessions.get(user.id);
    if (!sessionId) throw new Error('enroll(user) first');
    return sessionId;
  };
  for (const user of [owner, editor, viewer, stranger]) await enroll(user);
  return {
    db,
    prefix,
    owner,
    editor,
    viewer,
    stranger,
    token: (user, documentId, role, ttlSeconds = 120) =>
      signConnectToken(
        { userId: user.id, documentId, role, credentialId: sessionOf(user), ttlSeconds },
        SECRET_KEY,
      ).token,
    enroll,
    sessionOf,
    async sharedDocument() {
      const document = await buildDocument(db.db, owner);
      await grantDocumentRole(db.db, document.id, editor.id, 'editor');
      await grantDocumentRole(db.db, document.id, viewer.id, 'viewer');
      return document;
    },
    async spawn(env = {}) {
      const p = await spawnCollab({
        DATABASE_URL: db.url,
        ...testRedisEnv(),
        REDIS_KEY_PREFIX: prefix,
        ANTI_ENTROPY_MS: '300',
        ...env,
      });
      processes.push(p);
      return p;
    },
    track(client) {
      destroyers.push(() => client.destroy());
      return client;
    },
    async close() {
      for (const destroy of destroyers) destroy();
      for (const p of processes) p.kill('SIGKILL');
      await Promise.all(processes.map((p) => p.exited));
      await db.drop();
    },
  };
}
