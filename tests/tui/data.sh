#!/usr/bin/env bash
# The TUI's data stays consistent: compiled-in keymaps and themes equal the
# files in keymaps/ and themes/, the man page's action table equals the
# action list, every action has a default key, and the built-in keymaps and
# themes load without a warning.
. "$(dirname "$0")/../tools/tap.sh"
. "$(dirname "$0")/lib.bash"
cd "$KDRIFT_ROOT" || exit 2

check "compiled_in_data_matches_files" python3 tests/tui/embed.py --check

# The roff rows of the action table, from the binary's action list.
man_table() {
	"$KDRIFT_BIN" ui --list-actions | awk -F '\t' '
		BEGIN { print ".TS"; print "l l l."; print "ACTION\tGROUP\tWHAT IT DOES" }
		{ gsub(/-/, "\\-", $1); print $1 "\t" $2 "\t" $3 }
		END { print ".TE" }'
}
man=man/kdrift-keys.5
current=$(sed -n '/^\.\\" BEGIN ACTIONS/,/^\.\\" END ACTIONS/p' "$man" | sed '1d;$d')
if [ "${KDRIFT_UPDATE:-0}" = 1 ]; then
	man_table >"$TUI_TMP/table"
	awk -v table="$TUI_TMP/table" '
		/^\.\\" BEGIN ACTIONS/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
		/^\.\\" END ACTIONS/ { skip = 0 }
		!skip { print }' "$man" >"$TUI_TMP/man" && cp "$TUI_TMP/man" "$man"
	current=$(man_table)
fi
check_eq "man_page_lists_every_action" "$(man_table)" "$current"

missing=""
for a in $("$KDRIFT_BIN" ui --list-actions | cut -f1); do
	grep -q "^bind [a-z]* [^ ]* $a\$" keymaps/default.keys || missing="$missing $a"
done
check_eq "every_action_has_a_default_key" "" "$missing"

for name in default vim emacs; do
	printf ':keymap %s\n' "$name" >"$TUI_TMP/k.script"
	printf 'L\n:save-screen %s\n' "$TUI_TMP/k.out" >>"$TUI_TMP/k.script"
	KDRIFT_SCRIPT="$TUI_TMP/k.script" "$KDRIFT_BIN" ui --state-file "$TUI_FIXTURES/fleet.json"
	check_eq "keymap_${name}_loads_cleanly" "" "$(grep ' warn ' "$TUI_TMP/k.out" | grep -v 'ap-south-prod-1')"
done
for name in default light high-contrast mono; do
	printf ':theme %s\nL\n:save-screen %s\n' "$name" "$TUI_TMP/t.out" >"$TUI_TMP/t.script"
	KDRIFT_SCRIPT="$TUI_TMP/t.script" "$KDRIFT_BIN" ui --state-file "$TUI_FIXTURES/fleet.json"
	check_eq "theme_${name}_loads_cleanly" "" "$(grep ' warn \| error ' "$TUI_TMP/t.out" | grep -v 'ap-south-prod-1\|staging-eu-west')"
done

# A theme file with mistakes: each bad line is a file:line warning.
printf 'color drifted red default bold\ncolor nowhere red default\ncolor synced puce default\ncolor extra red default sparkly\n' >"$TUI_TMP/bad.theme"
printf ':theme %s\nL\n:save-screen %s\n' "$TUI_TMP/bad.theme" "$TUI_TMP/b.out" >"$TUI_TMP/b.script"
KDRIFT_SCRIPT="$TUI_TMP/b.script" "$KDRIFT_BIN" ui --state-file "$TUI_FIXTURES/fleet.json"
check_eq "theme_errors_are_file_line_warnings" "3" "$(grep ' warn ' "$TUI_TMP/b.out" | grep -c "bad.theme:[234]: unknown")"

tap_done
