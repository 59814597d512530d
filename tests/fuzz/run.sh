#!/usr/bin/env bash
# make fuzz: runs every libFuzzer target in BUILD/fuzz/ for SECONDS each.
#
#   tests/fuzz/run.sh BUILD SECONDS
#
# Each target starts from its seeds (seeds.py) and saved regressions and
# keeps what it learns in BUILD/corpus/TARGET/ for the next run.  A crash
# is written to BUILD/crashes/TARGET/; the run then fails and says which
# input to add to tests/fuzz/regress/TARGET/ once the bug is fixed.
set -u
build=${1:?usage: run.sh BUILD SECONDS}
secs=${2:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2

seeds="$build/seeds"
rm -rf "$seeds"
python3 tests/fuzz/seeds.py "$seeds" >/dev/null || exit 2
scratch=$(mktemp -d "${TMPDIR:-/tmp}/kdrift-fuzz-run.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

failed=()
total_execs=0
for bin in "$build"/fuzz/*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	mkdir -p "$build/corpus/$name" "$build/crashes/$name" "$seeds/$name"
	dirs=("$build/corpus/$name" "$seeds/$name")
	[ -d "tests/fuzz/regress/$name" ] && dirs+=("tests/fuzz/regress/$name")
	log="$build/crashes/$name.log"
	# Targets write their scratch files under TMPDIR; keep them off the tree.
	TMPDIR=$scratch ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"$bin" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$build/crashes/$name/" -print_final_stats=1 "${dirs[@]}" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	total_execs=$((total_execs + ${execs:-0}))
	if [ $rc -eq 0 ]; then
		printf 'fuzz %-14s %9s runs  %s  corpus %s\n' "$name" "${execs:-?}" "${cov:-cov: ?}" \
			"$(ls "$build/corpus/$name" | wc -l)"
	else
		crash=$(ls -t "$build/crashes/$name"/ 2>/dev/null | head -n 1)
		printf 'fuzz %-14s FAILED (exit %d)  input: %s\n' "$name" "$rc" \
			"${crash:+$build/crashes/$name/$crash}"
		grep -m 5 -E 'ERROR|runtime error|SUMMARY|abort' "$log" | sed 's/^/    /'
		failed+=("$name")
	fi
done
echo "fuzz: $total_execs runs in total, ${secs}s per target"
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: crashes in: ${failed[*]} (logs in $build/crashes/)" >&2
	exit 1
fi
