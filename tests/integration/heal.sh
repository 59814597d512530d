#!/usr/bin/env bash
# kdrift check --heal against kubesim: the selfHeal cluster (dev) gets its
# drift reverted and its extra object pruned, logged as self-heal, while an
# object awaiting break-glass follow-up is left alone; the alert cluster
# (prod) is only reported, and its NEW drift is POSTed to a webhook (a small
# python3 receiver on 127.0.0.1) once: the same drift is not sent again, a
# changed one is, and a failed POST is retried on the next run.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
source "$KDRIFT_ROOT/tests/fixtures/remedycli/setup.bash"
ok "kubesim starts and the desired state is applied"
LOG=$XDG_STATE_HOME/kdrift/audit.jsonl
SEL='env in (production,development)'

# The receiver stores each POST body as $T/hook/N.json and answers 200
# (500 on /fail); it writes its port to $T/hook/port once listening.
mkdir -p "$T/hook"
python3 - "$T/hook" >"$T/hook.log" 2>&1 <<'EOF' &
import http.server, os, sys
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/fail":
            self.send_response(500); self.end_headers(); return
        n = len([f for f in os.listdir(d) if f.endswith(".json")]) + 1
        with open(os.path.join(d, "%d.tmp" % n), "wb") as f:
            f.write(body)
        os.rename(os.path.join(d, "%d.tmp" % n), os.path.join(d, "%d.json" % n))
        with open(os.path.join(d, "%d.type" % n), "w") as f:
            f.write(self.headers.get("Content-Type", ""))
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(os.path.join(d, "port.tmp"), "w") as f:
    f.write(str(s.server_address[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
s.serve_forever()
EOF
KS_PIDS+=("$!")
# python3 may start slowly on a busy machine: the deadline only bounds a hang.
deadline=$((SECONDS + 120))
while [ ! -s "$T/hook/port" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
HOOK_PORT=$(cat "$T/hook/port" 2>/dev/null)
[ -n "$HOOK_PORT" ]; check_eq "the webhook receiver listens" 0 "$?"
HOOK=http://127.0.0.1:$HOOK_PORT/hook
posts() { ls "$T/hook" | grep -c '\.json$'; }

# ---- drift on both clusters, one object on dev under break-glass --------------------------
steps=0
mutate dev '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"debug"}}}' || steps=1
mutate dev '{"action":"create","manager":"kubectl-create","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"stray","namespace":"shop","labels":{"kdrift.dev/app":"shop"}},"data":{"a":"b"}}}' || steps=1
mutate dev '{"action":"patch","manager":"kubectl-set","patchType":"strategic","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"worker","patch":{"spec":{"template":{"spec":{"containers":[{"name":"worker","image":"registry.example/worker:9"}]}}}}}' || steps=1
mutate prod '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"debug"}}}' || steps=1
check_eq "drift injected" 0 "$steps"
KD breakglass start --reason "load spike" >/dev/null 2>&1 &&
	KD breakglass scale dev Deployment/shop/web 6 --yes >/dev/null 2>&1 &&
	KD breakglass end >/dev/null 2>&1
check_eq "a break-glass scale on dev" "6" "$(K --context dev -n shop get deploy web -o jsonpath='{.spec.replicas}')"

# ---- first heal run ---------------------------------------------------------------------------
expect "heal: prod's drift and dev's break-glass object remain (exit 1)" 1 \
	'heal: dev: self-heal reverted ConfigMap shop/web-config' \
	KD check --heal --webhook "$HOOK" --clusters "$SEL"
for want in 'heal: dev: self-heal pruned ConfigMap shop/stray' \
	'heal: dev: self-heal reverted Deployment shop/worker' \
	'heal: dev: left alone Deployment shop/web: changed under break-glass' \
	'heal: prod: alert only: 1 object drifted, 1 new' \
	'heal: webhook: sent 1 summary' \
	'! Deployment shop/web  break-glass' \
	'~ ConfigMap shop/web-config  drifted'; do
	printf '%s\n' "$OUT" | grep -qF -- "$want"
	check_eq "heal output: $want" 0 "$?"
done
check_eq "dev's ConfigMap is back to Git's value" "info" "$(K --context dev -n shop get cm web-config -o jsonpath='{.data.LOG_LEVEL}')"
K --context dev -n shop get cm stray >/dev/null 2>&1
check_eq "dev's extra object was pruned (policy allows prune)" 1 "$?"
check_eq "the break-glass object was not touched" "6" "$(K --context dev -n shop get deploy web -o jsonpath='{.spec.replicas}')"
check_eq "prod is only reported, not changed" "debug" "$(K --context prod -n shop get cm web-config -o jsonpath='{.data.LOG_LEVEL}')"
K --context dev -n shop get cm web-config -o jsonpath='{.metadata.managedFields[*].manager}' | grep -qw kdrift-self-heal
check_eq "the revert was written by manager kdrift-self-heal" 0 "$?"
grep '"action":"revert"' "$LOG" | grep -q '"mode":"self-heal"'
check_eq "the audit log records the reverts as self-heal" 0 "$?"
check_eq "one webhook POST" 1 "$(posts)"
check_eq "posted as JSON" "application/json" "$(cat "$T/hook/1.type" 2>/dev/null)"
python3 - "$T/hook/1.json" >"$T/asserts" 2>&1 <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
def report(name, got, want):
    print(("PASS " if got == want else "FAIL ") + name + ("" if got == want else "\twant %r got %r" % (want, got)))
report("text field (Slack) says what is new", doc["text"].splitlines()[0].startswith("kdrift: 1 new drifted object on 1 cluster"), True)
report("text names the object", "prod/shop ConfigMap shop/web-config drifted" in doc["text"], True)
report("details", [(o["cluster"], o["kind"], o["name"], o["status"]) for o in doc["kdrift"]["objects"]], [("prod", "ConfigMap", "web-config", "drifted")])
report("no dev object in the alert", any(o["cluster"] == "dev" for o in doc["kdrift"]["objects"]), False)
EOF
while read -r st name; do
	if [ "$st" = PASS ]; then ok "webhook: $name"; else not_ok "webhook: $name" "$(grep -F "$name" "$T/asserts")"; fi
done < <(sed -n 's/^\(PASS\|FAIL\) \([^\t]*\).*/\1 \2/p' "$T/asserts")
grep -q Traceback "$T/asserts" && not_ok "webhook assertions ran" "$(cat "$T/asserts")"

# ---- the same drift is not sent again; a changed drift is ------------------------------------
expect "second run: nothing new" 1 'heal: prod: alert only: 1 object drifted, 0 new' \
	KD check --heal --webhook "$HOOK" --clusters "$SEL"
check_eq "no second POST for the same drift" 1 "$(posts)"
mutate prod '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"trace"}}}'
expect "a drift that changed is new again" 1 'heal: prod: alert only: 1 object drifted, 1 new' \
	KD check --heal --webhook "$HOOK" --clusters "$SEL"
check_eq "a POST for the changed drift" 2 "$(posts)"

# ---- a failed POST is tried again next time ---------------------------------------------------
mutate prod '{"action":"create","manager":"kubectl-create","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"stray","namespace":"shop","labels":{"kdrift.dev/app":"shop"}},"data":{"a":"b"}}}'
expect "a webhook that fails is an error (exit 2)" 2 'webhook: POST answered HTTP 500' \
	KD check --heal --webhook "http://127.0.0.1:$HOOK_PORT/fail" --clusters "$SEL"
check_eq "prod's extra object is not pruned (policy: alert, no prune)" "b" \
	"$(K --context prod -n shop get cm stray -o jsonpath='{.data.a}')"
expect "the next run sends what failed" 1 'heal: prod: alert only: 2 objects drifted, 1 new' \
	KD check --heal --webhook "$HOOK" --clusters "$SEL"
check_eq "the retried POST arrived" 3 "$(posts)"
grep -q '"stray"' "$T/hook/3.json"
check_eq "it names the extra object" 0 "$?"

# ---- a break-glass change someone followed up no longer holds self-heal back -----------------
# The mark stays on the object after an accept: the audit log says whether
# the change awaits follow-up, not the mark.
cat >"$T/ed-banner.sh" <<'EOF'
#!/bin/sh
sed -i 's/text: Hello/text: Maintenance/' "$1"
EOF
chmod +x "$T/ed-banner.sh"
KD breakglass start --reason "maintenance banner" >/dev/null 2>&1 &&
	env EDITOR="$T/ed-banner.sh" "$KDRIFT_BIN" breakglass edit dev ConfigMap/site/banner --yes --repo "$repo" >/dev/null 2>&1 &&
	KD breakglass end >/dev/null 2>&1
check_eq "a break-glass edit on dev" "Maintenance" "$(K --context dev -n site get cm banner -o jsonpath='{.data.text}')"
expect "heal leaves the open break-glass change alone" 1 \
	'heal: dev: left alone ConfigMap site/banner: changed under break-glass' KD check --heal --clusters env=development
expect "the change is accepted into Git" 0 'accepted' \
	KD accept dev site ConfigMap/site/banner --reason "keep the banner" --author "Ops <ops@example.com>" --yes
K --context dev -n site get cm banner -o jsonpath='{.metadata.annotations}' | grep -q 'kdrift.dev/break-glass'
check_eq "the object still carries the break-glass mark" 0 "$?"
mutate dev '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"site","name":"banner","patch":{"data":{"text":"Oops"}}}'
expect "after the accept, new drift on the marked object is healed" 1 \
	'heal: dev: self-heal reverted ConfigMap site/banner' KD check --heal --clusters env=development
check_eq "back to the accepted value" "Maintenance" "$(K --context dev -n site get cm banner -o jsonpath='{.data.text}')"
K --context dev -n site get cm banner -o jsonpath='{.metadata.annotations}' | grep -q 'kdrift.dev/break-glass'
check_eq "the revert of the whole object cleared the mark" 1 "$?"

expect "--webhook without --heal is a usage error" 2 'goes with --heal' KD check --webhook "$HOOK"
expect "the audit log verifies" 0 'chain intact' "$KDRIFT_BIN" audit verify
tap_done
