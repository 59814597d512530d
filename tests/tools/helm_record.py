#!/usr/bin/env python3
"""helm_record.py - Helm release records for tests and the demo, written the
way Helm 3's storage drivers write them (Helm itself is not installed here).

  helm_record.py record --name R --namespace NS --chart C --version V
                 [--app-version A] [--values FILE] [--manifest FILE]
                 [--revision N] [--status deployed] [--driver secret|configmap]
                 [--storage-namespace NS] [--time RFC3339] [--description TEXT]
      prints the record: the Secret sh.helm.release.v1.R.vN (type
      helm.sh/release.v1; its data.release is the driver's text - base64 of
      the gzip of the release JSON - as Secret bytes, so base64 once more) or
      the ConfigMap of the configmaps driver (data.release is the text).

  helm_record.py objects --name R --namespace NS --manifest FILE
      prints the manifest's objects as Helm applies them: put into NS when
      they have no namespace (cluster-scoped kinds excepted), annotated
      meta.helm.sh/release-name and -namespace, labelled
      app.kubernetes.io/managed-by: Helm.

  helm_record.py decode FILE
      prints the release JSON held by a record (YAML or JSON), to check one.

Output is JSON (which YAML readers and kubectl take as it is).
"""
import argparse
import base64
import gzip
import json
import sys

import yaml

# Kinds Helm's client finds cluster-scoped through discovery; enough for the
# charts of the tests and the demo.
CLUSTER_SCOPED = {
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "PriorityClass", "StorageClass", "IngressClass", "RuntimeClass",
    "PersistentVolume", "Node", "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration", "APIService", "ClusterIssuer",
}


def load_docs(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if isinstance(d, dict)]


def manifest_text(chart, path):
    """The release manifest as Helm stores it: each template's documents
    after a '---' and a '# Source:' comment naming the template."""
    out = []
    for i, doc in enumerate(load_docs(path)):
        kind = doc.get("kind", "object").lower()
        out.append("---\n# Source: %s/templates/%s-%d.yaml\n%s" % (
            chart, kind, i, yaml.safe_dump(doc, default_flow_style=False, sort_keys=False)))
    return "".join(out)


def release_json(a):
    values = {}
    if a.values:
        with open(a.values) as f:
            values = yaml.safe_load(f) or {}
    manifest = manifest_text(a.chart, a.manifest) if a.manifest else ""
    t = a.time
    rel = {
        "name": a.name,
        "info": {
            "first_deployed": t,
            "last_deployed": t,
            "deleted": "",
            "description": a.description or ("Install complete" if a.revision == 1 else "Upgrade complete"),
            "status": a.status,
        },
        "chart": {
            "metadata": {
                "name": a.chart,
                "version": a.version,
                "description": "A Helm chart written for kdrift's tests",
                "apiVersion": "v2",
                "appVersion": a.app_version or a.version,
                "type": "application",
            },
            "lock": None,
            "templates": [{
                "name": "templates/manifest.yaml",
                "data": base64.b64encode(manifest.encode()).decode(),
            }],
            "values": {},
            "schema": None,
            "files": None,
        },
        "config": values,
        "manifest": manifest,
        "version": a.revision,
        "namespace": a.namespace,
    }
    # Go's encoding/json: compact, HTML characters escaped
    text = json.dumps(rel, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def driver_text(release):
    # gzip.NewWriterLevel(BestCompression), then base64.StdEncoding
    gz = gzip.compress(release.encode(), compresslevel=9, mtime=0)
    return base64.b64encode(gz).decode()


def record(a):
    text = driver_text(release_json(a))
    name = "sh.helm.release.v1.%s.v%d" % (a.name, a.revision)
    labels = {"name": a.name, "owner": "helm", "status": a.status,
              "version": str(a.revision), "createdAt": "1700000000"}
    meta = {"name": name, "namespace": a.storage_namespace or a.namespace, "labels": labels}
    if a.driver == "configmap":
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
                "data": {"release": text}}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta,
            "type": "helm.sh/release.v1",
            "data": {"release": base64.b64encode(text.encode()).decode()}}


def objects(a):
    out = []
    for doc in load_docs(a.manifest):
        meta = doc.setdefault("metadata", {})
        if doc.get("kind") not in CLUSTER_SCOPED:
            meta.setdefault("namespace", a.namespace)
        meta.setdefault("annotations", {}).update({
            "meta.helm.sh/release-name": a.name,
            "meta.helm.sh/release-namespace": a.namespace,
        })
        meta.setdefault("labels", {})["app.kubernetes.io/managed-by"] = "Helm"
        out.append(doc)
    return {"apiVersion": "v1", "kind": "List", "items": out}


def decode(path):
    with open(path) as f:
        rec = yaml.safe_load(f)
    text = rec["data"]["release"]
    if rec["kind"] == "Secret":
        text = base64.b64decode(text).decode()
    raw = base64.b64decode(text)
    if raw[:3] == b"\x1f\x8b\x08":
        raw = gzip.decompress(raw)
    return json.loads(raw)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("--name", required=True)
    r.add_argument("--namespace", required=True)
    r.add_argument("--storage-namespace")
    r.add_argument("--chart", required=True)
    r.add_argument("--version", required=True)
    r.add_argument("--app-version")
    r.add_argument("--values")
    r.add_argument("--manifest")
    r.add_argument("--revision", type=int, default=1)
    r.add_argument("--status", default="deployed")
    r.add_argument("--driver", choices=["secret", "configmap"], default="secret")
    r.add_argument("--time", default="2026-01-05T10:00:00.000000000Z")
    r.add_argument("--description")
    o = sub.add_parser("objects")
    o.add_argument("--name", required=True)
    o.add_argument("--namespace", required=True)
    o.add_argument("--manifest", required=True)
    d = sub.add_parser("decode")
    d.add_argument("file")
    a = p.parse_args()
    if a.cmd == "record":
        out = record(a)
    elif a.cmd == "objects":
        out = objects(a)
    else:
        out = decode(a.file)
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
