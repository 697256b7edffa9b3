import http from 'node:http';
import https from 'node:https';
import { isPublicAddress, publicOnlyLookup, webhookTargetHost } from '@folio/shared/webhooks';
import ipaddr from 'ipaddr.js';
import { Webhook } from 'standardwebhooks';

export interface WebhookMessage {
  /** `webhook-id`: the delivery's id, the same on every attempt. */
  id: string;
  /** The exact JSON body `{ type, timestamp, data }`. */
  body: string;
}

export interface AttemptOutcome {
  delivered: boolean;
  /** The HTTP status, when one arrived. */
  status: number | null;
  /** Why it was not delivered. */
  error: string | null;
}

export interface SenderOptions {
  /** A 2xx must arrive within this (contract: 10 s). */
  timeoutMs: number;
  allowPrivateTargets: boolean;
}

/** Response bytes read (and thrown away) before the connection is cut. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * One attempt, signed as the Standard Webhooks specification says (the `standardwebhooks`
 * package: HMAC-SHA256 over `id.timestamp.body`, `v1,<base64>`), with the attempt's own
 * timestamp so receivers' replay windows hold on late retries. Never throws: every
 * failure is an outcome to retry.
 */
export function attemptDelivery(
  target: { url: string; secret: string },
  message: WebhookMessage,
  options: SenderOptions,
): Promise<AttemptOutcome> {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return Promise.resolve({ delivered: false, status: null, error: 'invalid URL' });
  }
  const host = webhookTargetHost(url);
  if (!options.allowPrivateTargets && ipaddr.isValid(host) && !isPublicAddress(host)) {
    return Promise.resolve({
      delivered: false,
      status: null,
      error: `refused: ${host} is not a public address`,
    });
  }
  const now = new Date();
  const signature = new Webhook(target.secret).sign(message.id, now, message.body);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(message.body)),
    'user-agent': 'Folio-Webhooks/1',
    'webhook-id': message.id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': signature,
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const request = client.request(
      url,
      {
        method: 'POST',
        headers,
        // A fresh connection per attempt: what the lookup checked is what is used.
        agent: false,
        ...(options.allowPrivateTargets ? {} : { lookup: publicOnlyLookup as never }),
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) response.destroy();
        });
        response.on('error', () => {});
        response.resume();
        const delivered = status >= 200 && status < 300;
        finish({ delivered, status, error: delivered ? null : `HTTP ${status}` });
      },
    );
    const timer = setTimeout(() => {
      finish({ delivered: false, status: null, error: `no response within ${options.timeoutMs} ms` });
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => {
      finish({
        delivered: false,
        status: null,
        error: error.code ? `${error.code}: ${error.message}` : error.message,
      });
    });
    request.end(message.body);
  });
}
