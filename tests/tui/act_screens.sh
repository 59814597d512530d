#!/usr/bin/env bash
# Screens of the acting parts that need no cluster: the audit view of an
# empty log, and acting refused when the state comes from a file.
. "$(dirname "$0")/../tools/tap.sh"
. "$(dirname "$0")/lib.bash"

screen audit_empty <<'EOF'
A
EOF

screen act_refused_state_file <<'EOF'
:cluster us-east-prod-1
r
EOF
check "acting on a state file is refused with the reason" \
	grep -q 'revert: nothing to act on: the state comes from a file' "$TUI_TMP/act_refused_state_file.out"

screen break_glass_refused_state_file <<'EOF'
B
EOF

tap_done
