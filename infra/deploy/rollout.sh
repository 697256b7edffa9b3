#!/usr/bin/env bash
# Deploys one image to one environment: infra/deploy/rollout.sh <staging|production> <image> [--canary]
#  1. renders infra/k8s/overlays/<env> with <image>;
#  2. runs the migration Job once and waits for it (the running version keeps serving:
#     migrations must be backward compatible with it);
#  3. without --canary: rolls the Deployments; a rollout that does not become ready within
#     ROLLOUT_TIMEOUT is undone;
#     with --canary: starts one canary pod per process next to the stable ones (the
#     Services select both tracks), watches it for ANALYSIS_SECONDS — readiness, restarts,
#     and with PROMETHEUS_URL the canary's 5xx ratio against MAX_ERROR_RATIO, and with
#     SMOKE_URL the smoke test — then promotes (rolls the stable Deployments) or deletes
#     the canary and fails.
# Needs kubectl (and jq, curl) with KUBECONFIG pointing at the cluster.
set -euo pipefail
cd "$(dirname "$0")/../.."

env_name="${1:?usage: rollout.sh <staging|production> <image> [--canary]}"
image="${2:?usage: rollout.sh <staging|production> <image> [--canary]}"
mode="${3:-}"
case "$env_name" in
  staging) namespace=folio-staging ;;
  production) namespace=folio ;;
  *) echo "rollout: unknown environment $env_name" >&2; exit 2 ;;
esac
timeout="${ROLLOUT_TIMEOUT:-300s}"
analysis_seconds="${ANALYSIS_SECONDS:-300}"
max_error_ratio="${MAX_ERROR_RATIO:-0.02}"
processes=(api collab)
say() { printf 'rollout[%s]: %s\n' "$env_name" "$*" >&2; }
k() { kubectl --namespace "$namespace" "$@"; }

rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
kubectl kustomize "infra/k8s/overlays/$env_name" | sed "s#image: ghcr.io/folio/folio:latest#image: $image#" >"$rendered"
grep -q "image: $image" "$rendered" || { say "image substitution failed"; exit 1; }

say "migrating with $image"
k delete job folio-migrate --ignore-not-found --wait=true
k apply -f "$rendered" --selector 'app.kubernetes.io/component notin (api,collab)'
if ! k wait --for=condition=complete job/folio-migrate --timeout=600s; then
  k logs job/folio-migrate --tail=100 >&2 || true
  say "migration failed; nothing else changed"
  exit 1
fi

promote() {
  k apply -f "$rendered"
  for p in "${processes[@]}"; do
    if ! k rollout status "deployment/folio-$p" --timeout="$timeout"; then
      say "folio-$p did not become ready: rolling back"
      for q in "${processes[@]}"; do k rollout undo "deployment/folio-$q" || true; done
      return 1
    fi
  done
}

if [ "$mode" != "--canary" ]; then
  promote
  say "done"
  exit 0
fi

delete_canary() { for p in "${processes[@]}"; do k delete deployment "folio-$p-canary" --ignore-not-found; done; }
for p in "${processes[@]}"; do
  k get deployment "folio-$p" -o json | jq --arg image "$image" '
    .metadata.name += "-canary"
    | del(.metadata.uid, .metadata.resourceVersion, .metadata.creationTimestamp, .metadata.generation,
          .metadata.managedFields, .metadata.annotations, .status)
    | .spec.replicas = 1
    | .spec.selector.matchLabels["folio.dev/track"] = "canary"
    | .spec.template.metadata.labels["folio.dev/track"] = "canary"
    | .spec.template.spec.containers[0].image = $image' | k apply -f -
done
for p in "${processes[@]}"; do
  if ! k rollout status "deployment/folio-$p-canary" --timeout="$timeout"; then
    say "canary folio-$p never became ready: rolling back"
    delete_canary
    exit 1
  fi
done

error_ratio() { # the canary API's 5xx ratio over 2 minutes, or nothing without data
  curl -fsS --max-time 10 "$PROMETHEUS_URL/api/v1/query" --data-urlencode "query=
    sum(rate(folio_http_request_duration_seconds_count{namespace=\"$namespace\",pod=~\"folio-api-canary-.*\",status=~\"5..\"}[2m]))
    / sum(rate(folio_http_request_duration_seconds_count{namespace=\"$namespace\",pod=~\"folio-api-canary-.*\"}[2m]))" |
    jq -r '.data.result[0].value[1] // empty'
}

deadline=$((SECONDS + analysis_seconds))
while [ "$SECONDS" -lt "$deadline" ]; do
  sleep 15
  failure=""
  for p in "${processes[@]}"; do
    ready=$(k get deployment "folio-$p-canary" -o jsonpath='{.status.readyReplicas}')
    [ "${ready:-0}" -ge 1 ] || failure="canary folio-$p not ready"
    restarts=$(k get pods -l "folio.dev/track=canary,app.kubernetes.io/component=$p" \
      -o jsonpath='{range .items[*]}{.status.containerStatuses[0].restartCount}{"\n"}{end}' | awk '{s+=$1} END {print s+0}')
    [ "$restarts" -eq 0 ] || failure="canary folio-$p restarted $restarts times"
  done
  if [ -z "$failure" ] && [ -n "${PROMETHEUS_URL:-}" ]; then
    ratio=$(error_ratio || true)
    if [ -n "$ratio" ] && awk -v r="$ratio" -v m="$max_error_ratio" 'BEGIN { exit !(r > m) }'; then
      failure="canary 5xx ratio $ratio > $max_error_ratio"
    fi
  fi
  if [ -z "$failure" ] && [ -n "${SMOKE_URL:-}" ]; then
    bash infra/deploy/smoke.sh "$SMOKE_URL" || failure="smoke test failed"
  fi
  if [ -n "$failure" ]; then
    say "$failure: rolling back"
    delete_canary
    exit 1
  fi
done

say "canary healthy for ${analysis_seconds}s: promoting"
if ! promote; then
  delete_canary
  exit 1
fi
delete_canary
say "done"
