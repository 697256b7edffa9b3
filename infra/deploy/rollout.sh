#!/usr/bin/env bash
# Deploys one image to one environment: infra/deploy/rollout.sh <staging|production> <image> [--canary]
#  1. renders infra/k8s/overlays/<env> with <image>;
#  2. applies everything but the Folio workloads (ConfigMap, Postgres, Redis, analysis
#     templates…), waits for the database, then runs the migration Job once and waits for
#     it (the running version keeps serving: migrations must be backward compatible);
#  3. with --canary: one API canary pod next to the stable ones (the Service selects both
#     tracks), watched for ANALYSIS_SECONDS — readiness, restarts, with PROMETHEUS_URL its
#     5xx ratio against MAX_ERROR_RATIO, with SMOKE_URL (+ SMOKE_TOKEN) the smoke test —
#     then deleted and, if it failed, the deploy stops there;
#  4. applies the workloads: the API and worker Deployments roll (undone if not ready
#     within ROLLOUT_TIMEOUT); the collaboration Rollout runs its own canary steps and
#     analyses (Argo Rollouts, infra/k8s/base/collab.yaml) and is waited for up to
#     COLLAB_TIMEOUT seconds: if Argo aborts it (analysis failed: it has already sent the
#     traffic back to the stable pods), the API and worker are undone too.
# Needs kubectl (and jq, curl, node for the smoke test) with KUBECONFIG pointing at the cluster.
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
collab_timeout="${COLLAB_TIMEOUT:-1800}"
say() { printf 'rollout[%s]: %s\n' "$env_name" "$*" >&2; }
k() { kubectl --namespace "$namespace" "$@"; }

rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
kubectl kustomize "infra/k8s/overlays/$env_name" | sed "s#image: ghcr.io/folio/folio:latest#image: $image#" >"$rendered"
grep -q "image: $image" "$rendered" || { say "image substitution failed"; exit 1; }

say "infrastructure, then migrations with $image"
k delete job folio-migrate --ignore-not-found --wait=true
k apply -f "$rendered" --selector 'app.kubernetes.io/component notin (api,collab,worker)'
k wait --for=condition=Ready cluster/folio-pg --timeout=900s
if ! k wait --for=condition=complete job/folio-migrate --timeout=600s; then
  k logs job/folio-migrate --tail=100 >&2 || true
  say "migration failed; nothing else changed"
  exit 1
fi

rollout_phase() { # the collaboration Rollout's phase once the controller saw this spec
  k get rollout folio-collab -o json | jq -r '
    if ((.status.observedGeneration // "") | tostring) != (.metadata.generation | tostring) then "Pending"
    elif .status.phase == "Healthy" and .status.stableRS != .status.currentPodHash then "Progressing"
    else .status.phase // "Pending" end'
}

undo_deployments() { for d in api worker; do k rollout undo "deployment/folio-$d" || true; done; }

promote() {
  k apply -f "$rendered"
  for d in api worker; do
    if ! k rollout status "deployment/folio-$d" --timeout="$timeout"; then
      say "folio-$d did not become ready: rolling back"
      undo_deployments
      return 1
    fi
  done
  local deadline=$((SECONDS + collab_timeout)) phase=""
  while [ "$SECONDS" -lt "$deadline" ]; do
    phase=$(rollout_phase)
    case "$phase" in
      Healthy) say "folio-collab promoted"; return 0 ;;
      Degraded)
        say "folio-collab aborted by its analysis (Argo sent traffic back to stable): rolling back the rest"
        k get analysisrun -l rollouts-pod-template-hash --sort-by=.metadata.creationTimestamp -o wide >&2 || true
        undo_deployments
        return 1 ;;
    esac
    sleep 15
  done
  say "folio-collab still $phase after ${collab_timeout}s: rolling back"
  k patch rollout folio-collab --type merge --subresource status -p '{"status":{"abort":true}}' || true
  undo_deployments
  return 1
}

if [ "$mode" != "--canary" ]; then
  promote
  say "done"
  exit 0
fi

delete_canary() { k delete deployment folio-api-canary --ignore-not-found; }
for p in api; do
  k get deployment "folio-$p" -o json | jq --arg image "$image" '
    .metadata.name += "-canary"
    | del(.metadata.uid, .metadata.resourceVersion, .metadata.creationTimestamp, .metadata.generation,
          .metadata.managedFields, .metadata.annotations, .status)
    | .spec.replicas = 1
    | .spec.selector.matchLabels["folio.dev/track"] = "canary"
    | .spec.template.metadata.labels["folio.dev/track"] = "canary"
    | .spec.template.spec.containers[0].image = $image' | k apply -f -
done
for p in api; do
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
  for p in api; do
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
    SMOKE_API_URL="$SMOKE_URL" node infra/docker/smoke.mjs || failure="smoke test failed"
  fi
  if [ -n "$failure" ]; then
    say "$failure: rolling back"
    delete_canary
    exit 1
  fi
done

say "API canary healthy for ${analysis_seconds}s: promoting"
delete_canary
promote
say "done"
