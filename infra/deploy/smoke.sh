#!/usr/bin/env bash
# Smoke test of a deployed Folio: infra/deploy/smoke.sh <public API URL>
# Liveness and readiness of the API; with SMOKE_TOKEN (an API token of a smoke-test user)
# also an authenticated read. Exits non-zero on the first failure.
set -euo pipefail
url="${1:?usage: smoke.sh <public API URL>}"
check() { # path expected-status [curl args…]
  local path="$1" want="$2"
  shift 2
  local got
  got=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 "$@" "$url$path" || echo 000)
  if [ "$got" != "$want" ]; then
    echo "smoke: GET $path answered $got, expected $want" >&2
    return 1
  fi
}
check /healthz 200
check /readyz 200
if [ -n "${SMOKE_TOKEN:-}" ]; then
  check /v1/me 200 -H "Authorization: Bearer $SMOKE_TOKEN"
  check /v1/me 401
fi
echo "smoke: $url ok" >&2
