#!/usr/bin/env bash
# kdrift's performance measures (`make bench`); prints numbers, asserts none.
#
#   tests/bench/run.sh BUILD_DIR
#
#  1. `kdrift check` of 1000 kubesim clusters x 100 objects: wall time and
#     peak RSS (some clusters drifted so the diffs are real work), and as a
#     ratio to the time kubesim alone needs to serve the same requests (the
#     ones the check made, from kubesim's --log, replayed by curl with the
#     engine's 64 at a time over kept-alive connections; goal: within 2x); then
#     `kdrift compare` of one app and `kdrift topology` of every app over
#     the same fleet, each as a ratio against that check.
#  2. The same check on a 50-cluster subset, against the script users write
#     today (kubectl kustomize + kubectl get -o json + a JSON diff in
#     Python, cluster after cluster): both times and the ratio.
#  3. Watch latency: the engine watches 100 clusters; `kubectl scale` changes
#     a Deployment and the time until the engine's snapshot shows it.
#  4. The whole fleet in watch mode: first reconcile time and peak RSS.
#  5. Every other tests/bench/*.sh (each takes BUILD_DIR), one after another:
#     reports.sh is the fleet view of 10,000 clusters from DriftReports.
#
# BENCH_CLUSTERS (default 1000) and BENCH_STEPS (default 20) scale it down.
set -u
build=${1:-build}
build_arg=$build
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
build=$(cd "$build" && pwd)
if [ "$build" = "$root/build" ]; then kdrift=$root/kdrift; else kdrift=$build/kdrift; fi
n=${BENCH_CLUSTERS:-1000}
steps=${BENCH_STEPS:-20}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdrift-bench.XXXXXX")
ks_pid=
cleanup() {
	[ -n "$ks_pid" ] && kill "$ks_pid" 2>/dev/null && wait "$ks_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export XDG_CACHE_HOME=$tmp/cache XDG_CONFIG_HOME=$tmp/config
say() { printf '%s\n' "$*"; }

# peak RSS (KiB) and wall seconds of a command: "RSS SECONDS EXIT"
measure() {
	/usr/bin/time -f '%M %e %x' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err"
	cat "$tmp/time" | tail -1
}

# "N.Nx" of a time against another
ratio() { python3 -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print("%.2fx" % (a / b if b > 0 else float("inf")))' "$1" "$2"; }

say "bench: $n clusters x 100 objects (build: $build)"
python3 tests/bench/gen.py "$tmp" "$n" || exit 2
(cd "$tmp/repo" && git init -q && git add -A && git -c user.name=bench -c user.email=bench@kdrift.invalid commit -qm bench) || exit 2

"$build/kubesim" --port 0 --clusters "$n" --state-dir "$tmp/ks" --history 200 --log >"$tmp/ks.out" 2>"$tmp/ks.err" &
ks_pid=$!
for _ in $(seq 1 600); do grep -q '^ready port=' "$tmp/ks.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^ready port=//p' "$tmp/ks.out")
[ -n "$port" ] || { say "kubesim did not start: $(cat "$tmp/ks.err")"; exit 2; }
kc=$tmp/ks/kubeconfig
token=$(awk '/name: kubesim-admin/{f=1} f && /token:/{print $2; exit}' "$kc")
ctl() {
	curl -sk -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -X "$1" \
		"https://127.0.0.1:$port/_kubesim/clusters/$2" --data-binary "$3" >/dev/null
}
start=$(date +%s%N)
ctl POST '*/objects?manager=argocd-controller' "@$tmp/objects.json"
say "load: $((n * 100)) objects into kubesim in $(( ($(date +%s%N) - start) / 1000000 )) ms; kubesim RSS $(( $(ps -o rss= -p "$ks_pid") / 1024 )) MiB"
# drift in every tenth cluster: replicas by kubectl-scale, a ConfigMap by kubectl-edit
for i in $(seq 1 10 "$n"); do
	c=$(printf 'cluster-%04d' "$i")
	ctl POST "$c/mutate" '{"action":"scale","manager":"kubectl-scale","apiVersion":"apps/v1","kind":"Deployment","namespace":"bench","name":"web-1","replicas":7}'
	ctl POST "$c/mutate" '{"action":"patch","manager":"kubectl-edit","apiVersion":"v1","kind":"ConfigMap","namespace":"bench","name":"api-cfg-2","patch":{"data":{"LOG_LEVEL":"debug"}}}'
done

# 1. the whole fleet
ks_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$ks_pid/stat"; }
log_from=$(($(wc -l <"$tmp/ks.err") + 1))
ks0=$(ks_cpu)
read -r rss secs rc < <(measure "$kdrift" check --repo "$tmp/repo" --kubeconfig "$kc" --timeout 120s --output json)
ks1=$(ks_cpu)
summary=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"])' "$tmp/out" 2>/dev/null)
say "check, $n clusters: ${secs} s wall, peak RSS $((rss / 1024)) MiB, exit $rc; $summary"
[ "$rc" = 1 ] || say "  (expected exit 1: $(head -c 300 "$tmp/err"))"
# the same requests, served to curl alone: as the check asks them, with
# the Accept of aggregated discovery (core/kube/discovery.c; a list answers
# it with plain JSON, as to the check) and lists in pages of 500
# (core/kube/verbs.c); kubesim's log holds the method and path only
accept='application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'
tail -n "+$log_from" "$tmp/ks.err" | awk -v port="$port" -v tok="$token" -v accept="$accept" '
	BEGIN { printf "header = \"Authorization: Bearer %s\"\nheader = \"Accept: %s\"\n", tok, accept }
	$1 == "kubesim:" && $2 == "GET" && $4 ~ /^2/ {
		printf "url = \"https://127.0.0.1:%s%s%s\"\noutput = \"/dev/null\"\n", port, $3,
			($3 ~ /\/apis?$/ ? "" : "?limit=500"); n++ }
	END { print n > "/dev/stderr" }' >"$tmp/replay.cfg" 2>"$tmp/replay.n"
ks2=$(ks_cpu)
start=$(date +%s%N)
curl -sk --parallel --parallel-max 64 -K "$tmp/replay.cfg" >/dev/null 2>&1
replay=$(( ($(date +%s%N) - start) / 1000000 ))
ks3=$(ks_cpu)
say "  kubesim alone serving the same $(cat "$tmp/replay.n") GETs to curl (64 at a time): $((replay / 1000)).$(printf '%03d' $((replay % 1000))) s"
say "$(python3 -c 'import sys; c, r = float(sys.argv[1]), float(sys.argv[2]) / 1000; print("  ratio: check takes %.2fx the time kubesim needs to serve its lists (goal: within 2x)" % (c / r if r > 0 else float("inf")))' "$secs" "$replay")"
say "  kubesim CPU: $(python3 -c "print('%.2f' % ($ks1 - $ks0))") s during the check, $(python3 -c "print('%.2f' % ($ks3 - $ks2))") s during the replay; load average $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores"

# 1b. between clusters: compare of one app and topology of every app, each
# a ratio against the check above (same fleet, same run; goal: compare
# within 1.5x of check)
read -r rssc secsc rcc < <(measure "$kdrift" compare web --repo "$tmp/repo" --kubeconfig "$kc" --timeout 120s --output json)
rows=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["fields"]))' "$tmp/out" 2>/dev/null)
say "compare web, $n clusters: ${secsc} s wall, peak RSS $((rssc / 1024)) MiB, exit $rcc, ${rows:-?} fields differ; $(ratio "$secsc" "$secs") check"
[ "$rcc" = 0 ] || say "  (compare failed: $(head -c 300 "$tmp/err"))"
read -r rsst secst rct < <(measure "$kdrift" topology --repo "$tmp/repo" --kubeconfig "$kc" --timeout 120s)
say "topology, $n clusters, every app: ${secst} s wall, peak RSS $((rsst / 1024)) MiB, exit $rct, $(grep -c '^  [a-z]' "$tmp/out") fields; $(ratio "$secst" "$secs") check"
[ "$rct" = 0 ] || say "  (topology failed: $(head -c 300 "$tmp/err"))"

# 2. 50 clusters: kdrift against the script
read -r rss50 secs50 rc50 < <(measure "$kdrift" check --repo "$tmp/repo" --kubeconfig "$kc" --clusters subset50=yes --output json)
say "check, subset50 clusters: ${secs50} s wall, peak RSS $((rss50 / 1024)) MiB, exit $rc50"
clusters50=$(seq -f 'cluster-%04g' 1 $((n < 50 ? n : 50)))
read -r rssn secsn rcn < <(measure python3 tests/bench/naive.py "$tmp" "$kc" $clusters50)
say "script (kubectl kustomize + kubectl get + python diff), 50 clusters: ${secsn} s wall, exit $rcn, $(cat "$tmp/out") objects differ"
say "$(python3 -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print("ratio: kdrift is %.1fx faster than the script" % (b / a if a > 0 else float("inf")))' "$secs50" "$secsn")"

# 3. watch latency
pc_cflags=$(pkg-config --cflags jansson yaml-0.1 libgit2 libcurl libcrypto zlib libmicrohttpd)
pc_libs=$(pkg-config --libs jansson yaml-0.1 libgit2 libcurl libcrypto zlib libmicrohttpd)
if cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -iquote core $pc_cflags \
	-o "$tmp/watch_latency" tests/bench/watch_latency.c "$build/libkdcore.a" $pc_libs -lpthread 2>"$tmp/cc.err"; then
	"$tmp/watch_latency" "$tmp/repo" "$kc" subset100=yes "$steps" $(seq -f 'cluster-%04g' 1 $((n < 100 ? n : 100)))
	# the whole fleet watched: memory of the engine as the UI runs it
	say "watch mode, all $n clusters:"
	"$tmp/watch_latency" "$tmp/repo" "$kc" "" 1 cluster-0001 2>&1 | sed 's/^/  /' 
else
	say "watch latency: cannot build the probe: $(cat "$tmp/cc.err")"
fi

# 5. the other measures in this directory (render, kubesim, UI latency)
cleanup
ks_pid=
for s in tests/bench/*.sh; do
	[ "$(basename "$s")" = run.sh ] && continue
	say ""
	say "== $(basename "$s" .sh)"
	bash "$s" "$build_arg"
	st=$?
	[ "$st" -eq 0 ] || say "($(basename "$s") exited with status $st)"
done
