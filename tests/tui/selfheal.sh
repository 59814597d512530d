#!/usr/bin/env bash
# The UI applies the fleet's policy while it runs, like a controller: drift
# on the selfHeal cluster (dev) is reverted through core's self-heal and
# logged as self-heal (intent, then outcome), shown in the status line and
# the message log; the alert cluster (prod) keeps its drift; H pauses and
# resumes; an object something keeps changing back is healed twice, then
# backed off; a --read-only view never heals.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
source "$KDRIFT_ROOT/tests/fixtures/remedycli/setup.bash"
export TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color XDG_CONFIG_HOME=$T/config
unset NO_COLOR KDRIFT_CONFIG_DIR
LOG=$XDG_STATE_HOME/kdrift/audit.jsonl

# kc CLUSTER ARGS...: kubectl for the UI scripts' `!` lines (plain sh).
cat >"$T/kc" <<EOF
#!/bin/sh
c=\$1; shift
exec kubectl --cache-dir "$T/kcache" --request-timeout=60s --kubeconfig "$KUBECONFIG" --context "\$c" "\$@" >/dev/null
EOF
chmod +x "$T/kc"

ui() {  # NAME [OPTION...]: runs $T/NAME.script
	local name=$1; shift
	KDRIFT_SCRIPT="$T/$name.script" LINES=40 COLUMNS=140 \
		"$KDRIFT_BIN" ui --repo "$repo" --timeout 15s "$@" >"$T/$name.stdout" 2>"$T/$name.stderr"
}

cat >"$T/heal.script" <<EOF
*
:save-screen $T/heal.0
!$T/kc dev -n shop scale deployment web --replicas=5
wait-for self-heal reverted Deployment shop/web on dev
!$T/kc prod -n shop scale deployment web --replicas=5
wait-for ~ prod
:save-screen $T/heal.1
H
!$T/kc dev -n shop set image deployment/worker worker=registry.example/worker:9
wait-for ~ dev
:save-screen $T/heal.2
H
wait-for self-heal reverted Deployment shop/worker on dev
!$T/kc dev -n shop scale deployment web --replicas=4
wait-for self-heal reverted Deployment shop/web on dev
!$T/kc dev -n shop scale deployment web --replicas=6
wait-for self-heal backs off
:save-screen $T/heal.3
L
:save-screen $T/heal.log
q
:quit
EOF
ui heal
rc=$?; [ -n "${KDRIFT_DEBUG_DIR:-}" ] && cp -r "$T" "$KDRIFT_DEBUG_DIR"
check_eq "the UI's script runs" "0 " "$rc $(cat "$T/heal.stderr")"
check "the status bar says self-heal is on and how to pause it" grep -q 'self-heal on (H pauses)' "$T/heal.0"
check "the heal is said in the status line" grep -q 'self-heal reverted Deployment shop/web on dev' "$T/heal.1"
check "the healed cluster is synced again" grep -q '✓ dev' "$T/heal.1"
check "the alert cluster keeps its drift on screen" grep -q '~ Deployment shop/web' "$T/heal.1"
check_eq "the alert cluster is not healed" 5 "$(K --context prod -n shop get deploy web -o jsonpath='{.spec.replicas}')"
check "paused: the status bar says so" grep -q 'self-heal PAUSED (H resumes)' "$T/heal.2"
check "paused: the drift stays on screen" grep -q '~ Deployment shop/worker' "$T/heal.2"
check "a back-off is said, with the time to the next try" grep -Eq 'Deployment shop/web on dev: self-heal backs off: healed 2 times in a row .*next try in [0-9]+s' "$T/heal.3"
check_eq "backed off: the third change in a row stays" 6 "$(K --context dev -n shop get deploy web -o jsonpath='{.spec.replicas}')"
check_eq "the worker was healed after resuming" "registry.example/worker:2.0.0" \
	"$(K --context dev -n shop get deploy worker -o jsonpath='{.spec.template.spec.containers[0].image}')"
check "the message log keeps what self-heal did" grep -q 'self-heal reverted Deployment shop/worker on dev' "$T/heal.log"
check "and the pause" grep -q 'self-heal paused' "$T/heal.log"

# The audit log: intent before, outcome after, for each heal; nothing for prod.
python3 - "$LOG" >"$T/asserts" 2>&1 <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
heal = [r for r in recs if r["mode"] == "self-heal"]
def report(name, got, want):
    print(("PASS " if got == want else "FAIL ") + name + ("" if got == want else "\twant %r got %r" % (want, got)))
def of(name, phase):
    return [r for r in heal if r["object"]["name"] == name and r["phase"] == phase]
report("two self-heal reverts of web, each an intent then its outcome",
       [(r["phase"], r["action"]) for r in heal if r["object"]["name"] == "web"],
       [("intent", "revert"), ("outcome", "revert")] * 2)
report("outcomes name their intents", [o["intent"] for o in of("web", "outcome")], [i["id"] for i in of("web", "intent")])
report("outcomes succeeded", {o["outcome"]["status"] for o in of("web", "outcome") + of("worker", "outcome")}, {"success"})
report("one self-heal of worker", len(of("worker", "outcome")), 1)
report("every self-heal record is about dev", {r["cluster"] for r in heal}, {"dev"})
report("no record touches prod", [r for r in recs if r.get("cluster") == "prod"], [])
EOF
while read -r st name; do
	if [ "$st" = PASS ]; then ok "audit: $name"; else not_ok "audit: $name" "$(grep -F "$name" "$T/asserts")"; fi
done < <(sed -n 's/^\(PASS\|FAIL\) \([^\t]*\).*/\1 \2/p' "$T/asserts")
grep -q Traceback "$T/asserts" && not_ok "audit assertions ran" "$(cat "$T/asserts")"
expect "the audit log verifies" 0 'chain intact' "$KDRIFT_BIN" audit verify

# --read-only: drift on dev is shown, never healed; the key says why.
K --context dev -n shop scale deployment worker --replicas=3 >/dev/null
cat >"$T/ro.script" <<EOF
*
wait-for ~ Deployment shop/worker
H
:save-screen $T/ro.1
:quit
EOF
ui ro --read-only
check_eq "read-only: the script runs" "0 " "$? $(cat "$T/ro.stderr")"
check "read-only: the drift is shown" grep -q '~ Deployment shop/worker' "$T/ro.1"
check "read-only: the key says self-heal is off" grep -q 'self-heal: off in a read-only view' "$T/ro.1"
check "read-only: no self-heal field in the status bar" sh -c "! grep -q 'self-heal on' '$T/ro.1'"
check_eq "read-only: not healed" 3 "$(K --context dev -n shop get deploy worker -o jsonpath='{.spec.replicas}')"
tap_done
