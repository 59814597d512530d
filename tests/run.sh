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
#
# KDRIFT_TEST_JOBS=N runs N suites at a time (default 2); each suite's
# output is printed whole when it ends, followed by "# took N s".
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
pids=()
# Suites run in process groups of their own (set -m): an interrupted run
# stops them all, and nothing outlives it.
stop_suites() {
	local p
	# (the shell's notes about the jobs it stopped are no test output)
	exec 2>/dev/null
	for p in "${pids[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$scratch"
}
trap stop_suites EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache" XDG_STATE_HOME="$scratch/state"
export HOME="$scratch/home"
mkdir -p "$HOME"
# python3 on PATH may be a version manager's shim (pyenv's is a shell
# script that works the version out on every start: a second or more on a
# busy machine).  The suites start python3 hundreds of times, so they get
# the very interpreter the shim resolves to, directly.
if real=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) && [ -x "$real" ] &&
	[ "$(readlink -f "$real")" != "$(readlink -f "$(command -v python3)")" ]; then
	mkdir -p "$scratch/bin"
	ln -s "$real" "$scratch/bin/python3"
	export PATH="$scratch/bin:$PATH"
fi
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME="kdrift tests" GIT_AUTHOR_EMAIL="tests@kdrift.invalid" \
       GIT_COMMITTER_NAME="kdrift tests" GIT_COMMITTER_EMAIL="tests@kdrift.invalid"

passed=0
failed=0
failures=()

# Suites run KDRIFT_TEST_JOBS at a time (default 2: DESIGN §13's two cores).
# Every suite keeps its own temporary directories and kubesim ports (port
# 0), and gets its own HOME and XDG directories here, so two never share
# state.  Each suite's output is held until it ends and printed whole, in
# the order the suites were started, so a log reads the same at any
# number of jobs.
jobs=${KDRIFT_TEST_JOBS:-2}
case $jobs in '' | *[!0-9]* | 0) jobs=1 ;; esac

names=()
cmds=()
# add NAME CMD... : queues one program.
add() {
	names+=("$1")
	shift
	cmds+=("$(printf '%q ' "$@")")
}

# report I: echoes suite I's output and how long it took (a TAP comment,
# for finding where make check's time goes), and counts its TAP lines.  A
# program that dies without reporting a failure, or reports nothing, fails.
report() {
	local i=$1 name=${names[$1]} rc p f t
	rc=$(cat "$scratch/jobs/$i.rc")
	t=$(cat "$scratch/jobs/$i.time")
	sed "s|^|[$name] |" "$scratch/jobs/$i.out"
	printf '[%s] # took %d.%d s\n' "$name" $((t / 10)) $((t % 10))
	p=$(grep -c '^ok ' "$scratch/jobs/$i.out")
	f=$(grep -c '^not ok ' "$scratch/jobs/$i.out")
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

# start I: runs suite I in the background with its own home.
start() {
	local i=$1 d=$scratch/jobs/$1
	mkdir -p "$d/home"
	(
		export XDG_CONFIG_HOME="$d/config" XDG_CACHE_HOME="$d/cache" \
			XDG_STATE_HOME="$d/state" HOME="$d/home"
		t0=$EPOCHREALTIME
		eval "${cmds[$i]}" </dev/null >"$scratch/jobs/$i.out" 2>&1
		rc=$?
		t1=$EPOCHREALTIME
		echo $(((${t1//[.,]/} - ${t0//[.,]/}) / 100000)) >"$scratch/jobs/$i.time"
		echo $rc >"$scratch/jobs/$i.rc.tmp"
		mv "$scratch/jobs/$i.rc.tmp" "$scratch/jobs/$i.rc"
	) &
	pids[i]=$!
}

# run_queued: runs every queued suite, at most $jobs at a time, and
# reports each in queue order once it and those before it have ended.
run_queued() {
	local next=0 shown=0 running=0 n=${#names[@]}
	mkdir -p "$scratch/jobs"
	set -m
	while [ "$shown" -lt "$n" ]; do
		while [ "$next" -lt "$n" ] && [ "$running" -lt "$jobs" ]; do
			start "$next"
			next=$((next + 1))
			running=$((running + 1))
		done
		wait -n
		running=0
		local j
		for ((j = shown; j < next; j++)); do
			[ -f "$scratch/jobs/$j.rc" ] || running=$((running + 1))
		done
		while [ "$shown" -lt "$next" ] && [ -f "$scratch/jobs/$shown.rc" ]; do
			report "$shown"
			unset "pids[$shown]"
			shown=$((shown + 1))
		done
	done
	wait
	set +m
	pids=()
	names=()
	cmds=()
}

unit() {
	local t
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		add "$(basename "$t")" "$t"
	done
}

unit_valgrind() {
	local t
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		add "valgrind:$(basename "$t")" valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
			--errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$t"
	done
}

# The shell suites, the longest first (by their '# took' times) so that
# the jobs end close together; the rest in the order of their folders.
# The order is fixed: the output's order never depends on timing.
SLOW_FIRST="tests/integration/kustomize_diff.sh tests/kubesim/conformance.sh
	tests/integration/demo_fleet.sh tests/integration/helm.sh tests/integration/between.sh
	tests/integration/check.sh tests/integration/breakglass_demo.sh tests/integration/cli_terminal.sh
	tests/tui/act.sh tests/integration/init.sh tests/integration/agent.sh tests/integration/promote.sh
	tests/integration/remedy_cli.sh tests/integration/heal.sh tests/kubesim/http.sh"
shell_suites() {
	local s slow
	slow=" $(echo $SLOW_FIRST) "
	for s in $SLOW_FIRST; do
		[ -f "$s" ] && add "$(basename "$s" .sh)" bash "$s"
	done
	for s in tests/integration/*.sh tests/kubesim/*.sh tests/tui/*.sh tests/fuzz/replay.sh; do
		[ -f "$s" ] || continue
		case $slow in *" $s "*) continue ;; esac
		add "$(basename "$s" .sh)" bash "$s"
	done
}

# only NAME...: unit test programs by name, shell suites by path.
only() {
	local s
	for s in "$@"; do
		case $s in
		*.sh) add "$(basename "$s" .sh)" bash "$s" ;;
		*) add "$s" "$build/tests/$s" ;;
		esac
	done
}

case $what in
all) shell_suites; unit ;;
only) shift 2; only "$@" ;;
unit) unit ;;
unit-fuzz) unit; only tests/fuzz/replay.sh ;;
integration) shell_suites ;;
valgrind) unit_valgrind ;;
*) echo "usage: tests/run.sh BUILD [all|unit|unit-fuzz|integration|valgrind|only SUITE...]" >&2; exit 2 ;;
esac
run_queued

if [ $((passed + failed)) -eq 0 ]; then
	failed=1
	echo "not ok - no test was found (was the build run?)"
fi
if [ ${#failures[@]} -gt 0 ]; then
	echo "failing suites: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
