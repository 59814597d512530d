#!/usr/bin/env bash
# kdrift check --unmanaged against kubesim: the fleet of
# tests/fixtures/engine/repo applied to alpha and beta as a GitOps controller
# would, then objects made by hand in alpha's managed namespaces (a
# ConfigMap, the "debug shell" Deployment a controller has since annotated,
# a bare Pod) that must be listed, and those that must not: a ReplicaSet
# its Deployment owns, one only a controller ever wrote, an owned Pod, the
# automatic objects (kube-root-ca.crt, the default ServiceAccount, a
# service-account token Secret, a Helm release Secret), an Event, an object
# the app tracks (extra, not unmanaged) and a ConfigMap in a namespace no
# app manages.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"

T=$KS_TMP
repo=$T/repo
cp -r "$KDRIFT_ROOT/tests/fixtures/engine/repo" "$repo"
git -C "$repo" init -q && git -C "$repo" add -A && git -C "$repo" commit -qm "fleet" ||
	{ not_ok "fixture repository is committed"; tap_done; exit 1; }

if ! ks_start "$T/ks" --clusters alpha,beta; then
	not_ok "kubesim starts" "$(cat "$T/ks/stderr")"
	tap_done
	exit 1
fi
ok "kubesim starts"
export KUBECONFIG=$T/ks/kubeconfig
TOKEN=$(ks_admin_token)
KD() { "$KDRIFT_BIN" "$@" --repo "$repo" --clusters env=production; }

mutate() {
	local out
	out=$(curl -sk -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-X POST "https://127.0.0.1:$KS_PORT/_kubesim/clusters/$1/mutate" -d "$2")
	printf '%s' "$out" | grep -Eq '"code": ?20[01]' || { echo "mutate $1 failed: $out" >&2; return 1; }
}
# create CLUSTER MANAGER OBJECT-JSON
create() { mutate "$1" "{\"action\":\"create\",\"manager\":\"$2\",\"object\":$3}"; }

check "desired state applied with kubectl" ks_deploy "$repo" "shop site" alpha beta
expect "before anything is made by hand: nothing unmanaged, exit 0" 0 \
	'summary: 15 synced, 0 drifted, 0 missing, 0 extra, 0 break-glass, 0 unknown, 0 unmanaged' \
	KD check --unmanaged

OWNER='"ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"00000000-0000-0000-0000-000000000001","controller":true}]'
steps=0
# listed
create alpha kubectl-create '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"hand-made","namespace":"shop"},"data":{"k":"v"}}' || steps=1
create alpha kubectl-create '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"debug-shell","namespace":"shop"},"spec":{"selector":{"matchLabels":{"app":"debug"}},"template":{"metadata":{"labels":{"app":"debug"}},"spec":{"containers":[{"name":"sh","image":"busybox:1.36","command":["sleep","infinity"]}]}}}}' || steps=1
mutate alpha '{"action":"patch","manager":"kube-controller-manager","patchType":"merge","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"debug-shell","patch":{"metadata":{"annotations":{"deployment.kubernetes.io/revision":"1"}}}}' || steps=1
create alpha kubectl-run '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"debug-pod","namespace":"site"},"spec":{"containers":[{"name":"sh","image":"busybox:1.36"}]}}' || steps=1
# not listed
create alpha kube-controller-manager "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"web-5d9c\",\"namespace\":\"shop\",$OWNER},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx\"}]}}}}" || steps=1
create alpha kube-controller-manager '{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"left-by-a-controller","namespace":"shop"},"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":{"containers":[{"name":"x","image":"nginx"}]}}}}' || steps=1
create alpha kube-controller-manager "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-5d9c-abcde\",\"namespace\":\"shop\",$OWNER},\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx\"}]}}" || steps=1
create alpha kubectl-create '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"kube-root-ca.crt","namespace":"shop"},"data":{"ca.crt":"x"}}' || steps=1
create alpha kubectl-create '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"default","namespace":"shop"}}' || steps=1
create alpha kubectl-create '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"default-token-x7k2p","namespace":"shop","annotations":{"kubernetes.io/service-account.name":"default"}},"type":"kubernetes.io/service-account-token"}' || steps=1
create alpha helm '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"sh.helm.release.v1.debug.v1","namespace":"shop"},"type":"helm.sh/release.v1","data":{"release":"eA=="}}' || steps=1
create alpha kubectl-create '{"apiVersion":"v1","kind":"Event","metadata":{"name":"web.17a","namespace":"shop"},"involvedObject":{"kind":"Deployment","name":"web"},"reason":"Test"}' || steps=1
create alpha kubectl-create '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"stray","namespace":"shop","labels":{"kdrift.dev/app":"shop"}},"data":{"a":"b"}}' || steps=1
create alpha kubectl-create '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"other"}}' || steps=1
create alpha kubectl-create '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"elsewhere","namespace":"other"},"data":{"a":"b"}}' || steps=1
check_eq "objects made through kubesim's control API" 0 "$steps"

KD check --unmanaged --output json >"$T/check.json" 2>"$T/check.err"
check_eq "unmanaged objects found: exit status 1" 1 "$?"
python3 - "$T/check.json" >"$T/asserts" 2>&1 <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
def report(name, got, want):
    print(("PASS " + name) if got == want else "FAIL %s\twant %r, got %r" % (name, want, got))
clusters = {c["name"]: c for c in doc["clusters"]}
alpha = clusters["alpha"]["unmanaged"]
report("alpha: the hand-made ConfigMap, the debug shell Deployment and the bare Pod, in order",
       [(u["apiVersion"], u["kind"], u["namespace"], u["name"]) for u in alpha],
       [("v1", "ConfigMap", "shop", "hand-made"), ("apps/v1", "Deployment", "shop", "debug-shell"),
        ("v1", "Pod", "site", "debug-pod")])
report("alpha: each with the manager that made it, not the controller that annotated it",
       [u["manager"] for u in alpha], ["kubectl-create", "kubectl-create", "kubectl-run"])
report("alpha: each with its creation time (RFC 3339)",
       all(isinstance(u["time"], str) and u["time"].endswith("Z") and "T" in u["time"] for u in alpha), True)
report("alpha: entries carry exactly apiVersion, kind, namespace, name, manager, time",
       sorted(alpha[0]), ["apiVersion", "kind", "manager", "name", "namespace", "time"])
report("beta: an empty list", clusters["beta"]["unmanaged"], [])
report("summary counts them", doc["summary"].get("unmanaged"), 3)
stray = [r for a in clusters["alpha"]["apps"] for r in a["resources"] if r["name"] == "stray"]
report("the object the app tracks stays extra under its app", [r["status"] for r in stray], ["extra"])
EOF
while IFS= read -r line; do
	case "$line" in
	PASS\ *) ok "${line#PASS }" ;;
	FAIL\ *) not_ok "${line#FAIL }" ;;
	*) not_ok "assertion script: $line" ;;
	esac
done <"$T/asserts"

LANG=C.UTF-8 LC_ALL=C.UTF-8 KD check --unmanaged >"$T/check.txt" 2>&1
check_eq "text: exit status 1" 1 "$?"
check "text: the cluster's own section with the pencil glyph" \
	grep -qx '  ✎ unmanaged (3): in a managed namespace, in no app' "$T/check.txt"
check "text: one line per object with who made it and when" \
	grep -Eqx '    ✎ Deployment shop/debug-shell  by kubectl-create, [0-9-]+T[0-9:]+Z' "$T/check.txt"
check "text: the summary counts them" grep -q ', 3 unmanaged$' "$T/check.txt"
LC_ALL=C KD check --unmanaged >"$T/ascii.txt" 2>&1
check "text: ASCII glyph outside UTF-8 locales" \
	grep -qx '  # unmanaged (3): in a managed namespace, in no app' "$T/ascii.txt"
KD check --unmanaged --output junit >"$T/junit.xml" 2>&1
check "junit: a failing test case per unmanaged object" \
	grep -q '<testcase classname="alpha.unmanaged" name="Pod/site/debug-pod">' "$T/junit.xml"
check "text: nothing of the ignored objects (the tracked one is extra, under its app)" \
	sh -c "! grep -Eq 'web-5d9c|left-by-a-controller|kube-root-ca|default|sh.helm|web.17a|elsewhere' '$T/check.txt'"

KD check --output json >"$T/plain.json" 2>/dev/null
check_eq "without --unmanaged: no unmanaged key, as before" "absent" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("present" if any("unmanaged" in c for c in d["clusters"]) or "unmanaged" in d["summary"] else "absent")' "$T/plain.json")"
KD check --unmanaged --app site >"$T/site.txt" 2>&1
check "--app site: only site's namespace is managed, so the Pod there is listed" \
	grep -q 'Pod site/debug-pod  by kubectl-run' "$T/site.txt"
check "--app site: shop's hand-made objects are not (shop is not managed then)" \
	sh -c "! grep -Eq 'hand-made|debug-shell' '$T/site.txt'"
tap_done
