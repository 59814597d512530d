#!/usr/bin/env bash
# The UI's break-glass edit of a Secret, on the real engine against kubesim:
# the file handed to $EDITOR never holds a Secret value (neither the base64
# the API serves nor the decoded text, nor kubectl's last-applied copy of
# it), only masks; it is private (0600 in a 0700 directory) and gone
# afterwards; an edit of a masked value is refused and changes nothing; an
# edit of another field reaches the cluster with the values left as they
# were.  The editor is a stub that copies the file it is given.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
source "$here/lib.bash"

T=$KS_TMP
repo=$T/repo
VALUE=hunter2-in-git
VALUE_B64=$(printf %s "$VALUE" | base64)
cp -r "$KDRIFT_ROOT/tests/fixtures/engine/repo" "$repo"
git -C "$repo" init -q -b main && git -C "$repo" add -A &&
	git -C "$repo" -c user.name=Fixture -c user.email=f@example.com commit -qm "fleet" ||
	{ not_ok "fixture repository"; tap_done; exit 1; }
if ! ks_start "$T/ks" --clusters alpha,beta,delta; then
	not_ok "kubesim starts" "$(cat "$T/ks/stderr")"
	tap_done
	exit 1
fi
{
	ks_closed_kubeconfig
	printf -- '- name: delta-breakglass\n  context: {cluster: delta, user: kubesim-admin}\n'
} >"$T/extra.kubeconfig"
export KUBECONFIG="$T/ks/kubeconfig:$T/extra.kubeconfig"
check "desired state applied with kubectl" ks_deploy "$repo" "shop" delta
# kubectl's client-side apply keeps a copy of the values in an annotation:
# the editor must not see that one either.
check "the Secret carries a last-applied copy of its value" \
	K --context delta -n shop annotate secret web-secret \
	"kubectl.kubernetes.io/last-applied-configuration={\"stringData\":{\"password\":\"$VALUE\"}}"
secret() { K --context delta -n shop get secret web-secret -o jsonpath="$1"; }
# no_value FILE: the file exists and holds the value neither decoded nor in base64.
no_value() { grep -qF -e "$VALUE" -e "$VALUE_B64" "$1"; [ $? = 1 ]; }

# The editor: keeps a copy of what it was handed (and the modes, and the
# path), then edits.  The first time it types over the masked value, the
# second time it adds a label.
cat >"$T/editor" <<EOF
#!/bin/sh
n=\$(cat "$T/edits" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >"$T/edits"
cp "\$1" "$T/seen.\$n.yaml"
printf '%s\n' "\$1" >"$T/seen.\$n.path"
stat -c %a "\$1" >"$T/seen.\$n.mode"
stat -c %a "\$(dirname "\$1")" >"$T/seen.\$n.dirmode"
if [ \$n = 1 ]; then
	sed -i 's/password: .*/password: bmV3LXZhbHVl/' "\$1"
else
	sed -i 's/^  labels:\$/  labels:\n    incident: "42"/' "\$1"
fi
EOF
chmod +x "$T/editor"
export EDITOR=$T/editor VISUAL=

cat >"$T/ui.script" <<EOF
:cluster delta
/Secret shop/web-secret
B
type secret rotation went wrong
<Enter>
<Enter>
<Enter>
y
wait-for BREAK-GLASS
e
wait-for Secret values cannot be edited
:save-screen $T/refused
e
:save-screen $T/preview
y
wait-for break-glass: edit Secret shop/web-secret
:save-screen $T/done
:quit
EOF
KDRIFT_SCRIPT="$T/ui.script" LINES=40 COLUMNS=120 "$KDRIFT_BIN" ui --repo "$repo" --timeout 60s \
	>"$T/ui.stdout" 2>"$T/ui.stderr"
rc=$?
[ -n "${KDRIFT_DEBUG_DIR:-}" ] && cp -r "$T" "$KDRIFT_DEBUG_DIR"
check_eq "the script runs" "0 " "$rc $(cat "$T/ui.stderr")"

for n in 1 2; do
	check "edit $n: the editor was handed the Secret" grep -q 'name: web-secret' "$T/seen.$n.yaml"
	check "edit $n: its value is masked" grep -Eq '^  password: <masked:[0-9a-f]{12}>$' "$T/seen.$n.yaml"
	check "edit $n: and so is the last-applied copy" \
		grep -Eq 'last-applied-configuration: <masked:[0-9a-f]{12}>$' "$T/seen.$n.yaml"
	check "edit $n: no Secret value in the file, decoded or base64" no_value "$T/seen.$n.yaml"
	check_eq "edit $n: the file is private" "600 700" "$(cat "$T/seen.$n.mode" "$T/seen.$n.dirmode" | tr '\n' ' ' | sed 's/ $//')"
	path=$(cat "$T/seen.$n.path")
	check "edit $n: the file and its directory are gone afterwards" \
		sh -c "[ ! -e '$path' ] && [ ! -e '$(dirname "$path")' ]"
done

check "a masked value edited is refused" grep -q 'edit: Secret values cannot be edited in break-glass' "$T/refused"
check "the edit's patch is shown, without values" grep -q 'incident: "42"' "$T/preview"
check "the preview holds no Secret value" no_value "$T/preview"
check_eq "the edit reached the cluster" 42 "$(secret '{.metadata.labels.incident}')"
check_eq "the Secret's value is still Git's" "$VALUE" "$(secret '{.data.password}' | base64 -d)"
check "the object is annotated with the audit id" test -n "$(secret '{.metadata.annotations.kdrift\.dev/break-glass}')"
check_eq "one edit was applied (the refused one changed nothing)" 1 \
	"$(grep -c '"phase":"intent".*"action":"break-glass-edit"\|"action":"break-glass-edit".*"phase":"intent"' "$XDG_STATE_HOME/kdrift/audit.jsonl")"
check "no Secret value in the audit log" no_value "$XDG_STATE_HOME/kdrift/audit.jsonl"

tap_done
