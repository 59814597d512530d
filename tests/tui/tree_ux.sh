#!/usr/bin/env bash
# The tree's header (position, legend, column labels, focus), jumps that open
# only the path to a drift, a watched cluster's age, the end of a search, the
# prompt's completion candidates, wrapped messages and the wrapped help, at
# 80 and 200 columns.  KDRIFT_UPDATE=1 rewrites the expected screens.
. "$(dirname "$0")/../tools/tap.sh"
. "$(dirname "$0")/lib.bash"

# The screen's line N (1-based) of the last dump of NAME; the attributes of
# line N when ATTRS=1 dumped them.
screen_line() { sed -n "$2p" "$TUI_TMP/$1.out"; }
attr_line() { sed -n '/^--- attributes/,/^--- colours/p' "$TUI_TMP/$1.out" | sed -n "$(($2 + 1))p"; }

# --- ] opens only the path to the drift -------------------------------------------
for cols in 80 200; do
	COLUMNS=$cols screen tree_jump_opens_the_path_$cols <<'EOF'
]
EOF
	check "tree_jump_${cols}_lands_on_the_drift" \
		grep -q '^      ~ Deployment platform-services/api-gateway' "$TUI_TMP/tree_jump_opens_the_path_$cols.out"
	check_eq "tree_jump_${cols}_shows_no_synced_object" "0" \
		"$(grep -c '^      ✓ ' "$TUI_TMP/tree_jump_opens_the_path_$cols.out")"
	check "tree_jump_${cols}_says_what_it_hides" \
		grep -q '▿ ~ platform-services  ~3  4 in sync hidden' "$TUI_TMP/tree_jump_opens_the_path_$cols.out"
done
# l on a peeked app shows the rest; h closes it
screen tree_jump_then_expand <<'EOF'
]
h l
EOF
check_eq "tree_jump_then_expand_shows_synced_objects" "4" \
	"$(grep -c '^      ✓ ' "$TUI_TMP/tree_jump_then_expand.out")"
screen tree_prev_jump_opens_the_path <<'EOF'
[ [
EOF
check_eq "tree_prev_jump_shows_no_synced_object" "0" \
	"$(grep -c '^      ✓ ' "$TUI_TMP/tree_prev_jump_opens_the_path.out")"
# once its drift healed, the peek is an ordinary closed node again (no
# "▿ ... in sync hidden")
python3 - "$TUI_FIXTURES/fleet.json" "$TUI_TMP/healed.json" <<'PY'
import copy, json, sys
d = json.load(open(sys.argv[1]))
for r in d["clusters"][0]["apps"][0]["resources"]:
    r["live"] = dict(copy.deepcopy(r["desired"]), metadata=dict(r["desired"]["metadata"],
                     uid=r["live"]["metadata"].get("uid", "healed")))
    r.pop("intentional", None)
json.dump(d, open(sys.argv[2], "w"))
PY
screen tree_jump_peek_heals <<EOF
]
:load-state $TUI_TMP/healed.json
EOF
check "tree_jump_peek_heals_to_a_closed_node" \
	grep -q '^▸ ✓ us-east-prod-1 ' "$TUI_TMP/tree_jump_peek_heals.out"
check_eq "tree_jump_peek_heals_hides_nothing" "0" \
	"$(grep -c 'in sync hidden' "$TUI_TMP/tree_jump_peek_heals.out")"

# --- the header: line N/M, legend where it fits, column labels -----------------
for cols in 80 200; do
	COLUMNS=$cols screen tree_header_$cols <<'EOF'
j j
EOF
	check "tree_header_${cols}_position" \
		grep -Eq '^ tree  line 3/4 ' "$TUI_TMP/tree_header_$cols.out"
	check "tree_header_${cols}_labels_the_columns" \
		sh -c 'sed -n 2p "$1" | grep -Eq " age  policy$"' _ "$TUI_TMP/tree_header_$cols.out"
done
check "tree_header_200_has_the_glyph_legend" \
	grep -q '✓ synced  ~ drifted  + missing  - extra  ! break-glass  ? unknown  ◆ intentional' \
	"$TUI_TMP/tree_header_200.out"
check "tree_header_position_follows_the_cursor" \
	sh -c 'sed -n 2p "$1" | grep -q "line 3/4"' _ "$TUI_TMP/tree_header_80.out"

# --- focus: the focused pane's header is highlighted ----------------------------
NO_COLOR=1 ATTRS=1 screen focus_on_the_tree <<'EOF'
:cluster us-east-prod-1
/api-gateway
d
EOF
NO_COLOR=1 ATTRS=1 screen focus_on_the_diff <<'EOF'
:cluster us-east-prod-1
/api-gateway
d <Tab>
EOF
# mono: the title area is bold reverse (3), an unfocused header dim (8)
diff_header=$(grep -n '^   Git (desired)' "$TUI_TMP/focus_on_the_tree.out" | head -1 | cut -d: -f1)
check_eq "focus_tree_header_highlighted" "3" "$(attr_line focus_on_the_tree 2 | cut -c2)"
check_eq "focus_tree_diff_header_dim" "8" "$(attr_line focus_on_the_tree "$diff_header" | cut -c2)"
check_eq "focus_diff_tree_header_dim" "8" "$(attr_line focus_on_the_diff 2 | cut -c2)"
check_eq "focus_diff_diff_header_highlighted" "3" "$(attr_line focus_on_the_diff "$diff_header" | cut -c2)"

# --- age: live while watched, the age otherwise ----------------------------------
jq '.clusters[0].watched = true' "$TUI_FIXTURES/fleet.json" >"$TUI_TMP/watched.json"
STATE=$TUI_TMP/watched.json screen tree_age_live </dev/null
check "tree_age_live_when_watched" \
	grep -Eq '^▸ ~ us-east-prod-1 .* live  alert$' "$TUI_TMP/tree_age_live.out"
check "tree_age_otherwise" \
	grep -Eq '^▸ ! us-west-prod-1 .* 2h  alert$' "$TUI_TMP/tree_age_live.out"

# --- the search term leaves the title when the search ends ----------------------
screen search_esc_ends_it <<'EOF'
/grafana
<Esc>
n
EOF
check "search_esc_clears_the_title" \
	sh -c '! sed -n 1p "$1" | grep -q "\[/"' _ "$TUI_TMP/search_esc_ends_it.out"
check "search_esc_then_n_has_no_search" grep -q 'no search yet' "$TUI_TMP/search_esc_ends_it.out"
screen search_cancelled_clears_it <<'EOF'
/grafana
/
type auth
<Esc>
EOF
check "search_cancelled_clears_the_title" \
	sh -c '! sed -n 1p "$1" | grep -q "\[/"' _ "$TUI_TMP/search_cancelled_clears_it.out"
screen search_replaced <<'EOF'
/grafana
/auth
EOF
check "search_new_replaces_the_old" \
	sh -c 'sed -n 1p "$1" | grep -q "\[/auth\]" && ! grep -q "\[/grafana\]" "$1"' _ "$TUI_TMP/search_replaced.out"

# --- the prompt: Tab shows the candidates; typing or closing clears them ----------
for cols in 80 200; do
	COLUMNS=$cols screen prompt_tab_shows_candidates_$cols <<'EOF'
:
<Tab>
EOF
	check "prompt_tab_${cols}_lists_every_command" \
		sh -c 'for c in app audit break-glass cluster filter follow-up help keymap log quit refresh save-screen theme; do grep -qw -- "$c" "$1" || exit 1; done' \
		_ "$TUI_TMP/prompt_tab_shows_candidates_$cols.out"
done
screen prompt_tab_candidates <<'EOF'
:
type f
<Tab>
EOF
check "prompt_tab_shows_the_candidates_above_the_prompt" \
	sh -c 'sed -n 29p "$1" | grep -q "^ filter  follow-up" && sed -n 30p "$1" | grep -qx ":f"' _ "$TUI_TMP/prompt_tab_candidates.out"
screen prompt_typing_clears_candidates <<'EOF'
:
type f
<Tab>
type i
EOF
check "prompt_typing_clears_the_candidates" \
	sh -c '! grep -q "follow-up" "$1"' _ "$TUI_TMP/prompt_typing_clears_candidates.out"
screen prompt_closing_clears_candidates <<'EOF'
:
type f
<Tab>
<Esc>
EOF
check "prompt_closing_clears_the_candidates" \
	sh -c '! grep -q "follow-up" "$1"' _ "$TUI_TMP/prompt_closing_clears_candidates.out"

# --- messages wrap, then are cut with an ellipsis ----------------------------------
COLUMNS=80 screen message_wraps_80 <<'EOF'
:filter status sideways
EOF
check "message_wraps_80_whole" \
	sh -c 'tail -n 2 "$1" | tr "\n" " " | grep -q "^filter: unknown status .sideways. (synced, drifted, missing, extra, break-glass, unknown, problems) $"' \
	_ "$TUI_TMP/message_wraps_80.out"
long=$(printf 'x%.0s' $(seq 1 400))
COLUMNS=80 screen message_cut_after_three_lines <<EOF
:cluster $long
EOF
check "message_cut_after_three_lines" \
	sh -c 'tail -n 3 "$1" | head -1 | grep -q "^no cluster named" && tail -n 1 "$1" | grep -q "…$"' _ "$TUI_TMP/message_cut_after_three_lines.out"
check "message_cut_keeps_the_status_bar" \
	sh -c 'tail -n 4 "$1" | head -1 | grep -q "normal$"' _ "$TUI_TMP/message_cut_after_three_lines.out"

# --- the help: wrapped at 80 columns, key lists without repeats -----------------
LINES=200 COLUMNS=80 screen help_wrapped_80 <<'EOF'
?
EOF
check "help_80_wraps_descriptions" \
	grep -Eq '^ {49}normalisation$' "$TUI_TMP/help_wrapped_80.out"
check "help_80_keeps_every_word" \
	sh -c 'tr -s " \n" "  " <"$1" | grep -q "Close the current view, pane or prompt, or end the search; never quits"' \
	_ "$TUI_TMP/help_wrapped_80.out"
for km in default vim emacs; do
	LINES=200 COLUMNS=200 screen help_keys_$km <<EOF
:keymap $km
?
EOF
	# the keys column (3-30) of each line: no key name twice
	dups=$(sed -n '2,/^ platform/p' "$TUI_TMP/help_keys_$km.out" | cut -c3-30 |
		awk '{ delete seen; for (i = 1; i <= NF; i++) { k = $i; gsub(/[(),]/, "", k); if (k != "" && seen[k]++) print } }')
	check_eq "help_keys_${km}_listed_once" "" "$dups"
done
check "help_vim_lists_its_keys" grep -Eq '^  <Enter> o \(tree\) +enter ' "$TUI_TMP/help_keys_vim.out"

tap_done
