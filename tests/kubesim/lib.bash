# Helpers shared by kubesim's shell suites (not a suite itself: run.sh runs *.sh);
# source after tests/tools/tap.sh.
#
#   ks_start DIR ARGS...   starts kubesim with its state in DIR; sets KS_PID, KS_PORT
#   ks_stop                stops it (also done by the EXIT trap)
#   expect NAME RC PATTERN CMD...
#                          ok when CMD exits with RC and its output (stdout and
#                          stderr) matches the extended regex PATTERN; the
#                          output is left in $OUT
KUBESIM=${KUBESIM:-$KDRIFT_BUILD/kubesim}
KS_PIDS=()

ks_cleanup() {
	local p
	for p in "${KS_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "${KS_TMP:-}" ] && rm -rf "$KS_TMP"
}
trap ks_cleanup EXIT
# A signal ends the suite through exit, so the EXIT trap still cleans up.
trap 'exit 143' TERM
trap 'exit 130' INT

KS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kubesim-test.XXXXXX")

ks_start() {
	local dir=$1 i
	shift
	mkdir -p "$dir"
	"$KUBESIM" --port 0 --state-dir "$dir" "$@" >"$dir/stdout" 2>"$dir/stderr" &
	KS_PID=$!
	KS_PIDS+=("$KS_PID")
	# Should this shell die without running its traps (SIGKILL), kubesim
	# must not outlive it: a watchdog stops it within a second.  Its output
	# goes nowhere, so it never holds the suite's output pipe open.
	(
		while kill -0 $$ 2>/dev/null && kill -0 "$KS_PID" 2>/dev/null; do sleep 1; done
		kill "$KS_PID" 2>/dev/null
	) </dev/null >/dev/null 2>&1 &
	# Wait for the ready line (kubesim prints it once it listens); bounded so
	# that a broken build fails instead of hanging.
	for i in $(seq 1 200); do
		grep -q '^ready port=' "$dir/stdout" 2>/dev/null && break
		kill -0 "$KS_PID" 2>/dev/null || break
		sleep 0.05
	done
	KS_PORT=$(sed -n 's/^ready port=//p' "$dir/stdout")
	[ -n "$KS_PORT" ]
}

ks_stop() {
	kill "$KS_PID" 2>/dev/null
	wait "$KS_PID"
}

expect() {
	local name=$1 want=$2 pattern=$3 rc
	shift 3
	OUT=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		not_ok "$name" "exit status $rc, expected $want; output:
$OUT"
	elif ! printf '%s\n' "$OUT" | grep -Eq -- "$pattern"; then
		not_ok "$name" "output does not match /$pattern/:
$OUT"
	else
		ok "$name"
	fi
}

# wait_for FILE PATTERN: until FILE has a line matching PATTERN (bounded).
wait_for() {
	local i
	for i in $(seq 1 300); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
