#!/usr/bin/env bash
# Differential test of kdrift's native Kustomize renderer against the real
# `kubectl kustomize`, over every case in tests/fixtures/kustomize/.
#
# For a case with expected.json (a build that succeeds):
#   1. kubectl kustomize CASE, as a JSON list, must equal expected.json (so
#      the expectations the unit test checks are kubectl's current output);
#   2. `kdrift render --dir CASE --output json` must equal kubectl's output,
#      compared as parsed objects, in order.
# For a case with expected-error: both must fail, kdrift naming the
# kustomization file; for a feature kdrift does not implement, kdrift must
# name it ("unsupported kustomize feature 'vars'") whatever kubectl does.
# Every mismatch is a failure; nothing is skipped.
set -u
. "$(dirname "$0")/../tools/tap.sh"

fx="$KDRIFT_ROOT/tests/fixtures/kustomize"
to_json="$fx/kubectl2json.py"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/kdrift-kdiff.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

if ! command -v kubectl >/dev/null 2>&1; then
	not_ok "kubectl is installed (the reference renderer)"
	tap_done
	exit 1
fi
# The python3 first on PATH may lack the yaml module that Debian's has.
pyyaml=python3
python3 -c 'import yaml' >/dev/null 2>&1 || pyyaml=/usr/bin/python3
if ! "$pyyaml" -c 'import yaml' >/dev/null 2>&1; then
	not_ok "python3 with the yaml module is installed (Debian: python3-yaml)"
	tap_done
	exit 1
fi

# same_json A B: the two files hold equal JSON; kdrift may print a bare list
# or a List object.
same_json() {
	python3 - "$1" "$2" <<'PY'
import json, sys
def load(p):
    with open(p) as f:
        v = json.load(f)
    if isinstance(v, dict) and isinstance(v.get("items"), list):
        v = v["items"]
    return v
a, b = load(sys.argv[1]), load(sys.argv[2])
if a == b:
    sys.exit(0)
if not isinstance(a, list) or not isinstance(b, list):
    print("not both lists"); sys.exit(1)
if len(a) != len(b):
    print("%d objects expected, %d rendered" % (len(a), len(b)))
for i, (x, y) in enumerate(zip(a, b)):
    if x != y:
        print("object %d differs" % i)
        print("  expected: " + json.dumps(x, sort_keys=True)[:2000])
        print("  rendered: " + json.dumps(y, sort_keys=True)[:2000])
        break
sys.exit(1)
PY
}

render_ok=1
if ! "$KDRIFT_BIN" render --dir "$fx/basic-resources" --output json > "$scratch/probe.json" 2> "$scratch/probe.err"; then
	render_ok=0
	not_ok "kdrift render --dir DIR --output json runs" "$(head -c 2000 "$scratch/probe.err")"
fi

for dir in "$fx"/*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	if [ -f "$dir/expected-error" ]; then
		# A feature kdrift does not implement may well work in kubectl;
		# kdrift must then say so by name.  Any other expected error is
		# an error for kubectl too.
		unsupported=$(grep -o "unsupported kustomize feature '[^']*'" "$dir/expected-error" || true)
		if [ -z "$unsupported" ]; then
			if kubectl kustomize "$dir" > /dev/null 2>&1; then
				not_ok "$name: kubectl kustomize fails as the fixture expects"
			else
				ok "$name: kubectl kustomize fails as the fixture expects"
			fi
		fi
		[ "$render_ok" = 1 ] || continue
		if "$KDRIFT_BIN" render --dir "$dir" --output json > "$scratch/out.json" 2> "$scratch/err.txt"; then
			not_ok "$name: kdrift render fails too" "it succeeded"
		elif [ -n "$unsupported" ]; then
			if grep -qF "$unsupported" "$scratch/err.txt"; then
				ok "$name: kdrift render reports $unsupported"
			else
				not_ok "$name: kdrift render reports $unsupported" "$(head -c 2000 "$scratch/err.txt")"
			fi
		elif grep -qE 'kustomization|Kustomization' "$scratch/err.txt"; then
			ok "$name: kdrift render fails too, naming the kustomization"
		else
			not_ok "$name: kdrift render fails too, naming the kustomization" "$(head -c 2000 "$scratch/err.txt")"
		fi
		continue
	fi
	[ -f "$dir/expected.json" ] || continue
	if ! kubectl kustomize "$dir" 2> "$scratch/kerr.txt" | "$pyyaml" "$to_json" > "$scratch/kubectl.json"; then
		not_ok "$name: kubectl kustomize succeeds" "$(head -c 2000 "$scratch/kerr.txt")"
		continue
	fi
	if diff_out=$(same_json "$dir/expected.json" "$scratch/kubectl.json"); then
		ok "$name: expected.json is kubectl's current output"
	else
		not_ok "$name: expected.json is kubectl's current output (run tests/fixtures/kustomize/regen.sh)" "$diff_out"
	fi
	[ "$render_ok" = 1 ] || continue
	if ! "$KDRIFT_BIN" render --dir "$dir" --output json > "$scratch/kdrift.json" 2> "$scratch/err.txt"; then
		not_ok "$name: kdrift render equals kubectl kustomize" "$(head -c 2000 "$scratch/err.txt")"
	elif diff_out=$(same_json "$scratch/kubectl.json" "$scratch/kdrift.json"); then
		ok "$name: kdrift render equals kubectl kustomize"
	else
		not_ok "$name: kdrift render equals kubectl kustomize" "$diff_out"
	fi
done
tap_done
