#!/usr/bin/env bash
# kubesim against the real kubectl: every command kdrift's users and tests
# rely on, at server versions 1.27 (OpenAPI v2 era), 1.29 and 1.32 (the installed kubectl picks a
# client of the server's minor).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/lib.bash"

if ! command -v kubectl >/dev/null; then
	not_ok "kubectl is installed"
	tap_done
	exit
fi

fixtures() {
	local d=$1
	cat >"$d/web.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports: [{containerPort: 80}]
EOF
	sed 's/replicas: 2/replicas: 3/' "$d/web.yaml" >"$d/web3.yaml"
	sed 's/replicas: 2/replicas: 4/' "$d/web.yaml" >"$d/web4.yaml"
	sed 's/        image: nginx:1.25/        image: nginx:1.25\n        imagePulPolicy: Always/' "$d/web3.yaml" >"$d/typo.yaml"
	sed -e 's/name: web$/name: api/' -e 's/app: web/app: api/g' "$d/web.yaml" >"$d/api.yaml"
	sed 's/nginx:1.25/nginx:1.26/' "$d/api.yaml" >"$d/api2.yaml"
	for n in 1 2 3; do
		printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm%s}\ndata: {k: "%s"}\n' "$n" "$n" >"$d/cm$n.yaml"
	done
	cat >"$d/crd.yaml" <<'EOF'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wg], categories: [all]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    subresources: {status: {}}
EOF
	printf 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n' >"$d/w1.yaml"
	printf 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 5}\n' >"$d/w1b.yaml"
	# An editor that changes the replica count, for kubectl edit.
	printf '#!/bin/sh\nsed -i "s/replicas: [0-9]*/replicas: 6/" "$1"\n' >"$d/editor.sh"
	chmod +x "$d/editor.sh"
}

run_suite() {
	local minor=$1 d="$KS_TMP/$1" f
	mkdir -p "$d"
	fixtures "$d"
	if ! ks_start "$d/state" --clusters alpha,beta --server-version "$minor"; then
		not_ok "$minor: kubesim starts" "$(cat "$d/state/stderr" 2>/dev/null)"
		return
	fi
	ok "$minor: kubesim starts"
	K() { kubectl --kubeconfig "$d/state/kubeconfig" --cache-dir "$d/cache" --request-timeout=60s "$@"; }
	f=$d

	# --- discovery ---
	expect "$minor: version reports the server minor" 0 "\"gitVersion\": \"v${minor}\.0\"" K version -o json
	expect "$minor: api-resources lists deployments" 0 \
		'^deployments +deploy +apps/v1 +true +Deployment' K api-resources
	expect "$minor: api-resources lists cluster-scoped kinds" 0 \
		'^clusterroles +rbac.authorization.k8s.io/v1 +false +ClusterRole' K api-resources

	# --- client-side apply ---
	expect "$minor: apply creates" 0 '^deployment.apps/web created$' K apply -f "$f/web.yaml"
	expect "$minor: apply again is unchanged" 0 '^deployment.apps/web unchanged$' K apply -f "$f/web.yaml"
	expect "$minor: apply a change configures" 0 '^deployment.apps/web configured$' K apply -f "$f/web3.yaml"
	expect "$minor: the change and a new generation are stored" 0 '^3 2$' \
		K get deploy web -o 'jsonpath={.spec.replicas} {.metadata.generation}'
	expect "$minor: defaults are filled in" 0 '^RollingUpdate 10 600 IfNotPresent TCP ClusterFirst$' \
		K get deploy web -o 'jsonpath={.spec.strategy.type} {.spec.revisionHistoryLimit} {.spec.progressDeadlineSeconds} {.spec.template.spec.containers[0].imagePullPolicy} {.spec.template.spec.containers[0].ports[0].protocol} {.spec.template.spec.dnsPolicy}'

	# --- get ---
	expect "$minor: get -o json" 0 '"kind": "Deployment"' K get deploy web -o json
	expect "$minor: get -o yaml" 0 '^  replicas: 3$' K get deploy web -o yaml
	expect "$minor: get prints a table" 0 '^web +3/3 +3 +3 +[0-9]+s$' K get deploy
	expect "$minor: get all" 0 '^deployment.apps/web ' K get all
	for n in 1 2 3; do K apply -f "$f/cm$n.yaml" >/dev/null 2>&1; done
	expect "$minor: get --chunk-size pages through everything" 0 'cm1.*cm2.*cm3' \
		K get cm --chunk-size=1 -o 'jsonpath={.items[*].metadata.name}'
	expect "$minor: label selector" 0 '^web$' K get deploy -l app=web -o 'jsonpath={.items[*].metadata.name}'
	expect "$minor: field selector" 0 '^cm2$' K get cm --field-selector metadata.name=cm2 -o 'jsonpath={.items[*].metadata.name}'
	expect "$minor: clusters are separate" 0 'No resources found' K --context beta get deploy

	# --- server-side apply ---
	expect "$minor: apply --server-side creates" 0 '^deployment.apps/api serverside-applied$' \
		K apply --server-side -f "$f/api.yaml"
	expect "$minor: scale takes replicas over" 0 'scaled' K scale deploy api --replicas=5
	expect "$minor: apply --server-side conflicts" 1 'conflict with "kubectl.*\.spec\.replicas' \
		K apply --server-side -f "$f/api.yaml"
	expect "$minor: --force-conflicts wins" 0 '^deployment.apps/api serverside-applied$' \
		K apply --server-side --force-conflicts -f "$f/api.yaml"
	expect "$minor: forced value stored" 0 '^2$' K get deploy api -o 'jsonpath={.spec.replicas}'
	expect "$minor: managedFields record the applier" 0 '(^| )kubectl Apply( |$)' \
		K get deploy api --show-managed-fields -o 'jsonpath={range .metadata.managedFields[*]}{.manager} {.operation} {end}'

	# --- diff ---
	expect "$minor: diff without changes exits 0" 0 '^$' K diff -f "$f/web3.yaml"
	expect "$minor: diff with changes exits 1" 1 '^\+  replicas: 4$' K diff -f "$f/web4.yaml"
	expect "$minor: diff --server-side without changes" 0 '^$' K diff --server-side -f "$f/api.yaml"
	expect "$minor: diff --server-side with changes" 1 'nginx:1.26' K diff --server-side -f "$f/api2.yaml"
	expect "$minor: diff stored nothing" 0 '^nginx:1.25$' K get deploy api -o 'jsonpath={.spec.template.spec.containers[0].image}'

	# --- patch ---
	expect "$minor: merge patch" 0 'deployment.apps/web patched$' K patch deploy web --type merge -p '{"metadata":{"labels":{"tier":"front"}}}'
	expect "$minor: merge patch again is no change" 0 'patched \(no change\)' K patch deploy web --type merge -p '{"metadata":{"labels":{"tier":"front"}}}'
	expect "$minor: JSON patch" 0 'patched$' K patch deploy web --type json -p '[{"op":"replace","path":"/spec/replicas","value":2}]'
	expect "$minor: JSON patch again is no change" 0 'patched \(no change\)' K patch deploy web --type json -p '[{"op":"replace","path":"/spec/replicas","value":2}]'
	expect "$minor: JSON patch failed test" 1 'test failed' K patch deploy web --type json -p '[{"op":"test","path":"/spec/replicas","value":99}]'
	expect "$minor: strategic merge patch" 0 'patched$' K patch deploy web -p '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}}}'
	expect "$minor: strategic merge kept the container's other fields" 0 '^nginx:1.26 80$' \
		K get deploy web -o 'jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}'
	expect "$minor: one container after strategic merge" 0 '^nginx$' K get deploy web -o 'jsonpath={.spec.template.spec.containers[*].name}'
	expect "$minor: strategic merge patch again is no change" 0 'patched \(no change\)' K patch deploy web -p '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}}}'

	# --- edit, scale, set image, rollout ---
	expect "$minor: edit" 0 'deployment.apps/web edited' env EDITOR="$f/editor.sh" kubectl --kubeconfig "$d/state/kubeconfig" --cache-dir "$d/cache" edit deploy web
	expect "$minor: edit stored" 0 '^6$' K get deploy web -o 'jsonpath={.spec.replicas}'
	expect "$minor: edit recorded as kubectl-edit" 0 'kubectl-edit' K get deploy web --show-managed-fields -o 'jsonpath={.metadata.managedFields[*].manager}'
	expect "$minor: scale" 0 'deployment.apps/web scaled' K scale deploy web --replicas=4
	expect "$minor: scale stored" 0 '^4$' K get deploy web -o 'jsonpath={.spec.replicas}'
	expect "$minor: set image" 0 'image updated' K set image deploy/web nginx=nginx:1.27
	expect "$minor: set image stored" 0 '^nginx:1.27$' K get deploy web -o 'jsonpath={.spec.template.spec.containers[0].image}'
	expect "$minor: rollout restart" 0 'restarted' K rollout restart deploy/web
	expect "$minor: rollout restart annotates the template" 0 '^20[0-9-]+T' K get deploy web -o 'jsonpath={.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}'
	# created, strategic patch of the image, set image, restart: four templates
	expect "$minor: the deployment controller counts revisions" 0 '^4 .*kube-controller-manager' \
		K get deploy web --show-managed-fields -o 'jsonpath={.metadata.annotations.deployment\.kubernetes\.io/revision} {.metadata.managedFields[*].manager}'
	expect "$minor: rollout status finishes" 0 'successfully rolled out' K rollout status deploy/web --timeout=120s
	expect "$minor: label" 0 'labeled' K label deploy web team=a
	expect "$minor: annotate" 0 'deployment.apps/web annotate' K annotate deploy web note=x
	expect "$minor: label and annotation stored" 0 '^a x$' K get deploy web -o 'jsonpath={.metadata.labels.team} {.metadata.annotations.note}'

	# --- watch ---
	K get deploy web -w --output-watch-events -o 'jsonpath={.type} {.object.spec.replicas}{"\n"}' >"$f/watch.out" 2>&1 &
	local wpid=$!
	if wait_for "$f/watch.out" '^ADDED 4$'; then
		K scale deploy web --replicas=7 >/dev/null 2>&1
		if wait_for "$f/watch.out" '^MODIFIED 7$'; then ok "$minor: get -w sees a concurrent change"
		else not_ok "$minor: get -w sees a concurrent change" "$(cat "$f/watch.out")"; fi
	else
		not_ok "$minor: get -w sees a concurrent change" "no initial event: $(cat "$f/watch.out")"
	fi
	kill "$wpid" 2>/dev/null
	wait "$wpid" 2>/dev/null

	# --- field validation ---
	expect "$minor: unknown field rejected by strict validation" 1 \
		'strict decoding error: unknown field "spec.template.spec.containers\[0\].imagePulPolicy"' \
		K apply -f "$f/typo.yaml"
	expect "$minor: unknown field warned and dropped with --validate=warn" 0 \
		'Warning: unknown field "spec.template.spec.containers\[0\].imagePulPolicy"' K apply --validate=warn -f "$f/typo.yaml"
	expect "$minor: dropped field not stored" 0 '^$' K get deploy web -o 'jsonpath={.spec.template.spec.containers[0].imagePulPolicy}'

	# --- errors ---
	expect "$minor: NotFound" 1 'Error from server \(NotFound\): deployments.apps "nope" not found' K get deploy nope
	expect "$minor: AlreadyExists" 1 'Error from server \(AlreadyExists\).*"web" already exists' K create -f "$f/web.yaml"
	K get deploy web -o json >"$f/stale.json"
	K label deploy web bump=1 >/dev/null
	expect "$minor: Conflict on a stale resourceVersion" 1 'Error from server \(Conflict\).*the object has been modified' K replace -f "$f/stale.json"
	expect "$minor: read-only context can read" 0 '^web$' K --context alpha-readonly get deploy web -o 'jsonpath={.metadata.name}'
	expect "$minor: read-only context is Forbidden to write" 1 'Error from server \(Forbidden\).*cannot delete resource "deployments"' K --context alpha-readonly delete deploy web
	expect "$minor: a bad token is Unauthorized" 1 'Unauthorized' K --token=wrong get deploy
	expect "$minor: missing namespace" 1 'namespaces "nowhere" not found' K -n nowhere apply -f "$f/cm1.yaml"

	# --- CRDs and custom resources ---
	expect "$minor: CRD created" 0 'widgets.example.com created' K apply -f "$f/crd.yaml"
	expect "$minor: custom resource created" 0 'widget.example.com/w1 created' K apply -f "$f/w1.yaml"
	expect "$minor: custom resource listed" 0 '^w1 ' K get widgets
	expect "$minor: custom resource by short name" 0 '^3$' K get wg w1 -o 'jsonpath={.spec.size}'
	expect "$minor: custom resource updated by apply" 0 'configured' K apply -f "$f/w1b.yaml"
	expect "$minor: custom resource in get all" 0 'widget.example.com/w1' K get all
	expect "$minor: custom resource deleted" 0 'deleted' K delete -f "$f/w1.yaml" --wait
	expect "$minor: CRD deleted" 0 'deleted' K delete crd widgets.example.com
	expect "$minor: kind no longer served" 0 '^0$' sh -c "kubectl --kubeconfig '$d/state/kubeconfig' --cache-dir '$d/cache2' api-resources | grep -c widgets; true"

	# --- other workloads ---
	cat >"$f/workloads.yaml" <<'EOF'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: "pg:16"}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: "agent:1"}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec: {restartPolicy: Never, containers: [{name: j, image: busybox}]}
EOF
	expect "$minor: statefulset, daemonset and job created" 0 'job.batch/once created' K apply -f "$f/workloads.yaml"
	expect "$minor: statefulset rollout status" 0 'roll out complete' K rollout status sts/db --timeout=120s
	expect "$minor: daemonset rollout status" 0 'successfully rolled out' K rollout status ds/agent --timeout=120s
	expect "$minor: job completes" 0 'condition met' K wait --for=condition=complete job/once --timeout=120s

	# --- canonical forms the server stores ---
	cat >"$f/forms.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: q}
spec:
  containers:
  - name: c
    image: x
    resources:
      requests: {cpu: 0.5, memory: 1024Mi}
      limits: {cpu: "1500m", memory: "1.5Gi"}
---
apiVersion: v1
kind: Secret
metadata: {name: s}
stringData: {password: hunter2}
EOF
	expect "$minor: pod and secret applied" 0 'secret/s created' K apply -f "$f/forms.yaml"
	expect "$minor: quantities stored in canonical form" 0 '^500m 1Gi 1500m 1536Mi$' \
		K get pod q -o 'jsonpath={.spec.containers[0].resources.requests.cpu} {.spec.containers[0].resources.requests.memory} {.spec.containers[0].resources.limits.cpu} {.spec.containers[0].resources.limits.memory}'
	expect "$minor: stringData stored as base64 data" 0 '^aHVudGVyMg==$' K get secret s -o 'jsonpath={.data.password}{.stringData}'
	rv1=$(K get pod q -o 'jsonpath={.metadata.resourceVersion}')
	K apply -f "$f/forms.yaml" >/dev/null 2>&1
	expect "$minor: re-applying non-canonical forms changes nothing" 0 "^$rv1\$" K get pod q -o 'jsonpath={.metadata.resourceVersion}'

	# --- delete ---
	expect "$minor: delete --wait" 0 'deployment.apps "web" deleted' K delete deploy web --wait
	expect "$minor: deleted object is gone" 1 'NotFound' K get deploy web

	if ks_stop; then ok "$minor: kubesim exits cleanly on SIGTERM"
	else not_ok "$minor: kubesim exits cleanly on SIGTERM" "$(cat "$d/state/stderr")"; fi
}

# KUBESIM_MINORS overrides the server versions (any of 1.27 ... 1.33).
for minor in ${KUBESIM_MINORS:-1.27 1.29 1.32}; do
	run_suite "$minor"
done
tap_done
