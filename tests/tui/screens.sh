#!/usr/bin/env bash
# Scripted screen tests of the interactive UI: each drives `kdrift ui` with
# keys and prompt commands against a fleet state from tests/fixtures/tui/
# and compares the screen with tests/tui/expected/NAME.txt.
# KDRIFT_UPDATE=1 rewrites the expected screens (review with git diff).
. "$(dirname "$0")/../tools/tap.sh"
. "$(dirname "$0")/lib.bash"

# --- the tree ---------------------------------------------------------------
screen tree_collapsed </dev/null
screen tree_expanded <<'EOF'
*
EOF
screen tree_pivot <<'EOF'
p *
EOF
screen tree_collapse_to_parent <<'EOF'
*
:cluster us-west-prod-1
j j j
h h
EOF
screen tree_next_drift <<'EOF'
] ] ] ]
d
EOF
screen tree_prev_drift_wraps <<'EOF'
[
d
EOF

# --- filters and search -------------------------------------------------------
screen filter_status <<'EOF'
:filter status drifted,missing
*
EOF
screen filter_problems <<'EOF'
f *
EOF
screen filter_labels <<'EOF'
:filter labels env=production,region!=us-west
*
EOF
screen filter_name_and_app <<'EOF'
:filter app platform
:filter name gateway
*
EOF
screen filter_matches_nothing <<'EOF'
:filter name no-such-object
EOF
screen filter_bad_status <<'EOF'
:filter status sideways
EOF
screen filter_bad_selector <<'EOF'
:filter labels env in (a
EOF
screen search_opens_diff <<'EOF'
/billing-cred
d
EOF
screen search_next <<'EOF'
/grafana
n
d
EOF
screen search_no_match <<'EOF'
/zzz-nothing
n
EOF

# --- the diff pane ------------------------------------------------------------
screen diff_side_by_side <<'EOF'
:cluster us-east-prod-1
:app platform-services
d
EOF
screen diff_unfolded <<'EOF'
:cluster us-east-prod-1
/auth
d <Tab> Z
EOF
screen diff_unified <<'EOF'
:cluster us-east-prod-1
/api-gateway
d <Tab> u
EOF
LINES=30 COLUMNS=80 screen diff_narrow_is_unified <<'EOF'
:cluster us-east-prod-1
/api-gateway
d
EOF
screen diff_secret_masked <<'EOF'
:cluster us-east-prod-1
/billing-credentials
d <Tab> Z
EOF
if last_screen diff_secret_masked | grep -q 'c2VjcmV0\|cm90YXRlZ\|secret-value\|rotated'; then
	not_ok "diff_secret_values_never_shown" "$(last_screen diff_secret_masked)"
else
	ok "diff_secret_values_never_shown"
fi
user_masks=$(last_screen diff_secret_masked | grep ' user: ' | grep -o '<masked:[0-9a-f]*>' | sort -u | wc -l)
key_masks=$(last_screen diff_secret_masked | grep ' api-key: ' | grep -o '<masked:[0-9a-f]*>' | sort -u | wc -l)
check_eq "diff_equal_secrets_equal_masks" "1 2" "$user_masks $key_masks"
screen diff_missing <<'EOF'
:cluster us-west-prod-1
/allow-ingress
d
EOF
screen diff_extra <<'EOF'
:cluster staging-eu-west
/debug-shell
d
EOF
screen diff_break_glass <<'EOF'
:cluster us-west-prod-1
/billing
d <Tab> ]
EOF
screen diff_next_change <<'EOF'
:cluster us-east-prod-1
:app platform-services
d <Tab> ] ] ]
EOF
screen diff_metadata <<'EOF'
:cluster us-east-prod-1
/auth
d <Tab> m G
EOF
screen diff_close_returns_to_tree <<'EOF'
:cluster us-east-prod-1
/auth
d q
EOF

# --- help, log, keymaps, themes ---------------------------------------------
screen help <<'EOF'
?
EOF
screen help_scrolled <<'EOF'
? G
EOF
screen help_vim_keymap <<'EOF'
:keymap vim
? <C-F>
EOF
screen message_log <<'EOF'
:filter status sideways
L
EOF
NO_COLOR=1 ATTRS=1 screen mono_no_color_attributes <<'EOF'
:cluster us-west-prod-1
j j j j
EOF
# vim keymap: a single Esc at the top level says how to quit instead of quitting
screen vim_esc_does_not_quit <<'EOF'
:keymap vim
<Esc> <Esc>
EOF
# emacs keymap: C-g cancels (the diff, the search) and never quits at the top level
screen emacs_cg_does_not_quit <<'EOF'
:keymap emacs
<C-G> <C-G>
EOF
check "emacs_cg_says_how_to_quit" grep -q 'nothing to close (q quits)' "$TUI_TMP/emacs_cg_does_not_quit.out"
screen emacs_cg_closes_the_diff <<'EOF'
:keymap emacs
:cluster us-east-prod-1
/auth
d <C-G>
EOF
screen default_esc_closes_the_diff <<'EOF'
:cluster us-east-prod-1
/auth
d <Esc>
EOF
screen theme_unknown <<'EOF'
:theme no-such-theme
EOF
screen ascii --ascii <<'EOF'
*
:cluster us-east-prod-1
/api-gateway
d
EOF

LC_ALL=C LANG=C screen ascii_outside_utf8_locales <<'EOF'
:cluster us-east-prod-1
EOF

# --- untrusted text, live changes, resize -------------------------------------
STATE=$TUI_FIXTURES/escapes.json screen escapes_are_inert <<'EOF'
*
j j
d <Tab> Z
EOF
if LC_ALL=C grep -q $'\x1b\|\x07\|\xc2\x9b' "$TUI_TMP/escapes_are_inert.out"; then
	not_ok "escapes_never_reach_the_screen"
else
	ok "escapes_never_reach_the_screen"
fi
NO_COLOR=1 ATTRS=1 screen live_drift_keeps_selection <<EOF
*
:cluster us-west-prod-1
/api-gateway
:load-state $TUI_FIXTURES/drift2.json
EOF
LINES=40 screen cluster_recovers <<EOF
*
:load-state $TUI_FIXTURES/recovered.json
:cluster ap-south-prod-1
EOF
screen resize_to_narrow <<'EOF'
:cluster us-east-prod-1
/api-gateway
d
:resize 24 80
EOF
screen prompt_completion <<'EOF'
:
type clu
<Tab>
type us-w
<Tab> <Enter>
EOF
NO_COLOR=1 ATTRS=1 screen mouse_click_selects_and_expands --mouse <<'EOF'
<Click-3-10> <Click-3-10> <Click-5-10>
EOF
screen mouse_is_opt_in <<'EOF'
<Click-3-10> <Click-3-10>
EOF
screen unbound_key <<'EOF'
%
EOF

# Changed lines keep their indentation and key and the part that differs, at
# 80 columns (unified), 110 and 200 (side by side); the value's middle goes.
LINES=30 COLUMNS=80 screen diff_long_value_80 <<'EOF'
:cluster us-east-prod-1
/api-gateway
d
EOF
check "diff_long_value_80_keeps_key_and_difference" \
	grep -Eq '^ \+ +image: .*….*api-gateway:2\.8\.1-hotfix\.2' "$TUI_TMP/diff_long_value_80.out"
LINES=30 COLUMNS=110 screen diff_long_value_110 <<'EOF'
:cluster us-east-prod-1
/api-gateway
d <Tab>
EOF
check "diff_long_value_110_side_by_side_keeps_key_and_difference" \
	grep -Eq '^ ~ +image: [^│]*…[^│]*2\.8\.1 *│~ +image: [^│]*…[^│]*2\.8\.1-hotfix\.2' "$TUI_TMP/diff_long_value_110.out"
LINES=30 COLUMNS=200 screen diff_long_value_200 <<'EOF'
:cluster us-east-prod-1
/api-gateway
d <Tab>
EOF
check "diff_long_value_200_both_sides_whole" \
	grep -Eq 'image: registry\.example\.com/platform/api-gateway:2\.8\.1 .*│.*image: registry\.example\.com/platform/api-gateway:2\.8\.1-hotfix\.2' \
	"$TUI_TMP/diff_long_value_200.out"

# --- the status bar: short source@revision, the mode, 80 and 200 columns -------
for cols in 80 200; do
	COLUMNS=$cols screen status_bar_$cols </dev/null
	bar=$(sed -n 29p "$TUI_TMP/status_bar_$cols.out")
	check "status_bar_${cols}_fits_and_ends_with_the_mode" \
		sh -c '[ "$(printf "%s" "$1" | wc -m)" -le "$2" ] && printf "%s" "$1" | grep -Eq "platform/fleet\.git@4be1c0d.*normal\$"' _ "$bar" "$cols"
	if printf '%s' "$bar" | grep -q 'git@example.com:'; then
		not_ok "status_bar_${cols}_names_the_repository_briefly" "$bar"
	else
		ok "status_bar_${cols}_names_the_repository_briefly"
	fi
done

# The fleet summary in the title: words when they fit, glyphs and counts when not.
check "fleet_summary_200_in_words" grep -q '^ kdrift — cluster › app › object  19 synced · 4 drifted · 1 missing · 1 extra · 1 break-glass · 2 unknown ' \
	"$TUI_TMP/status_bar_200.out"
check "fleet_summary_80_in_glyphs" grep -q '^ kdrift — cluster › app › object  ✓19 ~4 +1 -1 !1 ?2 ' "$TUI_TMP/status_bar_80.out"

# --- colour: the default theme on xterm-256color really uses colour pairs -------
for cols in 80 200; do
	ATTRS=1 COLUMNS=$cols screen colour_default_theme_$cols <<'EOF'
:cluster us-east-prod-1
/api-gateway
d
EOF
	check "colour_default_theme_${cols}_has_colour_pairs" \
		sh -c 'sed -n "/^--- colour key ---/,\$p" "$1" | grep -Eq "^[a-zA-Z] [a-z0-9-]+ on "' _ "$TUI_TMP/colour_default_theme_$cols.out"
done
check "colour_no_color_has_no_pairs" \
	sh -c '[ -z "$(sed -n "/^--- colour key ---/,\$p" "$1" | sed 1d)" ]' _ "$TUI_TMP/mono_no_color_attributes.out"

# --- keymap and theme files: warnings, never fatal -------------------------------
mkdir -p "$XDG_CONFIG_HOME/kdrift"
printf 'bind tree x expand-all\nbind nowhere j move-down\nbind tree <Nope> quit\nbind tree y fly\nunbind all\n' \
	>"$XDG_CONFIG_HOME/kdrift/keys"
screen user_keys_with_errors <<'EOF'
x
L
EOF
rm -f "$XDG_CONFIG_HOME/kdrift/keys"

# --- prompt history -----------------------------------------------------------
rm -rf "$XDG_STATE_HOME/kdrift"
printf ':filter name auth\n:quit\n' >"$TUI_TMP/hist.script"
KDRIFT_SCRIPT="$TUI_TMP/hist.script" "$KDRIFT_BIN" ui --state-file "$TUI_FIXTURES/fleet.json" >/dev/null 2>&1
check "prompt_history_saved" grep -qx 'filter name auth' "$XDG_STATE_HOME/kdrift/history"

# --- script errors are reported, not ignored ------------------------------------
printf 'j\n<NoSuchKey>\n' >"$TUI_TMP/bad.script"
out=$(KDRIFT_SCRIPT="$TUI_TMP/bad.script" "$KDRIFT_BIN" ui --state-file "$TUI_FIXTURES/fleet.json" 2>&1); rc=$?
check_eq "script_error_names_file_and_line" "2 1" "$rc $(printf '%s\n' "$out" | grep -c "bad.script:2: unknown key name '<NoSuchKey>'")"
out=$("$KDRIFT_BIN" ui --state-file "$TUI_FIXTURES/fleet.json" </dev/null 2>&1); rc=$?
check_eq "needs_a_terminal_without_a_script" "2" "$rc"

# --- memory: valgrind's leak checker over a long session ------------------------
if command -v valgrind >/dev/null 2>&1; then
	printf '%s\n' '*' ':cluster us-east-prod-1' ':app platform-services' 'd' '<Tab> Z u m ] [' \
		'?' 'q' 'L' 'q' ':filter status drifted' '/auth' 'n' ':filter clear' 'p' ':theme light' \
		':keymap vim' ":load-state $TUI_FIXTURES/drift2.json" ':resize 24 80' >"$TUI_TMP/vg.script"
	out=$(KDRIFT_SCRIPT="$TUI_TMP/vg.script" valgrind -q --leak-check=full \
		--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=99 "$KDRIFT_BIN" ui --state-file "$TUI_FIXTURES/fleet.json" 2>&1); rc=$?
	check_eq "valgrind_clean" "0" "$rc"
	[ "$rc" -eq 0 ] || printf '%s\n' "$out" | head -60 | sed 's/^/#   /'
else
	ok "# SKIP valgrind is not installed"
fi

tap_done
