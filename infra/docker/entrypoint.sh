#!/bin/sh
# The image's entrypoint: the first argument picks the Folio process (see infra/README.md).
#   start    API + collaboration server + worker in one process (the default; embedded database ok)
#   api      the REST API alone                         (API_PORT, 3000)
#   collab   one collaboration node                     (COLLAB_PORT, 1234)
#   migrate  apply the database migrations, then exit   (once per deploy, before new pods)
#   worker   one job-queue worker: webhook deliveries, erasures (any number of them)
#   folio …  any admin command (`folio user create --email …`)
#   smoke    the deploy smoke test (SMOKE_API_URL, SMOKE_COLLAB_URL, SMOKE_TOKEN; infra/README.md)
# Anything else runs as given (`docker run folio node -v`).
set -eu
cd /app
process="${1:-start}"
[ "$#" -gt 0 ] && shift
case "$process" in
  start) exec node dist/start.js "$@" ;;
  api) exec node node_modules/@folio/api/dist/main.js "$@" ;;
  collab) exec node node_modules/@folio/server/dist/main.js "$@" ;;
  migrate) exec node dist/folio.js migrate "$@" ;;
  folio) exec node dist/folio.js "$@" ;;
  worker) exec node node_modules/@folio/worker/dist/main.js "$@" ;;
  smoke) exec node /usr/local/lib/folio-smoke.mjs "$@" ;;
  *) exec "$process" "$@" ;;
esac
