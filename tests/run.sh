#!/usr/bin/env bash
# Runs kdrift's test suites and ends with one line: "N passed, N failed".
#
#   tests/run.sh BUILD_DIR [all|unit|unit-fuzz|integration|valgrind]
#   tests/run.sh BUILD_DIR only SUITE...   (test_diff, tests/tui/screens.sh, ...)
#
# Every suite speaks TAP: unit tests through cmocka's TAP output, the shell
# suites (tests/integration/*.sh, tests/kubesim/*.sh, tests/tui/*.sh,
# tests/fuzz/replay.sh) through
# tests/tools/tap.sh.  A program that dies without reporting counts as one
# failure, so a crash can never pass silently.
set -u
build=${1:-build}
what=${2:-all}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2

export KDRIFT_BUILD="$root/$build"
if [ "$build" = build ]; then export KDRIFT_BIN="$root/kdrift"; else export KDRIFT_BIN="$root/$build/kdrift"; fi
export KDRIFT_ROOT="$root"
export CMOCKA_MESSAGE_OUTPUT=TAP
# Tests never read the user's configuration, cache or state.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/kdrift-tests.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache" XDG_STATE_HOME="$scratch/state"
export HOME="$scratch/home"
mkdir -p "$HOME"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME="kdrift tests" GIT_AUTHOR_EMAIL="tests@kdrift.invalid" \
       GIT_COMMITTER_NAME="kdrift tests" GIT_COMMITTER_EMAIL="tests@kdrift.invalid"

passed=0
failed=0
failures=()

# run NAME CMD... : runs one program, echoes its output, counts its TAP lines.
run() {
	local name=$1; shift
	local out rc p f
	out=$("$@" 2>&1); rc=$?
	printf '%s\n' "$out" | sed "s|^|[$name] |"
	p=$(printf '%s\n' "$out" | grep -c '^ok ' || true)
	f=$(printf '%s\n' "$out" | grep -c '^not ok ' || true)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "[$name] not ok - exited with status $rc without reporting a failure"
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "[$name] not ok - ran no test"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -gt 0 ] && failures+=("$name")
	return 0
}

unit() {
	local t
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		run "$(basename "$t")" "$t"
	done
}

unit_valgrind() {
	local t
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		run "valgrind:$(basename "$t")" valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
			--errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$t"
	done
}

shell_suites() {
	local s
	for s in tests/integration/*.sh tests/kubesim/*.sh tests/tui/*.sh tests/fuzz/replay.sh; do
		[ -f "$s" ] || continue
		run "$(basename "$s" .sh)" bash "$s"
	done
}

# only NAME...: unit test programs by name, shell suites by path.
only() {
	local s
	for s in "$@"; do
		case $s in
		*.sh) run "$(basename "$s" .sh)" bash "$s" ;;
		*) run "$s" "$build/tests/$s" ;;
		esac
	done
}

case $what in
all) unit; shell_suites ;;
only) shift 2; only "$@" ;;
unit) unit ;;
unit-fuzz) unit; only tests/fuzz/replay.sh ;;
integration) shell_suites ;;
valgrind) unit_valgrind ;;
*) echo "usage: tests/run.sh BUILD [all|unit|unit-fuzz|integration|valgrind|only SUITE...]" >&2; exit 2 ;;
esac

if [ $((passed + failed)) -eq 0 ]; then
	failed=1
	echo "not ok - no test was found (was the build run?)"
fi
if [ ${#failures[@]} -gt 0 ]; then
	echo "failing suites: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
