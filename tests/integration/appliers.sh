#!/usr/bin/env bash
# DESIGN §6 rule 11 against kubesim: a field that a GitOps applier owns
# through server-side apply and that Git no longer holds is drift ("removed
# from Git"), and a revert deletes it.  The issue's reproduction: a
# ConfigMap applied by kustomize-controller with key1..key3, Git holding
# key1..key2.  A manager that is not an applier counts only once the fleet
# file names it under `appliers:`; the server's defaults on a Deployment
# applied the same way stay no drift.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"

T=$KS_TMP
repo=$T/repo
mkdir -p "$repo/apps/shop" "$repo/apps/tools"
cat >"$repo/kdrift.yaml" <<'EOF'
apiVersion: kdrift.dev/v1alpha1
kind: Fleet
clusters:
  - name: alpha
apps:
  - name: shop
    path: apps/shop
    namespace: shop
  - name: tools
    path: apps/tools
    namespace: tools
tracking: kdrift
EOF
cat >"$repo/apps/shop/settings.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels: {kdrift.dev/app: shop}
data:
  key1: one
  key2: two
  key3: three
EOF
cat >"$repo/apps/shop/web.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, kdrift.dev/app: shop}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0.0
          env:
            - {name: A, value: "1"}
            - {name: B, value: "2"}
EOF
cat >"$repo/apps/tools/pipeline.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: pipeline
  labels: {kdrift.dev/app: tools}
data:
  a: "1"
  b: "2"
EOF
commit() { git -C "$repo" add -A && git -C "$repo" -c user.name=Fixture -c user.email=fixture@example.com commit -qm "$1"; }
git -C "$repo" init -q -b main && commit "fleet" ||
	{ not_ok "fixture repository is committed"; tap_done; exit 1; }

if ! ks_start "$T/ks" --clusters alpha; then
	not_ok "kubesim starts" "$(cat "$T/ks/stderr")"
	tap_done
	exit 1
fi
ok "kubesim starts"
export KUBECONFIG="$T/ks/kubeconfig"
KD() { "$KDRIFT_BIN" "$@" --repo "$repo"; }

# apply_as MANAGER APP: what Flux's kustomize-controller (or another
# server-side applier) does with the app's rendering.
apply_as() {
	"$KDRIFT_BIN" render --repo "$repo" alpha "$2" >"$T/$2.yaml" &&
		K --context alpha apply --server-side --field-manager="$1" -f "$T/$2.yaml" >/dev/null
}
printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: tools}\n' |
	K --context alpha apply --server-side -f - >/dev/null
check "shop applied by kustomize-controller (server-side)" apply_as kustomize-controller shop
check "tools applied by my-pipeline (server-side)" apply_as my-pipeline tools
check_eq "kubesim records the Apply entry" "kustomize-controller Apply" \
	"$(K --context alpha -n shop get cm settings --show-managed-fields \
		-o jsonpath='{range .metadata.managedFields[*]}{.manager} {.operation}{end}')"
expect "as applied, everything is synced (the server's defaults are no drift)" 0 \
	'summary: 3 synced, 0 drifted, 0 missing, 0 extra' KD check

# ---- Git drops key3, env B and pipeline's b -----------------------------------------------
sed -i '/key3: three/d' "$repo/apps/shop/settings.yaml"
sed -i '/name: B, value/d' "$repo/apps/shop/web.yaml"
sed -i '/b: "2"/d' "$repo/apps/tools/pipeline.yaml"
check "Git drops key3, env B and b" commit "drop key3, B and b"

expect "a key removed from Git that kustomize-controller applied is drift (exit 1)" 1 \
	'~ ConfigMap shop/settings  drifted' KD check --app shop
printf '%s\n' "$OUT" | grep -F '/data/key3' | grep -F 'kustomize-controller' | grep -qF '[removed from Git]'
check_eq "the field is /data/key3, by kustomize-controller, removed from Git" 0 "$?"
printf '%s\n' "$OUT" | grep -qF '~ Deployment shop/web  drifted'
check_eq "an env entry removed from Git is drift on the Deployment" 0 "$?"
printf '%s\n' "$OUT" | grep -Eq 'revisionHistoryLimit|progressDeadlineSeconds|terminationMessagePath|/strategy'
check_eq "the Deployment's server defaults are still no drift" 1 "$?"
KD check --app shop --output json >"$T/check.json" 2>/dev/null
check_eq "JSON: the field is added and removedFromGit" "/data/key3 added three True" \
	"$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
r = [r for c in d["clusters"] for a in c["apps"] for r in a["resources"] if r["name"] == "settings"][0]
f = r["diffs"]
print(" ".join(str(x) for x in (len(f) == 1 and f[0]["path"], f[0]["change"], f[0]["live"], f[0].get("removedFromGit"))))' "$T/check.json" 2>&1)"
expect "diff shows the field" 1 'key3' KD diff alpha shop

expect "a manager the fleet does not name is no applier: synced" 0 \
	'summary: 1 synced, 0 drifted' KD check --app tools

# ---- the fleet names my-pipeline ------------------------------------------------------------
printf 'appliers: [my-pipeline]\n' >>"$repo/kdrift.yaml"
check "the fleet file names my-pipeline under appliers" commit "my-pipeline applies Git"
expect "with appliers: [my-pipeline], pipeline's b is drift" 1 '~ ConfigMap tools/pipeline  drifted' \
	KD check --app tools
printf '%s\n' "$OUT" | grep -F '/data/b' | grep -F 'my-pipeline' | grep -qF '[removed from Git]'
check_eq "attributed to my-pipeline, removed from Git" 0 "$?"
sed -i 's/^appliers:.*/appliers: {name: x}/' "$repo/kdrift.yaml" && commit "a wrong appliers"
expect "appliers must be a list, with file:line:column" 2 'kdrift.yaml:[0-9]+:[0-9]+: appliers must be a list' KD check
git -C "$repo" reset -q --hard HEAD~1

# ---- revert deletes what Git dropped -------------------------------------------------------------
expect "dry run: the patch deletes key3" 0 'key3: null' KD revert alpha shop ConfigMap/shop/settings --dry-run
expect "revert the ConfigMap" 0 'reverted ConfigMap shop/settings \(1 field\)' \
	KD revert alpha shop ConfigMap/shop/settings --yes
check_eq "key3 is gone from the cluster" "" \
	"$(K --context alpha -n shop get cm settings -o jsonpath='{.data.key3}')"
check_eq "key1 and key2 stay" "one two" \
	"$(K --context alpha -n shop get cm settings -o jsonpath='{.data.key1} {.data.key2}')"
expect "revert the rest of shop and of tools" 0 'reverted Deployment shop/web' KD revert alpha shop --yes
expect "tools too" 0 'reverted ConfigMap tools/pipeline' KD revert alpha tools --yes
check_eq "env B is gone" "A" \
	"$(K --context alpha -n shop get deploy web -o jsonpath='{.spec.template.spec.containers[0].env[*].name}')"
check_eq "b is gone" "" "$(K --context alpha -n tools get cm pipeline -o jsonpath='{.data.b}')"
expect "after the reverts everything is synced" 0 'summary: 3 synced, 0 drifted, 0 missing, 0 extra' KD check

# The applier's next apply agrees: it changes nothing more.
apply_as kustomize-controller shop
expect "kustomize-controller's next apply leaves it synced" 0 'summary: 2 synced, 0 drifted' KD check --app shop
tap_done
