# Helpers for kdrift's scripted screen tests (not a suite: run.sh runs *.sh);
# source after tests/tools/tap.sh.
#
#   screen NAME [OPTION...] <<'EOF'      runs `kdrift ui --state-file` (by
#   KEYS...                              default tests/fixtures/tui/fleet.json)
#   EOF                                  with the script on stdin, saves the
#                                        screen at the end and compares it with
#                                        tests/tui/expected/NAME.txt
#
# Environment: LINES / COLUMNS (default 30 x 120), STATE (fixture file),
# ATTRS=1 (dump attributes too), KDRIFT_UPDATE=1 (rewrite the expected
# screens instead of comparing; review them with git diff).
TUI_FIXTURES=$KDRIFT_ROOT/tests/fixtures/tui
TUI_EXPECTED=$KDRIFT_ROOT/tests/tui/expected
TUI_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kdrift-tui.XXXXXX")
# (kubesim's lib.bash may have set its own cleanup: keep it)
trap 'rm -rf "$TUI_TMP"; if declare -F ks_cleanup >/dev/null; then ks_cleanup; fi' EXIT
export TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color
# Never the user's keys, theme or history.
export XDG_CONFIG_HOME=$TUI_TMP/config XDG_STATE_HOME=$TUI_TMP/state
unset NO_COLOR KDRIFT_CONFIG_DIR

# Masks are keyed per process: equal within one screen, different across runs.
normalize() { sed -e "s|$TUI_TMP|\$TMP|g" -e 's/<masked:[0-9a-f]\{12\}>/<masked:############>/g' -e 's/^ [0-2][0-9]:[0-5][0-9]:[0-5][0-9] / HH:MM:SS /' "$1"; }

# run_ui NAME OPTION... : runs the script $TUI_TMP/NAME.script; output in NAME.out
run_ui() {
	local name=$1; shift
	local attrs=""
	[ "${ATTRS:-0}" = 1 ] && attrs="--attrs "
	printf ':save-screen %s%s\n' "$attrs" "$TUI_TMP/$name.out" >>"$TUI_TMP/$name.script"
	KDRIFT_SCRIPT="$TUI_TMP/$name.script" LINES=${LINES:-30} COLUMNS=${COLUMNS:-120} \
		"$KDRIFT_BIN" ui --state-file "${STATE:-$TUI_FIXTURES/fleet.json}" "$@" \
		>"$TUI_TMP/$name.stdout" 2>"$TUI_TMP/$name.stderr"
}

screen() {
	local name=$1; shift
	local expected=$TUI_EXPECTED/$name.txt rc
	cat >"$TUI_TMP/$name.script"
	run_ui "$name" "$@"; rc=$?
	if [ $rc -ne 0 ] || [ ! -f "$TUI_TMP/$name.out" ]; then
		not_ok "$name" "kdrift ui exited with $rc: $(cat "$TUI_TMP/$name.stderr")"
		return
	fi
	normalize "$TUI_TMP/$name.out" >"$TUI_TMP/$name.norm"
	if [ "${KDRIFT_UPDATE:-0}" = 1 ]; then
		cp "$TUI_TMP/$name.norm" "$expected"
		ok "$name (expected screen written)"
	elif [ ! -f "$expected" ]; then
		not_ok "$name" "no expected screen $expected (KDRIFT_UPDATE=1 writes it)"
	elif diff -u "$expected" "$TUI_TMP/$name.norm" >"$TUI_TMP/$name.diff"; then
		ok "$name"
	else
		not_ok "$name" "$(cat "$TUI_TMP/$name.diff")"
	fi
}

# The raw dump of the last screen() call, for extra checks.
last_screen() { cat "$TUI_TMP/$1.out"; }
