#!/usr/bin/env bash
# `kdrift diff` and the UI's diff pane show the same diff: against kubesim,
# an app drifted in several ways (a changed image, a sidecar added in front
# of a container, a removed label, an added annotation, a changed Secret
# value, a multi-line value added), `kdrift diff --side-by-side` and the
# pane (script mode, unfolded, side by side then unified) must show the same
# objects, the same rows with the same Git and live lines, the same field
# manager and time beside each change, and the same unified order; Secret
# values masked and different on both sides in both.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"
source "$here/lib.bash"

T=$KS_TMP
repo=$T/repo
cp -r "$KDRIFT_ROOT/tests/fixtures/engine/repo" "$repo"
git -C "$repo" init -q && git -C "$repo" add -A && git -C "$repo" commit -qm "fleet" ||
	{ not_ok "fixture repository is committed"; tap_done; exit 1; }
if ! ks_start "$T/ks" --clusters alpha; then
	not_ok "kubesim starts" "$(cat "$T/ks/stderr")"
	tap_done
	exit 1
fi
export KUBECONFIG="$T/ks/kubeconfig"
TOKEN=$(ks_admin_token)
check "desired state applied with kubectl" ks_deploy "$repo" "shop" alpha

mutate() {
	local out
	out=$(curl -sk -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-X POST "https://127.0.0.1:$KS_PORT/_kubesim/clusters/alpha/mutate" -d "$1")
	printf '%s' "$out" | grep -Eq '"code": ?20[01]' || { echo "mutate failed: $out" >&2; return 1; }
}
steps=0
mutate '{"action":"patch","manager":"kubectl-set","patchType":"strategic","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"worker","patch":{"spec":{"template":{"spec":{"containers":[{"name":"worker","image":"registry.example/worker:2.1.0"}]}}}}}' || steps=1
mutate '{"action":"patch","manager":"kubectl-edit","patchType":"strategic","apiVersion":"apps/v1","kind":"Deployment","namespace":"shop","name":"web","patch":{"spec":{"template":{"spec":{"containers":[{"name":"debug","image":"busybox:1.36","args":["sleep","1d"]}]}}}}}' || steps=1
mutate '{"action":"patch","manager":"kubectl-label","patchType":"merge","apiVersion":"v1","kind":"Service","namespace":"shop","name":"web","patch":{"metadata":{"labels":{"app":null}}}}' || steps=1
mutate '{"action":"patch","manager":"kubectl-annotate","patchType":"merge","apiVersion":"v1","kind":"Service","namespace":"shop","name":"web","patch":{"metadata":{"annotations":{"team":"payments"}}}}' || steps=1
mutate '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"Secret","namespace":"shop","name":"web-secret","patch":{"data":{"password":"cm90YXRlZC1pbi1jbHVzdGVy"}}}' || steps=1
mutate '{"action":"patch","manager":"kubectl-edit","patchType":"merge","apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-config","patch":{"data":{"LOG_LEVEL":"debug","script":"line one\nline two\n"}}}' || steps=1
check_eq "drift injected by named managers" 0 "$steps"

# The CLI, side by side and unified.
"$KDRIFT_BIN" diff --side-by-side --width 200 alpha shop --repo "$repo" >"$T/cli.sbs" 2>"$T/cli.err"
check_eq "kdrift diff --side-by-side: drift (exit 1)" "1 " "$? $(cat "$T/cli.err")"
"$KDRIFT_BIN" diff alpha shop --repo "$repo" >"$T/cli.uni" 2>"$T/cli.err"
check_eq "kdrift diff: drift (exit 1)" "1 " "$? $(cat "$T/cli.err")"

# The pane: the app's drifted objects, unfolded, side by side then unified.
cat >"$T/ui.script" <<EOF
:cluster alpha
:app shop
d <Tab> Z
:save-screen $T/ui.sbs
u
:save-screen $T/ui.uni
:quit
EOF
NO_COLOR=1 KDRIFT_SCRIPT="$T/ui.script" LINES=250 COLUMNS=200 \
	"$KDRIFT_BIN" ui --repo "$repo" --timeout 60s >"$T/ui.stdout" 2>"$T/ui.stderr"
check_eq "the UI runs its script" "0 " "$? $(cat "$T/ui.stderr")"
[ -n "${KDRIFT_DEBUG_DIR:-}" ] && cp -r "$T" "$KDRIFT_DEBUG_DIR"

# Both faces' screens as comparable records: one per object, its rows
# (kind, Git line, live line) and its attributions (row, manager,
# MM-DD hh:mm; the pane's narrow column may cut the minutes), Secret masks
# (keyed per process) made comparable.
python3 - "$T" >"$T/compare" 2>&1 <<'EOF'
import re, sys
T = sys.argv[1]
MASK = re.compile(r"<masked:[0-9a-f]{12}>")
UI_HEAD = re.compile(r"^.(\S+) (\S+)  \S  alpha/shop  ")
COLS, AW = 200, 26           # the pane's width and its "changed by" column

def report(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name)
    for line in ([] if ok else str(detail).splitlines()):
        print("  " + line)

def masks_differ(rows):
    """the changed Secret value: a mask on each side, different masks"""
    changed = [(l, r) for kind, l, r in rows if kind == "changed"]
    return len(changed) == 1 and all(MASK.fullmatch(x.split(": ", 1)[-1]) for x in changed[0]) \
        and changed[0][0] != changed[0][1]

def cli_head(line):
    """--- git/CLUSTER/APP/KIND/NAMESPACE/NAME -> KIND NAMESPACE/NAME"""
    if line.startswith("--- git/"):
        kind, ns, name = line[len("--- git/"):].split()[0].split("/")[2:5]
        return "%s %s/%s" % (kind, ns, name)

def ui_head(line):
    m = UI_HEAD.match(line)
    return m and "%s %s" % (m.group(1), m.group(2))

def norm(rows):
    return [(k, MASK.sub("<masked>", l), MASK.sub("<masked>", r)) for k, l, r in rows]

# --- kdrift diff --side-by-side ---
col = (COLS - 3) // 2
cli, obj = {}, None
for line in open(T + "/cli.sbs").read().splitlines():
    if cli_head(line):
        obj = cli_head(line)
        cli[obj] = {"rows": [], "attr": []}
    elif line.startswith("+++ ") or obj is None:
        continue
    elif line.strip().startswith("# "):
        m = re.match(r"# (\S+) \w+ by (\S+) \(\S+, (\d{4})-(\d\d-\d\d)T(\d\d:\d\d)", line.strip())
        cli[obj]["attr"].append((len(cli[obj]["rows"]) - 1, "%s %s %s" % (m.group(2), m.group(4), m.group(5)), m.group(1)))
    else:
        sep = {"   ": "same", " | ": "changed", " < ": "removed", " > ": "added"}[line[col:col + 3]]
        cli[obj]["rows"].append((sep, line[:col].strip(), line[col + 3:].strip()))

# --- the pane, side by side: " S TEXT...│S TEXT...   MANAGER MM-DD hh:mm" ---
half = (COLS - AW - 2) // 2
ui, obj = {}, None
screen = open(T + "/ui.sbs").read().splitlines()
start = next(i for i, l in enumerate(screen) if "Git (desired)" in l)
for line in screen[start + 1:]:
    line = line.ljust(COLS)
    if ui_head(line):
        obj = ui_head(line)
        ui[obj] = {"rows": [], "attr": []}
        continue
    if obj is None or line[1 + half] != "│":
        continue
    ls, rs = line[1], line[2 + half]
    kind = {(" ", " "): "same", ("~", "~"): "changed", ("-", " "): "removed", (" ", "+"): "added"}[(ls, rs)]
    ui[obj]["rows"].append((kind, line[3:1 + half].strip(), line[4 + half:COLS - AW].strip()))
    a = line[COLS - AW + 1:].strip()
    if a:
        ui[obj]["attr"].append((len(ui[obj]["rows"]) - 1, a))

report("the same drifted objects", sorted(cli) == sorted(ui), "%s vs %s" % (sorted(cli), sorted(ui)))
want = ["ConfigMap shop/web-config", "Deployment shop/web", "Deployment shop/worker",
        "Secret shop/web-secret", "Service shop/web"]
report("every drifted object is shown", sorted(cli) == want, repr(sorted(cli)))
for o in sorted(set(cli) & set(ui)):
    c, u = norm(cli[o]["rows"]), norm(ui[o]["rows"])
    report(o + ": the same rows, Git and live lines", c == u,
           "\n".join("%r | %r" % x for x in zip(c + [None] * (len(u) - len(c)), u + [None] * (len(c) - len(u))) if x[0] != x[1]))
    # (the pane's column may cut the time short)
    report(o + ": the same manager and time beside each change",
           len(cli[o]["attr"]) == len(ui[o]["attr"]) and
           all(c[0] == u[0] and len(u[1]) >= len(c[1]) - 5 and c[1].startswith(u[1])
               for c, u in zip(cli[o]["attr"], ui[o]["attr"])),
           "%r vs %r" % (cli[o]["attr"], ui[o]["attr"]))
o = "Secret shop/web-secret"
report("the changed Secret value: different masks in kdrift diff",
       masks_differ(cli.get(o, {}).get("rows", [])), repr(cli.get(o)))
report("the changed Secret value: different masks in the pane",
       masks_differ(ui.get(o, {}).get("rows", [])), repr(ui.get(o)))
paths = sorted(p for o in cli for _, _, p in cli[o]["attr"])
report("the changed paths", paths == sorted([
    "/data/LOG_LEVEL", "/data/password", "/data/script", "/metadata/annotations/team",
    "/metadata/labels/app", "/spec/template/spec/containers/0",
    "/spec/template/spec/containers/0/image"]), repr(paths))
kinds = sorted(set(k for o in cli for k, _, _ in cli[o]["rows"]))
report("changed, removed and added rows all occur", kinds == ["added", "changed", "removed", "same"], repr(kinds))

# --- unified: the same '-' and '+' lines in the same order ---
def changes(lines, head, sign_text):
    """per object, its '-' and '+' lines as (sign, text)"""
    res, obj = {}, None
    for line in lines:
        if head(line):
            obj = head(line)
            res[obj] = []
        elif obj and sign_text(line):
            sign, text = sign_text(line)
            res[obj].append((sign, MASK.sub("<masked>", text.rstrip())))
    return res

def cli_line(line):
    """-TEXT / +TEXT (not the ---/+++ header)"""
    if line[:1] in ("-", "+") and line[:3] not in ("---", "+++"):
        return line[0], line[1:]

def ui_line(line):
    """ S TEXT ... [changed by]"""
    if line[1:3] in ("- ", "+ "):
        return line[1], line[3:COLS - AW]

screen = open(T + "/ui.uni").read().splitlines()
start = next(i for i, l in enumerate(screen) if "- Git (desired)  + live (cluster)" in l)
cu = changes(open(T + "/cli.uni").read().splitlines(), cli_head, cli_line)
uu = changes(screen[start + 1:], ui_head, ui_line)
report("unified: the same changed lines in the same order", cu == uu, "%r\nvs\n%r" % (cu, uu))
EOF
check_eq "the comparison ran" 0 "$?"
while IFS= read -r line; do
	case $line in
	PASS\ *) ok "${line#PASS }" ;;
	FAIL\ *) not_ok "${line#FAIL }" ;;
	\ \ *) printf '#   %s\n' "${line#  }" ;;
	*) not_ok "the comparison" "$line" ;;
	esac
done <"$T/compare"
for f in cli.sbs cli.uni ui.sbs ui.uni; do
	if grep -q 'hunter2\|aHVudGVy\|rotated-in\|cm90YXRlZC1pbi' "$T/$f"; then
		not_ok "no Secret value in $f" "$(grep 'hunter2\|aHVudGVy\|rotated-in\|cm90YXRlZC1pbi' "$T/$f")"
	else
		ok "no Secret value in $f"
	fi
done
tap_done
