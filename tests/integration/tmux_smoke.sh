#!/usr/bin/env bash
# kdrift's interactive UI in a real terminal: tmux runs `kdrift ui` on a
# 120x40 pseudo-terminal, keys go in with send-keys and the screen comes
# back with capture-pane.  Covers what the scripted screen tests cannot:
# terminal setup, key decoding, readline in the poll loop, resize
# (SIGWINCH), redraw and a clean exit.
. "$(dirname "$0")/../tools/tap.sh"
. "$(dirname "$0")/../tools/tmux.bash"
tmux_suite tmux
fixture=$KDRIFT_ROOT/tests/fixtures/tui/fleet.json

step() {
	local name=$1 pattern=$2
	shift 2
	[ $# -gt 0 ] && tmux -S "$sock" send-keys -t kd "$@"
	if wait_screen kd "$pattern"; then ok "$name"; else not_ok "$name" "$(cat "$T/kd.screen")"; fi
}

tmux -S "$sock" -f /dev/null new-session -d -s kd -x 120 -y 40 \
	"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color XDG_CONFIG_HOME=$T/config XDG_STATE_HOME=$T/state \
	 '$KDRIFT_BIN' ui --state-file '$fixture'; echo \"kdrift exited with \$?\"; sleep 60"
step "the tree comes up in a terminal" '^▸ ~ us-east-prod-1 +~3'
step "the status bar shows source and reachability" 'fleet.git@4be1c0d9f00d fetched 2m ago │ 3/4 clusters reachable'
step "keys expand the tree" '✓ ConfigMap monitoring/prometheus-config' '*'
step "the prompt takes a command (readline)" '\[filter: status=drifted\]' ':' 'filter status drif' Tab Enter
step "search and open the diff" 'replicas: 5 .*│.*replicas: 6 .*kubectl-scale' '/' 'auth' Enter d
tmux -S "$sock" resize-window -t kd -x 80 -y 30 2>/dev/null || tmux -S "$sock" resize-pane -t kd -x 80 -y 30
step "resize to 80 columns switches to the unified diff" '^ - Git \(desired\)  \+ live \(cluster\)'
step "Ctrl-L redraws" '^ \+   replicas: 6' C-l
step "the prompt echoes what is typed" '^:xyz' ':' 'xyz'
tmux -S "$sock" send-keys -t kd Escape
gone=1
deadline=$((SECONDS + 120))
while [ "$SECONDS" -lt "$deadline" ]; do
	tmux -S "$sock" capture-pane -p -t kd >"$T/screen"
	grep -q '^:xyz' "$T/screen" || { gone=0; break; }
	sleep 0.1
done
check_eq "escape leaves the prompt" 0 "$gone"
step "q closes the pane, Q quits with status 0" '^kdrift exited with 0' q Q
if grep -q $'\x1b' "$T/kd.screen"; then not_ok "no stray escape sequences"; else ok "no stray escape sequences"; fi
check "the prompt history was written" grep -q 'filter status drifted' "$T/state/kdrift/history"
tap_done
