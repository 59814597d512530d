#!/usr/bin/env bash
# What the command line does for a person at a terminal, through a
# pseudo-terminal (tests/tools/pty_run.py): a progress line on stderr while
# clusters are read (none when piped or with --quiet); one error when there
# is no kubeconfig at all; `kdrift diff` in colour and through $PAGER when
# taller than the screen (neither when piped, nor with --no-pager,
# --color=never or NO_COLOR); and the user's settings file
# ($XDG_CONFIG_HOME/kdrift/config) giving defaults that the environment
# and flags override.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"

T=$KS_TMP
PTY="python3 $KDRIFT_ROOT/tests/tools/pty_run.py"
ESC=$(printf '\033')
export XDG_CONFIG_HOME=$T/xdg XDG_STATE_HOME=$T/state
unset NO_COLOR KDRIFT_CONFIG_DIR PAGER LESS
repo=$T/repo
cp -r "$KDRIFT_ROOT/tests/fixtures/engine/repo" "$repo"
git -C "$repo" init -q && git -C "$repo" add -A && git -C "$repo" commit -qm "fleet" ||
	{ not_ok "fixture repository is committed"; tap_done; exit 1; }

# ---- no kubeconfig at all: one message, exit 2 -------------------------------
mkdir -p "$T/nohome"
for cmd in "check" "diff alpha" "compare shop" "ui"; do
	out=$(env -u KUBECONFIG HOME="$T/nohome" "$KDRIFT_BIN" $cmd --repo "$repo" </dev/null 2>&1); rc=$?
	check_eq "no kubeconfig: $cmd exits 2" 2 "$rc"
	check_eq "no kubeconfig: $cmd says so in one line, naming what it looked for" \
		"kdrift: ${cmd%% *}: no kubeconfig: --kubeconfig not given, \$KUBECONFIG not set and $T/nohome/.kube/config does not exist" \
		"$out"
done
out=$(KUBECONFIG=$T/gone-1:$T/gone-2 "$KDRIFT_BIN" check --repo "$repo" 2>&1); rc=$?
check_eq "a \$KUBECONFIG of missing files: exit 2" 2 "$rc"
check "... one line naming the files" sh -c \
	'[ "$(printf "%s\n" "$1" | wc -l)" = 1 ] && printf "%s" "$1" | grep -q "none of the files \$KUBECONFIG names exists ($2/gone-1:$2/gone-2)"' _ "$out" "$T"

if ! ks_start "$T/ks" --clusters alpha,beta,delta; then
	not_ok "kubesim starts" "$(cat "$T/ks/stderr")"
	tap_done
	exit 1
fi
ok "kubesim starts"
ks_closed_kubeconfig >"$T/closed.kubeconfig"
export KUBECONFIG="$T/ks/kubeconfig:$T/closed.kubeconfig"
TOKEN=$(ks_admin_token)
check "desired state applied with kubectl" ks_deploy "$repo" "shop site" alpha beta delta
curl -sk -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -X POST \
	"https://127.0.0.1:$KS_PORT/_kubesim/clusters/alpha/mutate" \
	-d '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"debug"}}}' >/dev/null

# A kubeconfig that exists but lacks a context keeps the per-cluster reason.
out=$("$KDRIFT_BIN" check --repo "$repo" --clusters env=staging 2>&1)
check "a context missing from an existing kubeconfig is still a cluster's unknown reason" \
	grep -q "gamma" <<<"$out"

# ---- progress ----------------------------------------------------------------
# delta hangs, so the read lasts the whole --timeout: long enough for the line.
curl -sk -H "Authorization: Bearer $TOKEN" -X PUT \
	"https://127.0.0.1:$KS_PORT/_kubesim/clusters/delta/faults" -d '{"hang": true}' >/dev/null
$PTY --stdout "$T/check.out" -- "$KDRIFT_BIN" check --repo "$repo" --timeout 2s >"$T/progress.tty"
check "progress: a line 'clusters N/M' on the terminal's stderr" \
	grep -Eq 'clusters [0-9]+/4' "$T/progress.tty"
check "progress: counts the unreachable cluster" grep -q 'unreachable' "$T/progress.tty"
check "progress: shows the seconds" grep -Eq '[0-9]+\.[0-9] s' "$T/progress.tty"
check "progress: redrawn in place and cleared at the end" \
	sh -c 'tail -c 8 "$1" | od -c | grep -q "\\\\r 033   \\[   K"' _ "$T/progress.tty"
check "progress: nothing of it on stdout" sh -c '! grep -q "clusters [0-9]" "$1" && grep -q "^summary:" "$1"' _ "$T/check.out"
$PTY --stdout "$T/check.out" -- "$KDRIFT_BIN" check --repo "$repo" --timeout 2s --quiet >"$T/quiet.tty"
check "progress: none with --quiet" sh -c '! grep -q "clusters [0-9]" "$1"' _ "$T/quiet.tty"
"$KDRIFT_BIN" check --repo "$repo" --timeout 2s >/dev/null 2>"$T/piped.err"
check "progress: none when stderr is not a terminal" sh -c '! grep -q "clusters [0-9]" "$1"' _ "$T/piped.err"
$PTY --stdout "$T/compare.out" -- "$KDRIFT_BIN" compare --repo "$repo" --timeout 2s shop >"$T/compare.tty"
check "progress: compare shows it too" grep -Eq 'clusters [0-9]+/' "$T/compare.tty"
curl -sk -H "Authorization: Bearer $TOKEN" -X PUT \
	"https://127.0.0.1:$KS_PORT/_kubesim/clusters/delta/faults" -d '{}' >/dev/null

# ---- diff: colour and pager --------------------------------------------------
cat >"$T/pager" <<PAGER
#!/bin/sh
echo "LESS=\$LESS" >"$T/pager.ran"
cat >"$T/paged"
PAGER
chmod +x "$T/pager"
export PAGER=$T/pager
rm -f "$T/pager.ran"
$PTY --rows 200 -- "$KDRIFT_BIN" diff --repo "$repo" alpha shop >"$T/diff.tty"
check "diff on a terminal: removed lines red" grep -q "${ESC}\[31m-" "$T/diff.tty"
check "diff on a terminal: added lines green" grep -q "${ESC}\[32m+" "$T/diff.tty"
check "diff on a terminal: hunk headers cyan" grep -q "${ESC}\[36m@@" "$T/diff.tty"
check "diff shorter than the screen: no pager" test ! -e "$T/pager.ran"
$PTY --rows 5 -- "$KDRIFT_BIN" diff --repo "$repo" alpha shop >"$T/diff5.tty"
check "diff taller than the screen: through \$PAGER" test -e "$T/pager.ran"
check_eq "... with LESS=FRX when LESS is unset" "LESS=FRX" "$(cat "$T/pager.ran" 2>/dev/null)"
check "... which gets the coloured diff" grep -q "${ESC}\[32m+" "$T/paged"
rm -f "$T/pager.ran"
$PTY --rows 5 -- env LESS=-S "$KDRIFT_BIN" diff --repo "$repo" alpha shop >/dev/null
check_eq "a LESS of the user's own is kept" "LESS=-S" "$(cat "$T/pager.ran" 2>/dev/null)"
$PTY --rows 5 -- env PAGER="$T/no-such-pager" "$KDRIFT_BIN" diff --repo "$repo" alpha shop >"$T/badpager.tty"
check "a pager that does not exist: the diff still reaches the terminal" \
	grep -q -- "--- git/alpha/shop" <(sed "s/${ESC}\[[0-9;]*m//g" "$T/badpager.tty")
rm -f "$T/pager.ran"
$PTY --rows 5 -- "$KDRIFT_BIN" diff --no-pager --repo "$repo" alpha shop >"$T/nopager.tty"
check "--no-pager: no pager" test ! -e "$T/pager.ran"
check "--no-pager: the diff on the terminal" grep -q -- "--- git/alpha/shop" <(sed "s/${ESC}\[[0-9;]*m//g" "$T/nopager.tty")
"$KDRIFT_BIN" diff --repo "$repo" alpha shop >"$T/diff.piped"
check "diff piped: no SGR codes" sh -c '! grep -q "$(printf "\033")" "$1" && grep -q "^-" "$1"' _ "$T/diff.piped"
check "diff piped: no pager however long" test ! -e "$T/pager.ran"
"$KDRIFT_BIN" diff --color=always --repo "$repo" alpha shop >"$T/diff.always"
check "--color=always: SGR codes even piped" grep -q "${ESC}\[31m-" "$T/diff.always"
check "--color=always: the text is the piped text once the codes are gone" \
	diff "$T/diff.piped" <(sed "s/${ESC}\[[0-9;]*m//g" "$T/diff.always")
$PTY --rows 200 -- "$KDRIFT_BIN" diff --color=never --repo "$repo" alpha shop >"$T/never.tty"
check "--color=never on a terminal: no SGR codes" sh -c '! grep -q "$(printf "\033")\[3" "$1"' _ "$T/never.tty"
$PTY --rows 200 -- env NO_COLOR=1 "$KDRIFT_BIN" diff --repo "$repo" alpha shop >"$T/nocolor.tty"
check "NO_COLOR on a terminal: no SGR codes" sh -c '! grep -q "$(printf "\033")\[3" "$1"' _ "$T/nocolor.tty"
"$KDRIFT_BIN" diff --side-by-side --color=always --repo "$repo" alpha shop >"$T/sbs.always"
check "side by side in colour: Git red, the cluster green" \
	sh -c 'grep -q "$(printf "\033")\[31m" "$1" && grep -q "$(printf "\033")\[32m" "$1"' _ "$T/sbs.always"
out=$("$KDRIFT_BIN" diff --color=sometimes --repo "$repo" alpha 2>&1 | head -1); 
check_eq "--color with another word is a usage error" \
	"kdrift: diff: --color is auto, always or never, not 'sometimes'" "$out"
unset PAGER

# ---- the user's settings file ------------------------------------------------
mkdir -p "$XDG_CONFIG_HOME/kdrift" "$T/elsewhere"
cat >"$XDG_CONFIG_HOME/kdrift/config" <<CFG
# defaults for kdrift
repo: $repo
kubeconfig: $T/ks/kubeconfig
CFG
out=$(cd "$T/elsewhere" && env -u KUBECONFIG "$KDRIFT_BIN" check --clusters env=production 2>&1); rc=$?
check_eq "settings file: its repo and kubeconfig are used (drift found, exit 1)" 1 "$rc"
check "... and the fleet read" grep -q "^summary: .* 1 drifted" <<<"$out"
out=$(cd "$T/elsewhere" && env -u KUBECONFIG "$KDRIFT_BIN" check --repo "$T/elsewhere" 2>&1); rc=$?
check "--repo overrides the file's repo" sh -c '[ "$1" = 2 ] && printf "%s" "$2" | grep -q "elsewhere"' _ "$rc" "$out"
out=$(cd "$T/elsewhere" && KUBECONFIG=$T/closed.kubeconfig "$KDRIFT_BIN" check --clusters env=production 2>&1); rc=$?
check "\$KUBECONFIG overrides the file's kubeconfig" sh -c '[ "$1" = 2 ] && printf "%s" "$2" | grep -q "unknown"' _ "$rc" "$out"
out=$(cd "$T/elsewhere" && env -u KUBECONFIG "$KDRIFT_BIN" check --kubeconfig "$T/closed.kubeconfig" \
	--clusters env=production 2>&1); rc=$?
check "--kubeconfig overrides the file's kubeconfig" sh -c '[ "$1" = 2 ]' _ "$rc"
check_eq "__complete reads the file's repo" "alpha beta gamma delta" \
	"$(cd "$T/elsewhere" && "$KDRIFT_BIN" __complete clusters --revision HEAD | tr '\n' ' ' | sed 's/ $//')"
cat >>"$XDG_CONFIG_HOME/kdrift/config" <<CFG
colour: always
CFG
out=$(cd "$T/elsewhere" && env -u KUBECONFIG "$KDRIFT_BIN" check --clusters env=production 2>&1 >/dev/null)
check_eq "a bad key: one warning with file:line:column, the rest still applies" \
	"kdrift: warning: $XDG_CONFIG_HOME/kdrift/config:4:1: unknown key 'colour' (known: theme, keymap, mouse, repo, kubeconfig)" \
	"$out"

# The UI: theme and keymap from the file, the flags first (script mode, a
# state file: no cluster is read).  The vim keymap binds O to expand-all,
# the default one does not; the light theme's attributes differ from the
# default's.
state=$KDRIFT_ROOT/tests/fixtures/tui/fleet.json
ui_screen() { # NAME KEYS UI-ARGS...
	local name=$1 keys=$2; shift 2
	printf '%s\n:save-screen --attrs %s\n' "$keys" "$T/$name.screen" >"$T/$name.script"
	KDRIFT_SCRIPT=$T/$name.script LINES=24 COLUMNS=100 LANG=C.UTF-8 TERM=xterm-256color \
		"$KDRIFT_BIN" ui --state-file "$state" "$@" >/dev/null 2>"$T/$name.err"
}
mv "$XDG_CONFIG_HOME/kdrift/config" "$T/config.cli"
ui_screen plain O
ui_screen vim_flag O --keymap vim --theme light
ui_screen default_flag O --theme light
ui_screen light_flag "" --theme light
ui_screen mono_flag "" --theme mono
printf 'keymap: vim\ntheme: light\nmouse: true\n' >"$XDG_CONFIG_HOME/kdrift/config"
ui_screen vim_file O
ui_screen light_file ""
ui_screen mono_over_file "" --theme mono
ui_screen default_keys_over_file O --keymap default
check "ui: the vim keymap's O differs from the default's (the test can fail)" \
	sh -c '! cmp -s "$1" "$2"' _ "$T/default_flag.screen" "$T/vim_flag.screen"
check "ui: keymap from the settings file" cmp -s "$T/vim_flag.screen" "$T/vim_file.screen"
check "ui: --keymap overrides the file" cmp -s "$T/default_flag.screen" "$T/default_keys_over_file.screen"
check "ui: the light theme shows in the attributes (the test can fail)" \
	sh -c '! cmp -s "$1" "$2"' _ "$T/plain.screen" "$T/default_flag.screen"
check "ui: the light theme differs from mono (the test can fail)" \
	sh -c '! cmp -s "$1" "$2"' _ "$T/light_flag.screen" "$T/mono_flag.screen"
check "ui: theme from the settings file" cmp -s "$T/light_flag.screen" "$T/light_file.screen"
check "ui: --theme overrides the file" cmp -s "$T/mono_flag.screen" "$T/mono_over_file.screen"
printf 'theme: 42\n' >"$XDG_CONFIG_HOME/kdrift/config"
ui_screen bad_file ""
check "ui: a settings file's problem is shown with file:line:column" \
	grep -q "config:1:1: theme: expected a string" "$T/bad_file.screen"
tap_done
