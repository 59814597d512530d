#!/usr/bin/env bash
# kdrift agent cloning its repository over HTTP with a token read from a file
# (a mounted Secret): a small Git server (git http-backend behind a python3
# HTTP server that demands Basic credentials) on 127.0.0.1.  The right token
# clones and the agent reports; a wrong one is refused once, not retried in a
# loop; none is refused; the token never shows in output or in the clone.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tools/tap.sh"
source "$here/../kubesim/lib.bash"

T=$KS_TMP
export XDG_STATE_HOME=$T/state XDG_CACHE_HOME=$T/cache
unset KDRIFT_AUDIT_LOG KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT
TOKEN_VALUE=tok-$$-s3cr3t
printf '%s\n' "$TOKEN_VALUE" >"$T/token"
printf 'wrong-token\n' >"$T/wrong"

cp -r "$KDRIFT_ROOT/tests/fixtures/remedycli/repo" "$T/work"
git -C "$T/work" init -q -b main && git -C "$T/work" add -A &&
	git -C "$T/work" -c user.name=Fixture -c user.email=fixture@example.com commit -qm "fleet" &&
	git clone -q --bare "$T/work" "$T/srv/fleet.git" ||
	{ not_ok "fixture repository"; tap_done; exit 1; }

mkdir -p "$T/git"
python3 - "$T/srv" "$TOKEN_VALUE" "$T/git" >"$T/git.log" 2>&1 <<'EOF' &
import base64, http.server, os, subprocess, sys
root, token, d = sys.argv[1], sys.argv[2], sys.argv[3]
want = "Basic " + base64.b64encode(("git:" + token).encode()).decode()
class H(http.server.BaseHTTPRequestHandler):
    def handle_git(self):
        if self.headers.get("Authorization") != want:
            with open(os.path.join(d, "refused"), "a") as f:
                f.write(self.path + "\n")
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1",
                   PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD=self.command,
                   CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(body)), REMOTE_USER="git")
        out = subprocess.run(["git", "http-backend"], input=body, env=env,
                             capture_output=True).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.split(b"\r\n"):
            k, _, v = line.decode().partition(": ")
            if k.lower() == "status":
                status = int(v.split()[0])
            elif k:
                headers.append((k, v))
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
    do_GET = do_POST = handle_git
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(os.path.join(d, "port.tmp"), "w") as f:
    f.write(str(s.server_address[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
s.serve_forever()
EOF
KS_PIDS+=("$!")
for i in $(seq 1 200); do [ -s "$T/git/port" ] && break; sleep 0.05; done
GPORT=$(cat "$T/git/port" 2>/dev/null)
[ -n "$GPORT" ]; check_eq "the Git server listens" 0 "$?"
URL=http://127.0.0.1:$GPORT/fleet.git

if ! ks_start "$T/ks" --clusters prod; then
	not_ok "kubesim starts" "$(cat "$T/ks/stderr")"
	tap_done
	exit 1
fi
export KUBECONFIG=$T/ks/kubeconfig
K --context prod apply -f "$KDRIFT_ROOT/deploy/namespace.yaml" -f "$KDRIFT_ROOT/deploy/crd.yaml" >/dev/null 2>&1
check_eq "the DriftReport kind is installed" 0 "$?"
agent() {
	"$KDRIFT_BIN" agent --once --cluster prod --repo "$URL" --kubeconfig "$KUBECONFIG" \
		--context prod --interval 1h "$@"
}

expect "without a token the server refuses the clone" 2 'cannot clone' agent
: >"$T/git/refused"
expect "a wrong token is refused" 2 'refused the credentials' agent --git-token-file "$T/wrong"
check "... after at most two tries, not in a loop" test "$(wc -l <"$T/git/refused")" -le 4
expect "the token from a file clones, and the agent reports" 0 'reports: 2 written \(2 new\)' \
	agent --git-token-file "$T/token"
check_eq "the reports are in the cluster" "shop site" \
	"$(K --context prod -n kdrift-system get driftreports -o jsonpath='{.items[*].metadata.name}')"
expect "the environment names the token file too" 0 'agent for cluster prod' \
	env KDRIFT_GIT_TOKEN_FILE="$T/token" "$KDRIFT_BIN" agent --once --cluster prod --repo "$URL" \
	--kubeconfig "$KUBECONFIG" --context prod --interval 1h
if grep -rqF "$TOKEN_VALUE" "$XDG_CACHE_HOME" 2>/dev/null; then
	not_ok "the token is not written into the clone"
else
	ok "the token is not written into the clone"
fi
expect "an SSH key without known_hosts is refused" 2 'known_hosts' \
	agent --repo "ssh://git@127.0.0.1:1/fleet.git" --git-ssh-key-file "$T/token"

tap_done
