// The image's HEALTHCHECK: GET /readyz on the port(s) of the process the container runs
// (PID 1's command line, set by entrypoint.sh), 200 within 3 s or unhealthy. Plain Node:
// the slim image has no curl.
import { readFileSync } from 'node:fs';

const command = readFileSync('/proc/1/cmdline', 'utf8').split('\0').join(' ');
const api = process.env.API_PORT ?? '3000';
const collab = process.env.COLLAB_PORT ?? '1234';
// A worker listens only with WORKER_PORT set; without it there is nothing to ask, and a
// worker that stops running ends the container anyway.
const worker = command.includes('@folio/worker/');
if (worker && !process.env.WORKER_PORT) process.exit(0);
const ports = worker
  ? [process.env.WORKER_PORT]
  : command.includes('@folio/api/')
    ? [api]
    : command.includes('@folio/server/')
      ? [collab]
      : [api, collab];

const results = await Promise.all(
  ports.map((port) =>
    fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(3000) }).then(
      (response) => `${port}: ${response.status}`,
      (error) => `${port}: ${error.message}`,
    ),
  ),
);
const healthy = results.every((line) => line.endsWith(': 200'));
if (!healthy) console.error(`unhealthy: ${results.join(', ')}`);
process.exit(healthy ? 0 : 1);
