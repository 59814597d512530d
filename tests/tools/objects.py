#!/usr/bin/env python3
"""Compares two JSON arrays of Kubernetes objects as parsed values.

usage: objects.py [--ordered] EXPECTED.json ACTUAL.json

Without --ordered the objects are matched by identity (group, kind,
namespace, name), since kustomize orders by kind and kdrift's plain
directories order by path.  Prints each difference and exits 1 on any.
"""
import json
import sys


def ident(o):
    api = o.get("apiVersion", "")
    group = api.split("/")[0] if "/" in api else ""
    meta = o.get("metadata") or {}
    return (group, o.get("kind", ""), meta.get("namespace", ""), meta.get("name", ""))


def norm(v):
    # JSON numbers compare by value: 1 == 1.0, as Kubernetes treats them.
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def main():
    args = sys.argv[1:]
    ordered = False
    if args and args[0] == "--ordered":
        ordered, args = True, args[1:]
    with open(args[0]) as f:
        want = norm(json.load(f))
    with open(args[1]) as f:
        got = norm(json.load(f))
    bad = 0
    if ordered:
        if [ident(o) for o in want] != [ident(o) for o in got]:
            print("order differs:\n  expected %s\n  actual   %s" %
                  ([ident(o) for o in want], [ident(o) for o in got]))
            bad += 1
    w = {ident(o): o for o in want}
    g = {ident(o): o for o in got}
    for k in sorted(set(w) | set(g)):
        if k not in g:
            print("missing from actual: %s" % (k,))
            bad += 1
        elif k not in w:
            print("unexpected in actual: %s" % (k,))
            bad += 1
        elif w[k] != g[k]:
            print("differs: %s\n  expected %s\n  actual   %s" %
                  (k, json.dumps(w[k], sort_keys=True), json.dumps(g[k], sort_keys=True)))
            bad += 1
    if len(want) != len(w) or len(got) != len(g):
        print("duplicate identities (expected %d/%d, actual %d/%d)" % (len(want), len(w), len(got), len(g)))
        bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
