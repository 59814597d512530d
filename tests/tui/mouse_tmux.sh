#!/usr/bin/env bash
# The mouse in a real terminal: tmux runs `kdrift ui` and is sent the bytes a
# terminal sends for a click or a wheel turn (SGR reports `ESC [ < B ; X ; Y M`
# for TERM=xterm-256color, X10 reports `ESC [ M b x y` for tmux-256color, as
# each terminfo entry's kmous says).  The mouse is opt-in: --mouse (or the
# settings file's `mouse: true`) turns the terminal's mouse mode on, --no-mouse
# overrides the file; a click moves the tree's cursor, a click on the cursor's
# row opens it, the wheel moves the cursor.  With the mouse off the same bytes
# are dropped: no key is typed by them (an X10 column byte can be `q`).
. "$(dirname "$0")/../tools/tap.sh"
. "$(dirname "$0")/../tools/tmux.bash"
tmux_suite mouse
fixture=$KDRIFT_ROOT/tests/fixtures/tui/fleet.json
mkdir -p "$T/config/kdrift" "$T/noconfig"

# start NAME TERM CONFIG-HOME OPTION...: kdrift ui in a 120x30 pane; the
# pane says EXITED when kdrift ends.
start() {
	local name=$1 term=$2 cfg=$3; shift 3
	tmux -S "$sock" -f /dev/null new-session -d -s "$name" -x 120 -y 30 \
		"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=$term XDG_CONFIG_HOME=$cfg XDG_STATE_HOME=$T/state \
		 '$KDRIFT_BIN' ui --state-file '$fixture' $*; echo EXITED; sleep 60"
	if wait_screen "$name" 'us-east-prod-1'; then ok "$name: kdrift ui $* comes up"
	else not_ok "$name: kdrift ui $* comes up" "$(cat "$T/$name.screen")"; fi
}

# The pane's mouse mode as the program asked for it (1 when any is on).
mouse_mode() { tmux -S "$sock" display -p -t "$1" '#{mouse_any_flag}'; }

send() { tmux -S "$sock" send-keys -t "$1" -l "$2"; }

# expect SESSION TEST PATTERN: the pane comes to show PATTERN.
expect() {
	if wait_screen "$1" "$3"; then ok "$2"
	else not_ok "$2" "$(cat "$T/$1.screen")"; fi
}

# --- who turns the terminal's mouse mode on ------------------------------------
printf 'mouse: true\n' >"$T/config/kdrift/config"
start off xterm-256color "$T/noconfig"
check_eq "mouse off by default" "0" "$(mouse_mode off)"
start on xterm-256color "$T/noconfig" --mouse
check_eq "--mouse turns the terminal's mouse mode on" "1" "$(mouse_mode on)"
start conf xterm-256color "$T/config"
check_eq "the settings file's mouse: true turns it on" "1" "$(mouse_mode conf)"
start flag xterm-256color "$T/config" --no-mouse
check_eq "--no-mouse overrides the settings file" "0" "$(mouse_mode flag)"
tmux -S "$sock" kill-session -t conf
tmux -S "$sock" kill-session -t flag

# --- mouse on, SGR reports (xterm-256color) -------------------------------------
# Screen row 5 (1-based) is the tree's third row: staging-eu-west.
send on $'\e[<0;10;5M\e[<0;10;5m'
expect on "sgr: a click moves the cursor to the row" '^ tree  line 3/4 '
send on $'\e[<65;10;5M'
expect on "sgr: the wheel down moves the cursor down" '^ tree  line 4/4 '
send on $'\e[<64;10;5M\e[<64;10;5M'
expect on "sgr: the wheel up moves the cursor up" '^ tree  line 2/4 '
# a click on the cursor's row (us-west-prod-1, screen row 4) opens it
send on $'\e[<0;10;4M\e[<0;10;4m'
expect on "sgr: a click on the cursor's row expands it" '^ tree  line 2/6 .*'
check "sgr: the expanded cluster shows its apps" grep -q '^  ▸ ✓ monitoring' "$T/on.screen"
tmux -S "$sock" kill-session -t on

# --- mouse on, X10 reports (tmux-256color): coordinates are 32 + 1-based -------
start x10 tmux-256color "$T/noconfig" --mouse
check_eq "x10: --mouse turns the mouse mode on" "1" "$(mouse_mode x10)"
send x10 $'\e[M *%\e[M#*%'
expect x10 "x10: a click moves the cursor to the row" '^ tree  line 3/4 '
send x10 $'\e[Ma*%'
expect x10 "x10: the wheel down moves the cursor down" '^ tree  line 4/4 '
tmux -S "$sock" kill-session -t x10

# --- mouse off: the same reports type nothing -----------------------------------
# Each burst is followed by j: once the cursor is on line 2 every byte before
# it was read, and it must have moved nothing, said nothing and quit nothing.
send off $'\e[<0;10;5M\e[<0;10;5m\e[<65;10;5M\e[<64;10;5M\e[<0;81;5M\e[<0;81;5m'
send off j
expect off "sgr, mouse off: the reports are dropped, keys still work" '^ tree  line 2/4 '
check "sgr, mouse off: no report byte was taken for a key" \
	sh -c '! grep -q "is not bound" "$1"' _ "$T/off.screen"
tmux -S "$sock" kill-session -t off
start xoff tmux-256color "$T/noconfig"
check_eq "x10: mouse off by default" "0" "$(mouse_mode xoff)"
# column 81 is the byte q, row 5 the byte %; wheel byte a, column byte Q (49)
send xoff $'\e[M q%\e[M#q%\e[MaQ%\e[M`Q%'
send xoff j
expect xoff "x10, mouse off: the reports are dropped, keys still work" '^ tree  line 2/4 '
check "x10, mouse off: a q in a report did not quit" sh -c '! grep -q EXITED "$1"' _ "$T/xoff.screen"
check "x10, mouse off: no report byte was taken for a key" \
	sh -c '! grep -q "is not bound" "$1"' _ "$T/xoff.screen"
tmux -S "$sock" kill-session -t xoff
tap_done
