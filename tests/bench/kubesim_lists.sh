#!/usr/bin/env bash
# kubesim under load: 1000 clusters x 100 objects, then list requests from
# 32 concurrent clients.  Prints load time, lists per second, p50/p99 list
# latency and the simulator's RSS; asserts nothing.
#
#   tests/bench/kubesim_lists.sh BUILD_DIR
#
# KS_CLUSTERS (default 1000), KS_REQUESTS (default 20000) and KS_CLIENTS
# (default 32) scale it.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
case $build in /*) ;; *) build=$root/$build ;; esac
n=${KS_CLUSTERS:-1000}
requests=${KS_REQUESTS:-20000}
clients=${KS_CLIENTS:-32}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdrift-ksbench.XXXXXX")
ks_pid=
cleanup() {
	[ -n "$ks_pid" ] && kill "$ks_pid" 2>/dev/null && wait "$ks_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# 100 objects per cluster: 50 ConfigMaps and 50 Deployments.
python3 - "$tmp/objects.json" <<'PY'
import json, sys
items = []
for i in range(50):
    items.append({"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"name": "config-%02d" % i, "namespace": "default",
                               "labels": {"app": "bench", "shard": str(i % 5)}},
                  "data": {"key-%d" % k: "value-%d-%d" % (i, k) for k in range(8)}})
    items.append({"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": "web-%02d" % i, "namespace": "default",
                               "labels": {"app": "bench"}},
                  "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web-%02d" % i}},
                           "template": {"metadata": {"labels": {"app": "web-%02d" % i}},
                                        "spec": {"containers": [{"name": "web",
                                                                 "image": "registry.example.com/web:1.%d" % i,
                                                                 "ports": [{"containerPort": 8080}]}]}}}})
json.dump({"apiVersion": "v1", "kind": "List", "items": items}, open(sys.argv[1], "w"))
PY

"$build/kubesim" --port 0 --clusters "$n" --state-dir "$tmp/ks" >"$tmp/ks.out" 2>"$tmp/ks.err" &
ks_pid=$!
for _ in $(seq 1 600); do grep -q '^ready port=' "$tmp/ks.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^ready port=//p' "$tmp/ks.out")
[ -n "$port" ] || { echo "kubesim did not start: $(cat "$tmp/ks.err")"; exit 2; }
token=$(awk '/name: kubesim-admin/{f=1} f && /token:/{print $2; exit}' "$tmp/ks/kubeconfig")

start=$(date +%s%N)
curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	-X POST "https://127.0.0.1:$port/_kubesim/clusters/*/objects" --data-binary "@$tmp/objects.json" >"$tmp/load.code"
load_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "kubesim: loaded $((n * 100)) objects into $n clusters in $load_ms ms (HTTP $(cat "$tmp/load.code"))"
echo "kubesim: RSS after load $(( $(ps -o rss= -p "$ks_pid") / 1024 )) MiB (target: under 2048 MiB)"

# The request list: namespaced lists of either kind, spread over every cluster.
python3 - "$tmp/curl.cfg" "$port" "$n" "$requests" "$token" <<'PY'
import random, sys
path, port, n, count, token = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
random.seed(7)
kinds = ["api/v1/namespaces/default/configmaps", "apis/apps/v1/namespaces/default/deployments"]
with open(path, "w") as f:
    f.write('header = "Authorization: Bearer %s"\n' % token)
    f.write('header = "Accept: application/json"\n')
    for _ in range(count):
        f.write('url = "https://127.0.0.1:%s/clusters/cluster-%04d/%s"\n' % (port, random.randint(1, n), random.choice(kinds)))
        f.write('output = "/dev/null"\n')
PY
start=$(date +%s%N)
curl -sk --parallel --parallel-max "$clients" -K "$tmp/curl.cfg" -w '%{http_code} %{time_total}\n' >"$tmp/times" 2>"$tmp/curl.err"
wall_ms=$(( ($(date +%s%N) - start) / 1000000 ))
python3 - "$tmp/times" "$wall_ms" "$clients" <<'PY'
import sys
lines = [l.split() for l in open(sys.argv[1]) if l.strip()]
ok = sorted(float(t) for code, t in lines if code == "200")
wall = int(sys.argv[2]) / 1000.0
if not ok:
    print("kubesim: no list succeeded"); sys.exit(1)
p = lambda q: ok[min(len(ok) - 1, int(q * len(ok)))] * 1000
print("kubesim: %d lists (%d failed) from %s clients in %.2f s: %.0f lists/s (target: 2000), "
      "p50 %.1f ms, p99 %.1f ms" % (len(ok), len(lines) - len(ok), sys.argv[3], wall, len(ok) / wall, p(0.5), p(0.99)))
PY
echo "kubesim: RSS after the lists $(( $(ps -o rss= -p "$ks_pid") / 1024 )) MiB"
