#!/usr/bin/env bash
# kdrift check and kdrift diff against kubesim: a fleet repository made from
# tests/fixtures/engine/repo (plain manifests, and Kustomize overlays per
# cluster over a shared base), its desired state applied with kubectl, then
# every kind of drift injected by named field managers (plus noise that must
# not count), an unreachable cluster and a hanging one.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"

T=$KS_TMP
repo=$T/repo
cp -r "$KDRIFT_ROOT/tests/fixtures/engine/repo" "$repo"
git -C "$repo" init -q && git -C "$repo" add -A && git -C "$repo" commit -qm "fleet" ||
	{ not_ok "fixture repository is committed"; tap_done; exit 1; }

if ! ks_start "$T/ks" --clusters alpha,beta,delta; then
	not_ok "kubesim starts" "$(cat "$T/ks/stderr")"
	tap_done
	exit 1
fi
ok "kubesim starts"

# gamma's context points at a port where nothing listens.
ks_closed_kubeconfig >"$T/closed.kubeconfig"
export KUBECONFIG="$T/ks/kubeconfig:$T/closed.kubeconfig"
TOKEN=$(ks_admin_token)
KD() { "$KDRIFT_BIN" "$@" --repo "$repo"; }

# mutate CLUSTER JSON-STEP: one kubesim control step (a write by a named manager).
mutate() {
	local out
	out=$(curl -sk -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-X POST "https://127.0.0.1:$KS_PORT/_kubesim/clusters/$1/mutate" -d "$2")
	printf '%s' "$out" | grep -Eq '"code": ?20[01]' || { echo "mutate $1 failed: $out" >&2; return 1; }
}
faults() {
	curl -sk -H "Authorization: Bearer $TOKEN" -X PUT \
		"https://127.0.0.1:$KS_PORT/_kubesim/clusters/$1/faults" -d "$2" >/dev/null
}

# Desired state, applied the way a GitOps controller would.
check "desired state applied with kubectl" ks_deploy "$repo" "shop site" alpha beta delta

expect "a freshly applied fleet is synced (exit 0)" 0 'summary: 15 synced, 0 drifted, 0 missing, 0 extra, 0 break-glass, 0 unknown' \
	KD check --clusters env=production

# ---- drift, each kind by its own manager --------------------------------------
steps_ok=0
mutate alpha '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"debug","script":"line one\nline two\n"}}}' || steps_ok=1
mutate alpha '{"action":"scale","manager":"kubectl-scale","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"web","replicas":5}' || steps_ok=1
mutate alpha '{"action":"patch","manager":"kubectl-set","patchType":"strategic","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"worker","patch":{"spec":{"template":{"spec":{"containers":[{"name":"worker","image":"registry.example/worker:2.1.0"}]}}}}}' || steps_ok=1
mutate alpha '{"action":"patch","manager":"kubectl-label","patchType":"merge","apiVersion":"v1","kind":"Service","namespace":"shop","name":"web","patch":{"metadata":{"labels":{"app":null}}}}' || steps_ok=1
mutate alpha '{"action":"patch","manager":"kubectl-annotate","patchType":"merge","apiVersion":"v1","kind":"Service","namespace":"shop","name":"web","patch":{"metadata":{"annotations":{"team":"pay\u001b[31mments"}}}}' || steps_ok=1
mutate alpha '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"Secret","namespace":"shop","name":"web-secret","patch":{"data":{"password":"Y2hhbmdlZC1saXZl"}}}' || steps_ok=1
mutate beta '{"action":"delete","manager":"kubectl","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"worker"}' || steps_ok=1
mutate beta '{"action":"create","manager":"kubectl-create","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"stray","namespace":"shop","labels":{"kdrift.dev/app":"shop"}},"data":{"a":"b"}}}' || steps_ok=1
mutate beta '{"action":"patch","manager":"kdrift-break-glass","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"metadata":{"annotations":{"kdrift.dev/break-glass":"audit-0042"}},"data":{"FEATURE_X":"on"}}}' || steps_ok=1
# Noise that must not count: a controller's annotation and server-owned
# fields, a status write, an untracked object, an object a controller owns
# that carries the app's label, and an HPA that scales beta's web.
mutate beta '{"action":"patch","manager":"kube-controller-manager","patchType":"merge","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"web","patch":{"metadata":{"annotations":{"deployment.kubernetes.io/revision":"3"}},"spec":{"progressDeadlineSeconds":300}}}' || steps_ok=1
K --context beta -n shop patch deploy web --subresource=status --type=merge -p '{"status":{"readyReplicas":2}}' >/dev/null 2>&1
mutate beta '{"action":"create","manager":"kubectl-create","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"unrelated","namespace":"shop"},"data":{"x":"y"}}}' || steps_ok=1
mutate beta '{"action":"create","manager":"kube-controller-manager","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"owned","namespace":"shop","labels":{"kdrift.dev/app":"shop"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"00000000-0000-0000-0000-000000000001","controller":true}]}}}' || steps_ok=1
mutate beta '{"action":"create","manager":"kubectl-create","object":{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"web","namespace":"shop"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":2,"maxReplicas":6}}}' || steps_ok=1
mutate beta '{"action":"scale","manager":"horizontal-pod-autoscaler","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"web","replicas":4}' || steps_ok=1
check_eq "drift and noise injected through kubesim's control API" 0 "$steps_ok"

KD check --clusters env=production --output json >"$T/check.json" 2>"$T/check.err"
check_eq "drift found: exit status 1" 1 "$?"

python3 - "$T/check.json" >"$T/asserts" 2>&1 <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
def report(name, got, want):
    if got == want:
        print("PASS " + name)
    else:
        print("FAIL %s\twant %r, got %r" % (name, want, got))
def res(cluster, app, kind, ns, name):
    for c in doc["clusters"]:
        if c["name"] != cluster: continue
        for a in c["apps"]:
            if a["name"] != app: continue
            for r in a["resources"]:
                if (r["kind"], r["namespace"], r["name"]) == (kind, ns, name):
                    return r
    return None
def field(r, path):
    for d in (r or {}).get("diffs", []):
        if d["path"] == path:
            return d
    return {}
def who(d):
    return (d.get("manager"), d.get("operation"))

report("the revision is the commit checked", len(doc["revision"]), 40)
report("two clusters reported", [c["name"] for c in doc["clusters"]], ["alpha", "beta"])
report("summary counts", doc["summary"], {"synced": 8, "drifted": 5, "missing": 1, "extra": 1, "break-glass": 1, "unknown": 0})

r = res("alpha", "shop", "ConfigMap", "shop", "web-config")
report("kubectl-edit change is drift", r and r["status"], "drifted")
report("kubectl-edit change: value", (field(r, "/data/LOG_LEVEL").get("desired"), field(r, "/data/LOG_LEVEL").get("live")), ("info", "debug"))
report("kubectl-edit change: attribution", who(field(r, "/data/LOG_LEVEL")), ("kubectl-edit", "Update"))
report("kubectl-edit change: time present", bool(field(r, "/data/LOG_LEVEL").get("time")), True)

r = res("alpha", "shop", "Deployment", "shop", "web")
report("scaled replicas: only that field differs", [d["path"] for d in r["diffs"]], ["/spec/replicas"])
report("scaled replicas: values", (field(r, "/spec/replicas")["desired"], field(r, "/spec/replicas")["live"]), (2, 5))
report("scaled replicas: kubectl-scale through /scale", (who(field(r, "/spec/replicas")), field(r, "/spec/replicas").get("subresource")), (("kubectl-scale", "Update"), "scale"))

r = res("alpha", "shop", "Deployment", "shop", "worker")
p = "/spec/template/spec/containers/0/image"
report("image bump: value", field(r, p).get("live"), "registry.example/worker:2.1.0")
report("image bump: attribution", who(field(r, p)), ("kubectl-set", "Update"))

r = res("alpha", "shop", "Service", "shop", "web")
report("removed label is drift", field(r, "/metadata/labels/app").get("desired"), "web")
report("removed label: absent live", "live" in field(r, "/metadata/labels/app") and field(r, "/metadata/labels/app")["live"], None)
report("added annotation is drift, by kubectl-annotate", who(field(r, "/metadata/annotations/team")), ("kubectl-annotate", "Update"))

r = res("alpha", "shop", "Secret", "shop", "web-secret")
d = field(r, "/data/password")
report("changed Secret is drift", r["status"], "drifted")
report("Secret values are masked", all(str(v).startswith("<masked:") for v in (d.get("desired"), d.get("live"))), True)
report("Secret change attributed", who(d), ("kubectl-edit", "Update"))
raw = open(sys.argv[1]).read()
report("no Secret value in the report", [v in raw for v in ("hunter2-in-git", "aHVudGVyMi1pbi1naXQ", "changed-live", "Y2hhbmdlZC1saXZl")], [False] * 4)

r = res("beta", "shop", "Deployment", "shop", "worker")
report("deleted object is missing", (r["status"], r["diffs"]), ("missing", []))
r = res("beta", "shop", "ConfigMap", "shop", "stray")
report("tracked object not in Git is extra", r and r["status"], "extra")
report("untracked object is not reported", res("beta", "shop", "ConfigMap", "shop", "unrelated"), None)
report("controller-owned object with the app label is not extra", res("beta", "shop", "ConfigMap", "shop", "owned"), None)
r = res("beta", "shop", "ConfigMap", "shop", "web-config")
report("break-glass change", (r["status"], "audit-0042" in (r["reason"] or "")), ("break-glass", True))
r = res("beta", "shop", "Deployment", "shop", "web")
report("HPA-scaled replicas, controller fields and status are not drift", (r["status"], r["hpaManaged"]), ("synced", True))

report("an object the cluster's overlay patches is intentional", res("alpha", "site", "ConfigMap", "site", "page")["intentional"], True)
report("an object as its base has it is not intentional", res("alpha", "site", "ConfigMap", "site", "banner")["intentional"], False)
report("the same object unpatched in another cluster is not intentional", res("beta", "site", "ConfigMap", "site", "page")["intentional"], False)
report("an object only the cluster's overlay adds is intentional", res("beta", "site", "ConfigMap", "site", "beta-only")["intentional"], True)
report("shared app path is not intentional", res("alpha", "shop", "Service", "shop", "web")["intentional"], False)
report("cluster status is the worst of its resources", [c["status"] for c in doc["clusters"]], ["drifted", "break-glass"])
EOF
while IFS= read -r line; do
	case $line in
	PASS\ *) ok "json: ${line#PASS }" ;;
	FAIL\ *) rest=${line#FAIL }; not_ok "json: ${rest%%$'\t'*}" "${rest#*$'\t'}" ;;
	*) not_ok "json checks ran" "$line" ;;
	esac
done <"$T/asserts"

# ---- text and JUnit ------------------------------------------------------------
expect "text: tree with glyphs and counts" 1 '^~ alpha ~5 ✓2$' env LANG=C.UTF-8 "$KDRIFT_BIN" check --repo "$repo" --clusters env=production
expect "text: ASCII glyphs outside UTF-8 locales" 1 '^  = site =2$' env LANG=C LC_ALL= LC_CTYPE= "$KDRIFT_BIN" check --repo "$repo" --clusters env=production
expect "text: drifted field with its manager" 1 '/spec/replicas: 2 .* 5  by kubectl-scale \(Update' KD check --clusters env=production
if printf '%s' "$OUT" | grep -q $'\x1b'; then not_ok "text: control characters from the cluster are shown inert"
else ok "text: control characters from the cluster are shown inert"; fi
KD check --clusters env=production --output junit >"$T/junit.xml"
check_eq "junit: exit status 1" 1 "$?"
check "junit: well-formed, a suite per cluster, failures counted" python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = {s.get("name"): s for s in root.iter("testsuite")}
assert sorted(suites) == ["alpha", "beta"], suites
assert (suites["alpha"].get("tests"), suites["alpha"].get("failures")) == ("7", "5"), suites["alpha"].attrib
case = [c for c in suites["alpha"].iter("testcase") if c.get("name") == "Deployment/shop/web"][0]
assert "kubectl-scale" in case.find("failure").text
' "$T/junit.xml"

# ---- diff ------------------------------------------------------------------------
expect "diff: Git as ---, live as +++" 1 '^\+\+\+ live/alpha/shop/Deployment/shop/web' KD diff alpha shop Deployment/shop/web
check "diff: the changed line on both sides, then who changed it" python3 -c '
import sys
lines = sys.stdin.read().splitlines()
i = lines.index("-  replicas: 2")
assert lines[i + 1] == "+  replicas: 5", lines[i:i + 3]
assert lines[i + 2].startswith("# /spec/replicas changed by kubectl-scale (Update"), lines[i + 2]
' <<<"$OUT"
check "diff: server defaults are not shown" test "$(printf '%s\n' "$OUT" | grep -c '^[-+] ')" -eq 2
KD diff alpha shop ConfigMap/shop/web-config >"$T/cm.diff"
check "diff: a multi-line value, then its attribution after its last line" python3 -c '
import sys
lines = open(sys.argv[1]).read().splitlines()
i = lines.index("+  script: |")
assert lines[i + 1:i + 4] == ["+    line one", "+    line two", "# /data/script added by kubectl-edit (Update, " + lines[i + 3].split("(Update, ")[1]], lines[i:i + 4]
' "$T/cm.diff"
expect "diff: a synced app prints nothing and exits 0" 0 '^$' KD diff alpha site
expect "diff: removed label and added annotation with their managers" 1 'metadata/annotations/team added by kubectl-annotate' KD diff alpha shop Service/shop/web
if printf '%s' "$OUT" | grep -q $'\x1b'; then not_ok "diff: control characters from the cluster are shown inert" "$OUT"
else ok "diff: control characters from the cluster are shown inert"; fi
expect "diff: missing object is all ---" 1 '^-  replicas: 1$' KD diff beta shop Deployment/shop/worker
expect "diff: extra object is all +++" 1 '^\+  a: b$' KD diff beta shop ConfigMap/shop/stray
expect "diff: Secret values stay masked" 1 '^\+  password: <masked:' KD diff alpha shop Secret/shop/web-secret
expect "diff --side-by-side: both sides on one row" 1 'replicas: 2 +\| +replicas: 5' KD diff --side-by-side --width 120 alpha shop Deployment/shop/web
expect "diff: an unknown object is an error" 2 'no object' KD diff alpha shop Deployment/shop/nope
expect "diff: an unknown cluster is an error" 2 "no cluster 'nowhere'" KD diff nowhere

# ---- unreachable and hanging clusters -----------------------------------------------
# --timeout is long enough for the healthy clusters on a busy machine; only
# delta, which never answers, reaches it.
faults delta '{"hang": true}'
start=$(date +%s)
timeout 120 "$KDRIFT_BIN" check --repo "$repo" --timeout 15s --output json >"$T/all.json" 2>"$T/all.err"
rc=$?
elapsed=$(( $(date +%s) - start ))
check_eq "unreachable and hanging clusters: exit status 2 (the check finished)" 2 "$rc"
echo "# check with a hanging cluster took ${elapsed}s (deadline 15s)"
python3 - "$T/all.json" >"$T/asserts2" 2>&1 <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
def report(name, cond, detail=""):
    print(("PASS " + name) if cond else ("FAIL %s\t%s" % (name, detail)))
cl = {c["name"]: c for c in doc["clusters"]}
report("all four clusters reported", sorted(cl) == ["alpha", "beta", "delta", "gamma"], sorted(cl))
g = cl.get("gamma", {})
report("unreachable cluster is unknown with the reason", g.get("status") == "unknown" and "connect" in (g.get("reason") or "").lower(), g)
d = cl.get("delta", {})
report("hanging cluster is unknown: timed out", d.get("status") == "unknown" and "timed out after 15s" in (d.get("reason") or ""), d)
report("unknown clusters are not reachable", (g.get("reachable"), d.get("reachable")) == (False, False))
report("the others are still reported", (cl["alpha"]["status"], cl["beta"]["status"]) == ("drifted", "break-glass"))
report("summary counts unknown resources", doc["summary"]["unknown"] == 10, doc["summary"])
report("no token in the report", "not-a-real-token" not in open(sys.argv[1]).read())
EOF
while IFS= read -r line; do
	case $line in
	PASS\ *) ok "${line#PASS }" ;;
	FAIL\ *) rest=${line#FAIL }; not_ok "${rest%%$'\t'*}" "${rest#*$'\t'}" ;;
	*) not_ok "unreachable checks ran" "$line" ;;
	esac
done <"$T/asserts2"
expect "diff of an unreachable cluster: exit 2" 2 'unknown' KD diff gamma
faults delta '{}'
expect "a recovered cluster is checked again" 0 '^$' KD diff delta

# ---- usage -------------------------------------------------------------------------
expect "check: bad output format" 2 "unknown output format 'yaml'" KD check --output yaml
expect "check: bad timeout" 2 'timeout' KD check --timeout 0
expect "check: --timeout is a duration: a bare number is refused with the units" 2 \
	"--timeout: '30' is not a duration: 30 needs a unit \\(d, h, m, s or ms\\)" KD check --timeout 30
expect "check: --timeout at most an hour" 2 "--timeout: '2h' is longer than 1h00m" KD check --timeout 2h
expect "check: unknown app" 2 "has no app 'nope'" KD check --app nope
expect "check: bad selector" 2 'clusters' KD check --clusters 'env in ('
expect "check: a selector that matches no cluster is an error" 2 'no cluster of kdrift.yaml matches' KD check --clusters env=nowhere
tap_done
