#!/usr/bin/env bash
# The demo fleet fixture (tests/fixtures/demo-fleet) must stay renderable by the
# reference implementation: every cluster's Kustomize layer builds with
# `kubectl kustomize`, the plain network-policies directory parses, every
# cluster the fleet file names has its layers, and each cluster gets at least
# 40 objects so the demo has a realistic amount to show.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../tools/tap.sh"

fleet=$KDRIFT_ROOT/tests/fixtures/demo-fleet
kustomize_apps="platform-services service-mesh monitoring"
min_objects=40

if ! command -v kubectl >/dev/null 2>&1; then
	not_ok "kubectl is installed" "the demo fleet is checked against kubectl kustomize"
	tap_done
	exit
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kdrift-demo-fleet.XXXXXX")
trap 'rm -rf "$work"' EXIT

# count_objects FILE: documents in a rendered stream that have a kind.
count_objects() { grep -c '^kind: ' "$1"; }

# The cluster names, read from kdrift.yaml's `clusters:` list.
clusters=$(sed -n '/^clusters:/,/^[a-z]/s/^  - name: //p' "$fleet/kdrift.yaml")
check_eq "kdrift.yaml names 15 clusters" 15 "$(printf '%s\n' "$clusters" | grep -c .)"
check_eq "every clusters/ directory is a fleet cluster" "$(printf '%s\n' "$clusters" | sort)" \
	"$(cd "$fleet/clusters" && ls -d -- */ | tr -d / | sort)"
for c in us-east-prod-1 us-west-prod-1 staging-us-east dev-1; do
	check "kdrift.yaml names cluster $c" grep -qx "$c" <<<"$clusters"
done

# The plain directory: a throwaway kustomization listing a copy of its files.
mkdir -p "$work/netpol"
cp "$fleet"/network-policies/*.yaml "$work/netpol/"
{
	echo "resources:"
	for f in "$fleet"/network-policies/*.yaml; do echo "  - $(basename "$f")"; done
} > "$work/netpol/kustomization.yaml"
if kubectl kustomize "$work/netpol" > "$work/netpol.out" 2> "$work/netpol.err"; then
	ok "network-policies parses"
else
	not_ok "network-policies parses" "$(cat "$work/netpol.err")"
fi
netpol=$(count_objects "$work/netpol.out")
check "network-policies renders objects" test "$netpol" -gt 0
check_eq "network-policies holds only NetworkPolicies" "$netpol" \
	"$(grep -c '^kind: NetworkPolicy$' "$work/netpol.out")"
# in_namespace FILE NAMESPACE NAME: kubectl prints metadata.name, then namespace.
in_namespace() { grep -A1 "^  name: $3\$" "$1" | grep -qx "  namespace: $2"; }
for ns in platform-services mesh-system monitoring; do
	for p in default-deny allow-dns allow-ingress; do
		check "network-policies has $ns/$p" in_namespace "$work/netpol.out" "$ns" "$p"
	done
done

for c in $clusters; do
	total=$netpol
	for app in $kustomize_apps; do
		dir=$fleet/clusters/$c/$app
		out=$work/$c-$app.yaml
		if kubectl kustomize "$dir" > "$out" 2> "$work/err"; then
			ok "$c/$app builds"
			total=$((total + $(count_objects "$out")))
			# kdrift's native renderer gives the same objects in the same order.
			if "$KDRIFT_BIN" convert "$out" > "$out.want.json" 2> "$work/err" &&
			   "$KDRIFT_BIN" render --dir "$dir" --output json > "$out.got.json" 2>> "$work/err"; then
				check "kdrift render --dir equals kubectl kustomize for $c/$app" \
					python3 "$KDRIFT_ROOT/tests/tools/objects.py" --ordered "$out.want.json" "$out.got.json"
			else
				not_ok "kdrift renders $c/$app" "$(cat "$work/err")"
			fi
		else
			not_ok "$c/$app builds" "$(grep -v "^# Warning: 'commonLabels'" "$work/err")"
		fi
	done
	if [ "$total" -ge "$min_objects" ]; then
		ok "$c has $total objects (>= $min_objects)"
	else
		not_ok "$c has at least $min_objects objects" "only $total"
	fi
done

# The objects the TUI demo drifts must exist where the demo expects them.
has() { # NAME RENDERED-FILE PATTERN
	check "$1" grep -q -- "$3" "$work/$2.yaml"
}
has "us-east-prod-1 runs the production mesh version" us-east-prod-1-service-mesh 'mesh/meshd:1.20.3$'
has "us-west-prod-1 runs the same mesh version" us-west-prod-1-service-mesh 'mesh/meshd:1.20.3$'
has "staging-us-east has feature-flags with debug off" staging-us-east-platform-services '^  debug: "false"$'
has "production api-gateway image is pinned" us-west-prod-2-platform-services 'platform/api-gateway:2.8.1$'
check_eq "us-east-prod-1 and us-west-prod-1 render the same service-mesh" "" \
	"$(diff "$work/us-east-prod-1-service-mesh.yaml" "$work/us-west-prod-1-service-mesh.yaml")"
if diff -q "$work/us-east-prod-1-platform-services.yaml" "$work/us-west-prod-1-platform-services.yaml" >/dev/null; then
	not_ok "us-east-prod-1's cluster layer differs from us-west-prod-1"
else
	ok "us-east-prod-1's cluster layer differs from us-west-prod-1"
fi

tap_done
