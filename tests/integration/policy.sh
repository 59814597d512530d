#!/usr/bin/env bash
# kdrift policy export: Kyverno, Gatekeeper and ValidatingAdmissionPolicy
# output for tests/fixtures/policy/repo, enforcing and in audit mode, each
# compared with its golden file (tests/fixtures/policy/expected/, rewritten
# with KDRIFT_UPDATE_GOLDEN=1), parsed as YAML and asked about who gets
# through (policy_check.py); the ValidatingAdmissionPolicy and its binding
# applied to kubesim with a server-side dry run; selection, --output and
# the errors.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"

T=$KS_TMP
repo=$T/repo
expected=$KDRIFT_ROOT/tests/fixtures/policy/expected
cp -r "$KDRIFT_ROOT/tests/fixtures/policy/repo" "$repo"
# A plain directory: the revision the header names is "directory".
KD() { "$KDRIFT_BIN" policy export --repo "$repo" --worktree "$@"; }

for format in kyverno gatekeeper vap; do
	for mode in enforce audit; do
		flag=""
		[ "$mode" = audit ] && flag=--audit
		out=$T/$format-$mode.yaml
		if ! KD --format "$format" --clusters env=production $flag >"$out" 2>"$T/err"; then
			not_ok "$format $mode: exports" "$(cat "$T/err")"
			continue
		fi
		ok "$format $mode: exports"
		check_eq "$format $mode: notes the guessed resource name on stderr" \
			"kdrift: policy export: note: ServiceMonitor.monitoring.coreos.com: no CustomResourceDefinition in Git; its resource name is guessed as 'servicemonitors'" \
			"$(cat "$T/err")"
		if [ "${KDRIFT_UPDATE_GOLDEN:-}" = 1 ]; then
			cp "$out" "$expected/$format-$mode.yaml"
		fi
		check "$format $mode: matches tests/fixtures/policy/expected/$format-$mode.yaml" \
			diff -u "$expected/$format-$mode.yaml" "$out"
		python3 "$here/policy_check.py" "$format" "$mode" "$out" >"$T/asserts" 2>&1
		rc=$?
		while IFS= read -r line; do
			case "$line" in
			PASS\ *) ok "$format $mode: ${line#PASS }" ;;
			FAIL\ *) not_ok "$format $mode: ${line#FAIL }" ;;
			*) not_ok "$format $mode: policy_check.py said: $line" ;;
			esac
		done <"$T/asserts"
		[ "$rc" = 0 ] || grep -q '^FAIL' "$T/asserts" || not_ok "$format $mode: policy_check.py exited $rc"
	done
done

# ---- the same policy from a commit, a file, another selection ------------------
git -C "$repo" init -q && git -C "$repo" add -A && git -C "$repo" commit -qm fleet ||
	not_ok "fixture repository is committed"
head=$(git -C "$repo" rev-parse HEAD)
"$KDRIFT_BIN" policy export --repo "$repo" --format vap --clusters env=production \
	--output "$T/vap.yaml" 2>"$T/err"
check_eq "--output: exit 0" 0 "$?"
check_eq "--output: the file is the policy of the commit (revision in the header)" \
	"$(sed "s/revision directory/revision $head/" "$expected/vap-enforce.yaml")" "$(cat "$T/vap.yaml")"
check_eq "--output: readable by others, like the repository's manifests" 644 "$(stat -c %a "$T/vap.yaml")"
check "--output: says what it wrote" grep -q 'wrote vap policies for 2 clusters, 2 namespaces to ' "$T/err"

"$KDRIFT_BIN" policy export --repo "$repo" --format kyverno >"$T/all.yaml" 2>/dev/null
check_eq "every cluster by default: exit 0" 0 "$?"
check "every cluster by default: dev's sandbox namespace is covered" \
	grep -q '^          - sandbox$' "$T/all.yaml"
check "every cluster by default: the header lists the three clusters" \
	grep -q '^# clusters (3): prod-eu, prod-us, dev$' "$T/all.yaml"
"$KDRIFT_BIN" policy export --repo "$repo" --format kyverno --clusters env=development >"$T/dev.yaml" 2>/dev/null
check "--clusters env=development: only shop and sandbox" \
	grep -q '^# namespaces (2): sandbox, shop$' "$T/dev.yaml"
check "--clusters env=development: no cluster-scoped rule (platform is production's)" \
	sh -c "! grep -q gitops-only-cluster-scoped '$T/dev.yaml'"

# ---- errors ----------------------------------------------------------------------
expect "no --format: usage error" 2 'export needs --format kyverno, gatekeeper or vap' \
	"$KDRIFT_BIN" policy export --repo "$repo"
expect "an unknown format is named" 2 "unknown policy format 'opa' \\(want kyverno, gatekeeper or vap\\)" \
	"$KDRIFT_BIN" policy export --repo "$repo" --format opa
expect "a selection without clusters is an error" 2 'no cluster of kdrift.yaml matches the selection' \
	"$KDRIFT_BIN" policy export --repo "$repo" --format vap --clusters env=none
expect "an unknown subcommand is named" 2 "unknown subcommand 'import'" \
	"$KDRIFT_BIN" policy import
mkdir -p "$repo/apps/broken"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n' >"$repo/apps/broken/bad.yaml"
sed -i 's|^apps:$|apps:\n  - name: broken\n    clusters: {matchLabels: {env: production}}\n    path: apps/broken|' "$repo/kdrift.yaml"
expect "an app that does not render fails the export, naming cluster and app" 2 \
	"kdrift: policy export: cluster 'prod-eu', app 'broken': apps/broken/bad.yaml:4" \
	"$KDRIFT_BIN" policy export --repo "$repo" --worktree --format kyverno
check_eq "nothing is printed on stdout when the export fails" "" \
	"$("$KDRIFT_BIN" policy export --repo "$repo" --worktree --format kyverno 2>/dev/null)"

# ---- the ValidatingAdmissionPolicy against an API server --------------------------
if ! ks_start "$T/ks" --clusters alpha; then
	not_ok "kubesim starts" "$(cat "$T/ks/stderr")"
	tap_done
	exit 1
fi
export KUBECONFIG=$T/ks/kubeconfig
for mode in enforce audit; do
	expect "vap $mode: kubectl apply --dry-run=server accepts the policy and its binding" 0 \
		'validatingadmissionpolicybinding.admissionregistration.k8s.io/kdrift-gitops-only created \(server dry run\)' \
		K --context alpha apply --dry-run=server -f "$T/vap-$mode.yaml"
done
# The dry run would catch a misspelled field: kubectl validates strictly.
sed 's/validationActions:/validationAction:/' "$T/vap-enforce.yaml" >"$T/typo.yaml"
expect "vap: a misspelled field is refused by the same dry run" 1 'unknown field "spec.validationAction"' \
	K --context alpha apply --dry-run=server -f "$T/typo.yaml"
check_eq "the dry runs stored nothing" "No resources found" \
	"$(K --context alpha get validatingadmissionpolicies 2>&1)"

tap_done
