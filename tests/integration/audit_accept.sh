#!/usr/bin/env bash
# Every change kdrift makes is in the audit log, keyed and anchored: against
# kubesim, `kdrift accept` of an object changed under break-glass writes its
# intent before the commit and its outcome (branch, commit) after, the
# commit carries the chain's head as a trailer, and the accept is the
# follow-up that clears the break-glass flag; `kdrift check --heal` logs each
# self-heal revert as intent and outcome with its reason and commit.  The
# key never appears anywhere.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
unset KDRIFT_AUDIT_KEY_FILE
source "$KDRIFT_ROOT/tests/fixtures/remedycli/setup.bash"
ok "kubesim starts and the desired state is applied"
LOG=$XDG_STATE_HOME/kdrift/audit.jsonl
# The fleet file keys the log (audit.keyFile); verify takes the key from
# the environment, which would override the fleet's.
printf 'kdrift test audit key 0123456789abcdef\n' >"$T/audit.key"
chmod 600 "$T/audit.key"
printf 'audit:\n  keyFile: %s\n' "$T/audit.key" >>"$repo/kdrift.yaml"
git -C "$repo" -c user.name=Fixture -c user.email=fixture@example.com commit -qam "key the audit log"
check_eq "the fleet file names the audit key" 0 "$?"

# ---- a break-glass change awaiting follow-up --------------------------------------------------
cat >"$T/ed-title.sh" <<'EOF2'
#!/bin/sh
sed -i 's/title: Welcome/title: Incident banner/' "$1"
EOF2
chmod +x "$T/ed-title.sh"
KD breakglass start --reason "incident 7" --duration 30m >/dev/null 2>&1
expect "a break-glass edit of dev's page" 0 'applied' \
	env VISUAL="$T/ed-title.sh" EDITOR="$T/ed-title.sh" "$KDRIFT_BIN" breakglass edit dev ConfigMap/site/page --yes --repo "$repo"
KD breakglass end >/dev/null 2>&1
expect "the change awaits follow-up" 1 'ConfigMap/site/page' KD breakglass status

# ---- accept it into dev's layer ----------------------------------------------------------------
before=$(wc -l <"$LOG")
expect "accept commits the live value" 0 'committed [0-9a-f]{40} to branch main' \
	KD accept dev site ConfigMap/site/page --reason "the incident title stays" \
	--author "Ops Person <ops@example.com>" --yes
check_eq "accept wrote two audit records" 2 $(($(wc -l <"$LOG") - before))
git -C "$repo" log -1 --format=%B main >"$T/msg"
python3 - "$LOG" "$T/msg" "$(git -C "$repo" rev-parse main)" >"$T/asserts" 2>&1 <<'EOF2'
import hashlib, json, sys
lines = open(sys.argv[1]).read().splitlines()
msg = open(sys.argv[2]).read()
commit = sys.argv[3]
recs = [json.loads(l) for l in lines]
def report(name, got, want):
    print(("PASS " if got == want else "FAIL ") + name + ("" if got == want else "\twant %r got %r" % (want, got)))
ii = [i for i, r in enumerate(recs) if r["action"] == "accept" and r["phase"] == "intent"][-1]
intent, out = recs[ii], [r for r in recs if r.get("intent") == recs[ii]["id"]][0]
report("intent names mode, cluster, object and reason",
       (intent["mode"], intent["cluster"], intent["object"]["kind"], intent["object"]["namespace"],
        intent["object"]["name"], intent["reason"]),
       ("normal", "dev", "ConfigMap", "site", "page", "the incident title stays"))
report("outcome after the intent, successful", (out["phase"], out["outcome"]["status"], out["seq"] > intent["seq"]),
       ("outcome", "success", True))
report("outcome names the branch and the commit", out.get("git"), {"branch": "main", "commit": commit})
trailers = dict(l.split(": ", 1) for l in msg.splitlines() if l.startswith("Kdrift-Audit"))
head = "%d %s" % (intent["seq"], hashlib.sha256(lines[ii].encode()).hexdigest())
report("the commit carries the head after the intent", trailers.get("Kdrift-Audit-Head"), head)
report("the commit names the intent", trailers.get("Kdrift-Audit-Id"), intent["id"])
report("every record is keyed", all(l.endswith('"}') and ',"mac":"' in l for l in lines), True)
EOF2
while read -r st name; do
	if [ "$st" = PASS ]; then ok "accept audit: $name"; else not_ok "accept audit: $name" "$(grep -F "$name" "$T/asserts")"; fi
done < <(sed -n 's/^\(PASS\|FAIL\) \([^\t]*\).*/\1 \2/p' "$T/asserts")
grep -q Traceback "$T/asserts" && not_ok "accept audit assertions ran" "$(cat "$T/asserts")"

KD breakglass status >"$T/status" 2>&1
grep -q 'ConfigMap/site/page' "$T/status"
check_eq "the accept cleared the break-glass follow-up" 1 "$?"

# ---- self-heal ------------------------------------------------------------------------------------
mutate dev '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"debug"}}}'
before=$(wc -l <"$LOG")
expect "check --heal reverts dev's drift" 0 'heal: dev: self-heal reverted ConfigMap shop/web-config' \
	KD check --heal --clusters env=development
check_eq "dev's ConfigMap is back to Git's value" "info" "$(K --context dev -n shop get cm web-config -o jsonpath='{.data.LOG_LEVEL}')"
tail -n +"$((before + 1))" "$LOG" >"$T/heal.jsonl"
python3 - "$T/heal.jsonl" "$(git -C "$repo" rev-parse main)" >"$T/asserts" 2>&1 <<'EOF2'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
def report(name, got, want):
    print(("PASS " if got == want else "FAIL ") + name + ("" if got == want else "\twant %r got %r" % (want, got)))
mine = [r for r in recs if r["object"]["name"] == "web-config" and r["cluster"] == "dev"]
report("heal wrote intent then outcome", [(r["phase"], r["mode"], r["action"]) for r in mine],
       [("intent", "self-heal", "revert"), ("outcome", "self-heal", "revert")])
report("the outcome answers the intent and succeeded", (mine[1]["intent"], mine[1]["outcome"]["status"]),
       (mine[0]["id"], "success"))
report("heal records say why", bool(mine[0]["reason"]) and "self-heal" in mine[0]["reason"], True)
report("heal records name the desired state's commit", (mine[0].get("git") or {}).get("commit"), sys.argv[2])
EOF2
while read -r st name; do
	if [ "$st" = PASS ]; then ok "heal audit: $name"; else not_ok "heal audit: $name" "$(grep -F "$name" "$T/asserts")"; fi
done < <(sed -n 's/^\(PASS\|FAIL\) \([^\t]*\).*/\1 \2/p' "$T/asserts")
grep -q Traceback "$T/asserts" && not_ok "heal audit assertions ran" "$(cat "$T/asserts")"

# ---- verify ---------------------------------------------------------------------------------------
expect "the keyed, anchored log verifies" 0 'chain intact' env KDRIFT_AUDIT_KEY_FILE="$T/audit.key" "$KDRIFT_BIN" audit verify
printf '%s\n' "$OUT" | grep -Eq 'keyed: [0-9]+ MACs checked, 0 records from before the key' &&
	printf '%s\n' "$OUT" | grep -q 'anchor: the head is the anchored one'
check_eq "verify checked every MAC and the anchor" 0 "$?"
expect "without the key the MACs are only counted" 0 'carry a MAC; set KDRIFT_AUDIT_KEY_FILE' \
	"$KDRIFT_BIN" audit verify
expect "the commit's trailer head is in the log" 0 'chain intact' \
	"$KDRIFT_BIN" audit verify --key-file "$T/audit.key" --head "$(git -C "$repo" log -1 --format='%(trailers:key=Kdrift-Audit-Head,valueonly)' main)"
cp "$LOG" "$T/log.bak"
sed -i '$d' "$LOG"
expect "a cut tail is reported with its line" 1 'cut tail: line [0-9]+: the log ends here' \
	"$KDRIFT_BIN" audit verify --key-file "$T/audit.key"
cp "$T/log.bak" "$LOG"
# Rewrite every record with recomputed hashes and no MACs, anchor moved: the
# key tells, and so does the commit's trailer head without it.
python3 - "$LOG" <<'EOF2'
import hashlib, json, sys
lines = open(sys.argv[1]).read().splitlines()
prev, out = "0" * 64, []
for i, l in enumerate(lines):
    r = json.loads(l)
    r.pop("mac", None)
    r["prev"] = prev
    if r.get("action") == "accept":
        r["reason"] = "nothing to see"
    l = json.dumps(r, separators=(",", ":"))
    prev = hashlib.sha256(l.encode()).hexdigest()
    out.append(l)
open(sys.argv[1], "w").write("\n".join(out) + "\n")
open(sys.argv[1] + ".head", "w").write(json.dumps({"seq": len(out), "hash": prev}) + "\n")
EOF2
expect "a rewritten chain is forged under the key" 1 'forged: the anchor .* has no MAC' \
	"$KDRIFT_BIN" audit verify --key-file "$T/audit.key"
expect "without the key, the commit's trailer head finds the rewrite" 1 'rewritten: line [0-9]+: seq [0-9]+ is not the record a commit trailer records' \
	"$KDRIFT_BIN" audit verify --head "$(git -C "$repo" log -1 --format='%(trailers:key=Kdrift-Audit-Head,valueonly)' main)"
cp "$T/log.bak" "$LOG"
grep -rq 'kdrift test audit key' "$XDG_STATE_HOME" "$repo/.git" "$T/status" "$T/msg"
check_eq "the key is nowhere in the state, the repository or the output" 1 "$?"

tap_done
