#!/usr/bin/env bash
# kdrift agent against kubesim (DESIGN §11): deploy/ built with `kubectl
# kustomize` and applied with a server-side dry run; the agent with in-cluster
# credentials (a service-account directory this suite writes, kubesim serving
# the cluster at its root) writes one DriftReport per app, leaves them alone
# when nothing changed (resourceVersions stay), updates them on drift, masks
# Secret values; long-running with self-heal and metrics scraped with curl;
# `check --from-reports` agrees with a live check; a cluster without an agent
# and a stale report are unknown; diff and the UI read the reports, and the UI
# acts on a cluster by reading it directly.  Every wait polls a condition
# under a deadline.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"

T=$KS_TMP
repo=$T/repo
export XDG_STATE_HOME=$T/state XDG_CACHE_HOME=$T/cache
unset KDRIFT_AUDIT_LOG KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT
cp -r "$KDRIFT_ROOT/tests/fixtures/remedycli/repo" "$repo"
git -C "$repo" init -q -b main && git -C "$repo" add -A &&
	git -C "$repo" -c user.name=Fixture -c user.email=fixture@example.com commit -qm "fleet" ||
	{ not_ok "fixture repository is committed"; tap_done; exit 1; }
# prod is also served at the root: where in-cluster credentials point
if ! ks_start "$T/ks" --clusters prod,dev --root-cluster prod; then
	not_ok "kubesim starts" "$(cat "$T/ks/stderr")"
	tap_done
	exit 1
fi
export KUBECONFIG=$T/ks/kubeconfig
TOKEN=$(ks_admin_token)
KD() { "$KDRIFT_BIN" "$@" --repo "$repo"; }
mutate() {
	curl -sk -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-X POST "https://127.0.0.1:$KS_PORT/_kubesim/clusters/$1/mutate" -d "$2" | grep -Eq '"code": ?20[01]'
}
# until CMD... succeeds, at most 30 s
until_ok() {
	local i
	for i in $(seq 1 300); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
check "the fleet's desired state is applied" ks_deploy "$repo" "shop site" prod dev

# ---- deploy/ ----------------------------------------------------------------------------
kubectl kustomize "$KDRIFT_ROOT/deploy" >"$T/deploy.yaml" 2>"$T/kustomize.err"
check_eq "kubectl kustomize deploy builds" "0 " "$? $(cat "$T/kustomize.err")"
for kind in Namespace CustomResourceDefinition ServiceAccount ClusterRole ClusterRoleBinding \
	Role RoleBinding ConfigMap Deployment Service NetworkPolicy; do
	grep -q "^kind: $kind\$" "$T/deploy.yaml"
	check_eq "deploy/ holds a $kind" 0 "$?"
done
check "deploy/: the Deployment runs as non-root" grep -q 'runAsNonRoot: true' "$T/deploy.yaml"
check "deploy/: the base grants no write outside DriftReports" \
	python3 - "$T/deploy.yaml" <<'EOF'
import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] in ("ClusterRole", "Role"):
        for r in d["rules"]:
            writes = set(r["verbs"]) - {"get", "list", "watch"}
            assert not writes or r["apiGroups"] == ["kdrift.dev"], (d["metadata"]["name"], r)
EOF
# a server-side dry run needs the namespace to exist, as on a real cluster
# (kubectl create namespace sends protobuf, which kubesim does not read)
printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: kdrift-system}\n' |
	K --context prod apply -f - >/dev/null 2>&1
K --context prod apply --dry-run=server -f "$T/deploy.yaml" >"$T/dry.out" 2>&1
check_eq "deploy/ applies to kubesim with --dry-run=server" "0 " "$? $(grep -v 'server dry run' "$T/dry.out")"
check_eq "deploy/: every object was accepted (server dry run)" \
	"$(grep -c '^kind:' "$T/deploy.yaml")" "$(grep -c '(server dry run)' "$T/dry.out")"
K --context prod get crd driftreports.kdrift.dev >/dev/null 2>&1
check_eq "the dry run created nothing" 1 "$?"
for c in prod dev; do
	K --context "$c" apply -f "$T/deploy.yaml" >/dev/null 2>"$T/apply.err" ||
		not_ok "deploy/ applied to $c" "$(cat "$T/apply.err")"
done
ok "deploy/ installed on prod and dev"

# ---- in-cluster credentials ------------------------------------------------------------------
sa=$T/serviceaccount
mkdir -p "$sa"
printf '%s\n' "$TOKEN" >"$sa/token"
awk '/certificate-authority-data:/{print $2; exit}' "$KUBECONFIG" | base64 -d >"$sa/ca.crt"
printf 'kdrift-system' >"$sa/namespace"
incluster() {
	env KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$KS_PORT" \
		KDRIFT_SERVICEACCOUNT_DIR="$sa" KUBECONFIG=/nonexistent "$KDRIFT_BIN" agent "$@"
}
expect "outside a cluster the agent says so" 2 'not running in a cluster' \
	env KDRIFT_SERVICEACCOUNT_DIR="$sa" "$KDRIFT_BIN" agent --once --cluster prod --repo "$repo"
expect "an unknown --cluster is refused" 2 "has no cluster 'nope'" \
	incluster --once --cluster nope --repo "$repo"
rv() { K --context "$1" -n kdrift-system get driftreports -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}'; }
report() { K --context "$1" -n kdrift-system get driftreport "$2" -o json; }
expect "agent --once with in-cluster credentials writes the reports" 0 'reports: 2 written \(2 new\)' \
	incluster --once --cluster prod --repo "$repo" --interval 1h
check_eq "one DriftReport per app" "shop site" \
	"$(K --context prod -n kdrift-system get driftreports -o jsonpath='{.items[*].metadata.name}')"
report prod shop >"$T/shop.json"
check "the report: spec names cluster and app; status holds revision, time, counts and resources" \
	python3 - "$T/shop.json" "$(git -C "$repo" rev-parse HEAD)" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1])); s = r["status"]
assert r["spec"] == {"cluster": "prod", "app": "shop"}, r["spec"]
assert s["revision"] == sys.argv[2] and s["time"].endswith("Z") and s["intervalSeconds"] == 3600, s
assert s["name"] == "shop" and s["status"] == "synced" and s["counts"]["synced"] == 5, s
assert {x["kind"] for x in s["resources"]} == {"ConfigMap", "Deployment", "Secret", "Service"}
EOF
before=$(rv prod)
expect "a second run finds nothing to write" 0 'agent for cluster prod' \
	incluster --once --cluster prod --repo "$repo" --interval 1h
check "a second run wrote no report" sh -c "! printf '%s' \"\$1\" | grep -q 'reports:'" _ "$OUT"
check_eq "unchanged reports keep their resourceVersion" "$before" "$(rv prod)"

# ---- drift: updated, Secret values masked ---------------------------------------------------
mutate prod '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"debug"}}}' &&
	mutate prod '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"Secret","namespace":"shop","name":"web-secret","patch":{"stringData":{"password":"s3cr3t-live-value"}}}'
check_eq "drift injected in prod" 0 "$?"
shop_rv=$(report prod shop | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])')
site_rv=$(report prod site | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])')
expect "the agent reports the drift (prod only alerts)" 0 'reports: 1 written \(0 new\), 1 unchanged' \
	incluster --once --cluster prod --repo "$repo" --interval 1h
report prod shop >"$T/shop.json"
check "the changed report: drifted, with the field and who changed it" \
	python3 - "$T/shop.json" "$shop_rv" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1])); s = r["status"]
assert r["metadata"]["resourceVersion"] != sys.argv[2]
assert s["status"] == "drifted" and s["counts"]["drifted"] == 2, s["counts"]
cm = [x for x in s["resources"] if x["kind"] == "ConfigMap"][0]
d = cm["diffs"][0]
assert (d["path"], d["desired"], d["live"], d["manager"]) == ("/data/LOG_LEVEL", "info", "debug", "kubectl-edit"), d
EOF
check_eq "the unchanged app's report was left alone" "$site_rv" \
	"$(report prod site | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])')"
if grep -q 's3cr3t-live-value\|hunter2-in-git' "$T/shop.json" ||
   grep -q "$(printf s3cr3t-live-value | base64)" "$T/shop.json"; then
	not_ok "no Secret value in the report"
else
	ok "no Secret value in the report"
fi
# (kubectl's JSON writes < and > as \u003c and \u003e)
check "the Secret's drift is shown as masks" grep -q 'masked:[0-9a-f]\{12\}' "$T/shop.json"

# ---- --from-reports ----------------------------------------------------------------------------
statuses() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
for c in d["clusters"]:
    for a in c["apps"]:
        for r in a["resources"]:
            print(c["name"], a["name"], r["kind"], r["namespace"], r["name"], r["status"])
' | sort
}
KD check --clusters env=production -o json | statuses >"$T/live.txt"
KD check --clusters env=production --from-reports -o json | statuses >"$T/reports.txt"
check "check --from-reports: the same statuses as a live check" diff -u "$T/live.txt" "$T/reports.txt"
check "... and the live check sees the drift" grep -q 'prod shop ConfigMap shop web-config drifted' "$T/live.txt"
expect "check --from-reports: exit 1 on drift, the field and its manager listed" 1 \
	'/data/LOG_LEVEL: "info" → "debug"  by kubectl-edit' \
	env LANG=C.UTF-8 "$KDRIFT_BIN" check --repo "$repo" --clusters env=production --from-reports
expect "diff --from-reports prints the report's fields" 1 '~/data/LOG_LEVEL: "info" -> "debug"' \
	KD diff --from-reports prod shop
expect "check --heal does not go with --from-reports" 2 'does not go with --from-reports' \
	KD check --heal --from-reports

# viewer reads dev through a read-only context: dev has no reports yet
K --context dev -n kdrift-system delete driftreports --all >/dev/null 2>&1
expect "a cluster without an agent is unknown, with the reason" 2 \
	'\? dev  no kdrift agent: no DriftReport for this cluster in namespace kdrift-system' \
	KD check --clusters env=development --from-reports

# ---- long-running, self-heal, metrics ------------------------------------------------------------
"$KDRIFT_BIN" agent --cluster dev --repo "$repo" --kubeconfig "$KUBECONFIG" --context dev \
	--interval 1h --metrics-addr 127.0.0.1:0 2>"$T/agent.err" &
AGENT=$!
KS_PIDS+=("$AGENT")
until_ok grep -q 'metrics on port' "$T/agent.err"
MPORT=$(sed -n 's/.*metrics on port \([0-9]*\) .*/\1/p' "$T/agent.err")
metric() { curl -s "http://127.0.0.1:$MPORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
readyz() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/readyz"; }
until_ok test "$(readyz)" = 200
check_eq "/readyz: ready once the first reconcile is reported" 200 "$(readyz)"
check_eq "/healthz" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/healthz")"
check_eq "the long-running agent wrote dev's reports" "shop site" \
	"$(K --context dev -n kdrift-system get driftreports -o jsonpath='{.items[*].metadata.name}')"
curl -s "http://127.0.0.1:$MPORT/metrics" >"$T/metrics.txt"
check "/metrics: Prometheus text with HELP and TYPE" grep -q '^# TYPE kdrift_objects gauge$' "$T/metrics.txt"
check_eq "/metrics: objects by status per app" 5 "$(metric 'kdrift_objects{cluster="dev",app="shop",status="synced"}')"
check "/metrics: last reconcile time" grep -Eq '^kdrift_last_reconcile_timestamp_seconds\{cluster="dev"\} [1-9][0-9]+$' "$T/metrics.txt"
check "/metrics: reconcile duration" grep -Eq '^kdrift_reconcile_duration_seconds\{cluster="dev"\} [0-9.]+$' "$T/metrics.txt"
check "/metrics: render and API errors" grep -q '^kdrift_api_errors_total{cluster="dev",operation="report"} 0$' "$T/metrics.txt"
check_eq "/metrics: no render error" 0 "$(metric 'kdrift_render_errors_total{cluster="dev"}')"
check_eq "a POST is refused" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$MPORT/metrics")"
check_eq "a request body is refused" 413 "$(curl -s -o /dev/null -w '%{http_code}' -X GET --data-binary @"$T/deploy.yaml" "http://127.0.0.1:$MPORT/metrics")"
check_eq "an unknown path is 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/nope")"

# a change that counts for nothing (a ConfigMap no app tracks): a new
# state, the same reports
before=$(rv dev)
n0=$(metric 'kdrift_reconciles_total{cluster="dev"}')
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: unrelated, namespace: shop}\ndata: {a: b}\n' |
	K --context dev apply -f - >/dev/null
until_ok test "$(metric 'kdrift_reconciles_total{cluster="dev"}')" -gt "$n0"
check "the harmless change was seen" test "$(metric 'kdrift_reconciles_total{cluster="dev"}')" -gt "$n0"
check_eq "... and no report was rewritten" "$before" "$(rv dev)"

# dev heals itself (selfHeal): the drift is reverted, logged, and reported synced
mutate dev '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"trace"}}}'
cm_level() { K --context dev -n shop get configmap web-config -o jsonpath='{.data.LOG_LEVEL}'; }
until_ok test "$(metric 'kdrift_heal_actions_total{cluster="dev",result="succeeded"}')" -ge 1
check_eq "self-heal: the heal is counted" 1 "$(metric 'kdrift_heal_actions_total{cluster="dev",result="succeeded"}')"
until_ok test "$(cm_level)" = info
check_eq "self-heal: the ConfigMap is back to Git's value" info "$(cm_level)"
check "self-heal: logged to the audit log" grep -q '"kdrift-self-heal"\|self-heal' "$XDG_STATE_HOME/kdrift/audit.jsonl"
KD check --clusters env=development -o json | statuses >"$T/live-dev.txt"
until_ok sh -c "'$KDRIFT_BIN' check --repo '$repo' --clusters env=development --from-reports -o json >/dev/null"
KD check --clusters env=development --from-reports -o json | statuses >"$T/reports-dev.txt"
check "after healing, dev's reports agree with a live check" diff -u "$T/live-dev.txt" "$T/reports-dev.txt"

kill -TERM "$AGENT"
wait "$AGENT"
check_eq "SIGTERM stops the agent cleanly" 0 "$?"
check "... saying so" grep -q 'agent for cluster dev stopped' "$T/agent.err"

# ---- stale reports -------------------------------------------------------------------------------------------
expect "an agent with a 1s interval reports" 0 'reports: 2 written' \
	incluster --once --cluster prod --repo "$repo" --interval 1s
stale() { KD check --clusters env=production --from-reports 2>&1 | grep -q 'stale: last confirmed'; }
until_ok stale
expect "a report older than three intervals is unknown" 2 \
	"the agent's report is stale: last confirmed [0-9]+s ago, its interval is 1s" \
	KD check --clusters env=production --from-reports

# ---- the UI from reports ---------------------------------------------------------------------
expect "the agent reports prod again (interval 1h)" 0 'reports: 2 written' \
	incluster --once --cluster prod --repo "$repo" --interval 1h
cat >"$T/ui.script" <<EOF
:cluster prod
/ConfigMap shop/web-config
wait-for ~ ConfigMap shop/web-config
d
<Tab>
:save-screen $T/ui.report
r
:save-screen $T/ui.reading
wait-for LOG_LEVEL: info
r
:save-screen $T/ui.preview
<Esc>
:quit
EOF
KDRIFT_SCRIPT="$T/ui.script" LINES=40 COLUMNS=140 LANG=C.UTF-8 XDG_CONFIG_HOME=$T/config \
	"$KDRIFT_BIN" ui --repo "$repo" --from-reports --timeout 5s >"$T/ui.stdout" 2>"$T/ui.stderr"
check_eq "ui --from-reports: the script runs" "0 " "$? $(cat "$T/ui.stderr")"
check "ui: the diff pane shows the report's field" grep -q '/data/LOG_LEVEL: "info" -> "debug"' "$T/ui.report"
check "ui: with its attribution" grep -q 'kubectl-edit' "$T/ui.report"
check "ui: acting on a reported cluster reads it directly" grep -q "prod is shown from its agent's report: reading it directly" "$T/ui.reading"
check "ui: then the revert is offered as usual" grep -q 'Revert ConfigMap shop/web-config' "$T/ui.preview"
check_eq "ui: nothing was changed" debug "$(K --context prod -n shop get configmap web-config -o jsonpath='{.data.LOG_LEVEL}')"

tap_done
