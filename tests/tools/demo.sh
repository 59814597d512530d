#!/usr/bin/env bash
# make demo: shows kdrift on the demo fleet.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
kdrift=$root/kdrift
[ "$build" = build ] || kdrift=$root/$build/kdrift
fleet=$root/tests/fixtures/demo-fleet

cluster=us-east-prod-1
app=network-policies
echo "kdrift demo: the desired state of app '$app' on cluster '$cluster'"
echo "(from $fleet, read from its files with --worktree)"
echo
"$kdrift" render --repo "$fleet" --worktree "$cluster" "$app"
echo
n=$("$kdrift" render --repo "$fleet" --worktree --output json "$cluster" "$app" | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")
echo "kdrift demo: rendered $n objects."
echo "The interactive demo — a simulated fleet with live drift in the terminal UI —"
echo "comes with the terminal UI."
