#!/usr/bin/env python3
"""What a user scripts today to find drift, one cluster at a time: render
each app with `kubectl kustomize`, read the live objects with
`kubectl get -o json`, and compare the fields Git sets.

Usage: naive.py BENCH_DIR KUBECONFIG CLUSTER...   (prints drifted objects)
"""
import json
import subprocess
import sys

import yaml

bench, kubeconfig, clusters = sys.argv[1], sys.argv[2], sys.argv[3:]
apps = ["ns", "web", "api", "cfg"]


def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def subset(want, got):
    """True when every field of want is in got with the same value."""
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and subset(v, got[k]) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and all(subset(a, b) for a, b in zip(want, got))
    return want == got


drifted = 0
for c in clusters:
    desired = []
    for app in apps:
        out = run("kubectl", "kustomize", "%s/repo/apps/%s" % (bench, app))
        desired += [d for d in yaml.safe_load_all(out) if d]
    live = json.loads(run("kubectl", "--kubeconfig", kubeconfig, "--context", c, "get", "-A", "-o", "json",
                          "namespaces,deployments,services,configmaps,secrets,serviceaccounts"))
    index = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in live["items"]}
    for d in desired:
        key = (d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"])
        if key not in index or not subset(d, index[key]):
            drifted += 1
print(drifted)
