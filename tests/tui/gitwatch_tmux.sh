#!/usr/bin/env bash
# A commit from another process reaches a real terminal: tmux runs `kdrift
# ui` on a local repository (and on a bare repository the fleet follows),
# the test commits with `git` as a colleague in another terminal would (and
# pushes into the bare one), and waits for the new short commit in the
# status bar and the object it changed to show as drifted.  The engine's
# Git fetch is a minute away, so only watching the refs can show it.  Each
# wait has a 30 s deadline that only turns a hang into a failure.
. "$(dirname "$0")/../tools/tap.sh"
. "$(dirname "$0")/../tools/tmux.bash"
tmux_require
source "$(dirname "$0")/../kubesim/lib.bash"
T=$KS_TMP
sock=$T/sock
trap 'tmux -S "$sock" kill-server 2>/dev/null; ks_cleanup' EXIT

start() {
	local name=$1 repo=$2
	tmux -S "$sock" -f /dev/null new-session -d -s "$name" -x 120 -y 40 \
		"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color KUBECONFIG='$T/ks/kubeconfig' \
		 XDG_CONFIG_HOME='$T/config' XDG_STATE_HOME='$T/state' XDG_CACHE_HOME='$T/cache' \
		 '$KDRIFT_BIN' ui --repo '$repo' --timeout 10s 2>'$T/$name.stderr'; sleep 60"
}

commit_title() {   # DIR TITLE: alpha's page title in Git, committed
	sed -i "s/value: .*/value: $2/" "$1/clusters/alpha/site/kustomization.yaml" &&
		git -C "$1" -c user.name=Colleague -c user.email=c@example.com commit -qam "title: $2"
}

repo=$T/repo
cp -r "$KDRIFT_ROOT/tests/fixtures/engine/repo" "$repo"
git -C "$repo" init -q -b main && git -C "$repo" add -A &&
	git -C "$repo" -c user.name=Fixture -c user.email=f@example.com commit -qm "fleet" ||
	{ not_ok "fixture repository"; tap_done; exit 1; }
if ! ks_start "$T/ks" --clusters alpha,beta,delta; then
	not_ok "kubesim starts" "$(cat "$T/ks/stderr")"
	tap_done
	exit 1
fi
export KUBECONFIG=$T/ks/kubeconfig
check "desired state applied with kubectl" ks_deploy "$repo" "shop site" alpha beta delta

# --- a local repository: git commit from another terminal --------------------
start local "$repo"
if wait_screen local "@$(git -C "$repo" rev-parse --short=7 main)" && wait_screen local '3/4 clusters'; then
	ok "local: the tree comes up at the first commit"
else
	not_ok "local: the tree comes up at the first commit" "$(cat "$T/local.screen" "$T/local.stderr")"
fi
tmux -S "$sock" send-keys -t local ':' 'cluster alpha' Enter '/' 'ConfigMap site/page' Enter
if wait_screen local '✓ ConfigMap site/page'; then ok "local: the page is synced"
else not_ok "local: the page is synced" "$(cat "$T/local.screen")"; fi
commit_title "$repo" "Hello from a colleague"
rev=$(git -C "$repo" rev-parse --short=7 main)
if wait_screen local "@$rev"; then ok "local: the status bar shows the outside commit"
else not_ok "local: the status bar shows the outside commit" "$(cat "$T/local.screen")"; fi
if wait_screen local '~ ConfigMap site/page'; then ok "local: the object the commit changed is drifted"
else not_ok "local: the object the commit changed is drifted" "$(cat "$T/local.screen")"; fi
tmux -S "$sock" kill-session -t local

# --- a bare repository the fleet follows: a push into it -----------------------
git clone -q --bare "$repo" "$T/fleet.git"
git clone -q "$T/fleet.git" "$T/work"
start bare "$T/fleet.git"
if wait_screen bare "@$rev" && wait_screen bare '3/4 clusters'; then
	ok "bare: the tree comes up"
else
	not_ok "bare: the tree comes up" "$(cat "$T/bare.screen" "$T/bare.stderr")"
fi
tmux -S "$sock" send-keys -t bare ':' 'cluster alpha' Enter '/' 'ConfigMap site/page' Enter
commit_title "$T/work" "Welcome to alpha" && git -C "$T/work" push -q origin main
rev2=$(git -C "$T/fleet.git" rev-parse --short=7 main)
check "bare: the push moved the branch" test "$rev2" != "$rev"
if wait_screen bare "@$rev2"; then ok "bare: the status bar shows the pushed commit"
else not_ok "bare: the status bar shows the pushed commit" "$(cat "$T/bare.screen")"; fi
if wait_screen bare '✓ ConfigMap site/page'; then ok "bare: the object is synced again"
else not_ok "bare: the object is synced again" "$(cat "$T/bare.screen")"; fi
tmux -S "$sock" kill-session -t bare
tap_done
