#!/usr/bin/env bash
# Key press → frame latency and memory of the interactive UI on a large fleet.
#
#   tests/bench/tui_latency.sh [BUILD_DIR] [OBJECTS]      (default 100000)
#   KDRIFT_BIN=/path/to/kdrift tests/bench/tui_latency.sh  (another build, to
#                                                           compare two runs)
#   TUI_BENCH_KEEP=DIR ...      keeps the script and the time of every step
#                               (DIR/script, DIR/timing) to look at the tail
#
# Writes a fleet state of OBJECTS objects in the bench fleet's shape
# (tests/bench/gen.py: 1000 clusters, four apps, 100 objects a cluster;
# OBJECTS below 100000 keeps the 1000 clusters and has fewer objects each),
# 1 % of the objects drifted, and drives `kdrift ui` through a script with
# KDRIFT_SCRIPT_TIMING: every navigation key of the tree and of the diff
# pane, many times each at places spread over the whole tree, then a
# second state published under it.  Prints for each key the count, median,
# 99th percentile and maximum time from its keys to its frame being drawn
# (curses output included, to /dev/null) and the UI thread's CPU time for
# it (steady when others load the machine), the worst p99 over every key
# (the filter's prompt commands included), the UI process's peak RSS and
# the load average.  A measure, not a test: it never fails on a number
# (goals, issue 14: every key's p99 under 16 ms, peak RSS under 600 MiB).
set -euo pipefail
build=${1:-build}
objects=${2:-100000}
root=$(cd "$(dirname "$0")/../.." && pwd)
kdrift=${KDRIFT_BIN:-$root/kdrift}
[ "$build" = build ] || [ -n "${KDRIFT_BIN:-}" ] || kdrift=$root/$build/kdrift
work=$(mktemp -d "${TMPDIR:-/tmp}/kdrift-tui-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 - "$objects" "$work" <<'EOF'
import json, os, sys
objects, work = int(sys.argv[1]), sys.argv[2]
nclusters, napps = 1000, 4
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
        clusters.append({"name": "cluster-%04d" % c, "labels": {"env": "production" if c % 2 else "staging"},
                         "remediation": "alert", "syncedAt": 1795000000, "apps": apps})
    return {"now": 1795000060, "source": {"label": "bench", "revision": "0" * 12, "fetchedAt": 1795000000},
            "clusters": clusters}
for stage in (0, 1):
    with open(os.path.join(work, "state%d.json" % stage), "w") as f:
        json.dump(state(stage), f)
EOF

# Keys are measured where they are expensive: far down an expanded tree of
# every object, in a collapsed tree, and in an open diff pane; the keys that
# change the whole tree (*, -, p, :filter and its clearing, / typed key by
# key, a term that matches something and one that matches nothing) many
# times each.
rep() { local i; for ((i = 0; i < $1; i++)); do printf '%s\n' "$2"; done; }
typed() { local i; echo '/'; for ((i = 0; i < ${#1}; i++)); do echo "type ${1:i:1}"; done; }
{
	rep 20 'j'; rep 20 'k'            # collapsed: cluster rows
	rep 20 '<Enter>'                  # expand / collapse a cluster
	echo '*'
	echo 'G'; rep 100 'k'; echo 'g'; rep 100 'j'
	rep 50 '<PageDown>'; rep 50 '<PageUp>'
	rep 10 'G'; rep 10 'g'
	rep 100 ']'; rep 100 '['
	echo '/object-00042'; rep 50 'n'; rep 50 'N'
	rep 20 'l'; rep 20 'h'
	echo 'G'; rep 20 '['
	echo 'd'                          # the diff pane follows the cursor
	rep 50 'j'; rep 50 'k'; rep 20 ']'; rep 20 '['
	rep 20 '<Tab>'                    # focus the pane and back
	echo '<Tab>'
	rep 50 'j'; rep 50 'k'; rep 20 ']'; rep 20 '['
	rep 10 '<PageDown>'; rep 10 '<PageUp>'; rep 10 'z'; rep 10 'u'
	echo '<Tab>'; echo 'q'
	echo ':filter status drifted'; rep 50 'j'; echo ':filter clear'
	rep 4 'p'
	# whole-tree keys, in an expanded tree and in a collapsed one
	for ((r = 0; r < 10; r++)); do
		echo '-'; rep 3 ']'; echo '*'; echo 'G'; rep 3 'k'
	done
	rep 20 'p'
	for ((r = 0; r < 8; r++)); do
		echo ':filter status drifted'; echo ':filter clear'
		echo ':filter name object-0004'; echo ':filter name object-00042'; echo ':filter clear'
		echo ':filter app app-2'; echo ':filter labels env=production'; echo ':filter clear'
	done
	# search typed key by key: a term that matches, one that matches
	# nothing, and taking a term back
	for ((r = 0; r < 4; r++)); do
		typed 'object-00042'; echo '<Enter>'
		typed 'zzqxwvyzzqxw'; echo '<Esc>'
		typed 'cluster-0999'; rep 4 '<Backspace>'; echo '<Enter>'
		rep 5 'n'
	done
	echo '<Esc>'
	echo ":load-state $work/state1.json"
	rep 50 'k'; rep 50 ']'
	echo '-'
	echo ':quit'
} >"$work/script"

load=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s.%N)
KDRIFT_SCRIPT=$work/script KDRIFT_SCRIPT_TIMING=$work/timing LINES=50 COLUMNS=160 \
	/usr/bin/time -f '%M' -o "$work/rss" "$kdrift" ui --state-file "$work/state0.json"
end=$(date +%s.%N)
if [ -n "${TUI_BENCH_KEEP:-}" ]; then
	mkdir -p "$TUI_BENCH_KEEP"
	cp "$work/script" "$work/timing" "$TUI_BENCH_KEEP/"
fi
echo "tui latency: $objects objects (1000 clusters), $(wc -l <"$work/script") steps, $(awk "BEGIN{printf \"%.1f\", $end - $start}") s in all (loading included)"
echo "  UI peak RSS $(( $(cat "$work/rss") / 1024 )) MiB (goal: under 600); load average $load -> $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
python3 - "$work/timing" <<'EOF'
import sys, collections
groups = collections.OrderedDict()
pane = False
prompt = None
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t", 3)
    us, step = f[1], f[-1]
    cpu = float(f[2]) / 1000 if len(f) == 4 else None
    key = step if not step.startswith((":", "/")) else step.split(" ")[0]
    if step == "/":
        prompt, label = "/", "/ (open search)"
    elif prompt == "/" and step.startswith("type "):
        label = "/ typing"
    elif prompt == "/" and step in ("<Enter>", "<Esc>", "<Backspace>"):
        label = "/ " + step
        if step != "<Backspace>":
            prompt = None
    else:
        if key.startswith("/"):
            key = "/TERM (keys in one step)"
        if key == "d":
            pane = "diff pane open"
        elif key == "<Tab>" and pane:
            pane = "pane focused" if pane == "diff pane open" else "diff pane open"
        elif key == "q":
            pane = False
        label = key if not pane or key in ("d", "<Tab>", "q") else "%s (%s)" % (key, pane)
        if key == ":filter":
            arg = step.split(" ")[1] if " " in step else ""
            label = ":filter clear" if arg == "clear" else ":filter " + arg
    groups.setdefault(label, []).append((float(us) / 1000, cpu))
def pct(v, p):
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]
worst = worst_cpu = 0.0
worst_key = worst_cpu_key = ""
print("  %-26s %6s %10s %10s %10s %10s %10s" % ("key", "count", "median ms", "p99 ms", "max ms",
                                               "cpu med", "cpu p99"))
for k, v in groups.items():
    wall = sorted(x[0] for x in v)
    cpu = sorted(x[1] for x in v if x[1] is not None)
    # keys, and the filter (a key too, through its prompt); loading a
    # state and quitting are not keys, and a term typed in one step is
    # many (measured one by one as "/ typing")
    if k not in (":load-state", ":quit", "/TERM (keys in one step)"):
        if pct(wall, 0.99) > worst:
            worst, worst_key = pct(wall, 0.99), k
        if cpu and pct(cpu, 0.99) > worst_cpu:
            worst_cpu, worst_cpu_key = pct(cpu, 0.99), k
    c = ("%10.2f %10.2f" % (cpu[len(cpu) // 2], pct(cpu, 0.99))) if cpu else ""
    print("  %-26s %6d %10.2f %10.2f %10.2f %s" % (k, len(v), wall[len(wall) // 2], pct(wall, 0.99),
                                                  wall[-1], c))
print("  worst key p99: %.2f ms (%s; goal: under 16)" % (worst, worst_key))
if worst_cpu_key:
    print("  worst key p99 in CPU time of the UI thread: %.2f ms (%s)" % (worst_cpu, worst_cpu_key))
EOF
