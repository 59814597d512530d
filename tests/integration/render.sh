#!/usr/bin/env bash
# kdrift render: plain directories against kubectl kustomize, fleet apps
# read from Git at two revisions, malformed input and path escapes.
. "$(dirname "$0")/../tools/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fixtures=$KDRIFT_ROOT/tests/fixtures/render
objects=$KDRIFT_ROOT/tests/tools/objects.py

# kubectl kustomize on a copy of DIR with a kustomization listing its manifests.
kustomize_listing() {
	local dir=$1 out=$2 copy files
	copy=$(mktemp -d "$tmp/k.XXXXXX")
	cp -r "$dir/." "$copy/"
	files=$(cd "$copy" && find . \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | LC_ALL=C sort | sed 's|^\./|- |')
	printf 'resources:\n%s\n' "$files" >"$copy/kustomization.yaml"
	kubectl kustomize "$copy" >"$out.yaml" && "$KDRIFT_BIN" convert --output json "$out.yaml" >"$out"
}

if ! command -v kubectl >/dev/null; then
	not_ok "kubectl is installed (the reference renderer)"
else
	for d in "$fixtures"/plain*; do
		name=$(basename "$d")
		if ! kustomize_listing "$d" "$tmp/$name.want.json" 2>"$tmp/err"; then
			not_ok "kubectl kustomize $name" "$(cat "$tmp/err")"
			continue
		fi
		if ! "$KDRIFT_BIN" render --dir "$d" --output json >"$tmp/$name.got.json" 2>"$tmp/err"; then
			not_ok "render --dir $name" "$(cat "$tmp/err")"
			continue
		fi
		check "render --dir $name equals kubectl kustomize" python3 "$objects" "$tmp/$name.want.json" "$tmp/$name.got.json"
	done
fi

# render --dir keeps path order and skips files that are not manifests.
"$KDRIFT_BIN" render --dir "$fixtures/plain" --output json >"$tmp/order.json" 2>&1
check_eq "plain directory order is path order" \
	"ConfigMap Deployment Service HorizontalPodAutoscaler Namespace ServiceAccount ClusterRole ClusterRoleBinding" \
	"$(python3 -c 'import json,sys; print(" ".join(o["kind"] for o in json.load(open(sys.argv[1]))))' "$tmp/order.json")"

# YAML output parses back to the same objects.
"$KDRIFT_BIN" render --dir "$fixtures/plain" >"$tmp/plain.yaml"
"$KDRIFT_BIN" convert --output json "$tmp/plain.yaml" >"$tmp/plain.back.json"
check "render YAML output round-trips" python3 "$objects" --ordered "$tmp/order.json" "$tmp/plain.back.json"

# A fleet repository with two revisions.
repo=$tmp/repo
mkdir -p "$repo/apps/web" "$repo/apps/broken" "$repo/apps/escape" "$repo/apps/cluster-ns"
cat >"$repo/kdrift.yaml" <<'YAML'
apiVersion: kdrift.dev/v1alpha1
kind: Fleet
clusters:
  - name: prod-1
    labels: {env: production}
    values: {escape: ../../outside}
  - name: dev-1
    labels: {env: development}
apps:
  - name: web
    path: apps/web
    namespace: web-{{metadata.labels.env}}
  - name: broken
    path: apps/broken
  - name: escape
    path: apps/{{values.escape}}
  - name: linked
    path: apps/link
  - name: filtered
    path: apps/filtered
    directory: {recurse: false, include: "{a.yaml,skip-me.yaml,b.json}", exclude: "skip-*"}
  - name: prod-only
    path: apps/web
    clusters: {matchLabels: {env: production}}
YAML
cat >"$repo/apps/web/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: web-reader
YAML
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [unclosed\n' >"$repo/apps/broken/broken.yaml"
mkdir -p "$repo/apps/filtered/sub"
for f in a skip-me c sub/d; do printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n' "${f#sub/}" >"$repo/apps/filtered/$f.yaml"; done
ln -s /etc "$repo/apps/link"
git -C "$repo" init -q -b main && git -C "$repo" add -A && git -C "$repo" commit -qm one
sed -i 's/replicas: 2/replicas: 5/' "$repo/apps/web/deploy.yaml"
git -C "$repo" commit -qam two
first=$(git -C "$repo" rev-parse HEAD~1)

out=$("$KDRIFT_BIN" render --repo "$repo" --output json prod-1 web 2>&1)
check_eq "render CLUSTER APP reads HEAD" "5" \
	"$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["spec"]["replicas"])' 2>&1)"
check_eq "app namespace template applied to namespaced objects only" "web-production -" \
	"$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[0]["metadata"].get("namespace","-"), d[1]["metadata"].get("namespace","-"))' 2>&1)"
out=$("$KDRIFT_BIN" render --repo "$repo" --revision "$first" --output json prod-1 web 2>&1)
check_eq "render --revision reads the older commit" "2" \
	"$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["spec"]["replicas"])' 2>&1)"
sed -i 's/replicas: 5/replicas: 7/' "$repo/apps/web/deploy.yaml"
out=$("$KDRIFT_BIN" render --repo "$repo" --worktree --output json prod-1 web 2>&1)
check_eq "render --worktree reads uncommitted files" "7" \
	"$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["spec"]["replicas"])' 2>&1)"
git -C "$repo" checkout -q -- .

out=$("$KDRIFT_BIN" render --repo "$repo" prod-1 broken 2>&1); rc=$?
check_eq "malformed YAML exits 2" 2 "$rc"
if printf '%s' "$out" | grep -Eq 'apps/broken/broken\.yaml:[0-9]+:[0-9]+: '; then
	ok "malformed YAML error names file:line:column"
else
	not_ok "malformed YAML error names file:line:column" "$out"
fi
check "other apps still render next to a broken one" "$KDRIFT_BIN" render --repo "$repo" dev-1 web

out=$("$KDRIFT_BIN" render --repo "$repo" prod-1 escape 2>&1); rc=$?
if [ "$rc" = 2 ] && printf '%s' "$out" | grep -q 'leaves the repository root'; then
	ok "an app path that expands to .. out of the repository is refused"
else
	not_ok "an app path that expands to .. out of the repository is refused" "$out"
fi
printf 'apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\nclusters: [{name: a}]\napps: [{name: x, path: ../x}]\n' >"$tmp/escape.yaml"
mkdir -p "$tmp/escape-repo" && cp "$tmp/escape.yaml" "$tmp/escape-repo/kdrift.yaml"
out=$("$KDRIFT_BIN" render --repo "$tmp/escape-repo" --worktree a x 2>&1); rc=$?
if [ "$rc" = 2 ] && printf '%s' "$out" | grep -q 'kdrift.yaml:4:.*leaves the repository root'; then
	ok "a fleet file path with .. out of the repository is refused at its line"
else
	not_ok "a fleet file path with .. out of the repository is refused at its line" "$out"
fi
out=$("$KDRIFT_BIN" render --repo "$repo" prod-1 linked 2>&1); rc=$?
if [ "$rc" = 2 ] && printf '%s' "$out" | grep -qi 'outside\|leaves\|symlink'; then
	ok "a symlink out of the repository is refused"
else
	not_ok "a symlink out of the repository is refused" "$out"
fi
out=$("$KDRIFT_BIN" render --repo "$repo" --output json dev-1 filtered 2>&1)
check_eq "directory include, exclude and recurse select the files" "a" \
	"$(printf '%s' "$out" | python3 -c 'import json,sys; print(" ".join(o["metadata"]["name"] for o in json.load(sys.stdin)))' 2>&1)"
out=$("$KDRIFT_BIN" render --repo "$repo" dev-1 prod-only 2>&1); rc=$?
check_eq "an app not deployed to the cluster is an error" 2 "$rc"
out=$("$KDRIFT_BIN" render --repo "$repo" nowhere web 2>&1); rc=$?
if [ "$rc" = 2 ] && printf '%s' "$out" | grep -q "no cluster 'nowhere'.*prod-1, dev-1"; then
	ok "an unknown cluster lists the known ones"
else
	not_ok "an unknown cluster lists the known ones" "$out"
fi

# render --dir against kubectl kustomize when files are symbolic links: the
# root-only rule is judged after links are followed, so a link leading out
# of the kustomization's directory is refused by both, and one that stays
# inside is read by both.
links=$tmp/links
mkdir -p "$links/app" "$links/outside"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: outside}\ndata: {k: outside}\n' >"$links/outside/cm.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: inside}\ndata: {k: inside}\n' >"$links/app/real.yaml"
ln -s ../outside/cm.yaml "$links/app/up.yaml"
ln -s real.yaml "$links/app/same.yaml"
ln -s "$links/outside/cm.yaml" "$links/app/abs.yaml"
for case in "resources: [up.yaml]" "resources: [same.yaml]" "resources: [abs.yaml]" \
	    "configMapGenerator: [{name: g, files: [abs.yaml]}]" "patches: [{path: up.yaml}]" \
	    "resources: [real.yaml]
patches: [{path: same.yaml}]"; do
	printf '%s\n' "$case" >"$links/app/kustomization.yaml"
	want=$(kubectl kustomize "$links/app" 2>/dev/null); krc=$?
	got=$("$KDRIFT_BIN" render --dir "$links/app" 2>&1); rc=$?
	name="render --dir with a linked file ($(printf '%s' "$case" | tr '\n' ' ')) as kubectl"
	if [ "$krc" != 0 ]; then
		if [ "$rc" = 2 ] && printf '%s' "$got" | grep -q 'is not in or below'; then ok "$name: refused"
		else not_ok "$name: refused" "$got"; fi
	else
		check_eq "$name: same objects" "$(printf '%s' "$want" | python3 -c 'import sys,yaml,json; print(json.dumps(list(yaml.safe_load_all(sys.stdin)),sort_keys=True))')" \
			"$(printf '%s' "$got" | python3 -c 'import sys,yaml,json; print(json.dumps(list(yaml.safe_load_all(sys.stdin)),sort_keys=True))' 2>&1)"
	fi
done

# Names and paths from the fleet file that would drive a terminal (an OSC
# title sequence, a colour escape, a bidi override) are shown inert in the
# table and in the errors of render --all.
hostile=$tmp/hostile
mkdir -p "$hostile"
printf 'apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\nclusters: [{name: a}]\napps: [{name: "x\\e]0;pwned\\a\\u202e", path: "p\\e[31m"}]\n' >"$hostile/kdrift.yaml"
"$KDRIFT_BIN" render --worktree --repo "$hostile" --all >"$tmp/hostile.out" 2>&1
check_eq "render --all with a hostile app name fails that app (exit 2)" 2 "$?"
check "render --all writes no escape, BEL or bidi byte" python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
sys.exit(1 if any(c in b for c in (b"\x1b", b"\x07", "\u202e".encode())) else 0)' "$tmp/hostile.out"
check "render --all shows the name inert" grep -qF 'x^[]0;pwned^G<U+202E>' "$tmp/hostile.out"

# Command-line errors.
"$KDRIFT_BIN" frobnicate >/dev/null 2>&1; check_eq "unknown command exits 2" 2 $?
"$KDRIFT_BIN" render --frob x y >/dev/null 2>&1; check_eq "unknown flag exits 2" 2 $?
"$KDRIFT_BIN" render --output xml --dir "$fixtures/plain" >/dev/null 2>&1; check_eq "unknown output format exits 2" 2 $?
check "kdrift --help lists render" sh -c "'$KDRIFT_BIN' --help | grep -q '^  render'"
check "kdrift help render shows its options" sh -c "'$KDRIFT_BIN' help render | grep -q -- '--revision'"
check "kdrift version" sh -c "'$KDRIFT_BIN' version | grep -Eq '^kdrift [0-9]+\.[0-9]+\.[0-9]+'"
tap_done
