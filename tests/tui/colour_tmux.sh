#!/usr/bin/env bash
# Colour in a real terminal: tmux runs `kdrift ui` with TERM=xterm-256color
# at 80 and 200 columns and `capture-pane -e` returns the screen with its
# SGR sequences.  The default theme must send colour (foreground or
# background SGR codes, 30-49 or 256-colour 38;5/48;5); NO_COLOR=1 must
# send none and still mark the cursor row with reverse video.
. "$(dirname "$0")/../tools/tap.sh"
. "$(dirname "$0")/../tools/tmux.bash"
tmux_suite colour
fixture=$KDRIFT_ROOT/tests/fixtures/tui/fleet.json

# The SGR parameters used on the screen, one a line (38;5;N kept together).
sgr_params() {
	grep -o $'\x1b\\[[0-9;]*m' "$1" | sed -e $'s/^\x1b\\[//' -e 's/m$//' |
		sed -E 's/(^|;)([34]8;5;[0-9]+)/\1\n\2\n/g' | tr ';' '\n' | grep -v '^$' | sort -u
}

start() {
	local name=$1 cols=$2 extra=$3
	tmux -S "$sock" -f /dev/null new-session -d -s "$name" -x "$cols" -y 30 \
		"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color $extra XDG_CONFIG_HOME=$T/config XDG_STATE_HOME=$T/state \
		 '$KDRIFT_BIN' ui --state-file '$fixture'; sleep 60"
}

for cols in 80 200; do
	start "c$cols" "$cols" ""
	if wait_screen -e "c$cols" 'us-east-prod-1'; then ok "colour $cols: the tree comes up"
	else not_ok "colour $cols: the tree comes up" "$(cat "$T/c$cols.screen")"; fi
	tmux -S "$sock" send-keys -t "c$cols" ':' 'cluster us-east-prod-1' Enter '/' 'api-gateway' Enter d
	wait_screen -e "c$cols" 'changed by' || true
	sgr_params "$T/c$cols.screen" >"$T/c$cols.sgr"
	check "colour $cols: the default theme sends colour SGR codes" \
		grep -Eq '^(3[0-7]|4[0-7]|9[0-7]|10[0-7]|[34]8;5;[0-9]+)$' "$T/c$cols.sgr"
	check "colour $cols: the diff's changed part has its own background" \
		grep -Eq '^48;5;[0-9]+$|^4[0-7]$' "$T/c$cols.sgr"
	tmux -S "$sock" kill-session -t "c$cols"

	start "m$cols" "$cols" "NO_COLOR=1"
	if wait_screen -e "m$cols" 'us-east-prod-1'; then ok "NO_COLOR $cols: the tree comes up"
	else not_ok "NO_COLOR $cols: the tree comes up" "$(cat "$T/m$cols.screen")"; fi
	sgr_params "$T/m$cols.screen" >"$T/m$cols.sgr"
	if grep -Eq '^(3[0-7]|4[0-7]|9[0-7]|10[0-7]|[34]8;5;[0-9]+)$' "$T/m$cols.sgr"; then
		not_ok "NO_COLOR $cols: no colour codes" "$(tr '\n' ' ' <"$T/m$cols.sgr")"
	else
		ok "NO_COLOR $cols: no colour codes"
	fi
	check "NO_COLOR $cols: the cursor row is reverse video" grep -qx 7 "$T/m$cols.sgr"
	tmux -S "$sock" kill-session -t "m$cols"
done
tap_done
