#!/usr/bin/env bash
# kdrift check writes its report while the engine works, cluster by cluster
# in fleet order as each is published: a fleet where the first cluster
# answers last (kubesim's latency fault), one hangs until its deadline,
# one drifted and one has no kubeconfig context (it fails before the
# others start).  The report keeps fleet order with every cluster in it,
# and is byte for byte the report written after the run
# (KDRIFT_TEST_CHECK_AFTER_RUN, the order --heal keeps), in every format.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"

T=$KS_TMP
python3 "$KDRIFT_ROOT/tests/bench/gen.py" "$T" 6 >/dev/null &&
	git -C "$T/repo" init -q && git -C "$T/repo" add -A &&
	git -C "$T/repo" -c user.name=t -c user.email=t@kdrift.invalid commit -qm fleet ||
	{ not_ok "fleet repository is made"; tap_done; exit 1; }

# cluster-0006 is in the fleet, not in kubesim (no context for it)
if ! ks_start "$T/ks" --clusters 5; then
	not_ok "kubesim starts" "$(cat "$T/ks/stderr")"
	tap_done
	exit 1
fi
ok "kubesim starts"
export KUBECONFIG="$T/ks/kubeconfig"
TOKEN=$(ks_admin_token)
ctl() {
	curl -sfk -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-X "$1" "https://127.0.0.1:$KS_PORT/_kubesim/clusters/$2" --data-binary "$3" >/dev/null
}
setup_ok=0
ctl POST '*/objects?manager=argocd-controller' "@$T/objects.json" || setup_ok=1
ctl POST cluster-0002/mutate '{"action":"scale","manager":"kubectl-scale","apiVersion":"apps/v1","kind":"Deployment","namespace":"bench","name":"web-1","replicas":7}' || setup_ok=1
# the first cluster answers every request late: the last to be published
# (well within the first check's deadline, which only the hanging one meets)
ctl PUT cluster-0001/faults '{"latencyMs":100}' || setup_ok=1
ctl PUT cluster-0003/faults '{"hang":true}' || setup_ok=1
check_eq "objects, drift and faults set through kubesim's control API" 0 "$setup_ok"

KD() { "$KDRIFT_BIN" check --repo "$T/repo" --timeout 10s --quiet "$@"; }

KD --output json >"$T/stream.json" 2>"$T/stream.err"
check_eq "a drifted and an unknown cluster: exit status 2" 2 "$?"

python3 - "$T/stream.json" >"$T/asserts" 2>&1 <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
def report(name, got, want):
    print(("PASS " if got == want else "FAIL ") + name + ("" if got == want else "\twant %r, got %r" % (want, got)))
cl = doc["clusters"]
report("every cluster, in fleet order", [c["name"] for c in cl],
       ["cluster-%04d" % i for i in range(1, 7)])
by = {c["name"]: c for c in cl}
report("the slow first cluster is read in full", (by["cluster-0001"]["reachable"], by["cluster-0001"]["status"]), (True, "synced"))
report("the drifted cluster", by["cluster-0002"]["status"], "drifted")
report("the hanging cluster timed out", "timed out" in (by["cluster-0003"]["reason"] or ""), True)
report("the cluster without a context is unknown", (by["cluster-0006"]["reachable"], by["cluster-0006"]["status"]), (False, "unknown"))
report("the summary counts every cluster", sum(doc["summary"].values()) > 0 and doc["summary"]["drifted"], 1)
EOF
while IFS= read -r line; do
	case "$line" in
	PASS*) ok "${line#PASS }" ;;
	FAIL*) not_ok "${line#FAIL }" ;;
	*) not_ok "json assertions ran" "$line" ;;
	esac
done <"$T/asserts"

# The hanging cluster has shown its late publish; the runs below need not
# wait for its deadline, which is then only a bound.
ctl PUT cluster-0003/faults '{}'
KD() { "$KDRIFT_BIN" check --repo "$T/repo" --timeout 60s --quiet "$@"; }

# The same check, its report written after the run: the same bytes.
same() {
	local name=$1 a b
	shift
	KD "$@" >"$T/a.out" 2>"$T/a.err"
	a=$?
	KDRIFT_TEST_CHECK_AFTER_RUN=1 KD "$@" >"$T/b.out" 2>"$T/b.err"
	b=$?
	if [ "$a" = "$b" ] && cmp -s "$T/a.out" "$T/b.out" && [ -s "$T/a.out" ]; then
		ok "$name: the report written while the engine works is the one written after it"
	else
		not_ok "$name: the same report either way" "exit $a vs $b; $(diff "$T/a.out" "$T/b.out" | head -5)"
	fi
}
same "json" --output json
same "text -v" --output text -v
same "junit" --output junit
same "json --unmanaged" --output json --unmanaged
same "text --app" --app web --output text
same "json --from-reports" --output json --from-reports
tap_done
