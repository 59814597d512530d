#!/usr/bin/env bash
# Re-derives every row of tests/fixtures/yaml/typing.tsv from `kubectl
# kustomize` and fails on any difference.  tests/unit/test_yaml.c checks the
# same table against kdrift's parser, so together they show that kdrift types
# scalars exactly as kustomize does.
#
# Each row is "INPUT<TAB>EXPECTED": INPUT is written as the value of a
# ConfigMap data key; EXPECTED is the JSON kustomize produces for it, numbers
# spelled as kustomize prints them, or the word "error" when kustomize
# refuses the document.  kustomize prints YAML; its emitter quotes every
# string that its own reader would type otherwise, so the value line is read
# back with the few rules below (quoted string, null/true/false, a finite
# JSON number, else a plain string) without any YAML library.
#
# With KDRIFT_TYPING_WRITE=1 the table is printed as kubectl sees it instead.
. "$(dirname "$0")/../tools/tap.sh"

table="$KDRIFT_ROOT/tests/fixtures/yaml/typing.tsv"
if ! command -v kubectl >/dev/null 2>&1; then
	echo "ok 1 - # SKIP kubectl is not installed"
	echo "1..1"
	exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kdrift-typing.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf 'resources: [cm.yaml]\n' >"$work/kustomization.yaml"

# value_to_json TEXT: kustomize's printed value -> JSON text.
value_to_json() {
	local v=$1
	case $v in
	\"*\") printf '%s' "$v" ;;
	\'*\')
		v=${v#\'}; v=${v%\'}; v=${v//\'\'/\'}
		v=${v//\\/\\\\}; v=${v//\"/\\\"}
		printf '"%s"' "$v" ;;
	null | true | false) printf '%s' "$v" ;;
	*)
		# A JSON number that is finite (decimal exponent at most 308).
		if [[ $v =~ ^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE]([-+]?)([0-9]+))?$ ]] &&
			{ [ -z "${BASH_REMATCH[3]}" ] || [ "${BASH_REMATCH[4]}" = - ] ||
				[ $(( ${#BASH_REMATCH[1]} - 1 + 10#${BASH_REMATCH[5]} )) -le 308 ]; }; then
			printf '%s' "$v"
		else
			v=${v//\\/\\\\}; v=${v//\"/\\\"}
			printf '"%s"' "$v"
		fi ;;
	esac
}

# kustomize_value INPUT: prints the JSON kustomize gives the scalar, or "error".
kustomize_value() {
	local out line
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typing\ndata:\n  k: %s\n' "$1" >"$work/cm.yaml"
	if ! out=$(kubectl kustomize "$work" 2>/dev/null); then
		printf 'error'
		return
	fi
	line=$(printf '%s\n' "$out" | grep -m1 '^  k: ') || { printf 'unreadable'; return; }
	value_to_json "${line#  k: }"
}

rows=0
while IFS= read -r row || [ -n "$row" ]; do
	case $row in '#'* | '') continue ;; esac
	input=${row%%$'\t'*}
	want=${row#*$'\t'}
	got=$(kustomize_value "$input")
	rows=$((rows + 1))
	if [ "${KDRIFT_TYPING_WRITE:-}" = 1 ]; then
		printf '%s\t%s\n' "$input" "$got"
		continue
	fi
	check_eq "kustomize types [$input] as $want" "$want" "$got"
done <"$table"

[ "${KDRIFT_TYPING_WRITE:-}" = 1 ] && exit 0

# The emitter's golden files are kubectl's output for the fixture
# directories; test_yaml checks that kdrift re-emits them byte for byte.
for name in layout quoting; do
	dir="$KDRIFT_ROOT/tests/fixtures/yaml/$name"
	if out=$(kubectl kustomize "$dir" 2>&1); then
		check_eq "kubectl still prints tests/fixtures/yaml/$name.expected.yaml" \
			"$(cat "$KDRIFT_ROOT/tests/fixtures/yaml/$name.expected.yaml")" "$out"
	else
		not_ok "kubectl kustomize $dir" "$out"
	fi
done
check "the table has at least 40 rows ($rows)" test "$rows" -ge 40
tap_done
