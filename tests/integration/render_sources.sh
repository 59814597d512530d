#!/usr/bin/env bash
# kdrift render with all three app sources (path with substitution,
# applicationSet, fluxKustomizations) read from a Git repository at a
# revision; render --all on that repository and on the demo fleet;
# render --dir --load-restrictor none against kubectl kustomize.
. "$(dirname "$0")/../tools/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
repo=$tmp/repo

# py EXPR FILE: evaluates EXPR with `objs` bound to the JSON array in FILE.
py() { python3 -c "import json,sys; objs=json.load(open(sys.argv[1])); print($1)" "$2"; }
obj() { echo "next(o for o in objs if o['kind']=='$1' and o['metadata']['name']=='$2')"; }

cp -r "$KDRIFT_ROOT/tests/fixtures/flux/repo" "$repo"
mkdir -p "$repo/argocd" "$repo/guestbook"
cat >"$repo/argocd/guestbook.yaml" <<'EOF'
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: guestbook, namespace: argocd}
spec:
  generators:
    - clusters:
        selector: {matchLabels: {env: production}}
  template:
    metadata: {name: '{{name}}-guestbook'}
    spec:
      project: default
      source: {repoURL: https://example.com/fleet.git, path: guestbook}
      destination: {server: '{{server}}', namespace: 'guestbook-{{metadata.labels.region}}'}
EOF
cat >"$repo/guestbook/cm.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: guestbook-ui}
data: {color: blue}
EOF
cat >"$repo/kdrift.yaml" <<'EOF'
apiVersion: kdrift.dev/v1alpha1
kind: Fleet
clusters:
  - name: prod
    labels: {env: production, region: eu}
apps:
  - name: web-plain
    path: apps/base
    namespace: web
    substitute: {replicas: "2", cluster_name: "{{name}}", api_token: none}
    substituteFrom: [{path: "clusters/{{name}}/vars.yaml"}, {path: "clusters/{{name}}/absent.yaml", optional: true}]
  - name: guestbook
    applicationSet: argocd/guestbook.yaml
  - name: flux
    fluxKustomizations: clusters/{{name}}
  - name: flux-generated
    fluxKustomizations: clusters/gen
EOF
(cd "$repo" && git init -q && git add -A && git commit -qm one) || not_ok "git commit"
rev1=$(git -C "$repo" rev-parse HEAD)
# A second revision changes a postBuild variable and the substitute value.
sed -i 's/region: eu-west/region: us-east/' "$repo/clusters/prod/vars.yaml"
sed -i 's/replicas: "2"/replicas: "4"/' "$repo/kdrift.yaml"
(cd "$repo" && git commit -qam two) || not_ok "git commit"

render() { "$KDRIFT_BIN" render --repo "$repo" "$@" --output json; }

# path app with substitute / substituteFrom, at both revisions
if render --revision "$rev1" prod web-plain >"$tmp/plain1.json" 2>"$tmp/err"; then
	check_eq "path app: substitute makes replicas a number" "2" \
		"$(py "$(obj Deployment web)['spec']['replicas']" "$tmp/plain1.json")"
	check_eq "path app: substituteFrom ConfigMap from Git at the revision" "eu-west" \
		"$(py "$(obj Deployment web)['metadata']['annotations']['region']" "$tmp/plain1.json")"
	check_eq "path app: namespace and template in substitute" "web prod" \
		"$(py "$(obj Deployment web)['metadata']['namespace'] + ' ' + $(obj Deployment web)['spec']['template']['spec']['containers'][0]['env'][0]['value']" "$tmp/plain1.json")"
else
	not_ok "render path app at a revision" "$(cat "$tmp/err")"
fi
if render prod web-plain >"$tmp/plain2.json" 2>"$tmp/err"; then
	check_eq "path app at HEAD sees the later commit" "4 us-east" \
		"$(py "str($(obj Deployment web)['spec']['replicas']) + ' ' + $(obj Deployment web)['metadata']['annotations']['region']" "$tmp/plain2.json")"
else
	not_ok "render path app at HEAD" "$(cat "$tmp/err")"
fi

# substituteFrom errors: a file that is missing (not optional), a document
# that is not a ConfigMap or Secret
bad=$tmp/bad
mkdir -p "$bad/app"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "${x}"}\n' >"$bad/app/cm.yaml"
cat >"$bad/kdrift.yaml" <<'EOF'
apiVersion: kdrift.dev/v1alpha1
kind: Fleet
clusters: [{name: one}]
apps:
  - {name: missing, path: app, substituteFrom: [{path: "vars/{{name}}.yaml"}]}
  - {name: wrong-kind, path: app, substituteFrom: [{path: app/cm.yaml}, {path: kdrift.yaml}]}
EOF
"$KDRIFT_BIN" render --worktree --repo "$bad" one missing >/dev/null 2>"$tmp/err"
check_eq "a missing substituteFrom file is an error" "2" "$?"
check "it names the expanded path" grep -q "vars/one.yaml" "$tmp/err"
"$KDRIFT_BIN" render --worktree --repo "$bad" one wrong-kind >/dev/null 2>"$tmp/err"
check_eq "a substituteFrom document of another kind is an error" "2" "$?"
check "it names the file and kind" grep -q "kdrift.yaml: substituteFrom documents must be ConfigMaps or Secrets, not Fleet" "$tmp/err"

# applicationSet app: all generated Applications, or one by name
if render --revision "$rev1" prod guestbook >"$tmp/as.json" 2>"$tmp/err"; then
	check_eq "applicationSet app: namespace from the template" "guestbook-eu" \
		"$(py "$(obj ConfigMap guestbook-ui)['metadata']['namespace']" "$tmp/as.json")"
else
	not_ok "render applicationSet app" "$(cat "$tmp/err")"
fi
if render --revision "$rev1" prod prod-guestbook >"$tmp/as1.json" 2>"$tmp/err"; then
	check_eq "a generated Application by name" "1" "$(py "len(objs)" "$tmp/as1.json")"
else
	not_ok "render a generated Application by name" "$(cat "$tmp/err")"
fi
"$KDRIFT_BIN" render --repo "$repo" prod nope >/dev/null 2>"$tmp/err"
check_eq "an unknown app exits 2" "2" "$?"
check "an unknown app lists the apps" grep -q "apps: web-plain, guestbook, flux, flux-generated" "$tmp/err"

# fluxKustomizations app
if render --revision "$rev1" prod flux >"$tmp/flux.json" 2>"$tmp/err"; then
	check_eq "flux app: Kustomization built with its overlay and postBuild" "prod-web shop 3 eu-west top-secret" \
		"$(py "' '.join(str(x) for x in [$(obj Deployment prod-web)['metadata']['name'], $(obj Deployment prod-web)['metadata']['namespace'], $(obj Deployment prod-web)['spec']['replicas'], $(obj Deployment prod-web)['metadata']['annotations']['region'], $(obj Deployment prod-web)['spec']['template']['spec']['containers'][0]['env'][2]['value']])" "$tmp/flux.json")"
	check_eq "flux app: dependsOn puts infrastructure before apps" "True" \
		"$(py "[o['metadata']['name'] for o in objs].index('shop') < [o['metadata']['name'] for o in objs].index('prod-web')" "$tmp/flux.json")"
else
	not_ok "render flux app" "$(cat "$tmp/err")"
fi
# a generated kustomization (no kustomization file under spec.path) with a
# targetNamespace, against kubectl kustomize on the kustomization the
# controller would write
gen=$tmp/gen
cp -r "$repo/infrastructure" "$gen"
printf 'namespace: target\nnamePrefix: gen-\nresources:\n- controllers/rbac.yaml\n- controllers/config.yaml\n- namespace.yaml\n- sub\n' >"$gen/kustomization.yaml"
if command -v kubectl >/dev/null && kubectl kustomize "$gen" >"$tmp/gen.want.yaml" 2>"$tmp/err" &&
	"$KDRIFT_BIN" convert "$tmp/gen.want.yaml" >"$tmp/gen.want.json"; then
	if render --revision "$rev1" prod flux-generated >"$tmp/gen.all.json" 2>"$tmp/err"; then
		python3 -c "import json,sys; o=json.load(open(sys.argv[1])); json.dump([x for x in o if x['kind'] != 'Kustomization'], open(sys.argv[2], 'w'))" \
			"$tmp/gen.all.json" "$tmp/gen.got.json"
		check "flux generated kustomization with targetNamespace and namePrefix equals kubectl kustomize" \
			python3 "$KDRIFT_ROOT/tests/tools/objects.py" "$tmp/gen.want.json" "$tmp/gen.got.json"
	else
		not_ok "render flux-generated" "$(cat "$tmp/err")"
	fi
else
	not_ok "kubectl kustomize of the generated kustomization" "$(cat "$tmp/err")"
fi

# strict substitution succeeds when every variable has a value or default;
# the vars file stands for a Secret that exists only in the cluster.
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: only-in-cluster, namespace: flux-system}\nstringData: {extra: x}\n' >"$tmp/vars.yaml"
check "flux app with --vars and --strict-substitution" render prod flux --vars "$tmp/vars.yaml" --strict-substitution

# render --all on the repository: every source, one table
if "$KDRIFT_BIN" render --repo "$repo" --revision "$rev1" --all >"$tmp/all.txt" 2>"$tmp/err"; then
	check "render --all prints the four apps" grep -Eq '^prod +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$' "$tmp/all.txt"
	check "render --all sums up" grep -q '^1 clusters, 4 apps, .* 0 failed$' "$tmp/all.txt"
else
	not_ok "render --all" "$(cat "$tmp/all.txt" "$tmp/err")"
fi
# one failing app: exit 2, the table and the error still printed
cat >>"$repo/kdrift.yaml" <<'EOF'
  - name: cycle
    fluxKustomizations: clusters/cycle
EOF
(cd "$repo" && git commit -qam three)
"$KDRIFT_BIN" render --repo "$repo" --all >"$tmp/all3.txt" 2>&1
check_eq "render --all exits 2 when an app fails" "2" "$?"
check "render --all still prints the apps that work" grep -Eq '^prod +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +error$' "$tmp/all3.txt"
check "render --all names the failure" grep -q 'prod/cycle: .*dependsOn cycle' "$tmp/all3.txt"

# the demo fleet: 15 clusters x 5 apps, no error
demo=$tmp/demo
cp -r "$KDRIFT_ROOT/tests/fixtures/demo-fleet" "$demo"
(cd "$demo" && git init -q && git add -A && git commit -qm demo)
if "$KDRIFT_BIN" render --repo "$demo" --all >"$tmp/demo.txt" 2>"$tmp/err"; then
	check_eq "demo fleet: 15 rows of 5 counts" "15" \
		"$(grep -Ec '^[a-z0-9-]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$' "$tmp/demo.txt")"
	check "demo fleet: no error" grep -q '^15 clusters, 5 apps, [0-9]* objects, 0 failed$' "$tmp/demo.txt"
else
	not_ok "render --all on the demo fleet" "$(cat "$tmp/demo.txt" "$tmp/err")"
fi

# --load-restrictor none, against kubectl kustomize
lr=$tmp/lr
mkdir -p "$lr/shared" "$lr/app"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\ndata: {a: b}\n' >"$lr/shared/cm.yaml"
printf 'resources: [../shared/cm.yaml]\nnamePrefix: x-\n' >"$lr/app/kustomization.yaml"
"$KDRIFT_BIN" render --dir "$lr/app" >/dev/null 2>&1
check_eq "render --dir refuses a file outside the kustomization by default" "2" "$?"
if command -v kubectl >/dev/null &&
	kubectl kustomize --load-restrictor LoadRestrictionsNone "$lr/app" >"$tmp/lr.want.yaml" 2>"$tmp/err"; then
	"$KDRIFT_BIN" convert "$tmp/lr.want.yaml" >"$tmp/lr.want.json"
	if "$KDRIFT_BIN" render --dir "$lr/app" --load-restrictor none --output json >"$tmp/lr.got.json" 2>"$tmp/err"; then
		check "render --dir --load-restrictor none equals kubectl kustomize" \
			python3 "$KDRIFT_ROOT/tests/tools/objects.py" "$tmp/lr.want.json" "$tmp/lr.got.json"
	else
		not_ok "render --dir --load-restrictor none" "$(cat "$tmp/err")"
	fi
else
	not_ok "kubectl kustomize --load-restrictor LoadRestrictionsNone" "$(cat "$tmp/err" 2>/dev/null)"
fi
"$KDRIFT_BIN" render --dir "$lr/app" --load-restrictor sometimes >/dev/null 2>&1
check_eq "an unknown load restrictor is a usage error" "2" "$?"

tap_done
