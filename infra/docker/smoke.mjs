// Smoke test of a running Folio, plain Node (no dependencies): the pipeline runs it from a
// checkout (`node infra/docker/smoke.mjs`), the Argo Rollouts analysis as a Job from the
// image (`docker run folio smoke`).
//   SMOKE_API_URL     the API's base URL (required)
//   SMOKE_COLLAB_URL  a collaboration node's base URL, http(s) (optional; the canary's)
//   SMOKE_TOKEN       an API token with read,write of a dedicated smoke user (optional):
//                     then a document is created, read back, opened over the y-websocket
//                     protocol on SMOKE_COLLAB_URL, and deleted.
// Prints one line per check; exits 1 at the first failure, naming it.
const api = process.env.SMOKE_API_URL?.replace(/\/+$/, '');
const collab = process.env.SMOKE_COLLAB_URL?.replace(/\/+$/, '');
const token = process.env.SMOKE_TOKEN;
const TIMEOUT_MS = 10_000;

if (!api) {
  console.error('smoke: SMOKE_API_URL is required');
  process.exit(2);
}

class SmokeFailure extends Error {}

async function request(method, url, { status, auth = true, body } = {}) {
  const headers = {};
  if (auth && token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new SmokeFailure(`${method} ${url}: ${error.cause?.code ?? error.cause?.message ?? error.message}`);
  }
  const text = await response.text();
  if (response.status !== status) {
    throw new SmokeFailure(
      `${method} ${url} answered ${response.status}, expected ${status}: ${text.slice(0, 200)}`,
    );
  }
  console.log(`smoke: ok ${method} ${new URL(url).pathname} ${status}`);
  return text;
}

/** Opens /yjs/<id>, sends sync step 1 (empty state vector) and waits for a sync answer (type 0). */
function yjsSync(base, documentId, connectToken) {
  const url = `${base.replace(/^http/, 'ws')}/yjs/${encodeURIComponent(documentId)}?token=${encodeURIComponent(connectToken)}`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => socket.send(Uint8Array.of(0, 0, 1, 0)));
    const timer = setTimeout(() => {
      socket.close();
      reject(new SmokeFailure(`no sync message on ${base}/yjs/… within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    socket.addEventListener('message', (event) => {
      const first = new Uint8Array(event.data)[0];
      if (first !== 0) return; // awareness or other frames may come first
      clearTimeout(timer);
      socket.close(1000);
      console.log(`smoke: ok WebSocket ${new URL(base).host}/yjs sync`);
      resolve();
    });
    socket.addEventListener('close', (event) => {
      clearTimeout(timer);
      reject(new SmokeFailure(`WebSocket closed with ${event.code} ${event.reason}`));
    });
    socket.addEventListener('error', () => {
      clearTimeout(timer);
      reject(new SmokeFailure(`WebSocket to ${base}/yjs/… failed`));
    });
  });
}

async function smoke() {
  await request('GET', `${api}/healthz`, { status: 200, auth: false });
  await request('GET', `${api}/readyz`, { status: 200, auth: false });
  if (collab) {
    await request('GET', `${collab}/healthz`, { status: 200, auth: false });
    await request('GET', `${collab}/readyz`, { status: 200, auth: false });
  }
  if (!token) return;
  await request('GET', `${api}/v1/me`, { status: 200 });
  await request('GET', `${api}/v1/me`, { status: 401, auth: false });
  const nonce = `smoke-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const created = JSON.parse(
    await request('POST', `${api}/v1/documents`, {
      status: 201,
      body: { title: nonce, content: { text: nonce } },
    }),
  );
  try {
    const text = await request('GET', `${api}/v1/documents/${created.id}/content?format=text`, {
      status: 200,
    });
    if (!text.includes(nonce))
      throw new SmokeFailure(`the document's content lacks what was written: ${text.slice(0, 200)}`);
    if (collab) {
      const connect = JSON.parse(
        await request('POST', `${api}/v1/documents/${created.id}/connect-token`, { status: 200 }),
      );
      await yjsSync(collab, created.id, connect.token);
    }
  } finally {
    await request('DELETE', `${api}/v1/documents/${created.id}`, { status: 204 });
  }
}

smoke().then(
  () => {
    console.log('smoke: passed');
    process.exit(0);
  },
  (error) => {
    console.error(`smoke: FAILED ${error instanceof SmokeFailure ? error.message : error.stack}`);
    process.exit(1);
  },
);
