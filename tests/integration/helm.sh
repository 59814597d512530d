#!/usr/bin/env bash
# Helm releases as desired state (DESIGN §5) against kubesim: a fleet whose
# platform is installed by Flux HelmReleases (records of the secrets and of
# the configmaps driver) and an Argo CD Application with a Helm chart, the
# charts installed the way Helm does (tests/fixtures/helm/setup.bash).
#
# The release's objects are the deployed record's manifest; drift in one is
# found with its attribution and reverted; accept refuses and explains; an
# object annotated as the release's but not in its manifest is extra; a
# chart version or values in Git ahead of the record is drift on the
# HelmRelease; a release with no record is unknown with the reason; a Helm
# upgrade (a new deployed revision) is what kdrift compares with next.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
source "$KDRIFT_ROOT/tests/fixtures/helm/setup.bash"
ok "kubesim starts, Git's objects are applied and the charts installed"

jsonq() {  # FILE PYTHON-EXPRESSION over d (the check document)
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"
}
res_of() {  # a resource of `kdrift check --output json`: CLUSTER APP KIND NAME
	printf '[r for c in d["clusters"] if c["name"]=="%s" for a in c["apps"] if a["name"]=="%s" for r in a["resources"] if r["kind"]=="%s" and r["name"]=="%s"][0]' "$@"
}

# ---- the releases' objects are desired state --------------------------------------
expect "every chart's object is synced; the release never installed is unknown" 2 \
	'summary: 26 synced, 0 drifted, 0 missing, 0 extra, 0 break-glass, 2 unknown' KD check -v
for o in 'ClusterRole ingress-edge-router' 'Deployment ingress/edge-router' 'ConfigMap ingress/edge-router-config' \
	'StatefulSet cache/cache-keyvalue' 'Deployment queue/queue-msgqueue'; do
	printf '%s\n' "$OUT" | grep -q "✓ $o  synced  \[Helm release "
	check_eq "$o is listed as its release's object" 0 "$?"
done
printf '%s\n' "$OUT" | grep -q 'HelmRelease flux-system/metrics  unknown: no deployed revision of Helm release metrics-metrics in namespace flux-system (no Secret or ConfigMap sh.helm.release.v1.metrics-metrics.vN labelled status=deployed)'
check_eq "a missing record is unknown, with the release's name ([targetNamespace-]name) and where it was looked for" 0 "$?"
printf '%s\n' "$OUT" | grep -q 'Secret flux-system/sh.helm.release'
check_eq "the records themselves are not objects of the app" 1 "$?"

KD check --clusters env=development --output json >"$T/check.json"
check_eq "a chart's object names its release (secrets driver, Flux's targetNamespace-name)" "ingress/ingress-edge True" \
	"$(jsonq "$T/check.json" "(lambda r: '%s %s' % (r['helmRelease'], r['helmChart']))($(res_of dev edge Deployment edge-router))")"
check_eq "the configmaps driver's record gives the cache's objects" "cache/cache synced" \
	"$(jsonq "$T/check.json" "(lambda r: '%s %s' % (r['helmRelease'], r['status']))($(res_of dev cache StatefulSet cache-keyvalue))")"
check_eq "an Argo CD Application's Helm chart: release in its destination namespace" "queue/queue synced" \
	"$(jsonq "$T/check.json" "(lambda r: '%s %s' % (r['helmRelease'], r['status']))($(res_of dev queue Deployment queue-msgqueue))")"
check_eq "the HelmRelease names the release it describes, and is not a chart's object" "ingress/ingress-edge False" \
	"$(jsonq "$T/check.json" "(lambda r: '%s %s' % (r['helmRelease'], r['helmChart']))($(res_of dev edge HelmRelease edge))")"

# ---- drift in a chart's object ---------------------------------------------------------
steps=0
mutate dev '{"action":"patch","manager":"kubectl-set","patchType":"strategic","apiVersion":"apps/v1","kind":"Deployment","namespace":"ingress","name":"edge-router","patch":{"spec":{"template":{"spec":{"containers":[{"name":"router","image":"registry.example.com/edge/router:1.4.3-hotfix"}]}}}}}' || steps=1
mutate dev '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"cache","name":"cache-keyvalue","patch":{"data":{"maxmemory":"1gb"}}}' || steps=1
mutate dev '{"action":"delete","manager":"kubectl","apiVersion":"v1","kind":"Service","namespace":"ingress","name":"edge-router"}' || steps=1
mutate dev '{"action":"create","manager":"helm","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"edge-router-legacy","namespace":"ingress","annotations":{"meta.helm.sh/release-name":"ingress-edge","meta.helm.sh/release-namespace":"ingress"}},"data":{"a":"b"}}}' || steps=1
check_eq "drift injected on dev" 0 "$steps"
expect "check finds the drift in the charts' objects (exit 2: metrics is unknown)" 2 \
	'summary: 10 synced, 2 drifted, 1 missing, 1 extra, 0 break-glass, 1 unknown' KD check --clusters env=development
printf '%s\n' "$OUT" | grep -q '/spec/template/spec/containers/0/image: "registry.example.com/edge/router:1.4.2" → "registry.example.com/edge/router:1.4.3-hotfix"  by kubectl-set (Update, '
check_eq "the image drift of the chart's Deployment is attributed to kubectl-set" 0 "$?"
printf '%s\n' "$OUT" | grep -q '/data/maxmemory: "256mb" → "1gb"  by kubectl-edit'
check_eq "drift in an object of a configmaps-driver release, attributed" 0 "$?"
printf '%s\n' "$OUT" | grep -q -- '- ConfigMap ingress/edge-router-legacy  extra  \[Helm release ingress/ingress-edge\]'
check_eq "an object annotated as the release's but not in its manifest is extra" 0 "$?"
printf '%s\n' "$OUT" | grep -q '+ Service ingress/edge-router  missing  \[Helm release ingress/ingress-edge\]'
check_eq "a chart's object deleted by hand is missing" 0 "$?"

expect "kdrift diff shows the chart's Deployment against the record's manifest" 1 \
	'^\+        image: registry.example.com/edge/router:1.4.3-hotfix' KD diff dev edge Deployment/ingress/edge-router
printf '%s\n' "$OUT" | grep -q '^-        image: registry.example.com/edge/router:1.4.2$'
check_eq "the desired side is the record's" 0 "$?"

# ---- accept refuses, revert puts the release back ------------------------------------------
expect "accepting a chart's object is refused with the reason" 2 \
	'made by the chart of Helm release ingress/ingress-edge: .*The fix belongs in the chart.s values' \
	KD accept dev edge Deployment/ingress/edge-router --reason "keep the hotfix" --yes
expect "the configmaps driver's release refuses too" 2 'made by the chart of Helm release cache/cache' \
	KD accept dev cache ConfigMap/cache/cache-keyvalue --reason "more memory" --yes
expect "revert of the chart's Deployment" 0 'reverted Deployment ingress/edge-router \(1 field\)' \
	KD revert dev edge Deployment/ingress/edge-router --yes
check_eq "the image is the release's again" "registry.example.com/edge/router:1.4.2" \
	"$(K --context dev -n ingress get deploy edge-router -o jsonpath='{.spec.template.spec.containers[0].image}')"
expect "revert recreates the missing Service" 0 'created Service ingress/edge-router' \
	KD revert dev edge Service/ingress/edge-router --yes
check_eq "recreated with Helm's ownership metadata, so the next upgrade adopts it" "ingress-edge ingress Helm" \
	"$(K --context dev -n ingress get svc edge-router -o jsonpath='{.metadata.annotations.meta\.helm\.sh/release-name} {.metadata.annotations.meta\.helm\.sh/release-namespace} {.metadata.labels.app\.kubernetes\.io/managed-by}')"
K --context dev -n ingress get svc edge-router -o jsonpath='{.metadata.labels}' | grep -q 'kdrift.dev/app'
check_eq "and without kdrift's own tracking label" 1 "$?"
expect "the edge app is synced but for its extra object" 1 \
	'summary: 7 synced, 0 drifted, 0 missing, 1 extra' KD check --clusters env=development --app edge

# ---- Git ahead of the record -------------------------------------------------------------------
sed -i 's/version: 1.4.2/version: 1.5.0/; s/logLevel: info/logLevel: debug/' "$repo/apps/edge/helmrelease.yaml"
git -C "$repo" -c user.name=Fixture -c user.email=fixture@example.com commit -qam "edge-router 1.5.0"
# Flux applies the new HelmRelease; its upgrade has not happened
"$KDRIFT_BIN" render --repo "$repo" dev edge >"$T/edge.yaml" &&
	K --context dev apply --server-side --field-manager=argocd-controller -f "$T/edge.yaml" >/dev/null
check_eq "the new HelmRelease is applied" 0 "$?"
expect "a chart version and values in Git ahead of the record are drift on the HelmRelease" 1 \
	'~ HelmRelease flux-system/edge  drifted: Helm release ingress/ingress-edge is behind Git: the cluster runs revision 1 of chart edge-router 1.4.2' \
	KD check --clusters env=development --app edge
printf '%s\n' "$OUT" | grep -q '^        /spec/chart/spec/version: "1.5.0" → "1.4.2"  by helm (Update, 2026-01-05T10:00:00.000000000Z)$'
check_eq "diff path /spec/chart/spec/version: Git's version against the record's" 0 "$?"
printf '%s\n' "$OUT" | grep -q '^        /spec/values/logLevel: "debug" → "info"  by helm'
check_eq "diff path /spec/values/logLevel: Git's value against the record's config" 0 "$?"
expect "kdrift diff says both versions of the HelmRelease's release fields" 1 \
	'^# /spec/chart/spec/version: "1.5.0" -> "1.4.2" changed by helm \(Update, 2026-01-05T10:00:00.000000000Z\)$' \
	KD diff dev edge HelmRelease/flux-system/edge
expect "revert leaves the release to its controller, and says so" 0 \
	'skipped HelmRelease flux-system/edge: the Helm release ingress/ingress-edge is behind Git' \
	KD revert dev edge HelmRelease/flux-system/edge --yes
expect "accepting the record's version into Git is refused with the reason" 2 \
	'HelmRelease edge: the Helm release ingress/ingress-edge is behind Git, and accepting its record.s chart version or values would pin Git' \
	KD accept dev edge HelmRelease/flux-system/edge --reason "stay on 1.4" --yes
expect "prod is behind Git too, once Git moved" 1 '/spec/chart/spec/version: "1.5.0" → "1.4.2"' \
	KD check --clusters env=production --app edge

# ---- the release is upgraded: the new deployed revision is desired state ----------------------------
sed 's/--log-level=info/--log-level=debug/; s/router:1.4.2/router:1.5.0/' "$charts/edge-router.yaml" >"$T/edge-router-1.5.0.yaml"
printf 'replicaCount: 2\nlogLevel: debug\n' >"$T/edge-router-1.5.0.values.yaml"
HR objects --name ingress-edge --namespace ingress --manifest "$T/edge-router-1.5.0.yaml" |
	K --context dev apply --server-side --force-conflicts --field-manager=helm -f - >/dev/null &&
HR record --name ingress-edge --namespace ingress --storage-namespace flux-system --chart edge-router \
	--version 1.5.0 --values "$T/edge-router-1.5.0.values.yaml" --manifest "$T/edge-router-1.5.0.yaml" \
	--revision 2 --time 2026-02-01T09:30:00Z |
	K --context dev apply --server-side --field-manager=helm -f - >/dev/null &&
K --context dev -n flux-system label secret sh.helm.release.v1.ingress-edge.v1 status=superseded --overwrite >/dev/null
check_eq "revision 2 installed, revision 1 superseded" 0 "$?"
expect "after the upgrade the HelmRelease is synced" 1 \
	'summary: 7 synced, 0 drifted, 0 missing, 1 extra' KD check --clusters env=development --app edge
mutate dev '{"action":"patch","manager":"kubectl-edit","patchType":"strategic","apiVersion":"apps/v1","kind":"Deployment","namespace":"ingress","name":"edge-router","patch":{"spec":{"template":{"spec":{"containers":[{"name":"router","image":"registry.example.com/edge/router:1.4.2"}]}}}}}'
expect "the chart's objects are compared with revision 2's manifest" 1 \
	'image: "registry.example.com/edge/router:1.5.0" → "registry.example.com/edge/router:1.4.2"  by kubectl-edit' \
	KD check --clusters env=development --app edge

# ---- the tree: a chart's objects under the app that holds the release ----------------------------------
# (--read-only: dev's policy is selfHeal, and the UI would heal the drift
# this looks at)
printf '*\n:save-screen %s\n' "$T/tree" >"$T/ui.script"
NO_COLOR=1 KDRIFT_SCRIPT="$T/ui.script" LINES=50 COLUMNS=120 \
	"$KDRIFT_BIN" ui --repo "$repo" --cluster dev --read-only --timeout 10s >"$T/ui.out" 2>&1
check "the tree shows a chart's drifted object under its app, naming the release" \
	grep -q '^      ~ Deployment ingress/edge-router  helm ingress/ingress-edge *$' "$T/tree"
check "and the HelmRelease beside it" grep -q '^      ✓ HelmRelease flux-system/edge *$' "$T/tree"
check "the app counts them" grep -q '^  ▾ ~ edge  ~1 -1 *$' "$T/tree"

# ---- records that cannot be read ---------------------------------------------------------------------
HR record --name cache --namespace cache --chart keyvalue --version 7.2.0 --values "$charts/keyvalue.values.yaml" \
	--manifest "$charts/keyvalue.yaml" --revision 4 --driver configmap >"$T/cache-v4.json"
python3 - "$T/cache-v4.json" <<'EOF'
import json, sys
p = sys.argv[1]
r = json.load(open(p))
r["data"]["release"] = r["data"]["release"][:200]   # the gzip stream cut short
json.dump(r, open(p, "w"))
EOF
K --context prod apply --server-side --field-manager=helm -f "$T/cache-v4.json" >/dev/null
expect "a record that cannot be decoded makes its release unknown, naming the record" 2 \
	'HelmRelease cache/cache  unknown: Helm release record ConfigMap cache/sh.helm.release.v1.cache.v4: ' \
	KD check --clusters env=production --app cache
printf '%s\n' "$OUT" | grep -q 'StatefulSet\|ConfigMap cache/cache-keyvalue'
check_eq "and nothing is claimed about its objects (not even extra, although they carry its labels)" 1 "$?"

expect "the audit log verifies" 0 '' "$KDRIFT_BIN" audit verify
tap_done
