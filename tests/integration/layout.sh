#!/usr/bin/env bash
# The house rules of DESIGN §3, checked on the sources:
#  - core/ holds parts (folders), no source file at its root;
#  - each part has one public header named after it, which compiles alone;
#  - a part includes only the public headers of parts below it, and no other
#    folder's private header;
#  - core/ neither prints, exits nor includes curses or readline;
#  - tui/ reaches HTTP and Git only through core;
#  - a command's file in tui/cli uses no other command's file.
. "$(dirname "$0")/../tools/tap.sh"
cd "$KDRIFT_ROOT" || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The order of the parts, lowest first.  Parts on one line stand side by
# side: neither may include the other.
LAYERS=(
	"base"
	"data"
	"source audit kube diff userconf"
	"fleet"
	"render"
	"engine prevent"
	"compare"
	"act"
)
declare -A level
for i in "${!LAYERS[@]}"; do
	for p in ${LAYERS[$i]}; do level[$p]=$i; done
done

stray=$(find core -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)
check_eq "no source file at core/'s root" "" "$stray"

parts=$(find core -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | LC_ALL=C sort)
unknown=""
for p in $parts; do [ -n "${level[$p]+x}" ] || unknown="$unknown $p"; done
check_eq "every part of core/ has its place in the order" "" "$unknown"

missing=""
for p in $parts; do [ -f "core/$p/$p.h" ] || missing="$missing $p"; done
check_eq "every part has a public header named after it" "" "$missing"

# Every public header compiles on its own (it includes what it uses).
cflags=$(pkg-config --cflags libgit2 jansson yaml-0.1 libcurl libcrypto 2>/dev/null)
bad=""
for p in $parts; do
	printf '#include "%s/%s.h"\n#include "%s/%s.h"\n' "$p" "$p" "$p" "$p" >"$tmp/$p.c"
	# shellcheck disable=SC2086
	if ! cc -std=c11 -Wall -Wextra -Wpedantic -Werror -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		-fsyntax-only -iquote core $cflags "$tmp/$p.c" 2>"$tmp/$p.err"; then
		bad="$bad
$p: $(head -3 "$tmp/$p.err")"
	fi
done
check_eq "every public header compiles alone and twice" "" "$bad"

# Includes between parts: only NAME/NAME.h of a lower part; a private header
# only from its own folder.
wrong=""
for p in $parts; do
	while IFS=: read -r file line inc; do
		q=${inc%%/*}
		h=${inc#*/}
		if [ "$q" = "$inc" ]; then
			# a header of the same folder
			[ -f "core/$p/$inc" ] || wrong="$wrong
$file:$line: \"$inc\" is not in core/$p/"
			continue
		fi
		if [ -z "${level[$q]+x}" ]; then
			wrong="$wrong
$file:$line: \"$inc\" is not a part of core/"
		elif [ "$q" = "$p" ]; then
			[ "$h" = "$p.h" ] || wrong="$wrong
$file:$line: include \"$h\" of the same part without the folder"
		elif [ "$h" != "$q.h" ]; then
			wrong="$wrong
$file:$line: \"$inc\" is private to core/$q/"
		elif [ "${level[$q]}" -ge "${level[$p]}" ]; then
			wrong="$wrong
$file:$line: part $p includes $q, which is not below it"
		fi
	done < <(grep -nE '^\s*#\s*include\s+"' core/"$p"/*.[ch] |
		sed -E 's/^([^:]+):([0-9]+):\s*#\s*include\s+"([^"]+)".*/\1:\2:\3/')
done
check_eq "parts include only the public headers of parts below them" "" "$wrong"

# Faces and tests use a part through its public header only.
priv=$(grep -rnE '#\s*include\s+"[a-z]+/[a-z]+_priv\.h"' tui tests/unit tests/kubesim tests/bench 2>/dev/null)
check_eq "no face or test includes a part's private header" "" "$priv"

# Core computes and returns; the faces print.  Comments are left out (line
# comments first, then block comments); one perl reads every file.
prints=$(perl -e '
for my $f (@ARGV) {
	open(my $h, "<", $f) or die "$f: $!\n";
	local $/;
	my $t = <$h>;
	close($h);
	$t =~ s{//.*$}{}mg;
	$t =~ s{/\*.*?\*/}{}gs;
	my ($n, @hits) = (0);
	for my $l (split /\n/, $t) {
		$n++;
		push @hits, "$n:$l" if $l =~ m{\b(printf|vprintf|puts|putchar|perror|exit|_exit|_Exit|abort|quick_exit)\s*\(|\b(stdout|stderr)\b|#\s*include\s*<(n?curses|ncursesw/|readline/)};
	}
	print "\n$f: ", join("\n", @hits) if @hits;
}' core/*/*.[ch])
check_eq "core/ neither prints nor exits nor includes curses or readline" "" "$prints"

faces=$(grep -rnE '#\s*include\s*<(curl/|git2)' tui || true)
check_eq "tui/ speaks HTTP and Git only through core" "" "$faces"

# tui/cli: what commands share lives in the shared files (cli.h says which);
# every other file is one command's, and uses nothing another one defines.
SHARED_CLI="cli confirm heal options pager print progress reconcile"
commands=""
for f in tui/cli/*.c; do
	n=$(basename "$f" .c)
	case " $SHARED_CLI " in *" $n "*) ;; *) commands="$commands $n" ;; esac
done
defined=$(grep -cE '^[a-z_]+[ *]+kd_cli_check\(' tui/cli/check.c)
check_eq "tui/cli: the check finds a command's definitions" "1" "$defined"
cross=""
files=()
for c in $commands; do files+=("tui/cli/$c.c"); done
for c in $commands; do
	for fn in $(grep -oE '^[a-z_]+[ *]+kd_[a-z_]+\(' "tui/cli/$c.c" | grep -oE 'kd_[a-z_]+'); do
		# one grep for all the other command files, listed in the same order
		for o in $(grep -lw "$fn" "${files[@]}"); do
			[ "$o" = "tui/cli/$c.c" ] && continue
			cross="$cross
$o uses $fn of tui/cli/$c.c"
		done
	done
done
check_eq "tui/cli: no command's file uses another command's file" "" "$cross"

tap_done
