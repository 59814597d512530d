#!/usr/bin/env bash
# kubesim at the HTTP level: status codes, headers, Status reasons, watch
# streams, faults and the control API (tests/kubesim/http_checks.py), plus
# scenarios and many clusters.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/lib.bash"

d=$KS_TMP/http
if ks_start "$d" --clusters alpha,beta --bookmark-ms 100; then
	ok "kubesim starts"
	while IFS= read -r line; do
		case $line in
		PASS\ *) ok "${line#PASS }" ;;
		FAIL\ *) rest=${line#FAIL }; not_ok "${rest%%$'\t'*}" "${rest#*$'\t'}" ;;
		*) not_ok "unexpected output from http_checks.py" "$line" ;;
		esac
	done < <(python3 "$here/http_checks.py" "$d" "$KS_PORT" 2>&1)
	if ks_stop; then ok "exits cleanly on SIGTERM with watches and a hanging cluster"
	else not_ok "exits cleanly on SIGTERM with watches and a hanging cluster" "$(cat "$d/stderr")"; fi
else
	not_ok "kubesim starts" "$(cat "$d/stderr")"
fi

# Scenario: objects created at start (before "ready"), a drift by a named
# manager later.
s=$KS_TMP/scenario
mkdir -p "$s"
cat >"$s/scenario.yaml" <<'EOF'
steps:
  - action: create
    cluster: "*"
    manager: gitops
    object:
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: shop, namespace: default}
      spec:
        replicas: 2
        selector: {matchLabels: {app: shop}}
        template:
          metadata: {labels: {app: shop}}
          spec: {containers: [{name: shop, image: "shop:1"}]}
  # steps due at the same time run in order: once east shows the scale,
  # west's fault is in place
  - at: 0.3
    cluster: west
    faults: {errorRate: 1, errorCode: 500}
  - at: 0.3
    cluster: east
    action: scale
    manager: kubectl-scale
    apiVersion: apps/v1
    kind: Deployment
    namespace: default
    name: shop
    replicas: 5
EOF
if ks_start "$s/state" --clusters east,west --scenario "$s/scenario.yaml" --log; then
	ok "kubesim starts with a scenario"
	K() { kubectl --kubeconfig "$s/state/kubeconfig" --cache-dir "$s/cache" --request-timeout=60s "$@"; }
	# West's fault may already be in place when kubectl first asks (the
	# machine may be slow): the untimed step is checked on east, which no
	# fault touches, and on west through the control API, which faults
	# never reach.
	expect "scenario objects exist when ready" 0 '^shop$' K --context east get deploy shop -o 'jsonpath={.metadata.name}'
	admin=$(ks_admin_token)
	read -r east_n west_n < <(curl -sk -H "Authorization: Bearer $admin" "https://127.0.0.1:$KS_PORT/_kubesim/clusters" |
		python3 -c 'import json, sys; c = {x["name"]: x["objects"] for x in json.load(sys.stdin)["clusters"]}; print(c["east"], c["west"])')
	check_eq "scenario objects exist on every cluster (west holds what east holds)" "${east_n:-none}" "${west_n:-}"
	# The timed steps: wait (bounded) until east shows the scale.
	deadline=$((SECONDS + 120))
	while [ "$SECONDS" -lt "$deadline" ]; do
		[ "$(K --context east get deploy shop -o 'jsonpath={.spec.replicas}' 2>/dev/null)" = 5 ] && break
		sleep 0.1
	done
	expect "scenario step drifts replicas as kubectl-scale" 0 '^5 .*kubectl-scale' \
		K --context east get deploy shop --show-managed-fields -o 'jsonpath={.spec.replicas} {.metadata.managedFields[*].manager}'
	expect "scenario step sets faults" 1 'InternalError|Internal error|internal' K --context west get deploy shop
	ks_stop && ok "scenario run exits cleanly" || not_ok "scenario run exits cleanly" "$(cat "$s/state/stderr")"
	check "--log writes the access log" grep -q '^kubesim: GET /clusters/east/apis/apps/v1/namespaces/default/deployments/shop 200$' "$s/state/stderr"
	check "--log writes failed requests with their status" grep -qE '^kubesim: GET /clusters/west/[^ ]* 500$' "$s/state/stderr"
else
	not_ok "kubesim starts with a scenario" "$(cat "$s/state/stderr")"
fi
printf 'steps:\n  - {at: 1, kind: Deployment}\n' >"$s/bad.yaml"
expect "a bad scenario is rejected with its file name" 1 'bad.yaml: step 1 needs an action' \
	"$KUBESIM" --port 0 --clusters a --state-dir "$s/bad" --scenario "$s/bad.yaml"
expect "bad arguments are rejected" 2 'usage' "$KUBESIM" --port 0

# Many clusters: a count names them cluster-0001...; 1000 clusters with 100
# objects each must stay under 2 GiB.
m=$KS_TMP/many
if ks_start "$m" --clusters 1000; then
	expect "a cluster count writes contexts for every cluster" 0 '^cluster-1000-readonly$' \
		sh -c "kubectl --kubeconfig '$m/kubeconfig' config get-contexts -o name | sort | tail -1"
	expect "the 1000th cluster answers kubectl" 0 'v1.32.0' kubectl --kubeconfig "$m/kubeconfig" --cache-dir "$m/cache" --context cluster-1000 version
	while IFS= read -r line; do
		case $line in
		PASS\ *) ok "${line#PASS }" ;;
		FAIL\ *) rest=${line#FAIL }; not_ok "${rest%%$'\t'*}" "${rest#*$'\t'}" ;;
		*) not_ok "unexpected output from http_checks.py" "$line" ;;
		esac
	done < <(python3 "$here/http_checks.py" "$m" "$KS_PORT" many 2>&1)
	hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$KS_PID/status")
	if [ -n "$hwm" ] && [ "$hwm" -lt $((2 * 1024 * 1024)) ]; then ok "1000 clusters x 100 objects peak under 2 GiB (${hwm} kB)"
	else not_ok "1000 clusters x 100 objects peak under 2 GiB" "VmHWM: ${hwm:-unknown} kB"; fi
	ks_stop && ok "1000 clusters exit cleanly" || not_ok "1000 clusters exit cleanly" "$(tail -5 "$m/stderr")"
else
	not_ok "kubesim starts with 1000 clusters" "$(cat "$m/stderr")"
fi
tap_done
