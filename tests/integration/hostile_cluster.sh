#!/usr/bin/env bash
# A cluster holding what real API servers accept but is awkward to decode:
# strings with NUL characters (a ConfigMap value "de\u0000bug"), escape
# sequences and bidi controls in values.  The object compares as any other,
# JSON output keeps the value exact, text output never writes a raw NUL or
# control byte, and the rest of the cluster is unaffected (DESIGN §6 rule 12).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"

T=$KS_TMP
repo=$T/repo
cp -r "$KDRIFT_ROOT/tests/fixtures/engine/repo" "$repo"
# The engine fixture's apps on one cluster.
cat >"$repo/kdrift.yaml" <<'YAML'
apiVersion: kdrift.dev/v1alpha1
kind: Fleet
clusters:
  - name: alpha
    labels: {env: production}
apps:
  - name: shop
    path: apps/shop
    namespace: shop
  - name: site
    path: clusters/{{name}}/site
    namespace: site
tracking: auto
YAML
git -C "$repo" init -q && git -C "$repo" add -A && git -C "$repo" commit -qm "fleet" ||
	{ not_ok "fixture repository is committed"; tap_done; exit 1; }

if ! ks_start "$T/ks" --clusters alpha; then
	not_ok "kubesim starts" "$(cat "$T/ks/stderr")"
	tap_done
	exit 1
fi
export KUBECONFIG="$T/ks/kubeconfig"
TOKEN=$(ks_admin_token)
KD() { "$KDRIFT_BIN" "$@" --repo "$repo"; }
mutate() {
	local out
	out=$(curl -sk -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-X POST "https://127.0.0.1:$KS_PORT/_kubesim/clusters/$1/mutate" -d "$2")
	printf '%s' "$out" | grep -Eq '"code": ?20[01]' || { echo "mutate $1 failed: $out" >&2; return 1; }
}

check "desired state applied with kubectl" ks_deploy "$repo" "shop site" alpha

check "a value with a NUL is written through the API" mutate alpha \
	'{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"de\u0000bug"}}}'
check "an object the app tracks, made by hand, with a NUL and escapes in its data" mutate alpha \
	'{"action":"create","manager":"kubectl-create","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"stray","namespace":"shop","labels":{"kdrift.dev/app":"shop"}},"data":{"x":"a\u0000b","y":"\u001b]0;pwned\u0007","z":"\u202eevil"}}}'
check "kubectl reads the object back" K --context alpha -n shop get configmap stray -o name

KD check --output json >"$T/check.json" 2>"$T/check.err"
check_eq "drift found: exit status 1" 1 "$?"
python3 - "$T/check.json" >"$T/asserts" 2>&1 <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
def report(name, got, want):
    print(("PASS " + name) if got == want else "FAIL %s\twant %r, got %r" % (name, want, got))
c = doc["clusters"][0]
res = {(r["kind"], r["name"]): r for a in c["apps"] for r in a["resources"]}
report("the cluster is reachable", c.get("reachable", True) and not c.get("error"), True)
report("nothing is unknown", doc["summary"]["unknown"], 0)
r = res[("ConfigMap", "web-config")]
report("the NUL value is drift", r["status"], "drifted")
d = [d for d in r["diffs"] if d["path"] == "/data/LOG_LEVEL"]
report("JSON keeps the live value exactly", d and d[0]["live"], "de\x00bug")
report("attributed to its writer", d and d[0].get("manager"), "kubectl-edit")
report("the hand-made object is extra", res[("ConfigMap", "stray")]["status"], "extra")
others = [r["status"] for k, r in res.items() if k not in (("ConfigMap", "web-config"), ("ConfigMap", "stray"))]
report("every other object is synced", sorted(set(others)), ["synced"])
PY
while IFS= read -r line; do
	case $line in
	PASS\ *) ok "${line#PASS }" ;;
	FAIL\ *) not_ok "${line#FAIL }" ;;
	*) not_ok "check.json assertions" "$line" ;;
	esac
done <"$T/asserts"

# no_raw FILE: no NUL, no ESC, no BEL, no bidi override in a terminal text.
no_raw() {
	python3 - "$1" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
bad = [c for c in (b"\x00", b"\x1b", b"\x07", "\u202e".encode()) if c in b]
sys.exit(1 if bad or not b else 0)
PY
}
KD check >"$T/check.txt" 2>&1
check "check's text has no raw NUL, escape or bidi byte" no_raw "$T/check.txt"
check "check's text names the drifted field" grep -q 'LOG_LEVEL' "$T/check.txt"
KD diff alpha shop ConfigMap/shop/web-config >"$T/diff.txt" 2>&1
check "diff's text has no raw NUL" no_raw "$T/diff.txt"
check "diff shows the live value around its NUL" grep -q 'de.*bug' "$T/diff.txt"
KD diff alpha shop ConfigMap/shop/web-config --side-by-side --width 120 >"$T/sbs.txt" 2>&1
check "side-by-side has no raw NUL" no_raw "$T/sbs.txt"
KD diff alpha shop ConfigMap/shop/stray >"$T/stray.txt" 2>&1
check "the extra object's escapes are not written raw" no_raw "$T/stray.txt"

tap_done
