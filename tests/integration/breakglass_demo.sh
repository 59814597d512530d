#!/usr/bin/env bash
# Break-glass in the demo's setup (tests/tools/demo.sh): the demo fleet
# (breakGlass.context "{{name}}-breakglass") against kubesim's own
# kubeconfig, whose NAME, NAME-readonly and NAME-breakglass contexts are
# three users with different rights.
#
# The normal user may not delete a Namespace (403 with Kubernetes' exact
# reason), the read-only user may not write, the break-glass user may do
# both; `kdrift breakglass` changes go through the break-glass context, and
# one pointing at a user without the right gets the 403 with its reason.
# A missing break-glass context is said before anything is asked: the CLI
# refuses to start a session nobody could use and names the clusters that
# lack one; the UI refuses to open the break-glass dialog, lists the
# clusters without one in it, and refuses a change on such a cluster
# before asking for replicas.  Every message fits 80 columns.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
T=$KS_TMP
export XDG_STATE_HOME=$T/state
unset KDRIFT_AUDIT_LOG

repo=$T/fleet
cp -r "$KDRIFT_ROOT/tests/fixtures/demo-fleet" "$repo"
git -C "$repo" init -q -b main && git -C "$repo" add -A &&
	git -C "$repo" -c user.name=Fixture -c user.email=fixture@example.com commit -qm "fleet" ||
	{ not_ok "the demo fleet is committed"; tap_done; exit 1; }
clusters=$(sed -n '/^clusters:/,/^[a-z]/s/^  - name: //p' "$repo/kdrift.yaml")
if ! ks_start "$T/ks" --clusters "$(echo $clusters | tr ' ' ,)"; then
	not_ok "kubesim starts with the demo's clusters" "$(cat "$T/ks/stderr")"
	tap_done
	exit 1
fi
ok "kubesim starts with the demo's 15 clusters"
export KUBECONFIG=$T/ks/kubeconfig
KD() { "$KDRIFT_BIN" "$@" --repo "$repo"; }

for c in dev-1 dev-2; do
	K --context "$c" apply --server-side --field-manager=kubectl -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata: {name: platform-services}
---
apiVersion: v1
kind: Namespace
metadata: {name: scratch}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: platform-services, labels: {kdrift.dev/app: platform-services, run: web}}
spec:
  replicas: 1
  selector: {matchLabels: {run: web}}
  template:
    metadata: {labels: {run: web}}
    spec: {containers: [{name: web, image: "busybox:1.36"}]}
EOF
	check_eq "the normal user creates objects in $c" 0 "$?"
done

# ---- three users, three sets of rights -------------------------------------------
grep -A3 -- '- name: dev-1-breakglass' "$KUBECONFIG" | grep -q 'user: kubesim-breakglass'
check_eq "kubesim's kubeconfig has a break-glass context per cluster, with its own user" 0 "$?"
expect "the normal user may not delete a Namespace: 403 with Kubernetes' reason" 1 \
	'namespaces "scratch" is forbidden: User "kubesim-admin" cannot delete resource "namespaces" in API group "" at the cluster scope' \
	K --context dev-1 delete namespace scratch
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: kube-system}\ndata: {a: b}\n' >"$T/cm.yaml"
expect "nor write in kube-system" 1 \
	'configmaps "x" is forbidden: User "kubesim-admin" cannot patch resource "configmaps" in API group "" in the namespace "kube-system"' \
	K --context dev-1 apply --server-side -f "$T/cm.yaml"
expect "the read-only user may not write at all" 1 \
	'deployments.apps "web" is forbidden: User "kubesim-readonly" cannot (patch|update) resource "deployments/scale" in API group "apps" in the namespace "platform-services"' \
	K --context dev-1-readonly -n platform-services scale deployment web --replicas=2
expect "the break-glass user may write in kube-system" 0 'serverside-applied' \
	K --context dev-1-breakglass apply --server-side -f "$T/cm.yaml"

# ---- the CLI with the demo's kubeconfig ------------------------------------------------
expect "a session starts; every cluster has its credential, so nothing is said about it" 0 \
	'^break-glass session .* started' KD breakglass start --reason "checkout down" --ticket INC-7 --duration 10m
printf '%s\n' "$OUT" | grep -q 'break-glass credential'
check_eq "no cluster is named as lacking a credential" 1 "$?"
expect "a break-glass scale goes through dev-1-breakglass" 0 'applied scale' \
	KD breakglass scale dev-1 Deployment/platform-services/web 3 --yes
printf '%s\n' "$OUT" | grep -q '(context dev-1-breakglass)'
check_eq "the preview names the break-glass context" 0 "$?"
check_eq "the cluster was scaled" 3 "$(K --context dev-1 -n platform-services get deploy web -o jsonpath='{.spec.replicas}')"
expect "break-glass may delete the Namespace the normal user may not" 0 'applied delete' \
	KD breakglass delete dev-1 Namespace/scratch --yes
K --context dev-1 get namespace scratch >/dev/null 2>&1
check_eq "the Namespace is gone" 1 "$?"

# A break-glass context whose user lacks the right: the 403, its reason intact.
cat >"$T/readonly-bg.kubeconfig" <<EOF
apiVersion: v1
kind: Config
contexts:
- name: dev-2-breakglass
  context: {cluster: dev-2, user: kubesim-readonly}
EOF
expect "a break-glass user the cluster forbids the change is said so, before anything is planned" 2 \
	'cluster dev-2: the break-glass context dev-2-breakglass may not patch deployments/scale "web" in namespace platform-services \(Forbidden, said by the cluster\); nothing was changed' \
	env KUBECONFIG="$T/readonly-bg.kubeconfig:$KUBECONFIG" "$KDRIFT_BIN" breakglass scale dev-2 \
	Deployment/platform-services/web 2 --yes --repo "$repo"
check_eq "nothing was changed" 1 "$(K --context dev-2 -n platform-services get deploy web -o jsonpath='{.spec.replicas}')"
printf '#!/bin/sh\ntouch %s/editor-ran\n' "$T" >"$T/editor"
chmod +x "$T/editor"
expect "an edit with that user is refused before the editor opens" 2 \
	'may not patch deployments "web" in namespace platform-services \(Forbidden' \
	env KUBECONFIG="$T/readonly-bg.kubeconfig:$KUBECONFIG" EDITOR="$T/editor" VISUAL= "$KDRIFT_BIN" \
	breakglass edit dev-2 Deployment/platform-services/web --yes --repo "$repo"
check "the editor never ran" test ! -e "$T/editor-ran"
KD breakglass end >/dev/null 2>&1

# ---- a kubeconfig without break-glass contexts: said before anything is asked ------------------
python3 - "$KUBECONFIG" "$T" <<'EOF'
import sys, re
src, t = sys.argv[1], sys.argv[2]
text = open(src).read()
head, ctx = text.split("contexts:\n", 1)
items = re.split(r"(?m)^(?=- name: )", ctx)
cur = [i for i in items if i.startswith("current-context")]
tail = ""
def keep(pred):
    out = []
    for i in items:
        if not i.startswith("- name: "):
            continue
        block, _, rest = i.partition("current-context:")
        name = block.split()[2]
        if pred(name):
            out.append(block)
    return "".join(out)
last = items[-1]
cc = "current-context:" + last.split("current-context:", 1)[1] if "current-context:" in last else ""
open(t + "/none.kubeconfig", "w").write(head + "contexts:\n" + keep(lambda n: not n.endswith("-breakglass")) + cc)
open(t + "/one.kubeconfig", "w").write(head + "contexts:\n" + keep(lambda n: not n.endswith("-breakglass") or n == "dev-1-breakglass") + cc)
EOF
check "kubeconfigs without break-glass contexts written" test -s "$T/none.kubeconfig" -a -s "$T/one.kubeconfig"
check "the one keeps dev-1-breakglass" grep -q -- '- name: dev-1-breakglass$' "$T/one.kubeconfig"
check "but not dev-2-breakglass" sh -c "! grep -q -- '- name: dev-2-breakglass' '$T/one.kubeconfig'"

expect "start is refused when no cluster has a break-glass credential, before the reason is asked" 2 \
	"No cluster has a break-glass credential: the kubeconfig has no context such as" \
	"$KDRIFT_BIN" breakglass start --repo "$repo" --kubeconfig "$T/none.kubeconfig"
printf '%s\n' "$OUT" | grep -q "'dev-1-breakglass' (breakGlass.context)"
check_eq "naming the context the fleet's template gives" 0 "$?"
printf '%s\n' "$OUT" | grep -q 'nothing was started'
check_eq "and says nothing was started" 0 "$?"
expect "no session was started" 1 'no break-glass session' KD breakglass status
expect "with one credential, the session starts and the 14 clusters without one are named" 0 \
	'No break-glass credential \(no context such as .dev-2-breakglass.\) for 14 of 15' \
	"$KDRIFT_BIN" breakglass start --reason "one cluster" --repo "$repo" --kubeconfig "$T/one.kubeconfig"
check "the list fits 80 columns" awk '/No break-glass credential/ { f = 1 } f && /^break-glass session/ { f = 0 } f && length($0) > 80 { exit 1 }' <<<"$OUT"
check "it names the last clusters or counts them" grep -Eq 'ap-south-prod-2|and [0-9]+ more' <<<"$OUT"
expect "a change on a cluster without its context is refused before the object is read" 2 \
	"cluster dev-2 has no break-glass credential: the kubeconfig has no context 'dev-2-breakglass'" \
	"$KDRIFT_BIN" breakglass scale dev-2 Deployment/platform-services/web 5 --yes --repo "$repo" --kubeconfig "$T/one.kubeconfig"

# ---- the UI: the same, before the dialog asks anything --------------------------------------------
# (--no-self-heal: the demo's dev and staging clusters are selfHeal; what
# these look at is the break-glass dialog, not the UI healing them)
ui() {  # NAME KUBECONFIG COLUMNS: runs $T/NAME.script
	NO_COLOR=1 KDRIFT_SCRIPT="$T/$1.script" LINES=30 COLUMNS=$3 \
		"$KDRIFT_BIN" ui --repo "$repo" --kubeconfig "$2" --no-self-heal --timeout 10s >"$T/$1.out" 2>&1
}
KD breakglass end >/dev/null 2>&1
printf 'B\n:save-screen %s\n:quit\n' "$T/none.screen" >"$T/none.script"
ui none "$T/none.kubeconfig" 80
check "UI: entering break-glass with no credential is refused at once, within 80 columns" \
	grep -q 'break-glass: kubeconfig has no break-glass context (such as dev-1-breakglass)' "$T/none.screen"
check "UI: no reason is asked" sh -c "! grep -q 'reason:' '$T/none.screen'"
printf 'B\n:save-screen %s\n<Esc>\n:quit\n' "$T/one.screen" >"$T/one.script"
ui one "$T/one.kubeconfig" 80
check "UI: with one credential the dialog asks for the reason" grep -q '> reason:' "$T/one.screen"
check "UI: and names the clusters without one, first" \
	grep -q 'No break-glass credential (no context such as' "$T/one.screen"
check "UI: the list is not cut at 80 columns" grep -Eq 'ap-south-prod-2|and [0-9]+ more' "$T/one.screen"
printf 'B\n:save-screen %s\n<Esc>\n:quit\n' "$T/all.screen" >"$T/all.script"
ui all "$KUBECONFIG" 120
check "UI: with the demo's kubeconfig the dialog asks for the reason" grep -q '> reason:' "$T/all.screen"
check "UI: and names no cluster as lacking a credential" sh -c "! grep -q 'No break-glass credential' '$T/all.screen'"

# A change on a cluster without a credential, in an active session: said
# before the replicas are asked.
"$KDRIFT_BIN" breakglass start --reason "ui change" --repo "$repo" --kubeconfig "$T/one.kubeconfig" >/dev/null 2>&1
cat >"$T/change.script" <<EOF
:cluster dev-2
/Deployment platform-services/web
wait-for Deployment platform-services/web
s
:save-screen $T/change.screen
:quit
EOF
ui change "$T/one.kubeconfig" 80
check "UI: a scale on dev-2 says its missing context before asking for replicas" \
	grep -q 'scale: kubeconfig has no break-glass context dev-2-breakglass' "$T/change.screen"
check "UI: no replicas were asked" sh -c "! grep -q 'replicas:' '$T/change.screen'"
# The same with a break-glass user the cluster forbids the change.
sed "s|$T/change.screen|$T/forbidden.screen|" "$T/change.script" >"$T/forbidden.script"
KUBECONFIG="$T/readonly-bg.kubeconfig:$KUBECONFIG" K config view --raw --flatten >"$T/forbidden.kubeconfig"
ui forbidden "$T/forbidden.kubeconfig" 80
check "UI: a forbidden break-glass user is said before replicas are asked, within 80 columns" \
	grep -q 'scale: dev-2: Forbidden to the break-glass credential (L shows why)' "$T/forbidden.screen"
check "UI: no replicas were asked of it" sh -c "! grep -q 'replicas:' '$T/forbidden.screen'"
sed "s|$T/change.screen|$T/allowed.screen|; s|^:quit|<Esc>\n:quit|" "$T/change.script" >"$T/allowed.script"
ui allowed "$KUBECONFIG" 80
check "UI: with the demo's break-glass user the replicas are asked" grep -q '> replicas:' "$T/allowed.screen"
KD breakglass end >/dev/null 2>&1

expect "the audit log verifies" 0 '' "$KDRIFT_BIN" audit verify
tap_done
