#!/usr/bin/env bash
# kdrift breakglass against kubesim: changes refused outside a session; a
# session started with a reason; scale, edit (through $EDITOR, Secret values
# masked and refused when edited), set-image and restart, each audited
# before and after with the object annotated; `kdrift check` shows the
# changes as break-glass ('!'); `end` lists them for follow-up, and a revert
# is the follow-up that clears the flag.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
source "$KDRIFT_ROOT/tests/fixtures/remedycli/setup.bash"
ok "kubesim starts and the desired state is applied"
LOG=$XDG_STATE_HOME/kdrift/audit.jsonl

expect "a change outside a session is refused" 2 'need an active session' \
	KD breakglass scale dev Deployment/shop/web 4 --yes
check_eq "nothing changed" "2" "$(K --context dev -n shop get deploy web -o jsonpath='{.spec.replicas}')"
expect "status without a session" 1 'no break-glass session' KD breakglass status
expect "start needs a reason" 2 'needs --reason' KD breakglass start
expect "a duration without a unit is refused, naming the units" 2 \
	"--duration: '90' is not a duration: 90 needs a unit \\(d, h, m, s or ms\\)" \
	KD breakglass start --reason "no unit" --duration 90
expect "nothing was started by a refused duration" 1 'no break-glass session' KD breakglass status
expect "start with reason, ticket and duration" 0 'break-glass session .* started' \
	KD breakglass start --reason "incident 42: checkout down" --ticket INC-42 --duration 30m
printf '%s\n' "$OUT" | grep -q 'in 30m00s'
check_eq "the session lasts the duration asked" 0 "$?"
expect "a second session is refused while one is active" 2 'active' \
	KD breakglass start --reason "again"
expect "status shows the active session" 0 'ACTIVE' KD breakglass status
printf '%s\n' "$OUT" | grep -q 'INC-42' && printf '%s\n' "$OUT" | grep -Eq '2[0-9]m[0-9]{2}s left|30m00s left'
check_eq "status shows ticket and time left" 0 "$?"

# ---- scale ------------------------------------------------------------------------------
before=$(wc -l <"$LOG")
expect "scale shows the patch and applies it" 0 'applied scale, audit [0-9TZ]+-[0-9a-f]+' \
	KD breakglass scale dev Deployment/shop/web 4 --yes
printf '%s\n' "$OUT" | grep -q 'replicas: 4'
check_eq "scale preview shows the new replicas" 0 "$?"
scale_id=$(printf '%s\n' "$OUT" | sed -n 's/.*applied scale, audit \([^,]*\).*/\1/p')
check_eq "the deployment is scaled" "4" "$(K --context dev -n shop get deploy web -o jsonpath='{.spec.replicas}')"
check_eq "the object is annotated with the intent's audit id" "$scale_id" \
	"$(K --context dev -n shop get deploy web -o jsonpath='{.metadata.annotations.kdrift\.dev/break-glass}')"
after=$(wc -l <"$LOG")
check_eq "two audit records: intent before, outcome after" 2 $((after - before))
python3 - "$LOG" "$scale_id" >"$T/asserts" 2>&1 <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
intent = [r for r in recs if r["id"] == sys.argv[2]]
out = [r for r in recs if r.get("intent") == sys.argv[2]]
def report(name, got, want):
    print(("PASS " if got == want else "FAIL ") + name + ("" if got == want else "\twant %r got %r" % (want, got)))
report("intent record", (intent[0]["phase"], intent[0]["mode"], intent[0]["action"], intent[0]["object"]["name"]), ("intent", "break-glass", "scale", "web"))
report("intent names the reason and ticket of the session", (intent[0]["reason"], intent[0]["ticket"]), ("incident 42: checkout down", "INC-42"))
report("outcome after the intent", (out[0]["phase"], out[0]["outcome"]["status"], out[0]["seq"] > intent[0]["seq"]), ("outcome", "success", True))
report("versions before and after", bool(out[0]["resourceVersion"]["before"]) and bool(out[0]["resourceVersion"]["after"]), True)
EOF
while read -r st name; do
	if [ "$st" = PASS ]; then ok "audit: $name"; else not_ok "audit: $name" "$(grep -F "$name" "$T/asserts")"; fi
done < <(sed -n 's/^\(PASS\|FAIL\) \([^\t]*\).*/\1 \2/p' "$T/asserts")
grep -q Traceback "$T/asserts" && not_ok "audit assertions ran" "$(cat "$T/asserts")"

# ---- edit through $EDITOR ----------------------------------------------------------------------
cat >"$T/ed-cm.sh" <<'EOF'
#!/bin/sh
grep -q 'managedFields:' "$1" && exit 3
sed -i 's/LOG_LEVEL: info/LOG_LEVEL: debug/' "$1"
EOF
cat >"$T/ed-secret.sh" <<'EOF'
#!/bin/sh
grep -q 'hunter2\|aHVudGVyMi1pbi1naXQ=' "$1" && exit 3
sed -i 's/password: .*/password: bmV3/' "$1"
EOF
cat >"$T/ed-label.sh" <<'EOF'
#!/bin/sh
grep -q 'hunter2\|aHVudGVyMi1pbi1naXQ=' "$1" && exit 3
sed -i 's/^  labels:$/  labels:\n    incident: "42"/' "$1"
EOF
cat >"$T/ed-none.sh" <<'EOF'
#!/bin/sh
exit 0
EOF
chmod +x "$T"/ed-*.sh
expect "edit: the saved change is shown as a patch and applied" 0 'applied edit' \
	env EDITOR="$T/ed-cm.sh" "$KDRIFT_BIN" breakglass edit dev ConfigMap/shop/web-config --yes --repo "$repo"
printf '%s\n' "$OUT" | grep -q 'LOG_LEVEL: debug'
check_eq "edit preview shows the changed field" 0 "$?"
check_eq "the edit is live" "debug" "$(K --context dev -n shop get cm web-config -o jsonpath='{.data.LOG_LEVEL}')"
expect "edit without changes changes nothing" 0 'nothing changed' \
	env EDITOR="$T/ed-none.sh" "$KDRIFT_BIN" breakglass edit dev ConfigMap/shop/web-config --yes --repo "$repo"
expect "editing a masked Secret value is refused" 2 'Secret values cannot be edited' \
	env EDITOR="$T/ed-secret.sh" "$KDRIFT_BIN" breakglass edit dev Secret/shop/web-secret --yes --repo "$repo"
check_eq "the Secret is unchanged" "hunter2-in-git" \
	"$(K --context dev -n shop get secret web-secret -o jsonpath='{.data.password}' | base64 -d)"
expect "editing a Secret's other fields is allowed" 0 'applied edit' \
	env EDITOR="$T/ed-label.sh" "$KDRIFT_BIN" breakglass edit dev Secret/shop/web-secret --yes --repo "$repo"
printf '%s\n' "$OUT" | grep -q 'hunter2\|aHVudGVyMi1pbi1naXQ=\|masked'
check_eq "the Secret edit's patch holds no value and no mask" 1 "$?"
check_eq "the label is set" "42" "$(K --context dev -n shop get secret web-secret -o jsonpath='{.metadata.labels.incident}')"
check_eq "the Secret's value is still Git's" "hunter2-in-git" \
	"$(K --context dev -n shop get secret web-secret -o jsonpath='{.data.password}' | base64 -d)"

expect "set-image" 0 'applied set-image' \
	KD breakglass set-image dev Deployment/shop/worker worker=registry.example/worker:3.0.0 --yes
check_eq "the image is set" "registry.example/worker:3.0.0" \
	"$(K --context dev -n shop get deploy worker -o jsonpath='{.spec.template.spec.containers[0].image}')"
expect "set-image of a container that does not exist names the ones there are" 2 'worker' \
	KD breakglass set-image dev Deployment/shop/worker nope=x:1 --yes
expect "restart" 0 'applied restart' KD breakglass restart dev Deployment/shop/web --yes
K --context dev -n shop get deploy web -o jsonpath='{.spec.template.metadata.annotations}' | grep -q restartedAt
check_eq "the pod template carries restartedAt" 0 "$?"
expect "a change without a terminal and without --yes is refused" 2 'no terminal' \
	KD breakglass scale dev Deployment/shop/web 1 </dev/null
hook=$(mutate_cmd dev '{"action":"patch","manager":"someone-else","patchType":"merge","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"web","patch":{"metadata":{"labels":{"touched":"yes"}}}}')
expect "an object changed after it was read is a conflict (exit 1)" 1 'changed since it was shown' \
	env KDRIFT_TEST_BEFORE_WRITE="$hook" "$KDRIFT_BIN" breakglass scale dev Deployment/shop/web 1 --yes --repo "$repo"
check_eq "the conflicting scale was not applied" "4" "$(K --context dev -n shop get deploy web -o jsonpath='{.spec.replicas}')"
mutate dev '{"action":"create","manager":"kubectl-create","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"scratch","namespace":"shop"},"data":{"a":"b"}}}'
expect "delete" 0 'applied delete' KD breakglass delete dev ConfigMap/shop/scratch --yes
K --context dev -n shop get cm scratch >/dev/null 2>&1
check_eq "the object is deleted" 1 "$?"
expect "an unknown kind is refused" 2 'built-in kinds' KD breakglass scale dev Widget/shop/w 1 --yes

expect "check shows the break-glass changes with '!'" 1 '! Deployment shop/web  break-glass' \
	KD check --clusters env=development
printf '%s\n' "$OUT" | grep -q '! ConfigMap shop/web-config  break-glass'
check_eq "the edited ConfigMap is break-glass too" 0 "$?"

# ---- end ----------------------------------------------------------------------------------------
expect "end lists every object changed, for follow-up" 0 'Objects changed under break-glass' KD breakglass end
for o in Deployment/shop/web ConfigMap/shop/web-config Secret/shop/web-secret Deployment/shop/worker ConfigMap/shop/scratch; do
	printf '%s\n' "$OUT" | grep -q "! dev $o  changed .* ago by"
	check_eq "end lists $o with its age" 0 "$?"
done
printf '%s\n' "$OUT" | grep -q 'kdrift revert dev shop Deployment/shop/web$' &&
	printf '%s\n' "$OUT" | grep -q 'kdrift accept dev shop Deployment/shop/web --reason TEXT'
check_eq "end says how to follow up, naming the object's app from Git" 0 "$?"
expect "changes are refused once the session ended" 2 'need an active session' \
	KD breakglass scale dev Deployment/shop/web 2 --yes

expect "a revert follows up on a break-glass change" 0 'reverted Deployment shop/web' \
	KD revert dev shop Deployment/shop/web --yes
check_eq "the annotation is gone after the revert" "" \
	"$(K --context dev -n shop get deploy web -o jsonpath='{.metadata.annotations.kdrift\.dev/break-glass}')"
expect "the reverted object no longer awaits follow-up" 1 'break-glass session' KD breakglass status
printf '%s\n' "$OUT" | grep -q 'Deployment/shop/web '
check_eq "status lists only the objects still open" 1 "$?"

# ---- an accept follows up too: the mark stays, the log says it is closed ------------------
git clone -q --bare "$repo" "$T/remote.git" && git -C "$repo" remote add origin "$T/remote.git" &&
	git -C "$repo" fetch -q origin && git -C "$repo" branch -q -u origin/main main
check_eq "a bare remote for the fleet repository" 0 "$?"
cat >"$T/ed-banner.sh" <<'EOF'
#!/bin/sh
sed -i 's/text: Hello/text: Maintenance tonight/' "$1"
EOF
chmod +x "$T/ed-banner.sh"
KD breakglass start --reason "incident 43: banner" >/dev/null 2>&1
expect "a break-glass edit of the site's banner" 0 'applied edit' \
	env EDITOR="$T/ed-banner.sh" "$KDRIFT_BIN" breakglass edit dev ConfigMap/site/banner --yes --repo "$repo"
KD breakglass end >/dev/null 2>&1
banner_mark=$(K --context dev -n site get cm banner -o jsonpath='{.metadata.annotations.kdrift\.dev/break-glass}')
expect "an accept follows up on the banner's break-glass edit" 0 'accepted' \
	KD accept dev site ConfigMap/site/banner --reason "keep the maintenance banner" \
	--author "Ops Person <ops@example.com>" --yes
check "the accepted object keeps its break-glass mark" \
	test -n "$banner_mark" -a "$banner_mark" = "$(K --context dev -n site get cm banner -o jsonpath='{.metadata.annotations.kdrift\.dev/break-glass}')"
mutate dev '{"action":"patch","manager":"someone-else","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"site","name":"banner","patch":{"data":{"text":"Back soon"}}}'
expect "check: a later change of the accepted object is plain drift" 1 '~ ConfigMap site/banner' \
	KD check --clusters env=development
printf '%s\n' "$OUT" | grep -q '! ConfigMap site/banner'
check_eq "check: the accepted object is no longer break-glass" 1 "$?"
printf '%s\n' "$OUT" | grep -q '! ConfigMap shop/web-config  break-glass'
check_eq "check: a change still awaiting follow-up stays break-glass" 0 "$?"
printf ':cluster dev\n*\n:save-screen %s\n:quit\n' "$T/ui.screen" >"$T/ui.script"
KDRIFT_SCRIPT="$T/ui.script" LINES=60 COLUMNS=160 NO_COLOR=1 "$KDRIFT_BIN" ui --no-self-heal --repo "$repo" \
	>"$T/ui.out" 2>&1
check_eq "ui: the script runs" "0" "$?"
for want in '~ ConfigMap site/banner' '! ConfigMap shop/web-config'; do
	if grep -q "$want" "$T/ui.screen"; then ok "ui: the tree shows $want"
	else not_ok "ui: the tree shows $want" "$(cat "$T/ui.screen" "$T/ui.out")"; fi
done

# ---- breakglass followup: the list, and --revert of only what break-glass changed ---------
expect "followup lists the changes awaiting follow-up" 0 '! dev Deployment/shop/worker  changed .* by set-image \(audit ' \
	KD breakglass followup
worker_id=$(printf '%s\n' "$OUT" | sed -n 's|.*! dev Deployment/shop/worker  changed .* by set-image (audit \([^)]*\)).*|\1|p')
check "followup names the worker's change by its audit id" test -n "$worker_id"
printf '%s\n' "$OUT" | grep -q "revert only what break-glass changed: kdrift breakglass followup --revert $worker_id"
check_eq "followup says how to revert only the break-glass change" 0 "$?"
mutate dev '{"action":"scale","manager":"someone-else","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"worker","replicas":3}'
expect "followup --revert of an id nothing awaits is refused" 2 "no break-glass change with audit id 'nope'" \
	KD breakglass followup --revert nope --yes
expect "followup --revert without a terminal and without --yes is refused" 2 'no terminal' \
	KD breakglass followup --revert "$worker_id" </dev/null
check_eq "a refused followup --revert changed nothing" "registry.example/worker:3.0.0" \
	"$(K --context dev -n shop get deploy worker -o jsonpath='{.spec.template.spec.containers[0].image}')"
expect "followup --revert --dry-run shows the patch of the break-glass field only" 0 'would revert Deployment shop/worker \(1 field\)' \
	KD breakglass followup --revert "$worker_id" --dry-run
printf '%s\n' "$OUT" | grep -q 'image: registry.example/worker:2.0.0' && ! printf '%s\n' "$OUT" | grep -q 'replicas:'
check_eq "the preview sets the image back and leaves replicas alone" 0 "$?"
expect "followup --revert reverts the break-glass change" 0 'reverted Deployment shop/worker \(1 field\)' \
	KD breakglass followup --revert "$worker_id" --yes
check_eq "the image is Git's again, the other drift stays" "registry.example/worker:2.0.0 3" \
	"$(K --context dev -n shop get deploy worker -o jsonpath='{.spec.template.spec.containers[0].image} {.spec.replicas}')"
expect "the reverted change no longer awaits follow-up" 0 'Break-glass changes awaiting follow-up' \
	KD breakglass followup
printf '%s\n' "$OUT" | grep -q 'Deployment/shop/worker'
check_eq "followup no longer lists the worker" 1 "$?"
expect "the audit log verifies" 0 'chain intact' "$KDRIFT_BIN" audit verify
expect "a duration over breakGlass.maxDuration is cut to it" 0 'in 1h00m.*cut to the fleet' \
	KD breakglass start --reason "long one" --duration 5h
KD breakglass end >/dev/null 2>&1
expect "hours and minutes together: 1h30m (cut to the fleet's 1h)" 0 'in 1h00m.*cut to the fleet' \
	KD breakglass start --reason "ninety minutes" --duration 1h30m
KD breakglass end >/dev/null 2>&1
grep -q 'aHVudGVyMi1pbi1naXQ=\|hunter2' "$LOG"
check_eq "no Secret value in the audit log" 1 "$?"

tap_done
