#!/usr/bin/env bash
# make demo: kdrift's terminal UI on a simulated fleet with real-life drift.
#
# Starts kubesim with the demo fleet's 15 clusters (tests/fixtures/demo-fleet),
# deploys every app from Git the way a GitOps controller would (kdrift render
# | kubectl apply --server-side), then changes the clusters the way people do:
#
#   - a hotfix image of api-gateway in two production clusters only
#     (us-east-prod-2, eu-west-prod-1), by kubectl set image;
#   - a temporary replica bump of auth in us-east-prod-3 that stayed;
#   - a service-mesh upgrade to 1.21.1 in us-east-prod-1 but not in its twin
#     us-west-prod-1 (by helm);
#   - the debug flag left on in staging-us-east's feature-flags ConfigMap;
#   - the NetworkPolicy allow-ingress deleted in ap-south-prod-1;
#   - a debug shell (a Deployment of one busybox pod) left running in dev-2's
#     platform-services namespace;
#   - the ingress app is a Helm release (a Flux HelmRelease of the edge-router
#     chart, tests/fixtures/demo-charts, installed here as Helm installs it):
#     us-west-prod-2's upgrade to chart 2.3.1 failed, so its release is still
#     at 2.3.0, behind Git; in eu-west-prod-2 someone raised the proxy body
#     size in the chart's ConfigMap by hand;
#
# and keeps injecting one more drift every 20 s while the UI is open.  The
# kubeconfig kubesim writes has, per cluster NAME, the contexts NAME (the
# normal user kdrift reverts with), NAME-readonly and NAME-breakglass (the
# break-glass user, which alone may delete a Namespace or write in
# kube-system), so break-glass works as in a real fleet.
# kubesim stops when the UI exits.  Without a terminal (CI) it prints
# `kdrift check` instead of opening the UI.
#
#   tests/tools/demo.sh [BUILD_DIR]      (DEMO_INTERVAL=seconds to change 20)
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
kdrift=$root/kdrift
[ "$build" = build ] || kdrift=$root/$build/kdrift
kubesim=$root/$build/kubesim
interval=${DEMO_INTERVAL:-20}
for f in "$kdrift" "$kubesim"; do
	[ -x "$f" ] || { echo "demo: $f is missing; run make first" >&2; exit 2; }
done
command -v kubectl >/dev/null || { echo "demo: kubectl is not installed" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kdrift-demo.XXXXXX")
ks_pid="" injector_pid=""
cleanup() {
	[ -n "$injector_pid" ] && kill "$injector_pid" 2>/dev/null || true
	[ -n "$ks_pid" ] && kill "$ks_pid" 2>/dev/null && wait "$ks_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
say() { printf 'demo: %s\n' "$*" >&2; }

# The fleet repository: kdrift reads Git, so the fixture becomes a commit.
repo=$work/fleet
cp -r "$root/tests/fixtures/demo-fleet" "$repo"
git -C "$repo" init -q -b main
git -C "$repo" -c user.name="Platform Team" -c user.email=platform@example.com add -A
git -C "$repo" -c user.name="Platform Team" -c user.email=platform@example.com commit -qm "fleet: 15 clusters, 5 apps"
clusters=$(awk '/^clusters:/{f=1; next} /^[a-z]/{f=0} f && /- name:/{print $3}' "$repo/kdrift.yaml")
apps="platform-services service-mesh monitoring network-policies ingress"
say "fleet repository at $repo ($(echo "$clusters" | wc -w) clusters)"

"$kubesim" --port 0 --state-dir "$work/ks" --clusters "$(echo $clusters | tr ' ' ,)" \
	>"$work/ks.out" 2>"$work/ks.err" &
ks_pid=$!
for _ in $(seq 1 200); do
	grep -q '^ready port=' "$work/ks.out" 2>/dev/null && break
	kill -0 "$ks_pid" 2>/dev/null || { cat "$work/ks.err" >&2; exit 2; }
	sleep 0.05
done
port=$(sed -n 's/^ready port=//p' "$work/ks.out")
[ -n "$port" ] || { say "kubesim did not start"; cat "$work/ks.err" >&2; exit 2; }
export KUBECONFIG=$work/ks/kubeconfig
token=$(awk '/name: kubesim-admin/{f=1} f && /token:/{print $2; exit}' "$KUBECONFIG")
say "kubesim on port $port"

# Custom resources of the mesh and monitoring apps need their CRDs.
crd() {
	local group=$1 kind=$2 plural=$3 version=$4
	cat <<EOF
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: $plural.$group}
spec:
  group: $group
  scope: Namespaced
  names: {kind: $kind, plural: $plural, singular: $(echo "$kind" | tr A-Z a-z), listKind: ${kind}List}
  versions:
  - name: $version
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
EOF
}
{
	crd networking.istio.io Gateway gateways v1beta1
	crd networking.istio.io VirtualService virtualservices v1beta1
	crd networking.istio.io DestinationRule destinationrules v1beta1
	crd security.istio.io PeerAuthentication peerauthentications v1beta1
	crd monitoring.coreos.com ServiceMonitor servicemonitors v1
	crd monitoring.coreos.com PrometheusRule prometheusrules v1
	crd helm.toolkit.fluxcd.io HelmRelease helmreleases v2
	crd source.toolkit.fluxcd.io HelmRepository helmrepositories v1
	for ns in platform-services mesh-system monitoring ingress; do
		printf -- '---\napiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n' "$ns"
	done
} >"$work/base.yaml"

# The ingress app's chart, installed the way Helm does: the objects of each
# chart version (written by field manager helm, with Helm's release
# annotations), and the release records of revision 1 (2.3.0) and 2 (2.3.1).
helm_record() { python3 "$root/tests/tools/helm_record.py" "$@"; }
charts=$root/tests/fixtures/demo-charts
for v in 2.3.0 2.3.1; do
	sed "s/@VERSION@/$v/g" "$charts/edge-router.yaml" >"$work/edge-router-$v.yaml"
	helm_record objects --name edge-router --namespace ingress --manifest "$work/edge-router-$v.yaml" \
		>"$work/edge-router-objects-$v.json"
done
release() {  # VERSION REVISION STATUS TIME
	helm_record record --name edge-router --namespace ingress --chart edge-router --version "$1" \
		--values "$charts/edge-router.values.yaml" --manifest "$work/edge-router-$1.yaml" \
		--revision "$2" --status "$3" --time "$4"
}
release 2.3.0 1 superseded 2026-11-02T08:15:00Z >"$work/edge-router-v1-superseded.json"
release 2.3.0 1 deployed 2026-11-02T08:15:00Z >"$work/edge-router-v1-deployed.json"
release 2.3.1 2 deployed 2026-11-20T14:02:00Z >"$work/edge-router-v2-deployed.json"
release 2.3.1 2 failed 2026-11-20T14:02:00Z >"$work/edge-router-v2-failed.json"
helm_install() {  # CLUSTER: revision 2 everywhere, but us-west-prod-2's upgrade failed
	local c=$1 v=2.3.1 r1=superseded r2=deployed
	[ "$c" = us-west-prod-2 ] && v=2.3.0 r1=deployed r2=failed
	K --context "$c" apply --server-side --force-conflicts --field-manager=helm \
		-f "$work/edge-router-objects-$v.json" >/dev/null 2>>"$work/$c.err" &&
	K --context "$c" apply --server-side --field-manager=helm -f "$work/edge-router-v1-$r1.json" \
		-f "$work/edge-router-v2-$r2.json" >/dev/null 2>>"$work/$c.err"
}

K() { kubectl --cache-dir "$work/kcache" --request-timeout=30s "$@"; }
deploy() {
	local c=$1 a
	K --context "$c" apply --server-side -f "$work/base.yaml" >/dev/null 2>"$work/$c.err" || return 1
	for a in $apps; do
		"$kdrift" render --repo "$repo" "$c" "$a" >"$work/$c-$a.yaml" 2>>"$work/$c.err" || return 1
	done
	for a in $apps; do
		K --context "$c" apply --server-side --force-conflicts --validate=false --field-manager=argocd-controller \
			-f "$work/$c-$a.yaml" >/dev/null 2>>"$work/$c.err" || return 1
	done
	helm_install "$c"
}
say "deploying 5 apps to every cluster from Git (kdrift render | kubectl apply; the ingress chart as Helm would)"
pids=()
for c in $clusters; do
	deploy "$c" &
	pids+=($!)
	# a few clusters at a time: kubectl is heavy
	if [ ${#pids[@]} -ge 4 ]; then wait "${pids[0]}" || { say "deploying failed:"; cat "$work"/*.err >&2; exit 2; }; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p" || { say "deploying failed:"; cat "$work"/*.err >&2; exit 2; }; done

# One write to a simulated cluster, by a named field manager (kubesim's control API).
mutate() {
	curl -sfk -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		-X POST "https://127.0.0.1:$port/_kubesim/clusters/$1/mutate" -d "$2" >/dev/null ||
		say "could not change $1"
}
set_image() {  # CLUSTER NAMESPACE DEPLOYMENT CONTAINER IMAGE MANAGER
	mutate "$1" "{\"action\":\"patch\",\"manager\":\"$6\",\"patchType\":\"strategic\",\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"namespace\":\"$2\",\"name\":\"$3\",\"patch\":{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"$4\",\"image\":\"$5\"}]}}}}}"
}
scale() {  # CLUSTER NAMESPACE DEPLOYMENT REPLICAS
	mutate "$1" "{\"action\":\"scale\",\"manager\":\"kubectl-scale\",\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"namespace\":\"$2\",\"name\":\"$3\",\"replicas\":$4}"
}
cm_set() {  # CLUSTER NAMESPACE CONFIGMAP KEY VALUE
	mutate "$1" "{\"action\":\"patch\",\"manager\":\"kubectl-edit\",\"patchType\":\"merge\",\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"namespace\":\"$2\",\"name\":\"$3\",\"patch\":{\"data\":{\"$4\":\"$5\"}}}"
}

say "injecting the scenario"
set_image us-east-prod-2 platform-services api-gateway gateway registry.example.com/platform/api-gateway:2.8.1-hotfix.1 kubectl-set
set_image eu-west-prod-1 platform-services api-gateway gateway registry.example.com/platform/api-gateway:2.8.1-hotfix.1 kubectl-set
scale us-east-prod-3 platform-services auth 6
set_image us-east-prod-1 mesh-system meshd discovery registry.example.com/mesh/meshd:1.21.1 helm
set_image us-east-prod-1 mesh-system ingress-gateway proxy registry.example.com/mesh/proxyv2:1.21.1 helm
cm_set staging-us-east platform-services feature-flags debug true
cm_set eu-west-prod-2 ingress edge-router-config proxy-body-size 64m
mutate ap-south-prod-1 '{"action":"delete","manager":"kubectl","apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","namespace":"platform-services","name":"allow-ingress"}'
# (a Deployment around the debug pod: the engine lists workloads, not bare Pods)
mutate dev-2 '{"action":"create","manager":"kubectl-create","object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"debug-shell","namespace":"platform-services","labels":{"kdrift.dev/app":"platform-services","run":"debug-shell"}},"spec":{"replicas":1,"selector":{"matchLabels":{"run":"debug-shell"}},"template":{"metadata":{"labels":{"run":"debug-shell"}},"spec":{"containers":[{"name":"shell","image":"busybox:1.36","command":["sleep","infinity"]}]}}}}}'

# More drift while the UI is open, one change every $interval seconds.
inject_forever() {
	local i=0 c
	local cl=($clusters)
	while sleep "$interval"; do
		c=${cl[$((RANDOM % ${#cl[@]}))]}
		case $((i % 5)) in
		0) scale "$c" platform-services notifications 4 ;;
		1) cm_set "$c" platform-services feature-flags new-checkout false ;;
		2) set_image "$c" monitoring grafana grafana registry.example.com/monitoring/grafana:10.4.3 kubectl-set ;;
		3) cm_set "$c" mesh-system mesh-config accessLogFile /dev/stdout ;;
		4) scale "$c" mesh-system meshd 1 ;;
		esac
		i=$((i + 1))
	done
}
inject_forever >/dev/null 2>&1 &
injector_pid=$!

if [ -t 0 ] && [ -t 1 ]; then
	say "opening the UI: ] jumps to the next drift, d opens its diff, ? lists the keys, q quits"
	say "break-glass (B) uses each cluster's NAME-breakglass context, a user of its own"
	say "dev and staging are selfHeal clusters: healing starts paused so their drift stays to see; H resumes it"
	sleep 1
	"$kdrift" ui --repo "$repo" --no-self-heal
else
	say "no terminal: printing kdrift check instead of opening the UI"
	"$kdrift" check --repo "$repo" || true
fi
