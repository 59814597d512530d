#!/usr/bin/env bash
# A change of replicas that a HorizontalPodAutoscaler will undo is warned
# about before it is confirmed: `kdrift breakglass scale` (the CLI asks the
# cluster for the namespace's HPAs) and the UI's scale dialog (the engine's
# snapshot knows the HPA) say the same; an object no HPA scales gets no
# warning.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
source "$KDRIFT_ROOT/tests/fixtures/remedycli/setup.bash"
export TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color XDG_CONFIG_HOME=$T/config

mutate dev '{"action":"create","manager":"kubectl-create","object":{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"web-scaler","namespace":"shop"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":2,"maxReplicas":6}}}'
check_eq "an HPA scales dev's web" 0 "$?"
KD breakglass start --reason "hpa warning test" >/dev/null 2>&1
check_eq "a break-glass session" 0 "$?"

WARN='warning: HorizontalPodAutoscaler web-scaler scales Deployment shop/web: it will set replicas back'
expect "CLI: scaling an HPA-managed Deployment warns before the change" 0 "$WARN" \
	KD breakglass scale dev Deployment/shop/web 4 --yes
check_eq "the scale itself went through" 4 "$(K --context dev -n shop get deploy web -o jsonpath='{.spec.replicas}')"
expect "CLI: a Deployment no HPA scales gets no warning" 0 'applied' \
	KD breakglass scale dev Deployment/shop/worker 2 --yes
printf '%s\n' "$OUT" | grep -q HorizontalPodAutoscaler
check_eq "(no HPA named)" 1 "$?"

# The UI: the confirmation dialog of the same scale, then cancelled.
cat >"$T/ui.script" <<EOF
:filter labels env=development
*
/Deployment shop/web
s
type 3
<Enter>
:save-screen $T/ui.1
<Esc>
:quit
EOF
KDRIFT_SCRIPT="$T/ui.script" LINES=40 COLUMNS=160 \
	"$KDRIFT_BIN" ui --repo "$repo" --timeout 15s >"$T/ui.out" 2>"$T/ui.err"
check_eq "UI: the script runs" "0 " "$? $(cat "$T/ui.err")"
check "UI: the scale's confirmation warns about the HPA" \
	grep -q 'warning: a HorizontalPodAutoscaler scales Deployment shop/web: it will set replicas back' "$T/ui.1"
check_eq "UI: cancelled, nothing changed" 4 "$(K --context dev -n shop get deploy web -o jsonpath='{.spec.replicas}')"
KD breakglass end >/dev/null 2>&1
[ -n "${KDRIFT_DEBUG_DIR:-}" ] && cp -r "$T" "$KDRIFT_DEBUG_DIR"
tap_done
