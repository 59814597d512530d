#!/usr/bin/env bash
# kdrift init on the layouts people copy (tests/fixtures/init: Flux's
# kustomize-helm and multi-tenancy examples, Argo CD's example apps with
# ApplicationSets, the seed's base/overlays/clusters), each against a kubesim
# whose clusters are named as the layout's: the written fleet file names
# every cluster and app, and once the fleet is deployed `kdrift check` finds
# it clean.  Also: --dry-run writes nothing, an existing file is never
# replaced without --force, and what cannot be mapped is reported.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"

T=$KS_TMP
FIX=$KDRIFT_ROOT/tests/fixtures/init

# repo LAYOUT: a committed copy of the fixture in $T/LAYOUT.
repo() {
	rm -rf "${T:?}/$1"
	cp -r "$FIX/$1" "$T/$1" &&
		git -C "$T/$1" init -q && git -C "$T/$1" add -A &&
		git -C "$T/$1" -c user.name=t -c user.email=t@example.com commit -qm "$1"
}

# fleet FILE: "clusters: a b | apps: x y" as the fleet file lists them.
fleet() {
	python3 - "$1" <<'EOF'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
print("clusters: %s | apps: %s" % (" ".join(c["name"] for c in doc["clusters"]),
                                   " ".join(a["name"] for a in doc["apps"])))
EOF
}

# checked JSON: "cluster:app,app ..." of the apps with objects check
# reported per cluster.
checked() {
	python3 - "$1" <<'EOF'
import sys, json
doc = json.load(open(sys.argv[1]))
print(" ".join("%s:%s" % (c["name"], ",".join(a["name"] for a in c["apps"] if a["resources"])) for c in doc["clusters"]))
EOF
}

# start CLUSTERS: a kubesim of its own for one layout.
start() {
	[ -n "${KS_PID:-}" ] && ks_stop
	if ! ks_start "$T/ks-$1" --clusters "$1"; then
		not_ok "kubesim starts with $1" "$(cat "$T/ks-$1/stderr")"
		tap_done
		exit 1
	fi
	export KUBECONFIG=$T/ks-$1/kubeconfig
}

# layout LAYOUT CLUSTERS APPS CLEAN-CLUSTERS: init, check the file, deploy,
# check the fleet.  CLEAN-CLUSTERS are the clusters deployed to.
layout() {
	local name=$1 want=$2 apps=$3 deploy=$4 r=$T/$1
	check "$name: fixture committed" repo "$name"
	expect "$name: init --dry-run prints the fleet file" 0 '^apiVersion: kdrift.dev/v1alpha1$' \
		"$KDRIFT_BIN" init --repo "$r" --dry-run
	check_eq "$name: init --dry-run writes nothing" "no file" "$([ -e "$r/kdrift.yaml" ] && echo file || echo no file)"
	expect "$name: init writes kdrift.yaml" 0 "^wrote $r/kdrift.yaml: " "$KDRIFT_BIN" init --repo "$r"
	INIT_OUT=$OUT
	check_eq "$name: every cluster and app in the file" "$want" "$(fleet "$r/kdrift.yaml" 2>&1)"
	git -C "$r" add kdrift.yaml && git -C "$r" -c user.name=t -c user.email=t@example.com commit -qm fleet
	# shellcheck disable=SC2086
	check "$name: deployed as a GitOps controller would" ks_deploy "$r" "$apps" $deploy
	"$KDRIFT_BIN" check --repo "$r" --output json >"$T/$name.json" 2>"$T/$name.err"
	check_eq "$name: check finds the deployed fleet clean (exit 0)" "0" "$?$(cat "$T/$name.err")"
	CHECKED=$(checked "$T/$name.json" 2>&1)
	expect "$name: check's summary" 0 ', 0 drifted, 0 missing, 0 extra, 0 break-glass, 0 unknown' \
		"$KDRIFT_BIN" check --repo "$r"
}

# ---- Flux: kustomize-helm example -----------------------------------------
start production,staging,sandbox
repo flux-kustomize-helm
for c in production staging; do
	check "flux-kustomize-helm: the Flux CRDs in $c" K --context "$c" apply --server-side \
		--field-manager=argocd-controller -f "$T/flux-kustomize-helm/clusters/$c/flux-system/gotk-components.yaml"
done
layout flux-kustomize-helm "clusters: production staging | apps: flux-system" flux-system "production staging"
check_eq "flux-kustomize-helm: each cluster checked with the Flux app" \
	"production:flux-system staging:flux-system" "$CHECKED"
for want in 'clusters/production: Flux cluster production \(synced by Kustomization flux-system/flux-system' \
	'clusters/staging/apps.yaml: Flux Kustomization flux-system/apps -> ./apps/staging' \
	'clusters/production/infrastructure.yaml: Flux Kustomization flux-system/infra-configs -> ./infrastructure/configs' \
	'context sandbox: no cluster in the repository for it' \
	'context production-readonly: reaches the same API server as production'; do
	if printf '%s\n' "$INIT_OUT" | grep -Eq -- "$want"; then ok "flux-kustomize-helm: reports /$want/"
	else not_ok "flux-kustomize-helm: reports /$want/" "$INIT_OUT"; fi
done
check "flux-kustomize-helm: the fleet follows clusters/{{name}}" \
	grep -qx '    fluxKustomizations: "clusters/{{name}}"' "$T/flux-kustomize-helm/kdrift.yaml"
check "flux-kustomize-helm: an unmatched context is a comment under clusters" \
	grep -qx '  # - name: sandbox' "$T/flux-kustomize-helm/kdrift.yaml"
r=$T/flux-kustomize-helm
render_objs=$("$KDRIFT_BIN" render --repo "$r" production flux-system 2>&1 | grep -c '^kind: ')
live_pod=$(K --context production -n podinfo get deploy podinfo -o jsonpath='{.spec.replicas}' 2>&1)
check_eq "flux-kustomize-helm: production runs the production overlay's podinfo" "2" "$live_pod"
[ "${render_objs:-0}" -ge 12 ] && ok "flux-kustomize-helm: every Kustomization rendered ($render_objs objects)" ||
	not_ok "flux-kustomize-helm: every Kustomization rendered" "$render_objs objects"

# ---- refusing to overwrite, --force -----------------------------------------
before=$(sha256sum <"$r/kdrift.yaml")
expect "init refuses to replace an existing kdrift.yaml" 2 'kdrift.yaml exists; --force replaces it' \
	"$KDRIFT_BIN" init --repo "$r"
check_eq "the existing file is left as it was" "$before" "$(sha256sum <"$r/kdrift.yaml")"
printf '# edited by hand\n' >>"$r/kdrift.yaml"
edited=$(sha256sum <"$r/kdrift.yaml")
expect "init --dry-run beside an existing file prints it" 0 '^kind: Fleet$' "$KDRIFT_BIN" init --repo "$r" --dry-run
check_eq "init --dry-run leaves the existing file alone" "$edited" "$(sha256sum <"$r/kdrift.yaml")"
expect "init --force replaces it" 0 "^wrote $r/kdrift.yaml" "$KDRIFT_BIN" init --repo "$r" --force
check_eq "init --force wrote the same fleet again" "$before" "$(sha256sum <"$r/kdrift.yaml")"
check_eq "the file is readable like the repository's others" "644" "$(stat -c %a "$r/kdrift.yaml")"
check "no temporary file is left beside it" test -z "$(find "$r" -maxdepth 1 -name '*.tmp*' -o -maxdepth 1 -name '.kdrift*')"
expect "init on a URL is refused" 2 'not a local repository' "$KDRIFT_BIN" init --repo https://example.com/fleet.git
expect "init --kubeconfig naming a missing file fails" 2 'kdrift: init: ' \
	"$KDRIFT_BIN" init --repo "$r" --dry-run --kubeconfig "$T/absent.kubeconfig"
expect "kdrift help init" 0 'usage: kdrift init \[--repo PATH\] \[--kubeconfig FILE\] \[--force\] \[--dry-run\]' \
	"$KDRIFT_BIN" help init
expect "a commit without a fleet file suggests kdrift init and a commit" 2 \
	"no fleet file in .*run 'kdrift init' to write one, then commit it; --worktree reads it uncommitted" \
	"$KDRIFT_BIN" check --repo "$T/flux-kustomize-helm" --revision HEAD~1
mkdir -p "$T/bare-dir"
expect "a directory without a fleet file suggests kdrift init" 2 \
	"no fleet file in .*\(run 'kdrift init' to write one\)" \
	"$KDRIFT_BIN" check --repo "$T/bare-dir" --worktree
expect "another --fleet file is not what init writes" 2 \
	"other.yaml: no fleet file in .*check --fleet; 'kdrift init' writes kdrift.yaml" \
	"$KDRIFT_BIN" check --repo "$T/flux-kustomize-helm" --fleet other.yaml

# ---- Flux: multi-tenancy ------------------------------------------------------
start production,staging
repo flux-multi-tenancy
for c in production staging; do
	check "flux-multi-tenancy: the Flux CRDs in $c" K --context "$c" apply --server-side \
		--field-manager=argocd-controller -f "$T/flux-multi-tenancy/clusters/$c/flux-system/gotk-components.yaml"
done
layout flux-multi-tenancy "clusters: production staging | apps: flux-system" flux-system "production staging"
check_eq "flux-multi-tenancy: each cluster checked with the Flux app" \
	"production:flux-system staging:flux-system" "$CHECKED"
for want in 'clusters/staging/tenants.yaml: Flux Kustomization flux-system/tenants -> ./tenants/staging' \
	"tenants/base/dev-team/sync.yaml: Flux Kustomization apps/dev-team builds from GitRepository dev-team, not from this repository: not followed"; do
	if printf '%s\n' "$INIT_OUT" | grep -Eq -- "$want"; then ok "flux-multi-tenancy: reports /$want/"
	else not_ok "flux-multi-tenancy: reports /$want/" "$INIT_OUT"; fi
done
check_eq "flux-multi-tenancy: the tenant's objects are deployed from this repository" "dev-team" \
	"$(K --context staging -n apps get serviceaccount dev-team -o jsonpath='{.metadata.name}' 2>&1)"

# ---- Argo CD: ApplicationSets ---------------------------------------------------
start prod-us-east,staging-eu-west,dev-local
repo argocd-example-apps
# (kubesim lists its contexts by name)
layout argocd-example-apps "clusters: dev-local prod-us-east staging-eu-west | apps: guestbook kustomize-guestbook" \
	"guestbook kustomize-guestbook" "prod-us-east staging-eu-west dev-local"
check_eq "argocd-example-apps: the generators' Applications land on their clusters" \
	"dev-local:kustomize-guestbook prod-us-east:guestbook staging-eu-west:kustomize-guestbook" "$CHECKED"
a=$T/argocd-example-apps/kdrift.yaml
check "argocd-example-apps: env spelled as the cluster generator selects it, commented" \
	grep -Eq '^    labels: \{env: prod, region: us-east\}   # env guessed from "prod" in the name; region guessed from the name$' "$a"
check "argocd-example-apps: a list element's server given to the cluster it names" \
	grep -Eq '^    server: "https://staging-eu-west.example.com:6443"   # guessed: ' "$a"
check "argocd-example-apps: an unsupported generator is written commented out" \
	grep -qx '  #   applicationSet: applicationsets/pull-requests.yaml' "$a"
for want in 'applicationsets/pull-requests.yaml: ApplicationSet previews uses a scmProvider generator' \
	'apps/guestbook-app.yaml: Argo CD Application guestbook is not followed' \
	'ApplicationSet guestbook: its clusters generator selects 1 cluster' \
	'cluster dev-local: env=development, from "dev" in its name'; do
	if printf '%s\n' "$INIT_OUT" | grep -Eq -- "$want"; then ok "argocd-example-apps: reports /$want/"
	else not_ok "argocd-example-apps: reports /$want/" "$INIT_OUT"; fi
done
check_eq "argocd-example-apps: the guestbook runs where the cluster generator put it" "guestbook-ui" \
	"$(K --context prod-us-east -n guestbook get deploy guestbook-ui -o jsonpath='{.metadata.name}' 2>&1)"

# ---- the seed's base/overlays/clusters -------------------------------------------
start us-east-prod-1,eu-west-prod-1,staging-us-east,sandbox
repo kustomize-seed
layout kustomize-seed "clusters: eu-west-prod-1 staging-us-east us-east-prod-1 | apps: web worker" \
	"web worker" "us-east-prod-1 eu-west-prod-1 staging-us-east"
check_eq "kustomize-seed: worker only where the production overlay has it" \
	"eu-west-prod-1:web,worker staging-us-east:web us-east-prod-1:web,worker" "$CHECKED"
s=$T/kustomize-seed/kdrift.yaml
check "kustomize-seed: path apps clusters/{{name}}/APP" grep -qx '    path: "clusters/{{name}}/web"' "$s"
check "kustomize-seed: worker selects the production environment" \
	grep -qx '    clusters: {matchLabels: {env: production}}' "$s"
check "kustomize-seed: env read from the overlay, not guessed" \
	grep -Eq '^    labels: \{env: staging, region: us-east\}   # env from the overlays its apps build on; region guessed from the name$' "$s"
# A directory with no context, reported (and the fleet file still loads).
mkdir -p "$T/kustomize-seed/clusters/legacy-dc/web"
printf 'resources:\n  - ../../../overlays/production/web\n' >"$T/kustomize-seed/clusters/legacy-dc/web/kustomization.yaml"
expect "kustomize-seed: a cluster directory without a context is reported" 0 \
	'cluster legacy-dc: no kubeconfig context of that name' "$KDRIFT_BIN" init --repo "$T/kustomize-seed" --dry-run
check "kustomize-seed: ... and commented in the file" grep -Fq '# no kubeconfig context has this name' <<<"$OUT"
expect "kustomize-seed: an unused context is reported" 0 'context sandbox: no cluster in the repository for it' \
	"$KDRIFT_BIN" init --repo "$T/kustomize-seed" --dry-run

tap_done
