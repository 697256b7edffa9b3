/**
 * A client process forked by the harness (child_process.fork, advanced serialization).
 * It holds a share of the simulated editors and answers one command at a time; the
 * client side is spread over several of these so that it is not the bottleneck.
 */
import * as Y from 'yjs';
import { BenchClient, type ClientSpec, clock } from './bench-client.js';
import { replayOneAuthor, replayTwoAuthors } from './trace-replay.js';
import type { WorkerCommand, WorkerReply } from './worker-protocol.js';

let clients: BenchClient[] = [];
// y-websocket's provider adds a process 'exit' listener per instance; thousands are expected here.
process.setMaxListeners(0);

const send = (reply: WorkerReply) => process.send?.(reply);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Opens connections `concurrency` at a time, as a fleet of browsers arriving would. */
async function connect(specs: ClientSpec[], concurrency: number, timeoutMs: number) {
  let next = 0;
  let synced = 0;
  const errors: string[] = [];
  const startedAt = clock();
  const lane = async () => {
    while (next < specs.length) {
      const spec = specs[next++] as ClientSpec;
      const client = new BenchClient(spec);
      clients.push(client);
      try {
        await withTimeout(client.synced, timeoutMs, `sync of ${spec.documentId}`);
        synced++;
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return { synced, failed: errors.length, firstError: errors[0], ms: clock() - startedAt };
}

async function typeFor(command: Extract<WorkerCommand, { type: 'type' }>) {
  const { intervalMs, startAt, warmupMs, durationMs, drainMs } = command;
  const measureFrom = startAt + warmupMs;
  const measureTo = measureFrom + durationMs;
  const latencies: number[] = [];
  const acks: number[] = [];
  let sends = 0;
  let allSends = 0;
  let editBytes = 0;
  for (const client of clients) {
    client.onRemoteEdit((sentAt, receivedAt) => {
      if (sentAt >= measureFrom && sentAt < measureTo) latencies.push(receivedAt - sentAt);
    });
    const pending: number[] = [];
    client.onUnsyncedChanges((count) => {
      const now = clock();
      // The server acknowledges edits in order: the oldest ones are the ones confirmed.
      while (pending.length > count) {
        const sentAt = pending.shift() as number;
        if (sentAt >= measureFrom && sentAt < measureTo) acks.push(now - sentAt);
      }
    });
    client.onLocalUpdate((bytes) => {
      const now = clock();
      if (now >= measureFrom && now < measureTo) editBytes += bytes;
    });
    client.placeCursorRandomly();
    // Each editor starts at a random phase so that edits are spread over the interval.
    const first = startAt + Math.random() * intervalMs;
    let k = 0;
    const tick = () => {
      const now = clock();
      if (now >= measureTo) return;
      const sentAt = client.type(String.fromCharCode(97 + (k % 26)));
      // y-websocket has no acknowledgement: nothing would ever take these off again.
      if (command.measureAck && client.spec.protocol === 'hocuspocus') pending.push(sentAt);
      allSends++;
      if (sentAt >= measureFrom && sentAt < measureTo) sends++;
      k++;
      setTimeout(tick, Math.max(0, first + k * intervalMs - clock()));
    };
    setTimeout(tick, Math.max(0, first - clock()));
  }
  const cpuBefore = process.cpuUsage();
  const wallBefore = clock();
  await sleep(Math.max(0, measureTo - clock()) + drainMs);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    latencies: Float64Array.from(latencies),
    acks: Float64Array.from(acks),
    sends,
    allSends,
    editBytes,
    cpuPercent: (100 * (cpu.user + cpu.system)) / 1000 / (clock() - wallBefore),
  };
}

/** Pushes a recorded history into a document, then checks a second client sees all of it. */
async function seed(command: Extract<WorkerCommand, { type: 'seed' }>) {
  const writer = new BenchClient(command.client);
  const reader = new BenchClient(command.client);
  try {
    await withTimeout(writer.synced, command.timeoutMs, 'seeding client sync');
    const startedAt = clock();
    for (const [i, update] of command.updates.entries()) {
      Y.applyUpdate(writer.doc, update);
      // Paced: a typist's history arrives over time, and servers may limit message rates.
      const due = startedAt + ((i + 1) * 1000) / command.updatesPerSecond;
      await sleep(Math.max(0, due - clock()));
    }
    await withTimeout(reader.synced, command.timeoutMs, 'verifying client sync');
    const deadline = clock() + command.timeoutMs;
    while (reader.text.length !== command.expectedLength && clock() < deadline) await sleep(50);
    return { length: reader.text.length };
  } finally {
    writer.destroy();
    reader.destroy();
  }
}

/** Time from creating a provider to holding the whole document. */
async function load(command: Extract<WorkerCommand, { type: 'load' }>) {
  const startedAt = clock();
  const client = new BenchClient(command.client);
  try {
    await withTimeout(client.synced, command.timeoutMs, 'cold client sync');
    const syncedMs = clock() - startedAt;
    // Some servers answer sync step 1 before the stored state is applied: wait a little for
    // the text, but a server that synced without it did not have it.
    const deadline = clock() + 1_000;
    while (client.text.length < command.expectedLength && clock() < deadline) await sleep(1);
    return { syncedMs, completeMs: clock() - startedAt, length: client.text.length };
  } finally {
    client.destroy();
  }
}

process.on('message', (command: WorkerCommand) => {
  const handle = async (): Promise<WorkerReply> => {
    switch (command.type) {
      case 'connect':
        return {
          type: 'connected',
          ...(await connect(command.clients, command.concurrency, command.timeoutMs)),
        };
      case 'type':
        return { type: 'typed', ...(await typeFor(command)) };
      case 'seed':
        return { type: 'seeded', ...(await seed(command)) };
      case 'load':
        return { type: 'loaded', ...(await load(command)) };
      case 'replay': {
        const { writers, readerUrl, limit, maxInFlight, timeCapMs } = command;
        const outcome =
          writers.length === 2
            ? await replayTwoAuthors({
                writers: writers as [ClientSpec, ClientSpec],
                limit,
                maxInFlight,
                timeCapMs,
              })
            : await replayOneAuthor({
                writer: writers[0] as ClientSpec,
                readerUrl,
                limit,
                maxInFlight,
                timeCapMs,
              });
        return { type: 'replayed', ...outcome };
      }
      case 'disconnect':
        for (const client of clients) client.destroy();
        clients = [];
        return { type: 'disconnected' };
    }
  };
  handle().then(send, (error: Error) => send({ type: 'error', message: error.message }));
});
