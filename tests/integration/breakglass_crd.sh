#!/usr/bin/env bash
# Break-glass on a custom resource against kubesim: a Widget (a CRD's kind,
# its desired state in Git) is edited through $EDITOR in a session: the
# change is a JSON merge patch (no strategic merge for custom resources),
# audited and annotated like a built-in kind's; `check` shows it as
# break-glass, self-heal leaves it alone, `end` lists it, and a revert
# follows up.  Kinds the cluster does not serve are still refused.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
source "$KDRIFT_ROOT/tests/fixtures/remedycli/setup.bash"
ok "kubesim starts and the desired state is applied"
LOG=$XDG_STATE_HOME/kdrift/audit.jsonl

# The CRD and its Widget: two apps on dev, so that the CRD is served before
# the Widget is applied.
mkdir -p "$repo/apps/crds" "$repo/apps/widgets"
cat >"$repo/apps/crds/widgets.yaml" <<'EOF'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
  labels: {kdrift.dev/app: crds}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
EOF
cat >"$repo/apps/widgets/gadget.yaml" <<'EOF'
apiVersion: example.com/v1
kind: Widget
metadata:
  name: gadget
  namespace: shop
  labels: {kdrift.dev/app: widgets}
spec:
  size: 3
  colour: blue
EOF
python3 - "$repo/kdrift.yaml" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("tracking: auto\n",
              "  - name: crds\n    clusters: {matchLabels: {env: development}}\n    path: apps/crds\n"
              "  - name: widgets\n    clusters: {matchLabels: {env: development}}\n    path: apps/widgets\n"
              "    namespace: shop\ntracking: auto\n", 1)
open(p, "w").write(s)
EOF
git -C "$repo" add -A && git -C "$repo" -c user.name=Fixture -c user.email=fixture@example.com commit -qm "widgets"
check_eq "the widgets are committed" 0 "$?"
check "the CRD is applied" ks_deploy "$repo" crds dev
check "the Widget is applied" ks_deploy "$repo" widgets dev
expect "dev is synced, the Widget included" 0 'summary: 1 synced, 0 drifted, 0 missing, 0 extra, 0 break-glass, 0 unknown' \
	KD check --clusters env=development --app widgets

# ---- the change --------------------------------------------------------------------------------
cat >"$T/ed-widget.sh" <<'EOF'
#!/bin/sh
grep -q 'managedFields:' "$1" && exit 3
sed -i 's/size: 3/size: 7/' "$1"
EOF
chmod +x "$T/ed-widget.sh"
expect "start a session" 0 'break-glass session .* started' \
	KD breakglass start --reason "incident 7: gadget too small" --ticket INC-7
expect "a kind the cluster does not serve is refused" 2 'built-in kinds.*does not serve the kind .Gizmo.' \
	KD breakglass delete dev Gizmo/shop/gadget --yes
before=$(wc -l <"$LOG")
expect "edit a Widget: previewed as a merge patch and applied" 0 'applied edit, audit [0-9TZ]+-[0-9a-f]+' \
	env EDITOR="$T/ed-widget.sh" "$KDRIFT_BIN" breakglass edit dev Widget/shop/gadget --yes --repo "$repo"
widget_id=$(printf '%s\n' "$OUT" | sed -n 's/.*applied edit, audit \([^,]*\).*/\1/p')
printf '%s\n' "$OUT" | grep -q 'merge patch' && ! printf '%s\n' "$OUT" | grep -q 'strategic'
check_eq "the preview says merge patch, not strategic" 0 "$?"
printf '%s\n' "$OUT" | grep -q 'size: 7'
check_eq "the preview shows the new size" 0 "$?"
check_eq "the Widget is changed" "7 blue" \
	"$(K --context dev -n shop get widgets.example.com gadget -o jsonpath='{.spec.size} {.spec.colour}')"
check_eq "the Widget is annotated with the intent's audit id" "$widget_id" \
	"$(K --context dev -n shop get widgets.example.com gadget -o jsonpath='{.metadata.annotations.kdrift\.dev/break-glass}')"
check_eq "intent and outcome in the audit log" 2 $(($(wc -l <"$LOG") - before))
grep "\"$widget_id\"" "$LOG" | grep -q '"kind":"Widget"'
check_eq "the audit record names the Widget" 0 "$?"
expect "the group spelt out (plural.group) works too" 0 'nothing changed' \
	env EDITOR=true "$KDRIFT_BIN" breakglass edit dev widgets.example.com/shop/gadget --yes --repo "$repo"
expect "scale is for workloads, not a Widget" 2 '' KD breakglass scale dev Widget/shop/gadget 2 --yes

# ---- follow-up -----------------------------------------------------------------------------------
expect "check shows the Widget as break-glass" 1 '! Widget shop/gadget  break-glass' \
	KD check --clusters env=development --app widgets
expect "self-heal leaves the break-glass Widget alone" 1 \
	'heal: dev: left alone Widget shop/gadget: changed under break-glass' \
	KD check --heal --clusters env=development
check_eq "still the break-glass size" "7" \
	"$(K --context dev -n shop get widgets.example.com gadget -o jsonpath='{.spec.size}')"
expect "end lists the Widget for follow-up" 0 'Objects changed under break-glass' KD breakglass end
printf '%s\n' "$OUT" | grep -q '! dev Widget/shop/gadget  changed .* ago by' &&
	printf '%s\n' "$OUT" | grep -q 'kdrift revert dev widgets Widget/shop/gadget$'
check_eq "end names the Widget, its app and the follow-up" 0 "$?"
expect "a revert follows up" 0 'reverted Widget shop/gadget' KD revert dev widgets Widget/shop/gadget --yes
check_eq "Git's size is back" "3" \
	"$(K --context dev -n shop get widgets.example.com gadget -o jsonpath='{.spec.size}')"
check_eq "the break-glass annotation is gone" "" \
	"$(K --context dev -n shop get widgets.example.com gadget -o jsonpath='{.metadata.annotations.kdrift\.dev/break-glass}')"
expect "the Widget is synced again" 0 'summary: 1 synced, 0 drifted, 0 missing, 0 extra, 0 break-glass, 0 unknown' \
	KD check --clusters env=development --app widgets
expect "the audit log verifies" 0 'chain intact' "$KDRIFT_BIN" audit verify
tap_done
