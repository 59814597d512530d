#!/usr/bin/env bash
# The compare view and the diff pane's provenance line, on the real engine
# against kubesim with the between-clusters fixture
# (tests/fixtures/between/repo, as tests/integration/between.sh): replicas
# 2 in the base, 3 in the production overlay, 5 in prod-b's own layer;
# prod-c's image hot-fixed with `kubectl set image`; a memory limit
# accepted into prod-a's layer.  The view must show what core's compare
# computes: classes by glyph (and attribute, in the mono theme), outliers
# first and marked, columns scrolled when they do not fit, Enter opening
# the cell's diff.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
source "$here/lib.bash"

source "$KDRIFT_ROOT/tests/fixtures/between/setup.bash"

between_start
between_hotfix
between_memory
check "prod-a's memory limit is accepted into its own layer" \
	"$KDRIFT_BIN" accept prod-a web Deployment/web/web --repo "$repo" --reason "batch jobs" --yes

# ui NAME COLUMNS [ENV...]: runs the script on stdin against the engine
ui() {
	local name=$1 cols=$2
	shift 2
	cat >"$T/$name.script"
	env "$@" KDRIFT_SCRIPT="$T/$name.script" LINES=30 COLUMNS="$cols" \
		"$KDRIFT_BIN" ui --repo "$repo" --timeout 5s >"$T/$name.stdout" 2>"$T/$name.stderr"
}
# row FILE TEXT: the screen line holding TEXT
row() { grep -m1 -F -- "$2" "$1"; }

# ---- 200 columns: every cluster fits ---------------------------------------------
ui wide 200 <<EOF
/web
c
:save-screen $T/wide.1
j
:save-screen $T/wide.2
l l
:save-screen $T/wide.3
:quit
EOF
check_eq "ui (200 columns) runs its script" "0 " "$? $(cat "$T/wide.stderr")"
check "the view names the app, its clusters and its outliers" \
	grep -Eq 'compare web: 5 clusters, grouped by env, 7 fields differ, 3 outliers' "$T/wide.1"
check "clusters are the columns, all five at 200 columns" \
	grep -Eq 'FIELD +prod-a +prod-b +prod-c +stg-a +stg-b' "$T/wide.1"
check_eq "no column is hidden at 200 columns" "" "$(grep -E '▶ [0-9]+ more' "$T/wide.1")"
# Outliers first, marked: replicas (prod-b's own layer), the image (prod-c's
# hotfix), the memory limit (accepted in prod-a only); then the rest.
check_eq "outliers come first, marked on the row" \
	"▲ Deployment web /spec/replicas
▲ Deployment web /spec/template/spec/containers/0/image
▲ Deployment web /spec/template/s…iners/0/resources/limits/memory
  ConfigMap web-config /metadata/name
  ConfigMap web-config /data/LOG_LEVEL" \
	"$(sed -n '4,8p' "$T/wide.1" | sed -E 's/^.(.) ((Deployment|ConfigMap|Secret) [^ ]+ [^ ]+) .*/\1 \2/')"
check "replicas: 3 3 intentional, prod-b's 5 is the outlier" \
	grep -Eq '^▶▲ Deployment web /spec/replicas +✓ 3 +✓ 5 ▲ +✓ 3 +✓ 2 +✓ 2 *$' "$T/wide.1"
check "image: prod-c's hotfix is drift, values shortened in the middle, an outlier" \
	grep -Eq '/0/image +✓ regis[^ ]*:1\.0\.0 +✓ [^ ]+ +~ regis…:1\.0\.0→regis…hotfix ▲ +✓ ' "$T/wide.1"
check "memory: prod-a's accepted value has its glyph" \
	grep -Eq 'memory +◆ 512Mi ▲ +✓ \(absent\)' "$T/wide.1"
check "the cell under the cursor is described: class and source" \
	grep -Eq 'prod-a /spec/replicas  intentional  Git 3  live 3  overlays/production/web/replicas.yaml:6' "$T/wide.1"
check "the legend lists every class and the outlier mark" \
	grep -Eq '✓ intentional +◆ accepted +~ drift +! break-glass +\+ missing +\? unknown +▲ outlier' "$T/wide.1"
check "moving down describes the image row's cell" \
	grep -Eq 'prod-a /spec/template/spec/containers/0/image  intentional' "$T/wide.2"
check "the drift cell names both values, the manager that wrote it and the source" \
	grep -Eq 'prod-c /spec/template/spec/containers/0/image  drift  ▲ outlier  Git "?registry.example/web:1.0.0"?  live "?registry.example/web:1.0.1-hotfix"?  base/web/deployment.yaml:19  by kubectl-set 20[0-9-]+T' "$T/wide.3"

# ---- 80 columns: the columns scroll ------------------------------------------------
ui narrow 80 <<EOF
/web
c
:save-screen $T/narrow.1
j l l
:save-screen $T/narrow.2
<Enter>
:save-screen $T/narrow.3
:quit
EOF
check_eq "ui (80 columns) runs its script" "0 " "$? $(cat "$T/narrow.stderr")"
check "at 80 columns some clusters are off to the right" grep -Eq '▶ [0-9]+ more' "$T/narrow.1"
check_eq "... and stg-b is not shown" "" "$(grep -E 'FIELD.*stg-b' "$T/narrow.1")"
check "the outlier mark stays on the row" grep -Eq '^▶▲ Deploym' "$T/narrow.1"
check "moving right keeps the cursor's cluster in view" grep -Eq 'FIELD.*prod-c' "$T/narrow.2"
check "the cursor is on prod-c's image, the hotfix" \
	grep -Eq 'prod-c /spec/template/spec/containers/0/image  drift  ▲ outlier' "$T/narrow.2"
check "Enter opens prod-c's diff of the Deployment" \
	grep -Eq 'Deployment web/web .*prod-c/web' "$T/narrow.3"
check "... showing the hotfixed image" grep -Eq '^ \+ .*web:1\.0\.1-hotfix +kubectl-set' "$T/narrow.3"
check_eq "... and the compare view is closed" "" "$(grep 'compare web:' "$T/narrow.3")"

# ---- mono: classes readable by attributes ------------------------------------------
ui mono 200 NO_COLOR=1 <<EOF
/web
c
:save-screen --attrs $T/mono.1
:quit
EOF
check_eq "ui (mono) runs its script" "0 " "$? $(cat "$T/mono.stderr")"
# The attribute codes under the image row (1 bold, 4 underline): the drift
# cell and the intentional ones differ without any colour.
attr_at() {
	python3 - "$1" "$2" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
cut = lines.index(next(l for l in lines if l.startswith("--- attributes")))
screen, codes = lines[:cut], lines[cut + 1:]
for n, l in enumerate(screen):
    if "/0/image" in l and sys.argv[2] in l:
        at = l.index(sys.argv[2])
        print(codes[n][at] if at < len(codes[n]) else "")
        break
PY
}
check_eq "mono: the drift cell is bold" 1 "$(attr_at "$T/mono.1" '~ regis')"
check_eq "mono: an intentional cell is underlined" 4 "$(attr_at "$T/mono.1" '✓ regis')"
check_eq "mono: the outlier mark on the row is bold" 1 "$(attr_at "$T/mono.1" '▲ Deployment')"

# ---- the provenance line in the diff pane --------------------------------------------
ui prov 200 <<EOF
:cluster prod-b
/Deployment web/web
d
<Tab>
Z
j j j j j j j j j j j
:save-screen $T/prov.1
k k k k k k k k k k k
:save-screen $T/prov.2
:quit
:quit
EOF
check_eq "ui (provenance) runs its script" "0 " "$? $(cat "$T/prov.stderr")"
check "the provenance of replicas in prod-b, newest layer first" \
	grep -q 'replicas: 5 ← clusters/prod-b/web/replicas.yaml:6 (patch (strategic merge)) ← overlays/production/web/replicas.yaml:6 (patch (strategic merge)) ← base/web/deployment.yaml:8 (resource)' \
	"$T/prov.1"
check_eq "the object's header line names no source" "" "$(grep -F ' ← ' "$T/prov.2")"

# ---- promote from the compare view (as tests/integration/promote.sh) ----------------
# P on prod-c's image cell: a layer prod-c does not include is refused with
# a message; the production overlay is previewed (every cluster whose desired
# state changes), confirmed by typing the production cluster's name, and
# committed.  Last, since it changes the repository.
start=$(git -C "$repo" rev-parse HEAD)
ui promote_refused 200 <<EOF
/web
c
j l l
P
type overlays/staging/web
<Enter>
type hotfix for all
<Enter>
:save-screen $T/promote_refused.1
:quit
EOF
check_eq "ui (promote refused) runs its script" "0 " "$? $(cat "$T/promote_refused.stderr")"
check "a layer prod-c does not include is refused, naming what it reaches" \
	grep -q 'promote failed: .*does not include overlays/staging/web' "$T/promote_refused.1"
check_eq "... and nothing is committed" "$start" "$(git -C "$repo" rev-parse HEAD)"
ui promote_cell 200 <<EOF
/web
c
j
P
:save-screen $T/promote_cell.1
:quit
EOF
check "P on a cell that is not drift is refused" \
	grep -q "promote: prod-a's /spec/template/spec/containers/0/image is intentional, not drift" \
	"$T/promote_cell.1"
cat >"$T/promote.script" <<EOF
/web
c
j l l
P
:save-screen $T/promote.ask
type overlays/production/web
<Enter>
type the hotfix is good
<Enter>
:save-screen $T/promote.preview
type prod-c
<Enter>
:save-screen $T/promote.done
:quit
EOF
KDRIFT_SCRIPT="$T/promote.script" LINES=60 COLUMNS=200 \
	"$KDRIFT_BIN" ui --repo "$repo" --timeout 5s >"$T/promote.stdout" 2>"$T/promote.stderr"
check_eq "ui (promote) runs its script" "0 " "$? $(cat "$T/promote.stderr")"
check "promote names the cell's field and cluster" \
	grep -q 'Promote Deployment web/web field /spec/template/spec/containers/0/image of cluster prod-c into a shared layer' \
	"$T/promote.ask"
check "... and asks for the shared layer first" grep -q '> shared layer:' "$T/promote.ask"
check "the preview names the patch in the production overlay" \
	grep -q -- '--- overlays/production/web/kdrift-accepted/deployment-web-web.yaml' "$T/promote.preview"
check "... the hotfixed image" grep -q 'image: registry.example/web:1.0.1-hotfix' "$T/promote.preview"
check "... every cluster whose desired state changes, as the CLI says" \
	grep -Pzq 'clusters whose desired state changes:[^\n]*\n[^\n]*prod-a: drifts until synced[^\n]*\n[^\n]*prod-b: drifts until synced[^\n]*\n[^\n]*prod-c: synced' \
	"$T/promote.preview"
check_eq "... staging is not listed" "" "$(grep -E 'stg-[ab]: ' "$T/promote.preview")"
check "... and prod-c, a production cluster, is confirmed by name" \
	grep -q 'type its name (prod-c)' "$T/promote.preview"
check_eq "the commit is in Git with the reason" "the hotfix is good" \
	"$(git -C "$repo" log -1 --format=%B | grep -x 'the hotfix is good')"
check "... listing the clusters it changes" \
	grep -Pzq 'Kdrift-Layer: overlays/production/web\nKdrift-Affects: prod-a\nKdrift-Affects: prod-b\nKdrift-Affects: prod-c\n' \
	<(git -C "$repo" log -1 --format=%B)
check_eq "... changing only the overlay" \
	"overlays/production/web/kdrift-accepted/deployment-web-web.yaml
overlays/production/web/kustomization.yaml" \
	"$(git -C "$repo" diff --name-only "$start" HEAD)"
check "the outcome names the commit" \
	grep -q "promoted Deployment web/web field /spec/template/spec/containers/0/image of prod-c into overlays/production/web: commit $(git -C "$repo" rev-parse --short=7 HEAD)" \
	"$T/promote.done"

[ -n "${KDRIFT_DEBUG_DIR:-}" ] && cp -r "$T" "$KDRIFT_DEBUG_DIR"
tap_done
