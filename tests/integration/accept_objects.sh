#!/usr/bin/env bash
# kdrift accept of whole objects from the command line, against kubesim:
# an object missing from dev is accepted as absent (a `$patch: delete`
# patch in dev's own layer), an extra one is accepted as a resource file
# cleaned of what the server owns; each is committed with its reason and
# pushed, dev renders accordingly and is synced after, prod is not touched.
# An extra Secret, a field of a missing object and a missing reason are
# refused, nothing committed.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
source "$KDRIFT_ROOT/tests/fixtures/remedycli/setup.bash"
ok "kubesim starts and the desired state is applied"

bare_remote
check_eq "a bare remote for the fleet repository" 0 "$?"
AUTHOR="Ops Person <ops@example.com>"
remote_file() { git -C "$T/remote.git" show "main:clusters/dev/site/$1" 2>/dev/null; }

expect "dev's site is synced to begin with" 0 'summary: 3 synced, 0 drifted, 0 missing, 0 extra' \
	KD check --clusters env=development --app site

# ---- a missing object, accepted as absent --------------------------------------------------------
mutate dev '{"action":"delete","manager":"kubectl","apiVersion":"v1","kind":"ConfigMap","namespace":"site","name":"banner"}'
expect "the deleted banner is missing" 1 'summary: 2 synced, 0 drifted, 1 missing, 0 extra' \
	KD check --clusters env=development --app site
expect "a field of a missing object cannot be accepted" 2 'whole objects' \
	KD accept dev site ConfigMap/site/banner --path /data/text --reason "no banner" --author "$AUTHOR" --yes
head=$(git -C "$repo" rev-parse main)
expect "accept the missing object as absent: commit and push" 0 \
	'committed [0-9a-f]{40} to branch main; pushed' \
	KD accept dev site ConfigMap/site/banner --reason "dev shows no banner" --author "$AUTHOR" --yes
printf '%s\n' "$OUT" | grep -q 'kdrift-accepted/configmap-site-banner.yaml' &&
	printf '%s\n' "$OUT" | grep -q '\$patch: delete'
check_eq "the preview names the file and shows the delete patch" 0 "$?"
check_eq "one commit on top of the old head" "$head" "$(git -C "$T/remote.git" rev-parse main~1)"
remote_file kdrift-accepted/configmap-site-banner.yaml | grep -q '^\$patch: delete'
check_eq "the patch file deletes the object" 0 "$?"
remote_file kustomization.yaml | grep -Eq '^ *- (path: )?kdrift-accepted/configmap-site-banner.yaml'
check_eq "dev's kustomization lists the patch" 0 "$?"
remote_file kustomization.yaml | grep -q "# dev's own layer"
check_eq "the kustomization keeps its comment" 0 "$?"
git -C "$T/remote.git" log -1 --format=%B main | grep -q 'dev shows no banner'
check_eq "the reason is in the commit message" 0 "$?"
"$KDRIFT_BIN" render --repo "$repo" dev site >"$T/dev-site.yaml" 2>&1
grep -q 'name: banner' "$T/dev-site.yaml"
check_eq "dev renders without the banner" 1 "$?"
"$KDRIFT_BIN" render --repo "$repo" prod site >"$T/prod-site.yaml" 2>&1
grep -q 'name: banner' "$T/prod-site.yaml"
check_eq "prod still renders the banner" 0 "$?"
expect "dev's site is synced after the accept" 0 'summary: 2 synced, 0 drifted, 0 missing, 0 extra' \
	KD check --clusters env=development --app site

# ---- an extra object, accepted into Git --------------------------------------------------------------
mutate dev '{"action":"create","manager":"kubectl-create","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"promo","namespace":"site","labels":{"kdrift.dev/app":"site"},"annotations":{"team":"growth"}},"data":{"offer":"10%"}}}'
mutate dev '{"action":"create","manager":"kubectl-create","object":{"apiVersion":"v1","kind":"Secret","metadata":{"name":"promo-key","namespace":"site","labels":{"kdrift.dev/app":"site"}},"type":"Opaque","data":{"key":"c2VjcmV0LXByb21v"}}}'
expect "two extra objects on dev" 1 'summary: 2 synced, 0 drifted, 0 missing, 2 extra' \
	KD check --clusters env=development --app site
head=$(git -C "$repo" rev-parse main)
expect "an extra Secret is refused, with the reason" 2 'extra Secret cannot be accepted' \
	KD accept dev site Secret/site/promo-key --reason "keep it" --author "$AUTHOR" --yes
printf '%s\n' "$OUT" | grep -q 'c2VjcmV0LXByb21v\|secret-promo'
check_eq "the refusal shows no Secret value" 1 "$?"
expect "accept without a reason is refused" 2 '--reason is required' \
	KD accept dev site ConfigMap/site/promo --author "$AUTHOR" --yes
check_eq "nothing was committed by the refusals" "$head" "$(git -C "$repo" rev-parse main)"
expect "accept the extra object: commit and push" 0 'committed [0-9a-f]{40} to branch main; pushed' \
	KD accept dev site ConfigMap/site/promo --reason "dev runs the promo" --author "$AUTHOR" --yes
remote_file kdrift-accepted/configmap-site-promo.yaml >"$T/promo.yaml"
grep -q 'offer: 10%' "$T/promo.yaml" && grep -q 'team: growth' "$T/promo.yaml" && grep -q 'name: promo' "$T/promo.yaml"
check_eq "the resource file holds the live object" 0 "$?"
grep -Eq 'uid:|resourceVersion:|creationTimestamp:|managedFields:' "$T/promo.yaml"
check_eq "without what the server owns" 1 "$?"
remote_file kustomization.yaml | grep -Eq '^ *- kdrift-accepted/configmap-site-promo.yaml'
check_eq "dev's kustomization lists it under resources" 0 "$?"
check_eq "the commit's author" "$AUTHOR" "$(git -C "$T/remote.git" log -1 --format='%an <%ae>' main)"
"$KDRIFT_BIN" render --repo "$repo" dev site >"$T/dev-site.yaml" 2>&1
grep -q 'name: promo$' "$T/dev-site.yaml"
check_eq "dev renders the promo" 0 "$?"
"$KDRIFT_BIN" render --repo "$repo" prod site >"$T/prod-site.yaml" 2>&1
grep -q 'name: promo$' "$T/prod-site.yaml"
check_eq "prod does not" 1 "$?"
expect "only the extra Secret is left" 1 'summary: 3 synced, 0 drifted, 0 missing, 1 extra' \
	KD check --clusters env=development --app site
printf '%s\n' "$OUT" | grep -q 'Secret site/promo-key  extra'
check_eq "and it is the Secret" 0 "$?"
expect "prod's site is untouched and synced" 0 'summary: 3 synced, 0 drifted, 0 missing, 0 extra' \
	KD check --clusters env=production --app site
tap_done
