#!/usr/bin/env bash
# Promote: `kdrift accept CLUSTER APP OBJECT --to LAYER` against kubesim, on
# the seed's layout (tests/fixtures/between/repo: base/web,
# overlays/{production,staging}/web, clusters/<name>/web; three production
# and two staging clusters, replicas 5 in prod-b's own layer).  prod-c's
# hot-fixed image is promoted into the production overlay: prod-c is then
# synced, prod-a and prod-b drift on the image, staging is untouched, and
# kubectl kustomize of every cluster's path agrees with kdrift render.
# Refused: a layer the cluster does not include, and a value a closer layer
# overrides (prod-b's replicas).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"

source "$KDRIFT_ROOT/tests/fixtures/between/setup.bash"

between_start
KD() { "$KDRIFT_BIN" "$@" --repo "$repo"; }
IMG=/spec/template/spec/containers/0/image
between_hotfix
start=$(git -C "$repo" rev-parse HEAD)
overlay_before=$(cat "$repo/overlays/production/web/kustomization.yaml")

# ---- refusals ------------------------------------------------------------------
expect "a layer the cluster does not include is refused, naming what it includes" 2 \
	'does not include overlays/staging/web: it reaches clusters/prod-c/web, overlays/production/web, base/web' \
	KD accept prod-c web Deployment/web/web --reason "hotfix for all" --to overlays/staging/web --yes
expect "a directory the repository lacks is no layer either" 2 'does not include nowhere/web' \
	KD accept prod-c web Deployment/web/web --reason "hotfix for all" --to nowhere/web --yes
check "prod-b's replicas are scaled by hand" K --context prod-b -n web scale deployment/web --replicas=7
expect "a value a closer layer overrides is refused, naming the file and line" 2 \
	'clusters/prod-b/web/replicas.yaml:6 .*closer to cluster prod-b than overlays/production/web' \
	KD accept prod-b web Deployment/web/web --path /spec/replicas --reason "more everywhere" \
	--to overlays/production/web --yes
check_eq "nothing was committed by the refusals" "$start" "$(git -C "$repo" rev-parse HEAD)"
check "prod-b's replicas are put back" K --context prod-b -n web scale deployment/web --replicas=5

# ---- the preview ---------------------------------------------------------------
expect "the preview names every cluster whose desired state changes" 0 \
	'^clusters whose desired state changes:$' \
	KD accept prod-c web Deployment/web/web --reason "the hotfix is good" --to overlays/production/web --dry-run
preview=$OUT
check_eq "... prod-a and prod-b will drift, prod-c is synced, staging is not listed" \
	"  prod-a: drifts until synced
  prod-b: drifts until synced
  prod-c: synced" "$(printf '%s\n' "$preview" | grep -E '^  (prod|stg)-[a-z]+: ')"
check "... the patch goes to the production overlay" \
	grep -q '^--- overlays/production/web/kdrift-accepted/deployment-web-web.yaml$' <(printf '%s\n' "$preview")
check "... and is listed in its kustomization" \
	grep -Eq '^ *- path: kdrift-accepted/deployment-web-web.yaml$' <(printf '%s\n' "$preview")
check_eq "a dry run commits nothing" "$start" "$(git -C "$repo" rev-parse HEAD)"

# ---- the promote ---------------------------------------------------------------
expect "promote prod-c's image into the production overlay" 0 \
	'committed [0-9a-f]{40} to branch main; not pushed' \
	KD accept prod-c web Deployment/web/web --reason "the hotfix is good" --to overlays/production/web --yes
check "... the summary counts the clusters" \
	grep -q '^3 clusters changed in Git, 2 of them drifting until synced$' <(printf '%s\n' "$OUT")
msg=$(git -C "$repo" log -1 --format=%B)
check "the commit message lists the clusters and what they will do" \
	grep -Pzq 'Clusters whose desired state changes:\n  prod-a: drifts until synced\n  prod-b: drifts until synced\n  prod-c: synced\n' \
	<(printf '%s\n' "$msg")
check "... with the layer and each cluster as trailers" \
	grep -Pzq 'Kdrift-Cluster: prod-c\nKdrift-Layer: overlays/production/web\nKdrift-Affects: prod-a\nKdrift-Affects: prod-b\nKdrift-Affects: prod-c\n' \
	<(printf '%s\n' "$msg")
check_eq "... and only the overlay's files changed" \
	"overlays/production/web/kdrift-accepted/deployment-web-web.yaml
overlays/production/web/kustomization.yaml" \
	"$(git -C "$repo" diff --name-only "$start" HEAD)"
check_eq "the overlay's kustomization keeps its comments and layout: one line added" \
	"$overlay_before" \
	"$(git -C "$repo" show HEAD:overlays/production/web/kustomization.yaml | grep -v 'kdrift-accepted/deployment-web-web.yaml')"
check_eq "... right after the patch already listed" "  - path: replicas.yaml
  - path: kdrift-accepted/deployment-web-web.yaml" \
	"$(git -C "$repo" show HEAD:overlays/production/web/kustomization.yaml | sed -n '5,6p')"
check "the work tree follows the branch" git -C "$repo" diff --quiet HEAD

# state CLUSTER: "STATUS path..." of the Deployment
KD check --output json >"$T/check.json" 2>/dev/null
state() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for c in d["clusters"]:
    if c["name"] != sys.argv[2]: continue
    for a in c["apps"]:
        for r in a["resources"]:
            if r["kind"] == "Deployment" and r["name"] == "web":
                print(" ".join([r["status"]] + [f["path"] for f in r["diffs"]]))' "$T/check.json" "$1"
}
check_eq "prod-c is synced" "synced" "$(state prod-c)"
check_eq "prod-a drifts on the image" "drifted $IMG" "$(state prod-a)"
check_eq "prod-b drifts on the image" "drifted $IMG" "$(state prod-b)"
check_eq "stg-a is untouched" "synced" "$(state stg-a)"
check_eq "stg-b is untouched" "synced" "$(state stg-b)"
check_eq "every other object is synced everywhere" "" \
	"$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for c in d["clusters"]:
    for a in c["apps"]:
        for r in a["resources"]:
            if r["status"] != "synced" and r["kind"] != "Deployment": print(c["name"], r["kind"], r["name"], r["status"])' "$T/check.json")"

KD compare web --output json >"$T/compare.json"
check_eq "compare: production's desired image comes from the accepted patch in the overlay" \
	'prod-a desired="registry.example/web:1.0.1-hotfix" class="drift" source="overlays/production/web/kdrift-accepted/deployment-web-web.yaml:11"
prod-c desired="registry.example/web:1.0.1-hotfix" class="accepted" source="overlays/production/web/kdrift-accepted/deployment-web-web.yaml:11"
stg-a desired="registry.example/web:1.0.0" class="intentional" source="base/web/deployment.yaml:19"' \
	"$(python3 -c 'import json,sys
for f in json.load(open(sys.argv[1]))["fields"]:
    if f["kind"] == "Deployment" and f["path"] == sys.argv[2]:
        for c in ("prod-a", "prod-c", "stg-a"):
            x = f["cells"][c]
            print(c, "desired=%s class=%s source=%s" % (json.dumps(x["desired"]), json.dumps(x["class"]), json.dumps(x["source"])))' "$T/compare.json" "$IMG")"

# ---- kubectl kustomize agrees with kdrift render, cluster by cluster -------------
for c in prod-a prod-b prod-c stg-a stg-b; do
	if kubectl kustomize "$repo/clusters/$c/web" >"$T/$c.yaml" 2>"$T/$c.err" &&
		"$KDRIFT_BIN" convert "$T/$c.yaml" >"$T/$c.want.json" 2>>"$T/$c.err" &&
		"$KDRIFT_BIN" render "$c" web --repo "$repo" --output json >"$T/$c.got.json" 2>>"$T/$c.err"; then
		# kdrift applies the fleet file's namespace, kubectl knows nothing of it
		python3 -c 'import json,sys
objs = json.load(open(sys.argv[1]))
for o in objs: o.setdefault("metadata", {}).setdefault("namespace", "web")
json.dump(objs, open(sys.argv[1], "w"))' "$T/$c.want.json"
		check "kubectl kustomize clusters/$c/web equals kdrift render $c web" \
			python3 "$KDRIFT_ROOT/tests/tools/objects.py" --ordered "$T/$c.want.json" "$T/$c.got.json"
	else
		not_ok "kubectl kustomize and kdrift render $c web" "$(cat "$T/$c.err")"
	fi
done
check_eq "the production clusters render the promoted image, staging the base's" \
	"prod-a registry.example/web:1.0.1-hotfix
prod-b registry.example/web:1.0.1-hotfix
prod-c registry.example/web:1.0.1-hotfix
stg-a registry.example/web:1.0.0
stg-b registry.example/web:1.0.0" \
	"$(for c in prod-a prod-b prod-c stg-a stg-b; do
		printf '%s %s\n' "$c" "$(python3 -c 'import json,sys
print([o for o in json.load(open(sys.argv[1])) if o["kind"] == "Deployment"][0]["spec"]["template"]["spec"]["containers"][0]["image"])' "$T/$c.got.json")"
	done)"

# ---- promoting again changes nothing ---------------------------------------------
head=$(git -C "$repo" rev-parse HEAD)
expect "prod-c is synced now: nothing to promote" 0 'is synced: nothing to accept' \
	KD accept prod-c web Deployment/web/web --reason "again" --to overlays/production/web --yes
check_eq "... and nothing is committed" "$head" "$(git -C "$repo" rev-parse HEAD)"

tap_done
