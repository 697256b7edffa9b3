import { signConnectToken } from '@folio/shared';
import { documentStateLoader, sessionStarter } from '@folio/shared/commands';
import { buildDocument, buildUser, grantDocumentRole } from '@folio/shared/testing';
import { ChaosClient, type Operation } from '../chaos/clients.js';
import { hocuspocusClient, percentile, SECRET_KEY } from '../harness.js';
import { buildTopology, openDirect, type Topology, waitFor } from './topology.js';

/**
 * The multi-region simulation (`pnpm multiregion`, docs/multi-region.md): two regions
 * with `latencyMs` between them (topology.ts), two collaboration nodes in each.
 *
 * 1. Propagation: an editor in one region types, editors in both regions watch; how
 *    long until each sees the edit, and until the writer's edit is acknowledged.
 * 2. Redis lost: the same, with Redis killed (nodes follow the update log instead).
 * 3. Failover of the primary under load: editors on every node type; the primary is
 *    killed (SIGKILL: its region's database is gone), after `detectMs` the replica is
 *    promoted and both regions' database endpoints move to it. Then: how long writes
 *    were not acknowledged, and which acknowledged operations the promoted primary does
 *    not hold — right after the failover, and again after every node restarted and every
 *    client reconnected (clients keep their edits and send the server what it lacks).
 */
export interface MultiRegionOptions {
  latencyMs: number;
  synchronous: boolean;
  /** Edits per direction in the propagation phase. */
  probes: number;
  /** Milliseconds of typing before the primary is killed, and after the promotion. */
  typingMs: number;
  /** Time a failure detector takes to decide (CloudNativePG, Patroni: seconds). */
  detectMs: number;
  print: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), n: sorted.length };
};
const round = (n: number) => Math.round(n * 10) / 10;

export async function runMultiRegion(options: MultiRegionOptions) {
  const { print } = options;
  print(
    `multiregion: ${options.synchronous ? 'synchronous' : 'asynchronous'} replication, ${options.latencyMs} ms one way between regions`,
  );
  const topology = await buildTopology({
    latencyMs: options.latencyMs,
    synchronous: options.synchronous,
    nodesPerRegion: 2,
  });
  const clients: ChaosClient[] = [];
  try {
    const direct = await openDirect(topology.primary.url);
    const owner = await buildUser(direct.db, { name: 'Region Owner' });
    const editor = await buildUser(direct.db, { name: 'Region Editor' });
    const sessions = new Map<string, string>();
    for (const user of [owner, editor])
      sessions.set(user.id, (await sessionStarter(direct.db, { userId: user.id })).sessionId);
    const token = (userId: string, documentId: string) =>
      signConnectToken(
        {
          userId,
          documentId,
          role: 'editor',
          credentialId: sessions.get(userId) as string,
          ttlSeconds: 3_600,
        },
        SECRET_KEY,
      ).token;
    const newDocument = async () => {
      const document = await buildDocument(direct.db, owner);
      await grantDocumentRole(direct.db, document.id, editor.id, 'editor');
      return document.id;
    };
    const probeDocument = await newDocument();
    const typedDocuments = [await newDocument(), await newDocument()];
    await direct.close();

    const propagation = await measurePropagation(
      topology,
      probeDocument,
      (id) => token(owner.id, id),
      options,
    );
    print(`multiregion: propagation ${JSON.stringify(propagation)}`);
    // Redis lost: nodes fall back to following the update log (ANTI_ENTROPY_MS).
    await topology.redis.kill('SIGKILL');
    const withoutRedis = await measurePropagation(topology, probeDocument, (id) => token(owner.id, id), {
      ...options,
      probes: Math.min(options.probes, 10),
    });
    await topology.redis.restart();
    print(`multiregion: without Redis ${JSON.stringify(withoutRedis)}`);

    // Failover under load: an editor on every node of both regions, per document.
    const nodes = () => [...topology.nodesA, ...topology.nodesB];
    for (const documentId of typedDocuments) {
      nodes().forEach((node, i) => {
        const region = i < topology.nodesA.length ? 'A' : 'B';
        clients.push(
          new ChaosClient(
            `${region}${i}`,
            i % 2 === 0 ? 'hocuspocus' : 'y-websocket',
            node.url,
            documentId,
            token(i % 2 ? editor.id : owner.id, documentId),
          ),
        );
      });
    }
    await waitFor(() => clients.every((c) => c.synced), 'the typing clients did not sync');
    const appendedAt = new Map<Operation, number>();
    const ackedAt = new Map<Operation, number>();
    let typing = true;
    const typists = clients.map(async (client) => {
      while (typing) {
        appendedAt.set(client.append(), Date.now());
        await sleep(80 + Math.random() * 80);
      }
    });
    const watcher = setInterval(() => {
      const now = Date.now();
      for (const c of clients) for (const op of c.ops) if (op.acked && !ackedAt.has(op)) ackedAt.set(op, now);
    }, 5);
    await sleep(options.typingMs);
    // The instant every link to the primary was cut: nothing can be committed after it.
    const killedAt = await topology.losePrimary();
    print('multiregion: primary killed');
    await sleep(options.detectMs);
    await topology.failOver();
    const promotedAt = Date.now();
    print(`multiregion: replica promoted ${promotedAt - killedAt} ms after the kill; endpoints moved`);
    await sleep(options.typingMs);
    typing = false;
    await Promise.all(typists);
    const settled = await waitFor(() => clients.every((c) => c.synced && c.unacked === 0), 'x', 60_000).then(
      () => true,
      () => false,
    );
    clearInterval(watcher);

    // First acknowledgement of an operation typed after the kill: writes were unavailable until then.
    const afterKill = [...ackedAt]
      .filter(([op]) => (appendedAt.get(op) ?? 0) >= killedAt)
      .map(([, at]) => at);
    const writeOutageMs = afterKill.length > 0 ? Math.min(...afterKill) - killedAt : undefined;
    const promoted = await openDirect(topology.replica.url);
    const lostNow = await lostAcknowledged(promoted, clients, typedDocuments, ackedAt, killedAt);
    print(
      `multiregion: right after the failover, ${lostNow.lost} of ${lostNow.acked} acknowledged operations missing`,
    );
    const converged = typedDocuments.every(
      (id) => new Set(clients.filter((c) => c.documentId === id).map((c) => c.text)).size === 1,
    );

    // Every node restarts (stores its documents on SIGTERM), every client reconnects.
    await topology.restartNodes();
    nodes().forEach((node, i) => {
      for (const c of clients.filter((_, k) => k % nodes().length === i)) c.moveTo(node.url);
    });
    const resettled = await waitFor(
      () => clients.every((c) => c.synced && c.unacked === 0),
      'x',
      60_000,
    ).then(
      () => true,
      () => false,
    );
    const lostAfterReconnect = await lostAcknowledged(promoted, clients, typedDocuments, ackedAt, killedAt);
    print(`multiregion: after restarts and reconnects, ${lostAfterReconnect.lost} missing`);
    await promoted.close();
    return {
      mode: options.synchronous ? 'synchronous' : 'asynchronous',
      latencyMs: options.latencyMs,
      propagation,
      withoutRedis,
      failover: {
        detectMs: options.detectMs,
        promotedAfterMs: promotedAt - killedAt,
        writeOutageMs,
        settled,
        convergedBeforeRestart: converged,
        acknowledged: lostNow.acked,
        lostRightAfter: lostNow.lost,
        lostAckedWithinMsBeforeKill: lostNow.window,
        lostCommittedBeforeLoss: lostNow.lost - lostNow.afterLoss,
        lostHeldBackAfterLoss: lostNow.afterLoss,
        editorsWithLost: lostNow.editors,
        editorsHeldBackInStore: lostNow.heldBack,
        resettled,
        lostAfterReconnect: lostAfterReconnect.lost,
      },
    };
  } finally {
    for (const c of clients) c.destroy();
    await topology.close();
  }
}

/** Acknowledged operations the database does not hold, and how close to the kill the latest was acked. */
async function lostAcknowledged(
  handle: Awaited<ReturnType<typeof openDirect>>,
  clients: ChaosClient[],
  documents: string[],
  ackedAt: Map<Operation, number>,
  killedAt: number,
) {
  const texts = new Map<string, string>();
  // Updates stored after a lost one of the same editor: Yjs holds them back (pending)
  // until the missing one arrives, so they are missing from the text too.
  let heldBack = 0;
  for (const id of documents) {
    const stored = await documentStateLoader(handle.db, id);
    texts.set(id, stored.doc.getText('t').toString());
    if (stored.doc.store.pendingStructs) heldBack += stored.doc.store.pendingStructs.missing.size;
    stored.doc.destroy();
  }
  const acked = clients.flatMap((c) => c.ops.filter((op) => ackedAt.has(op)).map((op) => ({ c, op })));
  const lost = acked.filter(({ c, op }) => !texts.get(c.documentId)?.includes(op.token));
  // How long before the loss the earliest lost operation was acknowledged: the window
  // of acknowledged edits the replica had not received.
  const earliest = Math.min(...lost.map(({ op }) => ackedAt.get(op) ?? killedAt));
  // Acknowledged up to 100 ms after the cut: committed before it, the answer still on
  // its way (region B is 40 ms away). Later ones were committed on the new primary and
  // are held back there by an earlier lost update of the same editor.
  const afterLoss = lost.filter(({ op }) => (ackedAt.get(op) ?? 0) > killedAt + 100).length;
  const editors = new Set(lost.map(({ c }) => c.name)).size;
  return {
    acked: acked.length,
    lost: lost.length,
    afterLoss,
    editors,
    heldBack,
    window: lost.length > 0 ? killedAt - earliest : 0,
  };
}

async function measurePropagation(
  topology: Topology,
  documentId: string,
  token: (id: string) => string,
  options: MultiRegionOptions,
) {
  const [a1, a2] = topology.nodesA;
  const [b1] = topology.nodesB;
  const open = (url: string) => hocuspocusClient(url, documentId, token(documentId));
  const writers = { A: open(a1?.url as string), B: open(b1?.url as string) };
  const watchers = { A: open(a2?.url as string), B: open(topology.nodesB[1]?.url as string) };
  const all = [writers.A, writers.B, watchers.A, watchers.B];
  try {
    await waitFor(() => all.every((c) => c.provider.isSynced), 'probe clients did not sync');
    const result: Record<string, ReturnType<typeof summary>> = {};
    for (const from of ['A', 'B'] as const) {
      const seen = { A: [] as number[], B: [] as number[] };
      const acks: number[] = [];
      const text = writers[from].doc.getText('t');
      for (let i = 0; i < options.probes; i++) {
        const mark = `${from}${i};`;
        const started = performance.now();
        const times: Record<string, number> = {};
        text.insert(text.length, mark);
        await waitFor(
          () => {
            for (const region of ['A', 'B'] as const) {
              if (times[region] === undefined && watchers[region].doc.getText('t').toString().endsWith(mark))
                times[region] = performance.now() - started;
            }
            if (times.ack === undefined && writers[from].provider.unsyncedChanges === 0)
              times.ack = performance.now() - started;
            return times.A !== undefined && times.B !== undefined && times.ack !== undefined;
          },
          `probe ${mark} did not arrive`,
          10_000,
        );
        seen.A.push(times.A as number);
        seen.B.push(times.B as number);
        acks.push(times.ack as number);
      }
      result[`${from}→A`] = summary(seen.A);
      result[`${from}→B`] = summary(seen.B);
      result[`ack in ${from}`] = summary(acks);
    }
    return result;
  } finally {
    for (const c of all) c.destroy();
  }
}
