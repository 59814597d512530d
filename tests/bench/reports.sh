#!/usr/bin/env bash
# The fleet view from the agents' DriftReports (DESIGN §11): N clusters
# (default 10,000) whose kubesim holds nothing but the reports an agent
# wrote, and `kdrift check --from-reports` over all of them: the time to a
# complete fleet view and the peak memory (goal: under 30 s and 1 GiB on 2
# cores).  Prints numbers, asserts nothing.
#
#   tests/bench/reports.sh BUILD_DIR
#
# The reports are real: `kdrift agent --once` runs against one kubesim
# cluster holding the bench fleet's 100 objects (two of them drifted), and
# what it wrote is loaded into every cluster under that cluster's name.
# BENCH_REPORT_CLUSTERS scales it.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
build=$(cd "$build" && pwd)
if [ "$build" = "$root/build" ]; then kdrift=$root/kdrift; else kdrift=$build/kdrift; fi
n=${BENCH_REPORT_CLUSTERS:-10000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdrift-reports-bench.XXXXXX")
ks_pid=
cleanup() {
	[ -n "$ks_pid" ] && kill "$ks_pid" 2>/dev/null && wait "$ks_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export XDG_CACHE_HOME=$tmp/cache XDG_CONFIG_HOME=$tmp/config XDG_STATE_HOME=$tmp/state
say() { printf '%s\n' "$*"; }
# peak RSS (KiB), wall seconds, exit status and CPU seconds of a command
measure() {
	/usr/bin/time -f '%M %e %x %U %S' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err"
	tail -1 "$tmp/time" | awk '{print $1, $2, $3, $4 + $5}'
}
# CPU seconds kubesim has used so far
ks_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$ks_pid/stat"; }
# start_kubesim ARGS...: sets ks_pid, port, kc, token
start_kubesim() {
	"$build/kubesim" --port 0 --state-dir "$tmp/ks" "$@" >"$tmp/ks.out" 2>"$tmp/ks.err" &
	ks_pid=$!
	for _ in $(seq 1 1200); do grep -q '^ready port=' "$tmp/ks.out" 2>/dev/null && break; sleep 0.1; done
	port=$(sed -n 's/^ready port=//p' "$tmp/ks.out")
	[ -n "$port" ] || { say "kubesim did not start: $(cat "$tmp/ks.err")"; exit 2; }
	kc=$tmp/ks/kubeconfig
	token=$(awk '/name: kubesim-admin/{f=1} f && /token:/{print $2; exit}' "$kc")
}
stop_kubesim() { kill "$ks_pid" 2>/dev/null; wait "$ks_pid" 2>/dev/null; ks_pid=; rm -rf "$tmp/ks"; }
load() {   # load CLUSTER FILE [MANAGER]
	curl -sk -o "$tmp/load.out" -w '%{http_code}' -H "Authorization: Bearer $token" \
		-H 'Content-Type: application/json' -X POST \
		"https://127.0.0.1:$port/_kubesim/clusters/$1/objects?manager=${3:-argocd-controller}" \
		--data-binary "@$2"
}
yaml_list() {   # the documents of YAML files as one JSON List
	python3 -c '
import json, sys, yaml
items = [d for f in sys.argv[1:] for d in yaml.safe_load_all(open(f)) if d]
print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))' "$@"
}

say "bench: $n clusters from their DriftReports (build: $build)"
python3 tests/bench/gen.py "$tmp" "$n" || exit 2
(cd "$tmp/repo" && git init -q && git add -A && git -c user.name=bench -c user.email=bench@kdrift.invalid commit -qm bench) || exit 2
yaml_list deploy/namespace.yaml deploy/crd.yaml >"$tmp/kind.json" || exit 2

# 1. one agent's reports, from a cluster with the fleet's objects
start_kubesim --clusters cluster-0001
load cluster-0001 "$tmp/kind.json" kubectl >/dev/null
load cluster-0001 "$tmp/objects.json" >/dev/null
for step in \
	'{"action":"scale","manager":"kubectl-scale","apiVersion":"apps/v1","kind":"Deployment","namespace":"bench","name":"web-1","replicas":7}' \
	'{"action":"patch","manager":"kubectl-edit","apiVersion":"v1","kind":"ConfigMap","namespace":"bench","name":"api-cfg-2","patch":{"data":{"LOG_LEVEL":"debug"}}}'; do
	curl -sk -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		-X POST "https://127.0.0.1:$port/_kubesim/clusters/cluster-0001/mutate" --data-binary "$step"
done
if ! "$kdrift" agent --once --cluster cluster-0001 --repo "$tmp/repo" --kubeconfig "$kc" \
	--context cluster-0001 --interval 1h 2>"$tmp/agent.err"; then
	say "the agent failed: $(cat "$tmp/agent.err")"
	exit 2
fi
kubectl --kubeconfig "$kc" --context cluster-0001 --cache-dir "$tmp/kcache" -n kdrift-system \
	get driftreports -o json >"$tmp/agent-reports.json" || exit 2
stop_kubesim
python3 - "$tmp/agent-reports.json" "$tmp/reports.json" <<'EOF' || exit 2
import json, sys
doc = json.load(open(sys.argv[1]))
items = []
for r in doc["items"]:
    m = r["metadata"]
    r["metadata"] = {"name": m["name"], "namespace": m["namespace"], "labels": m.get("labels", {})}
    r["spec"]["cluster"] = "{{cluster}}"
    items.append(r)
json.dump({"apiVersion": "v1", "kind": "List", "items": items}, open(sys.argv[2], "w"))
print("reports: %d per cluster, %d bytes of JSON" % (len(items), len(json.dumps(items))))
EOF

# 2. N clusters holding those reports only
start=$(date +%s%N)
start_kubesim --clusters "$n" --history 16
say "kubesim: $n clusters up in $(( ($(date +%s%N) - start) / 1000000 )) ms"
start=$(date +%s%N)
c1=$(load '*' "$tmp/kind.json" kubectl)
# the reports cluster by cluster, a few at a time (one "*" request would
# load them on one of kubesim's threads)
for i in $(seq 1 "$n"); do
	printf 'url = "https://127.0.0.1:%s/_kubesim/clusters/cluster-%04d/objects?manager=kdrift-agent"\n' "$port" "$i"
	printf 'output = "/dev/null"\n'
done >"$tmp/load.cfg"
curl -sk --no-progress-meter --parallel --parallel-max 4 -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	-X POST --data-binary "@$tmp/reports.json" -K "$tmp/load.cfg" -w '%{http_code}\n' >"$tmp/load.codes" 2>/dev/null
c2=$(sort -u "$tmp/load.codes" | tr '\n' ' ')
say "load: the DriftReport kind and 4 reports into each cluster in $(( ($(date +%s%N) - start) / 1000000 )) ms (HTTP $c1, $c2); kubesim RSS $(( $(ps -o rss= -p "$ks_pid") / 1024 )) MiB"

# the fleet view as a person reads it (text: every cluster and app, what is
# not synced, the counts), then every object of the fleet as JSON
ks0=$(ks_cpu)
read -r rss secs rc cpu < <(measure "$kdrift" check --from-reports --repo "$tmp/repo" --kubeconfig "$kc" \
	--timeout 120s)
ks1=$(ks_cpu)
say "check --from-reports, $n clusters: ${secs} s to the complete fleet view, peak RSS $((rss / 1024)) MiB, exit $rc (goal: under 30 s and 1024 MiB)"
say "  CPU: kdrift ${cpu} s, kubesim $(python3 -c "print('%.2f' % ($ks1 - $ks0))") s serving the lists; load average $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores"
say "  $(tail -1 "$tmp/out")"
ks0=$(ks_cpu)
read -r rss secs rc cpu < <(measure "$kdrift" check --from-reports --repo "$tmp/repo" --kubeconfig "$kc" \
	--timeout 120s --output json)
ks1=$(ks_cpu)
summary=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(len(d["clusters"]), "clusters,", sum(1 for c in d["clusters"] if c.get("fromReports")), "from reports;", d["summary"])' "$tmp/out" 2>/dev/null)
say "check --from-reports --output json (every object), $n clusters: ${secs} s, peak RSS $((rss / 1024)) MiB, exit $rc"
say "  CPU: kdrift ${cpu} s, kubesim $(python3 -c "print('%.2f' % ($ks1 - $ks0))") s; load average $(cut -d' ' -f1 /proc/loadavg)"
say "  $summary"
[ "$rc" = 1 ] || say "  (expected exit 1: every cluster has the agent's drift; $(head -c 300 "$tmp/err"))"
