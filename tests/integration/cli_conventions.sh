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

# Second words and flag values, generated from the usage texts.
check_eq "bash: completion's shells" "bash zsh fish" \
	"$(complete_bash "$KDRIFT_BIN" completion "" | tr '\n' ' ' | sed 's/ $//')"
check_eq "bash: audit's subcommands" "show verify" \
	"$(complete_bash "$KDRIFT_BIN" audit "" | tr '\n' ' ' | sed 's/ $//')"
check_eq "bash: breakglass's subcommands by prefix" "start status" \
	"$(complete_bash "$KDRIFT_BIN" breakglass st | tr '\n' ' ' | sed 's/ $//')"
check_eq "bash: breakglass edit's CLUSTER after the subcommand" "alpha" \
	"$(complete_bash "$KDRIFT_BIN" breakglass --repo "$repo" edit al)"
check_eq "bash: check --output's formats" "text json junit" \
	"$(complete_bash "$KDRIFT_BIN" check --output "" | tr '\n' ' ' | sed 's/ $//')"
check_eq "bash: policy --format's formats" "kyverno gatekeeper vap" \
	"$(complete_bash "$KDRIFT_BIN" policy export --format "" | tr '\n' ' ' | sed 's/ $//')"
check_eq "bash: diff --color's choices" "auto always never" \
	"$(complete_bash "$KDRIFT_BIN" diff --color "" | tr '\n' ' ' | sed 's/ $//')"
check_eq "bash: ui --theme's installed themes" "default high-contrast light mono" \
	"$(complete_bash "$KDRIFT_BIN" ui --theme "" | tr '\n' ' ' | sed 's/ $//')"
check_eq "bash: ui --keymap's installed keymaps" "vim" \
	"$(complete_bash "$KDRIFT_BIN" ui --keymap v)"
check_eq "bash: kdrift with options and no command completes the UI's" "--theme" \
	"$(complete_bash "$KDRIFT_BIN" --them)"
check_eq "bash: ... and their values" "light" \
	"$(complete_bash "$KDRIFT_BIN" --repo "$repo" --theme li)"
check "bash: a value flag without choices is not completed from prose" \
	sh -c '! printf "%s\n" "$1" | grep -qx label' _ "$(complete_bash "$KDRIFT_BIN" compare --group-by "")"

# zsh and fish complete the same words (compadd stands in for zsh's
# completion system; fish computes its own with complete -C).
if command -v zsh >/dev/null; then
	"$KDRIFT_BIN" completion zsh >"$TMPDIR_CC/_kdrift"
	complete_zsh() { # WORDS... (the last is the word being completed)
		zsh -fc 'compdef() { :; }; source "$1"; shift
			compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }
			_files() { :; }
			words=("$@"); CURRENT=$#; _kdrift' _ "$TMPDIR_CC/_kdrift" "$@" | sed '/^$/d'
	}
	check_eq "zsh: audit's subcommands" "show verify" \
		"$(complete_zsh kdrift audit "" | tr '\n' ' ' | sed 's/ $//')"
	check_eq "zsh: check --output's formats" "text json junit" \
		"$(complete_zsh kdrift check --output "" | tr '\n' ' ' | sed 's/ $//')"
	check_eq "zsh: ui --keymap's keymaps" "default emacs vim" \
		"$(complete_zsh "$KDRIFT_BIN" ui --keymap "" | tr '\n' ' ' | sed 's/ $//')"
else
	ok "# SKIP zsh is not installed"
fi
if command -v fish >/dev/null; then
	complete_fish() { # COMMAND-LINE
		PATH=$(dirname "$KDRIFT_BIN"):$PATH fish -c 'source $argv[1]; complete -C$argv[2]' \
			"$TMPDIR_CC/fish" "$1" | cut -f1 | sort | tr '\n' ' ' | sed 's/ $//'
	}
	check_eq "fish: completion's shells" "bash fish zsh" "$(complete_fish "kdrift completion ")"
	check_eq "fish: audit's subcommands" "show verify" "$(complete_fish "kdrift audit ")"
	check_eq "fish: check --output's formats" "json junit text" "$(complete_fish "kdrift check --output ")"
	check_eq "fish: ui --theme's themes" "default high-contrast light mono" \
		"$(complete_fish "kdrift ui --theme ")"
	# ui's usage shows some flags twice: each is declared once all the same
	check_eq "fish: the script declares each completion once" "" \
		"$(grep '^complete ' "$TMPDIR_CC/fish" | sort | uniq -d | head -3)"
else
	ok "# SKIP fish is not installed"
fi

check_eq "__complete clusters lists the fixture fleet's clusters" "alpha beta gamma delta" \
	"$("$KDRIFT_BIN" __complete clusters --repo "$repo" | tr '\n' ' ' | sed 's/ $//')"
check_eq "__complete apps lists its apps" "shop site" \
	"$("$KDRIFT_BIN" __complete apps --repo "$repo" | tr '\n' ' ' | sed 's/ $//')"
"$KDRIFT_BIN" __complete clusters --repo /nonexistent >/dev/null 2>&1
check_eq "__complete fails quietly without a fleet" 2 $?
check "__complete is not listed as a command" sh -c '! "$1" --help | grep -q __complete' _ "$KDRIFT_BIN"
tap_done
