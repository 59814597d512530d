#!/usr/bin/env bash
# Git changes on the screen, in script mode:
#  - the status bar's pending state: a revision seen and not rendered yet
#    shows as "rendering abc1234…" beside the revision still on screen
#    (from a state file, at 120 and 80 columns);
#  - after an accept from the UI the engine is nudged at once: the very
#    next step (the script waits only for the engine to be idle, never for
#    text) shows the object no longer drifted and the status bar at the new
#    commit, long before the first Git fetch (a minute after start).
# A commit from another process is tmux's to show: gitwatch_tmux.sh.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
source "$here/lib.bash"

T=$KS_TMP

# --- pending, from a state file ----------------------------------------------
python3 - "$TUI_FIXTURES/fleet.json" "$T/pending.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["source"]["pending"] = "9c0ffee5d1e2a3b4c5d6e7f8091a2b3c4d5e6f70"
json.dump(d, open(sys.argv[2], "w"))
EOF
for cols in 120 80; do
	printf '' >"$TUI_TMP/pending$cols.script"
	COLUMNS=$cols STATE=$T/pending.json run_ui "pending$cols"
	check "pending $cols: the status bar says which commit is rendering" \
		grep -Eq '(rendering|→) 9c0ffee…' "$TUI_TMP/pending$cols.out"
	check "pending $cols: the revision on screen is still the rendered one" \
		grep -q '@4be1c0d' "$TUI_TMP/pending$cols.out"
done
printf '' >"$TUI_TMP/none.script"
run_ui none
if grep -q 'rendering' "$TUI_TMP/none.out"; then
	not_ok "nothing pending: no rendering marker" "$(cat "$TUI_TMP/none.out")"
else
	ok "nothing pending: no rendering marker"
fi

# --- accept: the nudge -----------------------------------------------------------
source "$KDRIFT_ROOT/tests/fixtures/engine/setup.bash"
engine_fleet_start
export KUBECONFIG=$T/ks/kubeconfig
check "desired state applied with kubectl" ks_deploy "$repo" "shop site" alpha beta delta
K --context alpha -n site patch configmap page --type merge -p '{"data":{"title":"Hello alpha"}}' >/dev/null
before=$(git -C "$repo" rev-parse --short=7 main)

cat >"$T/accept.script" <<EOF
:cluster alpha
/ConfigMap site/page
wait-for ~ ConfigMap site/page
:save-screen $T/accept.before
a
type title wording agreed with marketing
<Enter>
<Enter>
type alpha
<Enter>
:save-screen $T/accept.after
:quit
EOF
KDRIFT_SCRIPT="$T/accept.script" LINES=40 COLUMNS=120 \
	"$KDRIFT_BIN" ui --repo "$repo" --timeout 10s >"$T/accept.stdout" 2>"$T/accept.stderr"
check_eq "accept: the script runs" "0 " "$? $(cat "$T/accept.stderr")"
after=$(git -C "$repo" rev-parse --short=7 main)
check "accept: a commit was made" test "$before" != "$after"
check "accept: before, the status bar shows the old commit" grep -q "@$before" "$T/accept.before"
check "accept: before, the object is drifted" grep -q '~ ConfigMap site/page' "$T/accept.before"
check "accept: the next screen shows the new commit" grep -q "@$after" "$T/accept.after"
if grep -q '~ ConfigMap site/page' "$T/accept.after"; then
	not_ok "accept: the next screen shows the object synced" "$(cat "$T/accept.after")"
else
	check "accept: the next screen shows the object synced" grep -q '✓ ConfigMap site/page' "$T/accept.after"
fi
if grep -q 'rendering' "$T/accept.after"; then
	not_ok "accept: nothing is pending once the render landed" "$(cat "$T/accept.after")"
else
	ok "accept: nothing is pending once the render landed"
fi
tap_done
