#!/usr/bin/env bash
# Self-heal meeting a 403 against kubesim: a selfHeal cluster reached through
# a credential that may only read (viewer, dev's read-only context) has a
# drifted object and an extra one; `check --heal` tries the revert and the
# prune, each is refused with HTTP 403, says so and changes nothing, the
# audit log holds the self-heal intents and their failures, the other
# clusters of the run are still handled, and the exit status is 2.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
source "$KDRIFT_ROOT/tests/fixtures/remedycli/setup.bash"
ok "kubesim starts and the desired state is applied"
LOG=$XDG_STATE_HOME/kdrift/audit.jsonl
SEL='env in (qa,production)'

# viewer (env: qa) heals itself, with prune; prod stays alert.
python3 - "$repo/kdrift.yaml" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("policy:\n", "policy:\n  - clusters: {matchLabels: {env: qa}}\n"
              "    remediation: selfHeal\n    prune: true\n", 1)
open(p, "w").write(s)
EOF
git -C "$repo" -c user.name=Fixture -c user.email=fixture@example.com commit -qam "qa heals itself"
check_eq "the qa policy is committed" 0 "$?"

steps=0
mutate dev '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"debug"}}}' || steps=1
mutate dev '{"action":"create","manager":"kubectl-create","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"stray","namespace":"shop","labels":{"kdrift.dev/app":"shop"}},"data":{"a":"b"}}}' || steps=1
mutate prod '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"debug"}}}' || steps=1
check_eq "drift injected on dev (seen as viewer) and prod" 0 "$steps"
expect "viewer sees the drift through its read-only credential" 1 '~ ConfigMap shop/web-config  drifted' \
	KD check --clusters env=qa --app shop

before=$(cat "$LOG" 2>/dev/null | wc -l)
expect "heal meeting a 403 is an error (exit 2)" 2 \
	'heal: viewer: self-heal FAILED ConfigMap shop/web-config: .*(Forbidden|403)' \
	KD check --heal --clusters "$SEL"
printf '%s\n' "$OUT" | grep -Eq 'heal: viewer: self-heal FAILED ConfigMap shop/stray: .*(Forbidden|403)'
check_eq "the prune is refused with the 403 too" 0 "$?"
printf '%s\n' "$OUT" | grep -q 'heal: viewer: self-heal \(reverted\|pruned\)'
check_eq "nothing is reported as healed" 1 "$?"
printf '%s\n' "$OUT" | grep -q 'heal: prod: alert only: 1 object drifted, 1 new'
check_eq "the other cluster of the run is still handled" 0 "$?"
printf '%s\n' "$OUT" | grep -q '~ ConfigMap shop/web-config  drifted'
check_eq "the report after healing still shows the drift" 0 "$?"
check_eq "the drifted value is still live" "debug" \
	"$(K --context dev -n shop get cm web-config -o jsonpath='{.data.LOG_LEVEL}')"
check "the extra object still exists" K --context dev -n shop get cm stray

python3 - "$LOG" "$before" >"$T/asserts" 2>&1 <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]):]
def report(name, got, want):
    print(("PASS " if got == want else "FAIL ") + name + ("" if got == want else "\twant %r got %r" % (want, got)))
heal = [r for r in recs if r.get("mode") == "self-heal" and r.get("cluster") == "viewer"]
intents = {r["id"]: r for r in heal if r["phase"] == "intent"}
outs = [r for r in heal if r["phase"] == "outcome"]
report("an intent for the revert and for the prune", sorted((r["action"], r["object"]["name"]) for r in intents.values()),
       [("prune", "stray"), ("revert", "web-config")])
report("each intent has a failed outcome after it", sorted((intents[r["intent"]]["object"]["name"], r["outcome"]["status"]) for r in outs if r.get("intent") in intents),
       [("stray", "failure"), ("web-config", "failure")])
report("the outcomes say 403", all("403" in json.dumps(r["outcome"]) or "orbidden" in json.dumps(r["outcome"]) for r in outs), True)
EOF
while read -r st name; do
	if [ "$st" = PASS ]; then ok "audit: $name"; else not_ok "audit: $name" "$(grep -F "$name" "$T/asserts")"; fi
done < <(sed -n 's/^\(PASS\|FAIL\) \([^\t]*\).*/\1 \2/p' "$T/asserts")
grep -q Traceback "$T/asserts" && not_ok "audit assertions ran" "$(cat "$T/asserts")"

expect "the next run meets the 403 again, and says so again" 2 \
	'heal: viewer: self-heal FAILED ConfigMap shop/web-config' KD check --heal --clusters env=qa
expect "the audit log verifies" 0 'chain intact' "$KDRIFT_BIN" audit verify
tap_done
