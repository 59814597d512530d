#!/usr/bin/env bash
# Replays every fuzz target's seeds (built from tests/fixtures by seeds.py)
# and every saved crash (tests/fuzz/regress/TARGET/) through the target's
# plain build: one TAP line per target.  Under `make asan` the same inputs
# run with ASan+UBSan.
source "$(dirname "$0")/../tools/tap.sh"

seeds=$(mktemp -d "${TMPDIR:-/tmp}/kdrift-seeds.XXXXXX")
trap 'rm -rf "$seeds"' EXIT
python3 "$KDRIFT_ROOT/tests/fuzz/seeds.py" "$seeds" >/dev/null

targets=0
for src in "$KDRIFT_ROOT"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c); name=${name#fuzz_}
	bin=$KDRIFT_BUILD/tests/fuzz/replay_$name
	targets=$((targets + 1))
	if [ ! -x "$bin" ]; then
		not_ok "$name: replay program built" "missing $bin"
		continue
	fi
	inputs=()
	[ -d "$seeds/$name" ] && inputs+=("$seeds/$name")
	[ -d "$KDRIFT_ROOT/tests/fuzz/regress/$name" ] && inputs+=("$KDRIFT_ROOT/tests/fuzz/regress/$name")
	if [ ${#inputs[@]} -eq 0 ]; then
		not_ok "$name: has seeds or regression inputs"
		continue
	fi
	out=$(cd "$seeds" && "$bin" "${inputs[@]}" 2>&1); rc=$?
	n=$(printf '%s\n' "$out" | grep -c '^ok ')
	if [ $rc -eq 0 ] && [ "$n" -gt 0 ]; then
		ok "$name: $n seed and regression inputs replay cleanly"
	else
		not_ok "$name: inputs replay cleanly (exit $rc after $n inputs)" "$(printf '%s\n' "$out" | tail -n 25)"
	fi
done
check_eq "every fuzz target is replayed" "$(ls "$KDRIFT_ROOT"/tests/fuzz/fuzz_*.c | wc -l)" "$targets"
tap_done
