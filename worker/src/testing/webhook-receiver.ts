/** Test support: a webhook receiver on loopback that verifies signatures. Not used in production. */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** What an endpoint does with the request it gets (by path). */
export type Behaviour = 'ok' | 'fail' | 'hang' | 'close';

export interface Received {
  path: string;
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** Whether the request was answered with a 2xx. */
  answered: boolean;
  event: { type: string; timestamp: string; data: Record<string, unknown> };
}

export interface WebhookReceiver {
  url(path: string): string;
  /** What the next requests to `path` get, in order; then `ok`. */
  plan(path: string, behaviours: Behaviour[]): void;
  received(path: string): Received[];
  /** Requests to `path` that were answered 2xx (delivered). */
  delivered(path: string): Received[];
  /** Throws unless every request to `path` carries a valid Standard Webhooks signature by `secret`. */
  verify(path: string, secret: string): void;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const plans = new Map<string, Behaviour[]>();
  const log: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', () => {
      const path = request.url ?? '/';
      const behaviour = plans.get(path)?.shift() ?? 'ok';
      const body = Buffer.concat(chunks).toString('utf8');
      log.push({
        path,
        id: String(request.headers['webhook-id']),
        timestamp: String(request.headers['webhook-timestamp']),
        signature: String(request.headers['webhook-signature']),
        body,
        answered: behaviour === 'ok',
        event: JSON.parse(body),
      });
      if (behaviour === 'ok') response.writeHead(204).end();
      else if (behaviour === 'fail') response.writeHead(500).end('no');
      else if (behaviour === 'close') request.socket.destroy();
      else hanging.add(response);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const received = (path: string) => log.filter((r) => r.path === path);
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    plan: (path, behaviours) => plans.set(path, [...behaviours]),
    received,
    delivered: (path) => received(path).filter((r) => r.answered),
    verify(path, secret) {
      const webhook = new Webhook(secret);
      for (const r of received(path)) {
        webhook.verify(r.body, {
          'webhook-id': r.id,
          'webhook-timestamp': r.timestamp,
          'webhook-signature': r.signature,
        });
      }
    },
    async close() {
      for (const response of hanging) response.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
