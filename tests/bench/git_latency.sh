#!/usr/bin/env bash
# Git commit -> engine snapshot latency (`make bench`; prints numbers,
# asserts none).
#
#   tests/bench/git_latency.sh [BUILD_DIR]
#
# A fleet of BENCH_GIT_CLUSTERS (default 200) kubesim clusters, each with a
# shared app of 40 objects and an app of its own (clusters/NAME).  Each
# step commits a change to one cluster's own app with `git commit` and
# times until the engine publishes the new revision (git_latency.c):
#   - an outside commit to the local repository the engine reads (nothing
#     tells the engine: it watches the refs);
#   - kdrift's own commit: the engine is nudged right after it, as the UI
#     does after an accept, on the local repository and on a clone of a
#     file:// URL (which only the nudge or the hourly fetch would notice).
# Also how many clusters each commit published again (1 is the goal: only
# the cluster whose desired state changed).  BENCH_GIT_STEPS (default 10).
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
build=$(cd "$build" && pwd)
n=${BENCH_GIT_CLUSTERS:-200}
steps=${BENCH_GIT_STEPS:-10}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdrift-gitbench.XXXXXX")
ks_pid=
cleanup() {
	[ -n "$ks_pid" ] && kill "$ks_pid" 2>/dev/null && wait "$ks_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export XDG_CACHE_HOME=$tmp/cache XDG_CONFIG_HOME=$tmp/config

python3 - "$tmp" "$n" <<'EOF' || exit 2
import json, os, sys
out, n = sys.argv[1], int(sys.argv[2])
repo = os.path.join(out, "repo")
names = ["cluster-%04d" % i for i in range(1, n + 1)]
os.makedirs(os.path.join(repo, "apps", "web"))
with open(os.path.join(repo, "kdrift.yaml"), "w") as f:
    f.write("apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\nclusters:\n")
    for c in names:
        f.write("  - {name: %s, labels: {env: production}}\n" % c)
    f.write("apps:\n  - {name: web, path: apps/web, namespace: bench}\n"
            "  - {name: own, path: \"clusters/{{name}}\", namespace: bench}\n")
objs = []
with open(os.path.join(repo, "apps", "web", "objects.yaml"), "w") as f:
    for i in range(40):
        o = {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "web-%d" % i, "namespace": "bench",
                          "labels": {"kdrift.dev/app": "web"}},
             "data": {"INDEX": str(i), "BLOB": "x" * 200}}
        objs.append(o)
        f.write("---\n" + json.dumps(o) + "\n")
for c in names:
    d = os.path.join(repo, "clusters", c)
    os.makedirs(d)
    with open(os.path.join(d, "own.yaml"), "w") as f:
        f.write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: own, namespace: bench}\n"
                "data: {step: start}\n")
objs.append({"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "own", "namespace": "bench", "labels": {"kdrift.dev/app": "own"}},
             "data": {"step": "start"}})
objs.insert(0, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}})
json.dump(objs, open(os.path.join(out, "objects.json"), "w"))
EOF
(cd "$tmp/repo" && git init -q -b main && git add -A &&
	git -c user.name=bench -c user.email=bench@kdrift.invalid commit -qm bench) || exit 2

"$build/kubesim" --port 0 --clusters "$n" --state-dir "$tmp/ks" >"$tmp/ks.out" 2>"$tmp/ks.err" &
ks_pid=$!
for _ in $(seq 1 600); do grep -q '^ready port=' "$tmp/ks.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^ready port=//p' "$tmp/ks.out")
[ -n "$port" ] || { echo "kubesim did not start: $(cat "$tmp/ks.err")"; exit 2; }
kc=$tmp/ks/kubeconfig
token=$(awk '/name: kubesim-admin/{f=1} f && /token:/{print $2; exit}' "$kc")
curl -sk -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -X POST \
	"https://127.0.0.1:$port/_kubesim/clusters/*/objects?manager=argocd-controller" \
	--data-binary "@$tmp/objects.json" >/dev/null || exit 2

pc_cflags=$(pkg-config --cflags jansson yaml-0.1 libgit2 libcurl libcrypto zlib libmicrohttpd)
pc_libs=$(pkg-config --libs jansson yaml-0.1 libgit2 libcurl libcrypto zlib libmicrohttpd)
if ! cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -iquote core $pc_cflags \
	-o "$tmp/git_latency" tests/bench/git_latency.c "$build/libkdcore.a" $pc_libs -lpthread 2>"$tmp/cc.err"; then
	echo "git latency: cannot build the probe: $(cat "$tmp/cc.err")"
	exit 1
fi
"$tmp/git_latency" outside "$tmp/repo" "$tmp/repo" "$kc" "$steps" cluster-0001
"$tmp/git_latency" nudge "$tmp/repo" "$tmp/repo" "$kc" "$steps" cluster-0002
"$tmp/git_latency" nudge "file://$tmp/repo" "$tmp/repo" "$kc" "$steps" cluster-0003 |
	sed 's/(nudge)/(nudge, clone of a file:\/\/ URL)/'
