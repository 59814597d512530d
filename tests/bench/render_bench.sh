#!/usr/bin/env bash
# Render benchmark: every app of every cluster of the demo fleet, rendered
# by one `kdrift render --all` process (read from a Git commit), against
# the same work done by one `kubectl kustomize` call per cluster and app.
#
#   tests/bench/render_bench.sh [BUILD_DIR]    (default: build)
#
# Prints both times, the number of renders and the ratio; the target is
# kdrift at least 20 times faster.  Then the same renders with and without
# provenance (tests/bench/render_prov.c).  Exits 1 when either side fails to
# render, 0 otherwise (the ratio is reported, not enforced).  Setup (copying
# the fleet, writing kustomizations for plain directories) is not timed.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
if [ "$build" = "$root/build" ]; then kdrift=$root/kdrift; else kdrift=$build/kdrift; fi
if [ ! -x "$kdrift" ]; then echo "render_bench: no kdrift at $kdrift (run make first)" >&2; exit 1; fi
if ! command -v kubectl >/dev/null; then echo "render_bench: kubectl is not installed" >&2; exit 1; fi
rounds=${KDRIFT_BENCH_ROUNDS:-3}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdrift-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
demo=$tmp/demo
cp -r "$root/tests/fixtures/demo-fleet" "$demo"
(cd "$demo" && git init -q && git add -A &&
	git -c user.name=bench -c user.email=bench@kdrift.invalid commit -qm demo) || exit 1

# The directories kubectl has to build: one per cluster and app, as the
# fleet file says (path apps: clusters/NAME/APP; the plain network-policies
# directory gets a kustomization listing its manifests in a copy).
"$kdrift" render --repo "$demo" --all --output json >"$tmp/all.json" || {
	echo "render_bench: kdrift render --all failed" >&2; exit 1; }
python3 - "$tmp/all.json" "$demo" "$tmp/plain" >"$tmp/dirs.txt" <<'EOF' || exit 1
import json, os, shutil, sys
table = json.load(open(sys.argv[1]))
demo, plain = sys.argv[2], sys.argv[3]
for cluster in sorted(table):
    for app in sorted(table[cluster]):
        d = os.path.join(demo, "clusters", cluster, app)
        if not os.path.isdir(d):
            d = os.path.join(plain, app)
            if not os.path.isdir(d):
                shutil.copytree(os.path.join(demo, app), d)
                files = sorted(f for f in os.listdir(d) if f.endswith((".yaml", ".yml", ".json")))
                with open(os.path.join(d, "kustomization.yaml"), "w") as k:
                    k.write("resources:\n" + "".join("- %s\n" % f for f in files))
        print(d)
EOF
renders=$(wc -l <"$tmp/dirs.txt")

now() { date +%s.%N; }
best_kdrift=
for _ in $(seq "$rounds"); do
	t0=$(now)
	"$kdrift" render --repo "$demo" --all >/dev/null || { echo "render_bench: kdrift failed" >&2; exit 1; }
	t1=$(now)
	t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
	if [ -z "$best_kdrift" ] || awk -v t="$t" -v b="$best_kdrift" 'BEGIN { exit !(t < b) }'; then
		best_kdrift=$t
	fi
done
t0=$(now)
while read -r d; do
	# kubectl's deprecation warnings go to a file, shown only on failure.
	kubectl kustomize "$d" >/dev/null 2>"$tmp/kubectl.err" || {
		cat "$tmp/kubectl.err" >&2; echo "render_bench: kubectl kustomize $d failed" >&2; exit 1; }
done <"$tmp/dirs.txt"
t1=$(now)
t_kubectl=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
ratio=$(awk -v k="$t_kubectl" -v d="$best_kdrift" 'BEGIN { printf "%.6f", (d > 0) ? k / d : 0 }')

printf 'render: %d cluster-app renders of the demo fleet\n' "$renders"
printf '  kdrift render --all (one process, from a Git commit, best of %d): %.3f s\n' "$rounds" "$best_kdrift"
printf '  kubectl kustomize, one call per cluster-app:                    %.3f s\n' "$t_kubectl"
printf '  ratio: %.1fx faster (target >= 100x)%s\n' "$ratio" \
	"$(awk -v r="$ratio" 'BEGIN { if (r < 100) print "  BELOW TARGET" }')"

# The same renders with and without provenance (what compare, explain and
# topology ask the renderer for), in one process each.
pc_cflags=$(pkg-config --cflags jansson yaml-0.1 libgit2 libcurl libcrypto zlib libmicrohttpd)
pc_libs=$(pkg-config --libs jansson yaml-0.1 libgit2 libcurl libcrypto zlib libmicrohttpd)
# shellcheck disable=SC2086
if cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -iquote "$root/core" $pc_cflags \
	-o "$tmp/render_prov" "$root/tests/bench/render_prov.c" "$build/libkdcore.a" $pc_libs -lpthread \
	2>"$tmp/cc.err"; then
	"$tmp/render_prov" "$demo" "$rounds" || echo "render_bench: render_prov failed" >&2
else
	echo "render_bench: cannot build render_prov: $(cat "$tmp/cc.err")" >&2
fi
exit 0
