# Helpers shared by kubesim's shell suites (not a suite itself: run.sh runs *.sh);
# source after tests/tools/tap.sh.
#
#   ks_start DIR ARGS...   starts kubesim with its state in DIR; sets KS_PID, KS_PORT
#   ks_stop                stops it (also done by the EXIT trap)
#   K ARGS...              kubectl with a private cache and a request timeout
#   ks_admin_token         the admin token of the kubeconfig ks_start wrote
#   ks_closed_kubeconfig   prints a kubeconfig whose context gamma-closed points
#                          at a port where nothing listens (an unreachable cluster)
#   ks_deploy REPO "APPS" CLUSTER...
#                          deploys the fleet in REPO as a GitOps controller would:
#                          a namespace named after each app, then `kdrift render`
#                          of each app that targets the cluster piped to
#                          `kubectl apply --server-side` as argocd-controller
#                          (an app that renders nothing for a cluster is skipped);
#                          non-zero with the errors in $KS_TMP/deploy.err
#   expect NAME RC PATTERN CMD...
#                          ok when CMD exits with RC and its output (stdout and
#                          stderr) matches the extended regex PATTERN; the
#                          output is left in $OUT
KUBESIM=${KUBESIM:-$KDRIFT_BUILD/kubesim}
KS_PIDS=()

ks_cleanup() {
	local p
	for p in "${KS_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "${KS_TMP:-}" ] && rm -rf "$KS_TMP"
}
trap ks_cleanup EXIT
# A signal ends the suite through exit, so the EXIT trap still cleans up.
trap 'exit 143' TERM
trap 'exit 130' INT

KS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kubesim-test.XXXXXX")

ks_start() {
	local dir=$1
	shift
	mkdir -p "$dir"
	KS_DIR=$dir
	"$KUBESIM" --port 0 --state-dir "$dir" "$@" >"$dir/stdout" 2>"$dir/stderr" &
	KS_PID=$!
	KS_PIDS+=("$KS_PID")
	# Should this shell die without running its traps (SIGKILL), kubesim
	# must not outlive it: a watchdog stops it within a second.  Its output
	# goes nowhere, so it never holds the suite's output pipe open.
	(
		while kill -0 $$ 2>/dev/null && kill -0 "$KS_PID" 2>/dev/null; do sleep 1; done
		kill "$KS_PID" 2>/dev/null
	) </dev/null >/dev/null 2>&1 &
	# Wait for the ready line (kubesim prints it once it listens, after the
	# scenario's set-up steps: 1000 clusters take a while on a busy
	# machine); the deadline only turns a broken build into a failure.
	local deadline=$((SECONDS + ${KS_READY_SECONDS:-180}))
	while [ "$SECONDS" -lt "$deadline" ]; do
		grep -q '^ready port=' "$dir/stdout" 2>/dev/null && break
		kill -0 "$KS_PID" 2>/dev/null || break
		sleep 0.05
	done
	KS_PORT=$(sed -n 's/^ready port=//p' "$dir/stdout")
	[ -n "$KS_PORT" ]
}

K() { kubectl --cache-dir "$KS_TMP/kcache" --request-timeout=60s "$@"; }

ks_admin_token() {
	awk '/name: kubesim-admin/{f=1} f && /token:/{print $2; exit}' "$KS_DIR/kubeconfig"
}

ks_closed_kubeconfig() {
	cat <<'EOF'
apiVersion: v1
kind: Config
clusters:
- name: closed
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: nobody
  user: {token: not-a-real-token}
contexts:
- name: gamma-closed
  context: {cluster: closed, user: nobody}
EOF
}

ks_deploy() {
	local repo=$1 apps=$2 c app rc=0
	shift 2
	: >"$KS_TMP/deploy.err"
	for c in "$@"; do
		for app in $apps; do
			printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n---\n' "$app"
		done | K --context "$c" apply --server-side -f - >/dev/null 2>>"$KS_TMP/deploy.err" || rc=1
		for app in $apps; do
			if ! "$KDRIFT_BIN" render --repo "$repo" "$c" "$app" >"$KS_TMP/$c-$app.yaml" 2>"$KS_TMP/render.err"; then
				# an app the fleet does not deploy to this cluster is no error
				grep -q 'is not deployed to cluster' "$KS_TMP/render.err" && continue
				cat "$KS_TMP/render.err" >>"$KS_TMP/deploy.err"
				rc=1
				continue
			fi
			# an ApplicationSet may generate nothing for this cluster
			grep -q '^kind: ' "$KS_TMP/$c-$app.yaml" || continue
			K --context "$c" apply --server-side --field-manager=argocd-controller \
				-f "$KS_TMP/$c-$app.yaml" >/dev/null 2>>"$KS_TMP/deploy.err" || rc=1
		done
	done
	[ "$rc" = 0 ] || cat "$KS_TMP/deploy.err" >&2
	return $rc
}

ks_stop() {
	kill "$KS_PID" 2>/dev/null
	wait "$KS_PID"
}

expect() {
	local name=$1 want=$2 pattern=$3 rc
	shift 3
	OUT=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		not_ok "$name" "exit status $rc, expected $want; output:
$OUT"
	elif ! printf '%s\n' "$OUT" | grep -Eq -- "$pattern"; then
		not_ok "$name" "output does not match /$pattern/:
$OUT"
	else
		ok "$name"
	fi
}

# wait_for FILE PATTERN: until FILE has a line matching PATTERN (bounded by
# a deadline that only turns a hang into a failure).
wait_for() {
	local deadline=$((SECONDS + 120))
	while [ "$SECONDS" -lt "$deadline" ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	grep -Eq -- "$2" "$1" 2>/dev/null
}
