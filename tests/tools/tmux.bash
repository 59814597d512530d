# Shared by the suites that drive kdrift in a real tmux (sourced after
# tap.sh).  They set `sock` (the tmux server's socket) and `T` (their
# scratch directory) before calling, or let tmux_suite set both.

# tmux_require: the suite is skipped (and ends here) without tmux.
tmux_require() {
	if ! command -v tmux >/dev/null 2>&1; then
		ok "# SKIP tmux is not installed"
		tap_done
		exit 0
	fi
}

# tmux_suite NAME: tmux_require, then a scratch directory $T and the tmux
# socket $sock in it; at exit the tmux server stops and $T goes.
tmux_suite() {
	tmux_require
	T=$(mktemp -d "${TMPDIR:-/tmp}/kdrift-$1.XXXXXX")
	sock=$T/sock
	trap 'tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$T"' EXIT
}

# wait_screen [-e] SESSION PATTERN: until the pane shows a line matching
# PATTERN, the screen kept in $T/SESSION.screen (-e: with its escape
# sequences).  The bound only turns a broken build into a failure instead
# of a hang; a busy machine gets there well before it.
wait_screen() {
	local esc= deadline=$((SECONDS + 60))
	if [ "$1" = -e ]; then esc=-e; shift; fi
	while :; do
		tmux -S "$sock" capture-pane $esc -p -t "$1" >"$T/$1.screen" 2>/dev/null
		grep -Eq -- "$2" "$T/$1.screen" && return 0
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}
