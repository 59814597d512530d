#!/usr/bin/env bash
# Screen tests of the unmanaged node (kdrift ui --unmanaged): each cluster's
# objects made by hand under a node of their own (✎, ASCII #), who made them,
# the problem and name filters, Enter on one, no node in the app → cluster
# order, and names from the cluster shown inert.
# State: tests/fixtures/tui/unmanaged.json.
. "$(dirname "$0")/../tools/tap.sh"
. "$(dirname "$0")/lib.bash"
export STATE=$TUI_FIXTURES/unmanaged.json

screen unmanaged_node <<'KEYS'
:cluster us-east-prod-1
l
KEYS
screen unmanaged_expanded <<'KEYS'
*
KEYS
screen unmanaged_ascii --ascii <<'KEYS'
:filter status extra
*
KEYS
screen unmanaged_enter_explains <<'KEYS'
:filter name debug-shell
*
/debug-shell
<Enter>
KEYS
screen unmanaged_problems_filter <<'KEYS'
f *
KEYS
screen unmanaged_not_in_pivot <<'KEYS'
p *
KEYS
tap_done
