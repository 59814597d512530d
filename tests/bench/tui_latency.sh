#!/usr/bin/env bash
# Key press → frame latency of the interactive UI on a large fleet.
#
#   tests/bench/tui_latency.sh [BUILD_DIR] [OBJECTS]      (default 100000)
#
# Writes a fleet state of OBJECTS objects (50 clusters x 4 apps, 1 % of the
# objects drifted), drives `kdrift ui` through a script of key presses and
# prompt commands with KDRIFT_SCRIPT_TIMING, and prints for each kind of step
# the count, median, 95th percentile and maximum time from the step's keys
# to its frame being drawn (curses output included, to /dev/null).  A
# measure, not a test: it never fails on a number.
set -euo pipefail
build=${1:-build}
objects=${2:-100000}
root=$(cd "$(dirname "$0")/../.." && pwd)
kdrift=$root/kdrift
[ "$build" = build ] || kdrift=$root/$build/kdrift
work=$(mktemp -d "${TMPDIR:-/tmp}/kdrift-tui-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 - "$objects" "$work" <<'EOF'
import json, os, sys
objects, work = int(sys.argv[1]), sys.argv[2]
nclusters, napps = 50, 4
per_app = max(1, objects // (nclusters * napps))
def cm(ns, name, v):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": ns}, "data": {"key": v, "other": "x"}}
def state(stage):
    clusters = []
    n = 0
    for c in range(nclusters):
        apps = []
        for a in range(napps):
            ns = "app-%d" % a
            res = []
            for i in range(per_app):
                d = cm(ns, "object-%05d" % i, "v1")
                l = cm(ns, "object-%05d" % i, "v1")
                l["metadata"]["uid"] = "u%d" % n
                if (n + stage * 7) % 100 == 0:
                    l["data"]["key"] = "v2"
                res.append({"desired": d, "live": l})
                n += 1
            apps.append({"name": "app-%d" % a, "resources": res})
        clusters.append({"name": "cluster-%03d" % c, "labels": {"env": "production" if c % 2 else "staging"},
                         "remediation": "alert", "syncedAt": 1795000000, "apps": apps})
    return {"now": 1795000060, "source": {"label": "bench", "revision": "0" * 12, "fetchedAt": 1795000000},
            "clusters": clusters}
for stage in (0, 1):
    with open(os.path.join(work, "state%d.json" % stage), "w") as f:
        json.dump(state(stage), f)
EOF

{
	echo '*'
	for _ in $(seq 1 100); do echo 'j'; done
	for _ in $(seq 1 20); do echo '<PageDown>'; done
	for _ in $(seq 1 50); do echo ']'; done
	echo 'G'
	echo 'g'
	echo '/object-00042'
	for _ in $(seq 1 20); do echo 'n'; done
	echo ':filter status drifted'
	for _ in $(seq 1 20); do echo 'j'; done
	echo ':filter clear'
	echo 'p'
	echo 'p'
	echo 'd'
	for _ in $(seq 1 20); do echo ']'; done
	echo ":load-state $work/state1.json"
	for _ in $(seq 1 20); do echo 'k'; done
	echo ':quit'
} >"$work/script"

start=$(date +%s.%N)
KDRIFT_SCRIPT=$work/script KDRIFT_SCRIPT_TIMING=$work/timing LINES=50 COLUMNS=160 \
	/usr/bin/time -f '%M' -o "$work/rss" "$kdrift" ui --state-file "$work/state0.json"
end=$(date +%s.%N)
echo "tui latency: $objects objects, $(wc -l <"$work/script") steps, $(awk "BEGIN{printf \"%.1f\", $end - $start}") s in all (loading included), max RSS $(( $(cat "$work/rss") / 1024 )) MiB"
python3 - "$work/timing" <<'EOF'
import sys, collections
groups = collections.OrderedDict()
for line in open(sys.argv[1]):
    _, us, step = line.rstrip("\n").split("\t", 2)
    key = step if not step.startswith((":", "/")) else step.split(" ")[0]
    if key.startswith("/"):
        key = "/search"
    groups.setdefault(key, []).append(float(us) / 1000)
print("%-14s %6s %10s %10s %10s" % ("step", "count", "median ms", "p95 ms", "max ms"))
for k, v in groups.items():
    v.sort()
    p95 = v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]
    print("%-14s %6d %10.2f %10.2f %10.2f" % (k, len(v), v[len(v) // 2], p95, v[-1]))
EOF
