#!/usr/bin/env bash
# Acting from the interactive UI, on the real engine against kubesim: revert
# with its preview and confirmation (and cancel), a production cluster
# confirmed by typing its name (a wrong name refuses), a change made after
# the preview (409: nothing overwritten), accept into a repository with a
# bare remote, break-glass (enter, banner, scale, end with the follow-up
# list) and the audit view.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
source "$here/lib.bash"

T=$KS_TMP
source "$KDRIFT_ROOT/tests/fixtures/engine/setup.bash"
engine_fleet_start
# gamma is closed; every cluster has a break-glass context (kubesim's own
# NAME-breakglass contexts come first in $KUBECONFIG and win; these name the
# admin user, which may make the changes this suite makes too).
{
	ks_closed_kubeconfig
	for c in alpha beta delta; do
		printf -- '- name: %s-breakglass\n  context: {cluster: %s, user: kubesim-admin}\n' "$c" "$c"
	done
} >"$T/extra.kubeconfig"
export KUBECONFIG="$T/ks/kubeconfig:$T/extra.kubeconfig"
replicas() { K --context "$1" -n shop get deployment web -o jsonpath='{.spec.replicas}'; }

check "desired state applied with kubectl" ks_deploy "$repo" "shop site" alpha beta delta

# act NAME: runs the script on stdin against the engine; screens in $T/NAME.*
act() {
	local name=$1
	cat >"$T/$name.script"
	KDRIFT_SCRIPT="$T/$name.script" LINES=40 COLUMNS=120 \
		${ACT_WRAP:-} "$KDRIFT_BIN" ui --repo "$repo" --timeout "${ACT_TIMEOUT:-3s}" >"$T/$name.stdout" 2>"$T/$name.stderr"
	rc=$?
	[ -n "${KDRIFT_DEBUG_DIR:-}" ] && cp -r "$T" "$KDRIFT_DEBUG_DIR"
	check_eq "$name: the script runs" "0 " "$rc $(cat "$T/$name.stderr")"
}

# --- revert on a staging cluster: preview, cancel, confirm with y ----------
K --context delta -n shop scale deployment web --replicas=5 >/dev/null
act revert <<EOF
:cluster delta
/Deployment shop/web
r
:save-screen $T/revert.preview
n
:save-screen $T/revert.cancelled
!test "\$(kubectl --cache-dir $T/kcache --context delta -n shop get deployment web -o jsonpath='{.spec.replicas}')" = 5
r
y
wait-for ✓ delta
L
:save-screen $T/revert.log
:quit
EOF
check "revert: the preview shows the patch" grep -q 'replicas: 2' "$T/revert.preview"
check "revert: the preview names object and cluster" grep -q 'Revert Deployment shop/web on cluster delta' "$T/revert.preview"
check "revert: a staging cluster confirms with y" grep -q 'Confirm? \[y/N\]' "$T/revert.preview"
check "revert: cancel changes nothing" grep -q 'cancelled; nothing was changed' "$T/revert.cancelled"
check_eq "revert: the cluster is back to Git" 2 "$(replicas delta)"
check "revert: the outcome is in the message log" grep -q 'reverted Deployment shop/web' "$T/revert.log"

# --- production: the cluster's name is typed; a wrong one refuses ----------
K --context alpha -n shop scale deployment web --replicas=7 >/dev/null
act prod <<EOF
:cluster alpha
/Deployment shop/web
r
:save-screen $T/prod.preview
type beta
<Enter>
:save-screen $T/prod.refused
!test "\$(kubectl --cache-dir $T/kcache --context alpha -n shop get deployment web -o jsonpath='{.spec.replicas}')" = 7
r
type alpha
<Enter>
wait-for ✓ alpha
:quit
EOF
check "production: the preview asks for the cluster's name" grep -q 'Production cluster: type its name (alpha)' "$T/prod.preview"
check "production: a wrong name refuses" grep -q "'beta' is not the cluster's name (alpha); nothing was changed" "$T/prod.refused"
check_eq "production: the typed name confirms" 2 "$(replicas alpha)"

# --- a change after the preview: 409, nothing overwritten ------------------
K --context delta -n shop scale deployment web --replicas=4 >/dev/null
act conflict <<EOF
:cluster delta
/Deployment shop/web
wait-for ~ Deployment shop/web
r
!kubectl --cache-dir $T/kcache --context delta -n shop scale deployment web --replicas=6 >/dev/null
y
wait-for changed since it was shown
:save-screen $T/conflict.done
:quit
EOF
# (the message may wrap at a blank: lines joined with one)
check "conflict: the operator is told to review again" \
	sh -c 'tr "\n" " " <"$1" | grep -q "changed since it was shown; refreshed"' _ "$T/conflict.done"
check_eq "conflict: the newer change was not overwritten" 6 "$(replicas delta)"
K --context delta -n shop scale deployment web --replicas=2 >/dev/null

# --- the diff pane: revert only the change under the cursor -----------------
K --context delta -n shop scale deployment web --replicas=5 >/dev/null
K --context delta -n shop set image deployment/web web=registry.example/web:9.9 >/dev/null
act field <<EOF
:cluster delta
/Deployment shop/web
wait-for ~ Deployment shop/web
d
<Tab>
]
r
:save-screen $T/field.preview
y
wait-for drifted (1 field)
:quit
EOF
check "field: the preview names the one field" grep -q 'Deployment shop/web field /spec/replicas on cluster delta' "$T/field.preview"
check_eq "field: only that field was reverted" "2 registry.example/web:9.9" \
	"$(K --context delta -n shop get deployment web -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].image}')"
K --context delta -n shop set image deployment/web web=registry.example/web:1.4.0 >/dev/null

# --- accept into Git: reason, preview of the commit, typed name, pushed ----
K --context alpha -n site patch configmap page --type merge -p '{"data":{"title":"Hello alpha"}}' >/dev/null
act accept <<EOF
:cluster alpha
/ConfigMap site/page
wait-for ~ ConfigMap site/page
a
:save-screen $T/accept.ask
type title wording agreed with marketing
<Enter>
<Enter>
:save-screen $T/accept.preview
type alpha
<Enter>
wait-for ✓ alpha
L
:save-screen $T/accept.log
:quit
EOF
check "accept: asks for a reason" grep -q '> reason:' "$T/accept.ask"
check "accept: the preview shows the live value going to Git" grep -q 'title: Hello alpha' "$T/accept.preview"
check "accept: production confirmation" grep -q 'type its name (alpha)' "$T/accept.preview"
check "accept: the commit is on the remote with the reason" \
	grep -q 'title wording agreed with marketing' <(git -C "$T/remote.git" log -1 --format=%B main)
check "accept: the outcome names the commit" grep -q "accepted ConfigMap site/page on alpha: commit $(git -C "$T/remote.git" rev-parse --short=7 main)" "$T/accept.log"
check_eq "accept: the cluster was not changed" "Hello alpha" "$(K --context alpha -n site get configmap page -o jsonpath='{.data.title}')"

# A review branch gets the commit instead; the followed branch stays.
main_before=$(git -C "$T/remote.git" rev-parse main)
K --context alpha -n site patch configmap page --type merge -p '{"data":{"title":"Hi again"}}' >/dev/null
act accept_review <<EOF
:cluster alpha
/ConfigMap site/page
wait-for ~ ConfigMap site/page
a
type try the shorter title
<Enter>
type review/title
<Enter>
:save-screen $T/accept_review.preview
type alpha
<Enter>
:quit
EOF
check "accept to a review branch: the preview names it" grep -q 'commit to branch review/title' "$T/accept_review.preview"
check "accept to a review branch: the branch is on the remote" \
	grep -q 'try the shorter title' <(git -C "$T/remote.git" log -1 --format=%B review/title 2>&1)
check_eq "accept to a review branch: main did not move" "$main_before" "$(git -C "$T/remote.git" rev-parse main)"

# --- break-glass: enter, banner, scale, edit, end with the follow-up list --
# The editor is a script: it changes the image in the file it is given.
printf '#!/bin/sh\nsed -i "s|registry.example/web:1.4.0|registry.example/web:1.4.1-hotfix|" "$1"\n' >"$T/editor"
chmod +x "$T/editor"
export EDITOR=$T/editor VISUAL=
act breakglass <<EOF
:cluster delta
/Deployment shop/web
s
:save-screen $T/bg.refused
B
:save-screen $T/bg.ask
type checkout outage
<Enter>
type INC-4711
<Enter>
type 90
<Enter>
y
:save-screen $T/bg.nounit
B
type checkout outage
<Enter>
type INC-4711
<Enter>
type 30m
<Enter>
y
wait-for BREAK-GLASS
:save-screen --attrs $T/bg.banner
s
type 3
<Enter>
:save-screen $T/bg.preview
y
wait-for ! Deployment shop/web
:save-screen $T/bg.changed
e
:save-screen $T/bg.edit
y
wait-for edit Deployment shop/web
<C-R>
:save-screen $T/bg.restart
y
wait-for restart Deployment shop/web
U
:save-screen $T/bg.pending
q
!kubectl --cache-dir $T/kcache --context delta -n shop get deployment web -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].image} {.metadata.annotations.kdrift\.dev/break-glass} {.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}' >$T/bg.state
E
y
wait-for awaiting follow-up
:save-screen $T/bg.followup
<Enter>
:save-screen $T/bg.record
q
:save-screen $T/bg.record-closed
r
:save-screen $T/bg.followup-revert
y
wait-for ✓ delta
:quit
EOF
check "break-glass: changes need the mode" grep -q 'scale: break-glass changes need break-glass mode' "$T/bg.refused"
check "break-glass: asks for a reason" grep -q '> reason:' "$T/bg.ask"
check "break-glass: the dialog names the fleet's maximum as a duration" \
	grep -q 'maximum (1h00m)' "$T/bg.ask"
check "break-glass: a duration without a unit is refused, naming the units" \
	grep -q "break-glass: '90' is not a duration: 90 needs a unit (d, h, m, s or ms)" "$T/bg.nounit"
check "break-glass: nothing was started by it" sh -c "! grep -q 'BREAK-GLASS !!' '$T/bg.nounit'"
check "break-glass: the banner has a text marker, the reason, the ticket and the time left" \
	grep -Eq '!! BREAK-GLASS !! checkout outage \[INC-4711\] . (30m00s|29m[0-5][0-9]s) left' "$T/bg.banner"
check "break-glass: the status bar's mode says break-glass, with the time left" \
	grep -Eq 'clusters reachable . BREAK-GLASS (30m00s|29m[0-5][0-9]s) left' "$T/bg.banner"
check "break-glass: the status bar names the repository briefly" grep -Eq '^ repo@[0-9a-f]{7,12} ' "$T/bg.banner"
check "break-glass: the preview is the scale patch" grep -q 'replicas: 3' "$T/bg.preview"
read -r bg_replicas bg_image bg_annotation bg_restarted <"$T/bg.state"
check_eq "break-glass: the cluster was scaled" 3 "$bg_replicas"
check "break-glass: the object is annotated with the audit id" test -n "$bg_annotation"
check "break-glass: the edit is previewed as a patch" grep -q 'image: registry.example/web:1.4.1-hotfix' "$T/bg.edit"
check_eq "break-glass: the edit was applied" "registry.example/web:1.4.1-hotfix" "$bg_image"
check "break-glass: U lists the changes awaiting follow-up from the log" \
	grep -q 'break-glass changes awaiting follow-up: 3' "$T/bg.pending"
check "break-glass: the restart is previewed" grep -q 'kubectl.kubernetes.io/restartedAt' "$T/bg.restart"
check "break-glass: the restart was applied" test -n "$bg_restarted"
check "break-glass: the tree flags the object" grep -q '! Deployment shop/web' "$T/bg.changed"
check "break-glass: ending lists the change for follow-up: what, where, why and who" \
	grep -Eq 'scale Deployment shop/web on delta: spec\.replicas: 3 · checkout outage \[INC-4711\] · ' "$T/bg.followup"
check "follow-up: Enter shows the record readably" \
	sh -c 'grep -q "^  reason     checkout outage" "$1" && grep -q "^    spec.replicas: 3" "$1"' _ "$T/bg.record"
check "follow-up: the record view has no raw JSON, no null and nothing to confirm" \
	sh -c '! grep -Eq "null|\{|Confirm" "$1"' _ "$T/bg.record"
check "follow-up: q closes the record and stays in the list, nothing cancelled" \
	sh -c 'grep -q "awaiting follow-up" "$1" && ! grep -q "cancelled" "$1"' _ "$T/bg.record-closed"
check "break-glass: the banner is gone after the end" sh -c "! grep -q 'BREAK-GLASS !!' '$T/bg.followup'"

check "break-glass: revert from the follow-up list previews the object" \
	grep -q 'Revert Deployment shop/web on cluster delta' "$T/bg.followup-revert"
check_eq "break-glass: the follow-up revert put Git's state back" "2 registry.example/web:1.4.0" \
	"$(K --context delta -n shop get deployment web -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].image}')"

# --- a session that runs out ends the mode ---------------------------------
act expiry <<EOF
B
type short test
<Enter>
<Enter>
type 2s
<Enter>
y
wait-for session expired
L
:save-screen $T/expiry.done
:quit
EOF
check "expiry: the mode ends by itself and says so" grep -q 'break-glass session expired: the mode ended' "$T/expiry.done"
check_eq "expiry: the end is logged" 2 "$(grep -c '"action":"break-glass-end"' "$XDG_STATE_HOME/kdrift/audit.jsonl")"

# --- the audit view: records, filters, verify line --------------------------
act audit <<EOF
A
:save-screen $T/audit.all
<Enter>
:save-screen $T/audit.record
q
:audit action revert
:save-screen $T/audit.revert
:quit
EOF
check "audit: the chain verifies" grep -q 'chain verified: ' "$T/audit.all"
check "audit: Enter shows the first record readably, without null or a Confirm prompt" \
	sh -c 'grep -q "^ audit record" "$1" && grep -q "^  mode " "$1" && ! grep -Eq "null|Confirm" "$1"' _ "$T/audit.record"
check "audit: break-glass start and the scale are listed" grep -q 'break-glass-start' "$T/audit.all"
check "audit: the filter keeps only reverts" sh -c "grep -q ' revert ' '$T/audit.revert' && ! grep -q 'break-glass-start' '$T/audit.revert'"

# An edited record breaks the chain: the view says so.
sed -i '2s/"cluster":"delta"/"cluster":"beta"/' "$XDG_STATE_HOME/kdrift/audit.jsonl"
act audit_tampered <<EOF
A
:save-screen $T/audit.tampered
:quit
EOF
check "audit: an edited record fails verification in the view" grep -q 'VERIFY FAILED: ' "$T/audit.tampered"

# --- memory: valgrind over a worker job of each kind ------------------------
if ldd "$KDRIFT_BIN" 2>/dev/null | grep -q libasan; then
	ok "# SKIP valgrind cannot run an ASan build"
elif command -v valgrind >/dev/null 2>&1; then
	K --context delta -n shop scale deployment web --replicas=5 >/dev/null
	# valgrind slows kdrift many times over: 3 s is too short for a TLS
	# handshake on a busy machine, so the healthy clusters get 60 s.
	ACT_TIMEOUT=60s ACT_WRAP="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99" \
		act valgrind <<EOF
:cluster delta
/Deployment shop/web
wait-for ~ Deployment shop/web
r
y
wait-for ✓ delta
B
type valgrind
<Enter>
<Enter>
<Enter>
y
wait-for BREAK-GLASS
s
type 4
<Enter>
y
wait-for ! Deployment shop/web
E
y
wait-for awaiting follow-up
r
y
wait-for ✓ delta
A
:quit
EOF
else
	ok "# SKIP valgrind is not installed"
fi

tap_done
