#!/usr/bin/env bash
# A revert from the follow-up list reverts only what the break-glass change
# set: prod's web carries an older hotfix (its image) and a break-glass
# scale; the follow-up revert's preview names the audit id and
# /spec/replicas only and says the other drift stays; afterwards the
# replicas are Git's, the hotfix is still there and still on screen.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
source "$KDRIFT_ROOT/tests/fixtures/remedycli/setup.bash"
export TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color XDG_CONFIG_HOME=$T/config
unset NO_COLOR KDRIFT_CONFIG_DIR

mutate prod '{"action":"patch","manager":"kubectl-set","patchType":"strategic","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"web","patch":{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"registry.example/web:1.4.0-hotfix"}]}}}}}'
check_eq "an older hotfix on prod's web" 0 "$?"
KD breakglass start --reason "traffic spike" >/dev/null 2>&1 &&
	KD breakglass scale prod Deployment/shop/web 6 --yes >/dev/null 2>&1 &&
	KD breakglass end >/dev/null 2>&1
check_eq "a break-glass scale on prod" 6 "$(K --context prod -n shop get deploy web -o jsonpath='{.spec.replicas}')"

cat >"$T/ui.script" <<EOF
U
:save-screen $T/list
r
:save-screen $T/dialog
type prod
<Enter>
wait-for reverted the break-glass change of Deployment shop/web
*
:save-screen $T/after
:quit
EOF
KDRIFT_SCRIPT="$T/ui.script" LINES=40 COLUMNS=160 \
	"$KDRIFT_BIN" ui --repo "$repo" --timeout 15s >"$T/ui.out" 2>"$T/ui.err"
rc=$?; [ -n "${KDRIFT_DEBUG_DIR:-}" ] && cp -r "$T" "$KDRIFT_DEBUG_DIR"
check_eq "the UI's script runs" "0 " "$rc $(cat "$T/ui.err")"
check "the follow-up list shows the scale" grep -q 'scale Deployment shop/web on prod' "$T/list"
check "the preview names the break-glass change's field only" \
	grep -Eq '# only what break-glass changed \(audit id [0-9TZ-]+[0-9a-f]+\): /spec/replicas$' "$T/dialog"
check "and says the other drift stays" grep -q '# the object.s other drift (1 field) stays as it is' "$T/dialog"
check "the patch does not touch the image" sh -c "! grep -q 'hotfix\\|image:' '$T/dialog'"
check_eq "replicas are Git's again" 2 "$(K --context prod -n shop get deploy web -o jsonpath='{.spec.replicas}')"
check_eq "the hotfix is still there" "registry.example/web:1.4.0-hotfix" \
	"$(K --context prod -n shop get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}')"
check "and still on screen as drift, no longer flagged break-glass" grep -q '~ Deployment shop/web' "$T/after"
K --context prod -n shop get deploy web -o jsonpath='{.metadata.annotations}' | grep -q 'kdrift.dev/break-glass'
check_eq "the follow-up cleared the break-glass mark" 1 "$?"
tail -n 1 "$XDG_STATE_HOME/kdrift/audit.jsonl" | grep '"action":"revert"' | grep -q '"status":"success"'
check_eq "the revert is logged (the follow-up of the change)" 0 "$?"
tap_done
