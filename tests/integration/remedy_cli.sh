#!/usr/bin/env bash
# kdrift revert and kdrift accept against kubesim: drift of each kind put
# back through the command line (then `kdrift check` reports synced), the
# refusals (no terminal, prune forbidden by policy, a read-only credential),
# a conflict when the object changes between plan and write, and accepting
# live values into a cluster overlay of a fleet repository with a bare
# remote.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
source "$KDRIFT_ROOT/tests/fixtures/remedycli/setup.bash"
ok "kubesim starts and the desired state is applied"

expect "a freshly applied fleet is synced" 0 'summary: 16 synced, 0 drifted' \
	KD check --clusters 'env in (production,development)'

# ---- drift of each kind on dev ---------------------------------------------------
steps=0
mutate dev '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"debug","FEATURE_X":"on"}}}' || steps=1
mutate dev '{"action":"scale","manager":"kubectl-scale","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"web","replicas":5}' || steps=1
mutate dev '{"action":"patch","manager":"kubectl-set","patchType":"strategic","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"web","patch":{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"registry.example/web:9.9.9"}]}}}}}' || steps=1
mutate dev '{"action":"patch","manager":"kubectl-label","patchType":"merge","apiVersion":"v1","kind":"Service","namespace":"shop","name":"web","patch":{"metadata":{"labels":{"app":null}}}}' || steps=1
mutate dev '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"Secret","namespace":"shop","name":"web-secret","patch":{"data":{"password":"Y2hhbmdlZA=="}}}' || steps=1
mutate dev '{"action":"delete","manager":"kubectl","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"worker"}' || steps=1
mutate dev '{"action":"create","manager":"kubectl-create","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"stray","namespace":"shop","labels":{"kdrift.dev/app":"shop"}},"data":{"a":"b"}}}' || steps=1
check_eq "drift injected on dev" 0 "$steps"
expect "check sees the drift" 1 'summary: 0 synced, 4 drifted, 1 missing, 1 extra' KD check --clusters env=development --app shop

# ---- previews and refusals ---------------------------------------------------------
expect "dry run previews the patch per object and names what is skipped" 0 \
	'would create Deployment shop/worker' KD revert dev shop --dry-run
printf '%s\n' "$OUT" | grep -q '^  LOG_LEVEL: info$' && printf '%s\n' "$OUT" | grep -q 'skipped ConfigMap shop/stray: extra object left in place: prune was not asked for'
check_eq "dry run: patch YAML and skipped extra object shown" 0 "$?"
printf '%s\n' "$OUT" | grep -q 'Y2hhbmdlZA==\|hunter2'
check_eq "dry run: no Secret value in the preview" 1 "$?"
expect "without a terminal and without --yes nothing is changed" 2 'no terminal to ask on; nothing was changed' \
	KD revert dev shop </dev/null
check_eq "still drifted after the refusal" "debug" "$(K --context dev -n shop get cm web-config -o jsonpath='{.data.LOG_LEVEL}')"
expect "a pointer that selects no drifted field is an error" 2 '/data/NOPE' \
	KD revert dev shop ConfigMap/shop/web-config --path /data/NOPE --yes
expect "an unknown object is named" 2 'no ConfigMap shop/nothing' \
	KD revert dev shop ConfigMap/shop/nothing --yes

# ---- one field, then everything ---------------------------------------------------------
expect "revert of one field" 0 'reverted ConfigMap shop/web-config \(1 field\)' \
	KD revert dev shop ConfigMap/shop/web-config --path /data/LOG_LEVEL --yes
check_eq "the selected field is back" "info" "$(K --context dev -n shop get cm web-config -o jsonpath='{.data.LOG_LEVEL}')"
check_eq "the other field is left alone" "on" "$(K --context dev -n shop get cm web-config -o jsonpath='{.data.FEATURE_X}')"

# A credential that may only read: 403, reported as such, nothing changed.
expect "a read-only context is refused clearly" 2 'FAILED Deployment shop/web: .*context dev-readonly may not patch .*Forbidden, HTTP 403.*nothing was changed' \
	KD revert viewer shop Deployment/shop/web --yes
check_eq "nothing changed by the refused write" "5" "$(K --context dev -n shop get deploy web -o jsonpath='{.spec.replicas}')"

expect "revert with --prune on a cluster whose policy allows it" 0 'pruned ConfigMap shop/stray' \
	KD revert dev shop --prune --yes
printf '%s\n' "$OUT" | grep -q 'created Deployment shop/worker' &&
	printf '%s\n' "$OUT" | grep -q 'reverted Secret shop/web-secret' &&
	printf '%s\n' "$OUT" | grep -q 'reverted Service shop/web'
check_eq "create, Secret and label reverts reported" 0 "$?"
expect "after the revert check reports dev synced" 0 'summary: 8 synced, 0 drifted, 0 missing, 0 extra, 0 break-glass, 0 unknown' \
	KD check --clusters env=development
check_eq "the Secret holds Git's value again" "hunter2-in-git" \
	"$(K --context dev -n shop get secret web-secret -o jsonpath='{.data.password}' | base64 -d)"

# ---- prune forbidden by policy ------------------------------------------------------------
mutate prod '{"action":"create","manager":"kubectl-create","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"stray","namespace":"shop","labels":{"kdrift.dev/app":"shop"}},"data":{"a":"b"}}}'
expect "prune on a cluster whose policy forbids it is refused" 0 "policy does not allow prune" \
	KD revert prod shop --prune --yes
printf '%s\n' "$OUT" | grep -q 'skipped ConfigMap shop/stray: extra object left in place: prune is off'
check_eq "the extra object is listed as left in place" 0 "$?"
check "the extra object still exists" K --context prod -n shop get cm stray

# ---- 409: the object changes between plan and write ------------------------------------------
mutate dev '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"trace"}}}'
hook=$(mutate_cmd dev '{"action":"patch","manager":"someone-else","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"warn"}}}')
expect "a change made after the plan is a conflict (exit 1)" 1 'changed since it was shown; refresh and try again' \
	env KDRIFT_TEST_BEFORE_WRITE="$hook" "$KDRIFT_BIN" revert dev shop ConfigMap/shop/web-config --yes --repo "$repo"
check_eq "the other writer's value was not overwritten" "warn" \
	"$(K --context dev -n shop get cm web-config -o jsonpath='{.data.LOG_LEVEL}')"
expect "run again, the revert goes through" 0 'reverted ConfigMap shop/web-config' \
	KD revert dev shop ConfigMap/shop/web-config --yes

expect "the audit log verifies" 0 '' "$KDRIFT_BIN" audit verify
n=$(grep -c '"action":"revert"' "$XDG_STATE_HOME/kdrift/audit.jsonl")
[ "$n" -ge 8 ]; check_eq "revert intents and outcomes are logged ($n records)" 0 "$?"
grep -q '"status":"failure"' "$XDG_STATE_HOME/kdrift/audit.jsonl"
check_eq "the conflict and the 403 are logged as failures" 0 "$?"
grep -q 'Y2hhbmdlZA==\|hunter2' "$XDG_STATE_HOME/kdrift/audit.jsonl"
check_eq "no Secret value in the audit log" 1 "$?"

# ---- confirmation on a terminal -----------------------------------------------------------
ANSWER() { python3 "$KDRIFT_ROOT/tests/fixtures/remedycli/answer.py" "$@"; }
mutate prod '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"debug"}}}'
expect "production: a wrong name declines (exit 2)" 2 "not confirmed; nothing was changed" \
	ANSWER yes "$KDRIFT_BIN" revert prod shop ConfigMap/shop/web-config --repo "$repo"
printf '%s\n' "$OUT" | grep -q 'Cluster prod is a production cluster.  Type its name to revert:'
check_eq "production: the prompt asks for the cluster's name" 0 "$?"
check_eq "declined: nothing changed" "debug" "$(K --context prod -n shop get cm web-config -o jsonpath='{.data.LOG_LEVEL}')"
expect "production: typing the cluster's name confirms" 0 'reverted ConfigMap shop/web-config' \
	ANSWER prod "$KDRIFT_BIN" revert prod shop ConfigMap/shop/web-config --repo "$repo"
check_eq "confirmed: reverted" "info" "$(K --context prod -n shop get cm web-config -o jsonpath='{.data.LOG_LEVEL}')"
mutate dev '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"debug"}}}'
expect "other clusters: y confirms" 0 'reverted ConfigMap shop/web-config' \
	ANSWER y "$KDRIFT_BIN" revert dev shop ConfigMap/shop/web-config --repo "$repo"
printf '%s\n' "$OUT" | grep -q 'revert on cluster dev? \[y/N\]'
check_eq "other clusters: the prompt asks y/N" 0 "$?"
check_eq "dev reverted after y" "info" "$(K --context dev -n shop get cm web-config -o jsonpath='{.data.LOG_LEVEL}')"

# ---- accept into prod's overlay, with a bare remote ------------------------------------------
bare_remote
check_eq "a bare remote for the fleet repository" 0 "$?"
mutate prod '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"site","name":"page","patch":{"data":{"title":"Hello from prod","footer":"new"}}}'
mutate prod '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"Secret","namespace":"site","name":"token","patch":{"data":{"value":"bGl2ZQ=="}}}'

expect "accept needs a reason" 2 '--reason is required' KD accept prod site ConfigMap/site/page --yes
expect "accepting Secret data is refused with the reason" 2 '[Ss]ecret' \
	KD accept prod site Secret/site/token --reason "rotated" --yes
printf '%s\n' "$OUT" | grep -q 'bGl2ZQ==\|from-git'
check_eq "the refusal shows no Secret value" 1 "$?"
expect "accept without a terminal and without --yes is refused" 2 'no terminal' \
	KD accept prod site ConfigMap/site/page --reason "prod title" --author "Ops Person <ops@example.com>" </dev/null
expect "accept one field: preview, commit and push" 0 'committed [0-9a-f]{40} to branch main; pushed' \
	KD accept prod site ConfigMap/site/page --path /data/title --reason "prod has its own title" \
	--author "Ops Person <ops@example.com>" --yes
printf '%s\n' "$OUT" | grep -q 'kdrift-accepted/configmap-site-page.yaml' &&
	printf '%s\n' "$OUT" | grep -q 'title: Hello from prod' &&
	printf '%s\n' "$OUT" | grep -Eq '^ *- (path: )?kdrift-accepted/configmap-site-page.yaml'
check_eq "preview names the patch file, its content and the kustomization line" 0 "$?"
check_eq "the remote has the commit" "$(git -C "$repo" rev-parse main)" "$(git -C "$T/remote.git" rev-parse main)"
check_eq "the commit's author" "Ops Person <ops@example.com>" "$(git -C "$T/remote.git" log -1 --format='%an <%ae>' main)"
git -C "$T/remote.git" log -1 --format=%B main | grep -q 'prod has its own title'
check_eq "the reason is in the commit message" 0 "$?"
git -C "$T/remote.git" show main:clusters/prod/site/kdrift-accepted/configmap-site-page.yaml | grep -q 'title: Hello from prod'
check_eq "the patch file holds the live value" 0 "$?"
git -C "$T/remote.git" show main:clusters/prod/site/kdrift-accepted/configmap-site-page.yaml | grep -q footer
check_eq "the field not selected is not accepted" 1 "$?"
git -C "$T/remote.git" show main:clusters/prod/site/kustomization.yaml | grep -q "# prod's own layer"
check_eq "the kustomization keeps its comment" 0 "$?"
expect "after the accept only the unselected field drifts" 1 '/data/footer' KD check --clusters env=production --app site
printf '%s\n' "$OUT" | grep -q '/data/title'
check_eq "the accepted field no longer drifts" 1 "$?"
expect "accept to a review branch, not pushed" 0 'committed [0-9a-f]{40} to branch review/footer; not pushed' \
	KD accept prod site ConfigMap/site/page --path /data/footer --reason "footer stays" \
	--branch review/footer --no-push --author "Ops Person <ops@example.com>" --yes
check "the review branch exists locally" git -C "$repo" rev-parse --verify -q review/footer
git -C "$T/remote.git" rev-parse --verify -q review/footer >/dev/null
check_eq "--no-push leaves the remote alone" 1 "$?"

# Accepting the last drifted field leaves the object synced, and marked
# intentional: its desired state now comes from prod's own layer.
expect "accept the last field on main" 0 'committed [0-9a-f]{40} to branch main; pushed' \
	KD accept prod site ConfigMap/site/page --path /data/footer --reason "footer stays" \
	--author "Ops Person <ops@example.com>" --yes
KD check --clusters env=production --app site --output json >"$T/after-accept.json" 2>/dev/null
check_eq "after accepting every field the object is synced and intentional" "synced True" \
	"$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
r = [r for c in d["clusters"] for a in c["apps"] for r in a["resources"] if r["kind"] == "ConfigMap" and r["name"] == "page"][0]
print(r["status"], r["intentional"])' "$T/after-accept.json" 2>&1)"

tap_done
