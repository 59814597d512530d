#!/usr/bin/env bash
# Between clusters: kdrift compare, explain and topology against kubesim, on
# the seed's layout (tests/fixtures/between/repo: base/web,
# overlays/{production,staging}/web, clusters/<name>/web; three production
# and two staging clusters).  Replicas are 2 in the base, 3 in the
# production overlay and 5 in prod-b's own layer; prod-c's image is
# hot-fixed with `kubectl set image`; a memory limit changed in prod-a is
# accepted into Git with `kdrift accept`.  Classes, sources, outliers and
# explain chains are checked field by field.  Then the chains of a Flux
# postBuild variable and of an ApplicationSet parameter read from a cluster
# label (tests/fixtures/provenance/fleet, rendered only).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"

source "$KDRIFT_ROOT/tests/fixtures/between/setup.bash"

between_start
KD() { "$KDRIFT_BIN" "$@" --repo "$repo"; }
expect "a freshly applied fleet is synced" 0 'summary: 20 synced, 0 drifted, 0 missing' KD check

# ---- the story ------------------------------------------------------------------
between_hotfix
between_memory
expect "prod-a's memory limit is accepted into its own layer" 0 'committed [0-9a-f]{40}' \
	KD accept prod-a web Deployment/web/web --reason "batch jobs need more memory" --yes
accepted=$(git -C "$repo" rev-parse HEAD)

# ---- compare ---------------------------------------------------------------------
KD compare web --output json >"$T/compare.json" 2>"$T/compare.err"
check_eq "compare --output json exits 0" 0 "$?"
# field CLUSTER ATTR...: one line "attr=value ..." of a cell, or of the row
# when CLUSTER is "-"
cell() {
	python3 - "$T/compare.json" "$@" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
kind, name, path, cluster = sys.argv[2:6]
for f in doc["fields"]:
    if f["kind"] == kind and f["name"] == name and f["path"] == path:
        src = f if cluster == "-" else f["cells"][cluster]
        print(" ".join("%s=%s" % (a, json.dumps(src[a])) for a in sys.argv[6:]))
        break
else:
    print("no row")
EOF
}
check_eq "compare lists the five clusters" '["prod-a", "prod-b", "prod-c", "stg-a", "stg-b"]' \
	"$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["clusters"]))' "$T/compare.json")"
check_eq "the fields that differ, and only those" \
	"ConfigMap web-config /data/LOG_LEVEL
ConfigMap web-config /metadata/name
Deployment web /spec/replicas
Deployment web /spec/template/spec/containers/0/envFrom/0/configMapRef/name
Deployment web /spec/template/spec/containers/0/image
Deployment web /spec/template/spec/containers/0/resources/limits/memory
Secret web-db /data/password" \
	"$(python3 -c 'import json,sys
for f in json.load(open(sys.argv[1]))["fields"]: print(f["kind"], f["name"], f["path"])' "$T/compare.json" | sort)"

R=(Deployment web /spec/replicas)
check_eq "replicas: prod-a has 3 from the production overlay" \
	'desired=3 live=3 class="intentional" source="overlays/production/web/replicas.yaml:6" outlier=false' \
	"$(cell "${R[@]}" prod-a desired live class source outlier)"
check_eq "replicas: prod-b has 5 from its own layer, an outlier of production" \
	'desired=5 live=5 class="intentional" source="clusters/prod-b/web/replicas.yaml:6" outlier=true' \
	"$(cell "${R[@]}" prod-b desired live class source outlier)"
check_eq "replicas: prod-c has 3 like prod-a" \
	'desired=3 class="intentional" source="overlays/production/web/replicas.yaml:6" outlier=false' \
	"$(cell "${R[@]}" prod-c desired class source outlier)"
check_eq "replicas: staging has the base's 2" \
	'desired=2 live=2 class="intentional" source="base/web/deployment.yaml:8" outlier=false' \
	"$(cell "${R[@]}" stg-b desired live class source outlier)"
check_eq "replicas: the row is marked" 'outlier=true' "$(cell "${R[@]}" - outlier)"

I=(Deployment web /spec/template/spec/containers/0/image)
check_eq "image: prod-c's hotfix is drift by kubectl-set, an outlier" \
	'desired="registry.example/web:1.0.0" live="registry.example/web:1.0.1-hotfix" class="drift" source="base/web/deployment.yaml:19" manager="kubectl-set" outlier=true' \
	"$(cell "${I[@]}" prod-c desired live class source manager outlier)"
check "image: the drift carries the time managedFields gives" \
	grep -q '"time": "20' <(python3 -c 'import json,sys
f=[f for f in json.load(open(sys.argv[1]))["fields"] if f["path"].endswith("/image")][0]
print(json.dumps(f["cells"]["prod-c"]))' "$T/compare.json")
check_eq "image: the other clusters run the base's image" \
	'live="registry.example/web:1.0.0" class="intentional" manager=null time=null outlier=false' \
	"$(cell "${I[@]}" stg-a live class manager time outlier)"

M=(Deployment web /spec/template/spec/containers/0/resources/limits/memory)
check_eq "memory: prod-a's accepted value, from the patch kdrift wrote" \
	'desired="512Mi" live="512Mi" class="accepted" source="clusters/prod-a/web/kdrift-accepted/deployment-web-web.yaml:14"' \
	"$(cell "${M[@]}" prod-a desired live class source)"
check_eq "memory: nobody else sets it" 'desired=null live=null class="intentional" source=null' \
	"$(cell "${M[@]}" prod-b desired live class source)"

L=(ConfigMap web-config /data/LOG_LEVEL)
check_eq "generated ConfigMaps line up by name: production's level from the overlay" \
	'desired="warn" class="intentional" source="overlays/production/web/kustomization.yaml:10" outlier=false' \
	"$(cell "${L[@]}" prod-b desired class source outlier)"
check_eq "... staging's from the base's literal" \
	'desired="info" source="base/web/kustomization.yaml:8" outlier=false' \
	"$(cell "${L[@]}" stg-a desired source outlier)"
check_eq "the hashed names differ, credited to the generator" \
	'source="base/web/kustomization.yaml:6"' "$(cell ConfigMap web-config /metadata/name stg-a source)"
check "Secret values are masks" grep -q '"desired": "<masked:[0-9a-f]*>"' "$T/compare.json"
check_eq "no Secret value in the output" "" \
	"$(grep -E 'YmFzZS1wYXNzd29yZA|c3RhZ2luZy1wYXNzd29yZA|base-password|staging-password' "$T/compare.json")"

expect "compare: the text table has clusters as columns" 0 'FIELD +prod-a +prod-b +prod-c +stg-a +stg-b' \
	env LC_ALL=C.UTF-8 "$KDRIFT_BIN" compare web --repo "$repo"
check "text: the replicas row is marked as an outlier, prod-b's cell too" \
	grep -Eq '^ ▲ /spec/replicas +✓ 3 +✓ 5 ▲ +✓ 3 +✓ 2 +✓ 2 *$' <(printf '%s\n' "$OUT")
check "text: the hotfix is drift, values shortened in the middle" \
	grep -Eq '~ regis…:1\.0\.0→regis…hotfix ▲' <(printf '%s\n' "$OUT")
check "text: the accepted value has its glyph" grep -Eq '◆ 512Mi' <(printf '%s\n' "$OUT")
check "text: each source is listed" \
	grep -Eq '^    prod-b: clusters/prod-b/web/replicas.yaml:6$' <(printf '%s\n' "$OUT")
expect "text: ASCII glyphs outside UTF-8 locales" 0 '\^ /spec/replicas +=' \
	env LANG=C LC_ALL=C "$KDRIFT_BIN" compare web --repo "$repo"

KD compare web --clusters env=production --output json >"$T/compare.json"
check_eq "--clusters: only production" '["prod-a", "prod-b", "prod-c"]' \
	"$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["clusters"]))' "$T/compare.json")"
KD compare web --group-by region --output json >"$T/compare.json"
check_eq "--group-by region: prod-b is alone in its region, no odd one out" 'outlier=false' \
	"$(cell "${R[@]}" prod-b outlier)"
check_eq "--group-by region: the hotfix still is one" 'outlier=true' "$(cell "${I[@]}" prod-c outlier)"
KD compare web --all --output json >"$T/compare.json"
check_eq "--all: fields that agree are listed too" 'class="intentional" outlier=false' \
	"$(cell Service web /spec/ports/0/port stg-b class outlier)"
expect "compare of an app the fleet lacks is an error" 2 "has no app 'nope'" KD compare nope

# ---- explain ---------------------------------------------------------------------
# chain: "FILE:LINE STEP VALUE" per step
chain() {
	python3 -c 'import json,sys
d = json.load(sys.stdin)
print(json.dumps(d["value"]))
for e in d["chain"]: print("%s:%d %s %s%s" % (e["file"], e["line"], e["step"], json.dumps(e["value"]),
	"".join(" %s=%s" % (k, e[k]) for k in ("variable", "from", "key", "parameter", "label", "commit") if k in e)))'
}
check_eq "explain prod-b replicas: base, production overlay, prod-b's layer" \
	'5
base/web/deployment.yaml:8 resource 2
overlays/production/web/replicas.yaml:6 patch (strategic merge) 3
clusters/prod-b/web/replicas.yaml:6 patch (strategic merge) 5' \
	"$(KD explain prod-b web Deployment/web/web /spec/replicas --output json | chain)"
check_eq "explain stg-a replicas: the base only" '2
base/web/deployment.yaml:8 resource 2' \
	"$(KD explain stg-a web Deployment/web/web /spec/replicas --output json | chain)"
check_eq "explain prod-a memory: the accepted patch and its commit" "\"512Mi\"
clusters/prod-a/web/kdrift-accepted/deployment-web-web.yaml:14 accepted patch \"512Mi\" commit=$accepted" \
	"$(KD explain prod-a web Deployment/web/web /spec/template/spec/containers/0/resources/limits/memory --output json | chain)"
check_eq "explain: a reference to a generated name shows its generator" \
	'"web-config-mk2hb752cm"
base/web/deployment.yaml:22 resource "web-config"
base/web/kustomization.yaml:6 name reference (configMapGenerator (hash suffix)) "web-config-mk2hb752cm"' \
	"$(KD explain stg-b web Deployment/web/web /spec/template/spec/containers/0/envFrom/0/configMapRef/name --output json | chain)"
check_eq "explain: the namespace comes from the fleet file" '"web"
kdrift.yaml:18 app namespace "web"' \
	"$(KD explain prod-a web Deployment/web/web /metadata/namespace --output json | chain)"
expect "explain without a pointer lists every field, text" 0 '^/spec/replicas = 3$' \
	KD explain prod-c web Deployment/web/web
check "explain text: each step with its file, line, step and value" \
	grep -Eq '^  2\. overlays/production/web/replicas.yaml:6  patch \(strategic merge\)  3$' \
	<(printf '%s\n' "$OUT")
check "explain of a Secret masks the value along the chain" \
	grep -q '<masked:' <(KD explain stg-a web Secret/web/web-db /data/password)
check_eq "explain of a Secret shows no value" "" \
	"$(KD explain stg-a web Secret/web/web-db --output json | grep -E 'c3RhZ2luZy1wYXNzd29yZA|YmFzZS1wYXNzd29yZA')"
expect "explain of an object the app does not render is an error" 2 "renders no Deployment web/nope" \
	KD explain prod-a web Deployment/web/nope
expect "explain of a field the object lacks is an error" 2 "has no field /spec/nope" \
	KD explain prod-a web Deployment/web/web /spec/nope

# ---- topology --------------------------------------------------------------------
KD topology --output json >"$T/topology.json"
check_eq "topology --output json exits 0" 0 "$?"
field() {
	python3 - "$T/topology.json" "$@" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
kind, name, path = sys.argv[2:5]
for f in doc["apps"][0]["fields"]:
    if f["kind"] == kind and f["name"] == name and f["path"] == path:
        print(f["scope"], json.dumps(f["declaredIn"]), json.dumps(f["values"], sort_keys=True))
        break
else:
    print("no field")
EOF
}
check_eq "topology: replicas differ within production (cluster scope)" \
	'cluster ["base/web/deployment.yaml", "clusters/prod-b/web/replicas.yaml", "overlays/production/web/replicas.yaml"] {"prod-a": 3, "prod-b": 5, "prod-c": 3, "stg-a": 2, "stg-b": 2}' \
	"$(field Deployment web /spec/replicas)"
check_eq "topology: the log level is per environment" \
	'environment ["base/web/kustomization.yaml", "overlays/production/web/kustomization.yaml"] {"prod-a": "warn", "prod-b": "warn", "prod-c": "warn", "stg-a": "info", "stg-b": "info"}' \
	"$(field ConfigMap web-config /data/LOG_LEVEL)"
check_eq "topology: the image is fleet-wide" \
	'fleet ["base/web/deployment.yaml"] {"prod-a": "registry.example/web:1.0.0", "prod-b": "registry.example/web:1.0.0", "prod-c": "registry.example/web:1.0.0", "stg-a": "registry.example/web:1.0.0", "stg-b": "registry.example/web:1.0.0"}' \
	"$(field Deployment web /spec/template/spec/containers/0/image)"
contra() {
	python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["contradictions"]:
    if c["kind"] == sys.argv[2] and c["path"] == sys.argv[3]:
        print(c["type"], ",".join(c["clusters"]), ",".join(c["files"]))' "$T/topology.json" "$@"
}
check_eq "contradiction: the image is declared in the shared base but live differs in prod-c" \
	'shared-but-live-differs prod-c base/web/deployment.yaml' \
	"$(contra Deployment /spec/template/spec/containers/0/image)"
check_eq "contradiction: the owner annotation is declared per cluster but equal everywhere" \
	'per-cluster-but-equal prod-a,prod-b,prod-c,stg-a,stg-b clusters/prod-a/web/kustomization.yaml,clusters/prod-b/web/kustomization.yaml,clusters/prod-c/web/kustomization.yaml,clusters/stg-a/web/kustomization.yaml,clusters/stg-b/web/kustomization.yaml' \
	"$(contra Deployment /metadata/annotations/owner)"
expect "topology text: scopes, values and contradictions" 0 \
	'environment +ConfigMap web/web-config /data/LOG_LEVEL +production=warn +staging=info' \
	KD topology
check "topology text: the contradictions are listed apart" \
	grep -Eq '^  shared-but-live-differs  web Deployment web/web /spec/template/spec/containers/0/image: declared in base/web/deployment.yaml, shared by several clusters, but live differs in prod-c$' \
	<(printf '%s\n' "$OUT")

# ---- Flux and ApplicationSet fleets (rendered only) -------------------------------
frepo=$T/fleet
cp -r "$KDRIFT_ROOT/tests/fixtures/provenance/fleet" "$frepo"
git -C "$frepo" init -q && git -C "$frepo" add -A &&
	git -C "$frepo" -c user.name=Fixture -c user.email=fixture@example.com commit -qm "fleet"
check_eq "Flux: the replicas come from a postBuild variable, named with its ConfigMap and key" \
	'4
apps/web/deployment.yaml:10 resource "${REPLICAS}"
flux/clusters/one/vars.yaml:7 postBuild variable 4 variable=REPLICAS from=ConfigMap flux-system/cluster-vars key=REPLICAS' \
	"$("$KDRIFT_BIN" explain east flux Deployment/web/web /spec/replicas --repo "$frepo" --output json | chain)"
check_eq "ApplicationSet: the namespace comes from a cluster label through a parameter" \
	'"web-us-east"
kdrift.yaml:5 cluster label "us-east" label=region
argocd/web.yaml:20 ApplicationSet parameter "web-us-east" parameter=metadata.labels.region' \
	"$("$KDRIFT_BIN" explain east web ConfigMap/web-us-east/plain /metadata/namespace --repo "$frepo" --output json | chain)"
expect "explain text names the ConfigMap and key" 0 \
	'postBuild variable  4  \[variable REPLICAS, from ConfigMap flux-system/cluster-vars, key REPLICAS\]' \
	"$KDRIFT_BIN" explain east flux Deployment/web/web /spec/replicas --repo "$frepo"

tap_done
