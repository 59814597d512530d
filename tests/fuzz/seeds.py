#!/usr/bin/env python3
"""Builds the seed corpus of every fuzz target from tests/fixtures.

    tests/fuzz/seeds.py OUTDIR      writes OUTDIR/TARGET/NNN-NAME files

Seeds are derived at run time (nothing is kept in the repository twice):
YAML and JSON fixtures for the parsers, RFC 6902 / 7386 cases as
"target --- patch" streams, kustomize and ApplicationSet fixture
directories packed as "==> path <==" trees, fleet files, the audit sample,
the diff fixtures as list and watch responses, and a few kubeconfigs.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "tests", "fixtures")
MAX_SEED = 64 * 1024


def files(top, exts):
    for d, subs, names in os.walk(top):
        subs.sort()
        for n in sorted(names):
            if n.endswith(exts):
                yield os.path.join(d, n)


def read(path):
    with open(path, "rb") as f:
        return f.read()


class Corpus:
    def __init__(self, out):
        self.out = out
        self.n = {}

    def add(self, target, name, data):
        if isinstance(data, str):
            data = data.encode()
        if len(data) > MAX_SEED:
            return
        d = os.path.join(self.out, target)
        os.makedirs(d, exist_ok=True)
        i = self.n.get(target, 0)
        self.n[target] = i + 1
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:60]
        with open(os.path.join(d, "%03d-%s" % (i, safe)), "wb") as f:
            f.write(data)


def pack(top, first=None):
    """A directory as "==> path <==" sections; `first` (relative) leads,
    without a header, as the target's root file."""
    parts = []
    if first and os.path.exists(os.path.join(top, first)):
        parts.append(read(os.path.join(top, first)))
    for p in files(top, (".yaml", ".yml", ".json", ".env", ".properties", ".txt")):
        rel = os.path.relpath(p, top)
        if rel == first or rel == "expected.json":
            continue
        parts.append(b"==> " + rel.encode() + b" <==\n" + read(p))
    return b"\n".join(parts)


def yaml_json(c):
    for p in files(FIX, (".yaml", ".yml")):
        c.add("yaml", os.path.relpath(p, FIX), read(p))


def patches(c):
    for name in ("rfc6902.json", "ops.json", "rfc7386.json"):
        for case in json.load(open(os.path.join(FIX, "patch", name))):
            if "doc" not in case or "patch" not in case:
                continue
            text = json.dumps(case["doc"]) + "\n---\n" + json.dumps(case["patch"]) + "\n"
            c.add("patch", case.get("name", name), text)
            c.add("smp", case.get("name", name), text)
    for p in files(os.path.join(FIX, "kustomize"), (".yaml",)):
        body = read(p)
        if b"$patch" in body or b"patchesStrategicMerge" in body:
            c.add("smp", os.path.relpath(p, FIX), body + b"\n---\n" + body)


def kustomize(c):
    top = os.path.join(FIX, "kustomize")
    for d in sorted(os.listdir(top)):
        full = os.path.join(top, d)
        if os.path.isdir(full):
            c.add("kustomize", d, pack(full, "kustomization.yaml"))


def flux(c):
    for p in files(os.path.join(FIX, "flux"), (".yaml",)):
        text = read(p)
        c.add("flux_subst", os.path.relpath(p, FIX), text)
        c.add("flux_subst", "vars-" + os.path.relpath(p, FIX),
              b"cluster: prod-eu-1\nreplicas: '3'\nregion: eu\n%%\n" + text)
    for expr in ("${cluster:=dev}-${region:-x}", "${replicas:1:2}", "$${cluster}",
                 "${cluster/prod/stage}", "${#cluster}", "${cluster^^}", "${long:3}"):
        c.add("flux_subst", "expr", "value: " + expr + "\n")


def appset(c):
    repo = os.path.join(FIX, "appset", "repo")
    for p in files(os.path.join(repo, "argocd"), (".yaml",)):
        rest = pack(repo)
        c.add("appset", os.path.relpath(p, FIX), read(p) + b"\n" + rest)


def fleets(c):
    for p in files(FIX, (".yaml",)):
        if os.path.basename(p) in ("kdrift.yaml", "full.yaml"):
            c.add("fleet", os.path.relpath(p, FIX), read(p))


def audit(c):
    sample = read(os.path.join(FIX, "audit", "sample.jsonl"))
    c.add("audit", "sample", sample)
    lines = sample.splitlines(True)
    c.add("audit", "first-half", b"".join(lines[: len(lines) // 2]))


def responses(c):
    for p in files(os.path.join(FIX, "diff"), (".json",)):
        obj = json.load(open(p))
        name = os.path.relpath(p, FIX)
        c.add("kube_response", "list-" + name,
              json.dumps({"kind": "List", "apiVersion": "v1",
                          "metadata": {"resourceVersion": "7"}, "items": [obj]}))
        c.add("kube_response", "watch-" + name,
              json.dumps({"type": "ADDED", "object": obj}) + "\n" +
              json.dumps({"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "9"}}}) + "\n" +
              json.dumps({"type": "ERROR", "object": {"kind": "Status", "code": 410,
                                                      "reason": "Expired", "message": "too old"}}) + "\n")


KUBECONFIGS = {
    "token": """apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod
  cluster: {server: 'https://127.0.0.1:6443/clusters/prod', insecure-skip-tls-verify: true}
users:
- name: admin
  user: {token: not-a-real-token}
contexts:
- name: prod
  context: {cluster: prod, user: admin, namespace: default}
""",
    "exec": """apiVersion: v1
kind: Config
clusters:
- name: eks
  cluster: {server: 'https://eks.example', certificate-authority-data: 'bm90IGEgY2VydA=='}
users:
- name: aws
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, eks]
      env: [{name: AWS_PROFILE, value: prod}]
      interactiveMode: Never
contexts:
- {name: eks, context: {cluster: eks, user: aws}}
- {name: eks-breakglass, context: {cluster: eks, user: aws}}
""",
    "files": """apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: 'https://c.example', certificate-authority: ca.crt, tls-server-name: c}
users:
- name: u
  user: {client-certificate: u.crt, client-key: u.key, tokenFile: token}
contexts:
- {name: c, context: {cluster: c, user: u}}
""",
}


def kubeconfigs(c):
    for name, text in KUBECONFIGS.items():
        c.add("kubeconfig", name, text)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: seeds.py OUTDIR")
    c = Corpus(sys.argv[1])
    yaml_json(c)
    patches(c)
    kustomize(c)
    flux(c)
    appset(c)
    fleets(c)
    audit(c)
    responses(c)
    kubeconfigs(c)
    for t in sorted(c.n):
        print("%s: %d seeds" % (t, c.n[t]))


main()
