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

# One python process does every conversion and comparison (a few hundred
# interpreter starts cost more than the rest of the suite): it reads one
# request a line and answers with its message, then a line "\x1eSTATUS".
#   tojson IN OUT   IN's YAML documents as one JSON list in OUT, in order,
#                   in the canonical form of kubectl2json.py and expected.json
#   same A B        A and B hold equal JSON; kdrift may print a bare list or
#                   a List object
cat >"$scratch/worker.py" <<'PY'
import json, sys, traceback
import yaml

def tojson(src, dst):
    with open(src) as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    with open(dst, "w") as f:
        json.dump(docs, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    return 0, ""

def load(p):
    with open(p) as f:
        v = json.load(f)
    if isinstance(v, dict) and isinstance(v.get("items"), list):
        v = v["items"]
    return v

def same(pa, pb):
    a, b = load(pa), load(pb)
    if a == b:
        return 0, ""
    if not isinstance(a, list) or not isinstance(b, list):
        return 1, "not both lists"
    out = []
    if len(a) != len(b):
        out.append("%d objects expected, %d rendered" % (len(a), len(b)))
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            out.append("object %d differs" % i)
            out.append("  expected: " + json.dumps(x, sort_keys=True)[:2000])
            out.append("  rendered: " + json.dumps(y, sort_keys=True)[:2000])
            break
    return 1, "\n".join(out)

for line in sys.stdin:
    cmd, *args = line.rstrip("\n").split("\t")
    try:
        rc, text = {"tojson": tojson, "same": same}[cmd](*args)
    except Exception:
        rc, text = 1, traceback.format_exc(limit=1)
    if text:
        sys.stdout.write(text.rstrip("\n") + "\n")
    sys.stdout.write("\x1e%d\n" % rc)
    sys.stdout.flush()
PY
coproc PYW { exec "$pyyaml" -u "$scratch/worker.py" 2>&1; }

# py REQUEST ARGS...: asks the worker; its message in PY_OUT, its status
# returned (1 when the worker is gone).
py() {
	local line IFS=$'\t'
	PY_OUT=""
	# (coproc descriptors exist in this shell only, not in subshells)
	printf '%s\n' "$*" >&"${PYW[1]}" || { PY_OUT="the python worker is gone"; return 1; }
	while IFS= read -r line <&"${PYW[0]}"; do
		case $line in
		$'\x1e'*) return "${line#?}" ;;
		esac
		PY_OUT="$PY_OUT${PY_OUT:+
}$line"
	done
	PY_OUT="$PY_OUT${PY_OUT:+
}the python worker ended"
	return 1
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
	# (the status is the conversion's, as in a pipe into $to_json)
	kubectl kustomize "$dir" > "$scratch/kubectl.yaml" 2> "$scratch/kerr.txt"
	if ! py tojson "$scratch/kubectl.yaml" "$scratch/kubectl.json"; then
		not_ok "$name: kubectl kustomize succeeds" "$(head -c 2000 "$scratch/kerr.txt")"
		continue
	fi
	if py same "$dir/expected.json" "$scratch/kubectl.json"; then
		ok "$name: expected.json is kubectl's current output"
	else
		not_ok "$name: expected.json is kubectl's current output (run tests/fixtures/kustomize/regen.sh)" "$PY_OUT"
	fi
	[ "$render_ok" = 1 ] || continue
	if ! "$KDRIFT_BIN" render --dir "$dir" --output json > "$scratch/kdrift.json" 2> "$scratch/err.txt"; then
		not_ok "$name: kdrift render equals kubectl kustomize" "$(head -c 2000 "$scratch/err.txt")"
	elif py same "$scratch/kubectl.json" "$scratch/kdrift.json"; then
		ok "$name: kdrift render equals kubectl kustomize"
	else
		not_ok "$name: kdrift render equals kubectl kustomize" "$PY_OUT"
	fi
done
tap_done
