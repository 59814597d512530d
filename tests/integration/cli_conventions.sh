#!/usr/bin/env bash
# Command-line conventions: a one-line did-you-mean for unknown commands and
# flags (exit 2), no command without a terminal, and the completion scripts
# (parsed by each installed shell; bash actually completing).
. "$(dirname "$0")/../tools/tap.sh"
repo=$KDRIFT_ROOT/tests/fixtures/engine/repo
TMPDIR_CC=$(mktemp -d)
trap 'rm -rf "$TMPDIR_CC"' EXIT

out=$("$KDRIFT_BIN" chek 2>&1); rc=$?
check_eq "an unknown command exits 2" 2 "$rc"
check_eq "an unknown command suggests the closest" \
	"kdrift: unknown command 'chek'; did you mean 'check'?" "$out"
out=$("$KDRIFT_BIN" zzzzzzzz 2>&1); rc=$?
check_eq "a command far from all exits 2" 2 "$rc"
check "a command far from all gets no suggestion, in one line" \
	sh -c '[ "$(printf "%s\n" "$1" | wc -l)" = 1 ] && ! printf "%s" "$1" | grep -q "did you mean"' _ "$out"

out=$("$KDRIFT_BIN" ui --read-onyl 2>&1); rc=$?
check_eq "ui with an unknown flag exits 2" 2 "$rc"
check_eq "ui suggests the closest flag" \
	"kdrift: ui: unknown option '--read-onyl'; did you mean '--read-only'?" "$out"
"$KDRIFT_BIN" ui --bogus </dev/null >/dev/null 2>&1
check_eq "ui --bogus exits 2" 2 $?
out=$("$KDRIFT_BIN" check --repoo=x 2>&1); rc=$?
check_eq "check with an unknown flag exits 2" 2 "$rc"
check_eq "check suggests from its own flags" \
	"kdrift: check: unknown option '--repoo'; did you mean '--repo'?" "$out"
out=$("$KDRIFT_BIN" diff --sid-by-side 2>&1); rc=$?
check_eq "a transposition is one edit" \
	"kdrift: diff: unknown option '--sid-by-side'; did you mean '--side-by-side'?" "$out"

# Not a terminal (stdin and stdout are pipes here): the overview, exit 2.
out=$("$KDRIFT_BIN" --repo "$repo" </dev/null 2>&1); rc=$?
check_eq "global options without a command and no terminal exit 2" 2 "$rc"
check "... after printing the usage" grep -q "^usage: kdrift COMMAND" <<<"$out"
"$KDRIFT_BIN" </dev/null >/dev/null 2>&1
check_eq "kdrift alone without a terminal still exits 2" 2 $?

for sh in bash zsh fish; do
	if ! command -v "$sh" >/dev/null; then
		ok "# SKIP $sh is not installed"
		continue
	fi
	"$KDRIFT_BIN" completion "$sh" >"$TMPDIR_CC/$sh" 2>/dev/null
	check_eq "completion $sh exits 0" 0 $?
	check "$sh parses the $sh completion" "$sh" -n "$TMPDIR_CC/$sh"
done
"$KDRIFT_BIN" completion tcsh >/dev/null 2>&1
check_eq "completion for an unknown shell exits 2" 2 $?

# COMP_WORDS simulation: what bash would offer at <TAB>.
complete_bash() { # WORDS... (the last is the word being completed)
	bash -c '
		eval "$("$KDRIFT_BIN" completion bash)"
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_kdrift
		printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
export KDRIFT_BIN
check_eq "bash completes 'kdrift ch' to check" "check" "$(complete_bash "$KDRIFT_BIN" ch)"
check_eq "bash completes a command's flags" "--side-by-side" \
	"$(complete_bash "$KDRIFT_BIN" diff --side)"
check_eq "bash completes diff's CLUSTER from the fleet of --repo" "alpha" \
	"$(complete_bash "$KDRIFT_BIN" diff --repo "$repo" al)"
check_eq "bash completes diff's APP after the cluster" "shop" \
	"$(complete_bash "$KDRIFT_BIN" diff --repo "$repo" alpha sh)"

check_eq "__complete clusters lists the fixture fleet's clusters" "alpha beta gamma delta" \
	"$("$KDRIFT_BIN" __complete clusters --repo "$repo" | tr '\n' ' ' | sed 's/ $//')"
check_eq "__complete apps lists its apps" "shop site" \
	"$("$KDRIFT_BIN" __complete apps --repo "$repo" | tr '\n' ' ' | sed 's/ $//')"
"$KDRIFT_BIN" __complete clusters --repo /nonexistent >/dev/null 2>&1
check_eq "__complete fails quietly without a fleet" 2 $?
check "__complete is not listed as a command" sh -c '! "$1" --help | grep -q __complete' _ "$KDRIFT_BIN"
tap_done
