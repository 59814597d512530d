#!/usr/bin/env bash
# The interactive UI on the real engine against kubesim: the tree as the
# engine publishes it, drift appearing while the tree is open (without the
# selection moving), a cluster becoming unreachable and recovering, and the
# diff pane of a live change with its field manager.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
source "$here/lib.bash"

T=$KS_TMP
repo=$T/repo
cp -r "$KDRIFT_ROOT/tests/fixtures/engine/repo" "$repo"
git -C "$repo" init -q && git -C "$repo" add -A && git -C "$repo" commit -qm "fleet" ||
	{ not_ok "fixture repository is committed"; tap_done; exit 1; }
if ! ks_start "$T/ks" --clusters alpha,beta,delta; then
	not_ok "kubesim starts" "$(cat "$T/ks/stderr")"
	tap_done
	exit 1
fi
ks_closed_kubeconfig >"$T/closed.kubeconfig"
export KUBECONFIG="$T/ks/kubeconfig:$T/closed.kubeconfig"
TOKEN=$(ks_admin_token)

# Control-API helpers, also called from the UI scripts through `!`.
cat >"$T/ctl" <<EOF
#!/usr/bin/env bash
# ctl mutate|faults CLUSTER JSON
verb=\$1 method=POST
[ "\$verb" = faults ] && method=PUT
curl -sfk -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
	-X \$method "https://127.0.0.1:$KS_PORT/_kubesim/clusters/\$2/\$verb" -d "\$3" >/dev/null
EOF
chmod +x "$T/ctl"

check "desired state applied with kubectl" ks_deploy "$repo" "shop site" alpha beta delta

# live NAME: runs the script on stdin against the engine, screens in $T/NAME.N
# (--timeout is long enough for the healthy clusters on a busy machine; only
# a hanging one reaches it)
live() {
	local name=$1
	cat >"$T/$name.script"
	NO_COLOR=1 KDRIFT_SCRIPT="$T/$name.script" LINES=40 COLUMNS=120 \
		"$KDRIFT_BIN" ui --repo "$repo" --timeout 15s >"$T/$name.stdout" 2>"$T/$name.stderr"
}

live tree <<EOF
*
:save-screen $T/tree.1
!$T/ctl mutate alpha '{"action":"scale","manager":"kubectl-scale","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"web","replicas":5}'
wait-for ~ Deployment shop/web
:save-screen --attrs $T/tree.2
/Deployment shop/web
d
:save-screen $T/tree.3
q -
!$T/ctl faults delta '{"hang": true}'
:refresh delta
wait-for ? delta
:save-screen $T/tree.4
!$T/ctl faults delta '{}'
:refresh delta
wait-for ✓ delta
:save-screen $T/tree.5
:quit
EOF
rc=$?; [ -n "${KDRIFT_DEBUG_DIR:-}" ] && cp -r "$T" "$KDRIFT_DEBUG_DIR"
check_eq "ui on the engine runs its script" "0 " "$rc $(cat "$T/tree.stderr")"
s1=$(cat "$T/tree.1" 2>/dev/null)
check "engine state: clusters and apps in the tree" grep -q '✓ alpha' "$T/tree.1"
check "engine state: the closed cluster is unknown with its reason" grep -Eq '\? gamma .*(refused|connect)' "$T/tree.1"
check "engine state: status bar counts reachable clusters" grep -q '3/4 clusters reachable' "$T/tree.1"
check "live drift appears while the tree is open" grep -q '~ Deployment shop/web' "$T/tree.2"
# The selection stayed on the first row (alpha) while markers changed below it
# (screen row 2: the title, the tree's header, then the tree).
cursor_row=$(awk '/^--- attributes/{f=1; n=0; next} f{ if ($0 ~ /^2222222222222222222222222222222222222222/) { print n; exit } n++ }' "$T/tree.2")
check_eq "the selection did not move when drift appeared" "2" "$cursor_row"
check "diff pane shows the live change" grep -q 'replicas: 5' "$T/tree.3"
check "diff pane attributes the change to its manager" grep -q 'kubectl-scale' "$T/tree.3"
check "a failing cluster turns unknown" grep -q '? delta' "$T/tree.4"
check "and recovers" grep -q '✓ delta' "$T/tree.5"

# The diff pane of an object healed by someone else while it is open (here
# the whole object unfolded): the pane's header says it is in sync with Git
# at the revision and the pane shows none of the old change, its unchanged
# rows folded again.
live heal <<EOF
:cluster alpha
/Deployment shop/web
wait-for ~ Deployment shop/web
d
<Tab>
Z
:save-screen $T/heal.1
!$T/ctl mutate alpha '{"action":"scale","manager":"someone-else","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"web","replicas":2}'
wait-for ✓ Deployment shop/web
:save-screen $T/heal.2
:quit
EOF
check_eq "heal: the script runs" "0 " "$? $(cat "$T/heal.stderr")"
check "heal: the pane first shows the change" grep -q 'replicas: 5' "$T/heal.1"
check "heal: the pane's header says synced with Git at the revision" \
	grep -Eq 'Deployment shop/web  ·  alpha/shop  ✓ synced with Git at [0-9a-f]{12}' "$T/heal.2"
check "heal: no row of the old change is left" sh -c '! grep -q "replicas: 5\|kubectl-scale" "$1"' _ "$T/heal.2"
check "heal: the unchanged rows are folded again" grep -Eq '⋯ [0-9]+ unchanged lines' "$T/heal.2"
tap_done
