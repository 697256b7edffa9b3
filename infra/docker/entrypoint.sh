#!/bin/sh
# The image's entrypoint: the first argument picks the Folio process (see infra/README.md).
#   start    API + collaboration server in one process (the default; embedded database ok)
#   api      the REST API alone                         (API_PORT, 3000)
#   collab   one collaboration node                     (COLLAB_PORT, 1234)
#   migrate  apply the database migrations, then exit   (once per deploy, before new pods)
#   worker   the job-queue worker (slot: not in this build yet, see below)
#   folio …  any admin command (`folio user create --email …`)
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
  worker)
    # WORKER SLOT: the job-queue worker (`folio worker`, package worker/) is not part of
    # this build yet. When it lands, replace these two lines with its entry, e.g.
    #   exec node dist/folio.js worker "$@"
    echo "folio: this image has no worker process yet" >&2
    exit 64
    ;;
  *) exec "$process" "$@" ;;
esac
