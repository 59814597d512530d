#!/usr/bin/env bash
# Screen tests of the unmanaged node (kdrift ui --unmanaged): each cluster's
# objects made by hand under a node of their own (✎, ASCII #), who made them,
# the problem and name filters, Enter on one, no node in the app → cluster
# order, and names from the cluster shown inert.
# State: tests/fixtures/tui/unmanaged.json.  Then the same on the real
# engine against kubesim: an object made by hand before the UI starts, and
# one made while it is open, found at the next refresh.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tools/tap.sh"
. "$here/../kubesim/lib.bash"
. "$here/lib.bash"
export STATE=$TUI_FIXTURES/unmanaged.json

screen unmanaged_node <<'KEYS'
:cluster us-east-prod-1
l
KEYS
screen unmanaged_expanded <<'KEYS'
*
KEYS
screen unmanaged_ascii --ascii <<'KEYS'
:filter status extra
*
KEYS
screen unmanaged_enter_explains <<'KEYS'
:filter name debug-shell
*
/debug-shell
<Enter>
KEYS
screen unmanaged_problems_filter <<'KEYS'
f *
KEYS
screen unmanaged_not_in_pivot <<'KEYS'
p *
KEYS
# ---- on the engine --------------------------------------------------------------
T=$KS_TMP
repo=$T/repo
cp -r "$KDRIFT_ROOT/tests/fixtures/engine/repo" "$repo"
git -C "$repo" init -q && git -C "$repo" add -A && git -C "$repo" commit -qm "fleet" ||
	not_ok "fixture repository is committed"
if ! ks_start "$T/ks" --clusters alpha; then
	not_ok "kubesim starts" "$(cat "$T/ks/stderr")"
	tap_done
	exit 1
fi
export KUBECONFIG=$T/ks/kubeconfig
TOKEN=$(ks_admin_token)
cat >"$T/make" <<CTL
#!/usr/bin/env bash
# make NAME: a ConfigMap made by hand in alpha's shop namespace
curl -sfk -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -X POST \\
	"https://127.0.0.1:$KS_PORT/_kubesim/clusters/alpha/mutate" \\
	-d '{"action":"create","manager":"kubectl-create","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"'"\$1"'","namespace":"shop"},"data":{"k":"v"}}}' >/dev/null
CTL
chmod +x "$T/make"
check "desired state applied with kubectl" ks_deploy "$repo" "shop site" alpha
check "a ConfigMap made by hand before the UI starts" "$T/make" hand-made
cat >"$T/live.script" <<SCRIPT
*
wait-for ✎ ConfigMap shop/hand-made
:save-screen $T/live.1
!$T/make made-later
:refresh alpha
wait-for ✎ ConfigMap shop/made-later
:save-screen $T/live.2
:quit
SCRIPT
NO_COLOR=1 KDRIFT_SCRIPT="$T/live.script" LINES=30 COLUMNS=120 \
	"$KDRIFT_BIN" ui --repo "$repo" --cluster alpha --timeout 5s --unmanaged >"$T/live.stdout" 2>"$T/live.stderr"
check_eq "ui --unmanaged on the engine runs its script" "0 " "$? $(cat "$T/live.stderr")"
check "engine: the cluster's unmanaged node" grep -q '✎ unmanaged (1): in no app' "$T/live.1"
check "engine: the object with the manager that made it" \
	grep -q '✎ ConfigMap shop/hand-made  by kubectl-create' "$T/live.1"
check "engine: one made while the UI is open appears at the next refresh" \
	grep -q '✎ unmanaged (2): in no app' "$T/live.2"
printf '*\nwait-for ✓ site\n:save-screen %s\n:quit\n' "$T/plain.1" >"$T/plain.script"
NO_COLOR=1 KDRIFT_SCRIPT="$T/plain.script" LINES=30 COLUMNS=120 \
	"$KDRIFT_BIN" ui --repo "$repo" --cluster alpha --timeout 5s >"$T/plain.stdout" 2>&1
check "without --unmanaged: the same tree, without such a node" \
	sh -c "grep -q 'ConfigMap shop/web-config' '$T/plain.1' && ! grep -q unmanaged '$T/plain.1'"
tap_done
