#!/usr/bin/env python3
"""Writes the bench fleet: a Git work tree with kdrift.yaml for N clusters
(cluster-0001...), four Kustomize apps of 100 objects in all, and the same
objects, as built, as one JSON list for kubesim's control API.

Usage: gen.py DIR CLUSTERS
"""
import json
import os
import sys

out, n = sys.argv[1], int(sys.argv[2])
repo = os.path.join(out, "repo")


def labels(app):
    return {"kdrift.dev/app": app, "tier": app}


def built(o):
    """The object as the kustomization builds it (commonAnnotations)."""
    o = json.loads(json.dumps(o))
    o["metadata"].setdefault("annotations", {})["team"] = "bench"
    if o["kind"] == "Deployment":
        o["spec"]["template"]["metadata"].setdefault("annotations", {})["team"] = "bench"
    return o


def deployment(app, i):
    name = "%s-%d" % (app, i)
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "bench", "labels": labels(app)},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{
                                      "name": "main", "image": "registry.example/%s:1.%d.0" % (app, i),
                                      "ports": [{"containerPort": 8080}],
                                      "env": [{"name": "APP", "value": name}, {"name": "MODE", "value": "prod"}],
                                      "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}}}}


def service(app, i):
    name = "%s-%d" % (app, i)
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "bench", "labels": labels(app)},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]}}


def configmap(app, i):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "%s-cfg-%d" % (app, i), "namespace": "bench", "labels": labels(app)},
            "data": {"LOG_LEVEL": "info", "INDEX": str(i), "BLOB": "x" * 200}}


def secret(app, i):
    return {"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "%s-secret-%d" % (app, i), "namespace": "bench", "labels": labels(app)},
            "type": "Opaque", "data": {"token": "c2VjcmV0LXZhbHVl"}}


def serviceaccount(app, i):
    return {"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": "%s-sa-%d" % (app, i), "namespace": "bench", "labels": labels(app)}}


apps = {
    "ns": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench", "labels": labels("ns")}},
           {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench-extra", "labels": labels("ns")}}],
    "web": [f(("web"), i) for i in range(10) for f in (deployment, service, configmap)],
    "api": [f(("api"), i) for i in range(10) for f in (deployment, service, configmap)],
    "cfg": [configmap("cfg", i) for i in range(20)] + [secret("cfg", i) for i in range(10)] +
           [serviceaccount("cfg", i) for i in range(8)],
}
assert sum(len(v) for v in apps.values()) == 100

for app, objs in apps.items():
    d = os.path.join(repo, "apps", app)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "objects.yaml"), "w") as f:
        for o in objs:
            f.write("---\n" + json.dumps(o) + "\n")  # JSON documents as a YAML stream
    with open(os.path.join(d, "kustomization.yaml"), "w") as f:
        f.write("resources:\n- objects.yaml\ncommonAnnotations:\n  team: bench\n")

with open(os.path.join(repo, "kdrift.yaml"), "w") as f:
    f.write("apiVersion: kdrift.dev/v1alpha1\nkind: Fleet\nclusters:\n")
    for i in range(1, n + 1):
        f.write("  - name: cluster-%04d\n    labels: {subset50: \"%s\", subset100: \"%s\"}\n"
                % (i, "yes" if i <= 50 else "no", "yes" if i <= 100 else "no"))
    f.write("apps:\n")
    for app in apps:
        f.write("  - {name: %s, path: apps/%s}\n" % (app, app))

with open(os.path.join(out, "objects.json"), "w") as f:
    json.dump([built(o) for objs in apps.values() for o in objs], f)
