# TAP helpers for kdrift's shell test suites; source this file.
#
#   ok NAME / not_ok NAME [DETAIL]    report one result
#   check NAME CMD...                 ok when CMD exits 0
#   check_eq NAME EXPECTED ACTUAL     ok when the strings are equal
#   tap_done                          prints the plan; exit status 1 on failure
TAP_N=0
TAP_FAILED=0
KDRIFT_ROOT=${KDRIFT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
KDRIFT_BIN=${KDRIFT_BIN:-$KDRIFT_ROOT/kdrift}
KDRIFT_BUILD=${KDRIFT_BUILD:-$KDRIFT_ROOT/build}

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }
not_ok() {
	TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	[ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/#   /'
	return 0
}
check() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$out"; fi
}
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2
actual:   $3"; fi
}
tap_done() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; }
