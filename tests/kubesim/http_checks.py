#!/usr/bin/env python3
"""Protocol-level checks of a running kubesim (run by http.sh).

Usage: http_checks.py STATE_DIR PORT
Prints one line per check: "PASS name" or "FAIL name<TAB>detail".
"""
import base64
import http.client
import json
import re
import socket
import ssl
import sys
import tempfile
import time

state, port = sys.argv[1], int(sys.argv[2])
kubeconfig = open(state + "/kubeconfig").read()
ca = base64.b64decode(re.search(r"certificate-authority-data: (\S+)", kubeconfig).group(1))
tokens = re.findall(r"token: (\S+)", kubeconfig)
ADMIN, READONLY = tokens[0], tokens[1]
cafile = tempfile.NamedTemporaryFile(delete=False, suffix=".pem")
cafile.write(ca)
cafile.close()
ctx = ssl.create_default_context(cafile=cafile.name)  # verifies the certificate for 127.0.0.1


def report(name, cond, detail=""):
    if cond:
        print("PASS " + name)
    else:
        print("FAIL " + name + "\t" + str(detail).replace("\n", " ")[:600])
    sys.stdout.flush()


def conn(timeout=60):
    return http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=timeout)


def req(method, path, body=None, token=ADMIN, headers=None, timeout=60):
    h = {"Accept": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    c = conn(timeout)
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    try:
        doc = json.loads(data) if data else None
    except ValueError:
        doc = data
    headers = {}
    for k, v in r.getheaders():  # repeated headers (Warning) joined as HTTP allows
        headers[k.lower()] = headers[k.lower()] + ", " + v if k.lower() in headers else v
    return r.status, headers, doc


A = "/clusters/alpha"
B = "/clusters/beta"


def check(name, fn):
    try:
        fn()
    except Exception as e:  # a crash of one check is a failure, not the end
        report(name, False, "exception: %r" % (e,))


def t_auth():
    s, _, d = req("GET", A + "/api/v1/namespaces", token=None)
    report("no token is 401 Unauthorized", s == 401 and d["reason"] == "Unauthorized" and d["kind"] == "Status", d)
    s, _, d = req("GET", A + "/api/v1/namespaces", token="nope")
    report("a wrong token is 401", s == 401, d)
    s, _, d = req("POST", A + "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "x"}}, token=READONLY)
    report("read-only token gets 403 Forbidden on writes", s == 403 and d["reason"] == "Forbidden", d)
    s, _, d = req("GET", A + "/api/v1/namespaces", token=READONLY)
    report("read-only token may read", s == 200 and d["kind"] == "NamespaceList", d)
    ssar = A + "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
              "spec": {"resourceAttributes": {"verb": "patch", "group": "apps", "resource": "deployments"}}}
    s1, _, d1 = req("POST", ssar, review)
    s2, _, d2 = req("POST", ssar, review, token=READONLY)
    review["spec"]["resourceAttributes"]["verb"] = "list"
    s3, _, d3 = req("POST", ssar, review, token=READONLY)
    report("SelfSubjectAccessReview answers for each token", s1 == 201 and d1["status"]["allowed"]
           and s2 == 201 and not d2["status"]["allowed"] and s3 == 201 and d3["status"]["allowed"], (d1, d2, d3))


def t_discovery():
    v2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    v2b = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
    s, h, d = req("GET", A + "/apis", headers={"Accept": v2 + "," + v2b + ",application/json"})
    report("aggregated discovery v2 negotiated", s == 200 and h["content-type"] == v2
           and d["kind"] == "APIGroupDiscoveryList" and d["apiVersion"] == "apidiscovery.k8s.io/v2", h)
    apps = [g for g in d["items"] if g["metadata"]["name"] == "apps"][0]
    dep = [r for r in apps["versions"][0]["resources"] if r["resource"] == "deployments"][0]
    report("aggregated entry has shortNames, categories, verbs, subresources",
           dep["shortNames"] == ["deploy"] and dep["categories"] == ["all"] and "patch" in dep["verbs"]
           and set(x["subresource"] for x in dep["subresources"]) == {"status", "scale"}, dep)
    s, h, d = req("GET", A + "/api", headers={"Accept": v2b + ",application/json"})
    report("aggregated discovery v2beta1 negotiated", s == 200 and h["content-type"] == v2b
           and d["apiVersion"] == "apidiscovery.k8s.io/v2beta1", h)
    s, h, d = req("GET", A + "/apis")
    report("plain discovery otherwise", s == 200 and d["kind"] == "APIGroupList" and h["content-type"] == "application/json", d)
    s, _, d = req("GET", A + "/apis/apps/v1")
    report("APIResourceList with subresources", s == 200 and "deployments/scale" in [r["name"] for r in d["resources"]], d)
    s, _, d = req("GET", A + "/apis/nothing/v1")
    report("unknown group version is 404", s == 404, d)


def t_openapi():
    s, _, d = req("GET", A + "/openapi/v3")
    report("openapi v3 index", s == 200 and "apis/apps/v1" in d["paths"] and "api/v1" in d["paths"], d)
    url = d["paths"]["apis/apps/v1"]["serverRelativeURL"]
    s, _, doc = req("GET", A + url)
    ok = False
    for p, item in doc.get("paths", {}).items():
        op = item.get("patch")
        if op and op.get("x-kubernetes-group-version-kind", {}).get("kind") == "Deployment":
            ok = any(x["name"] == "fieldValidation" and x["in"] == "query" for x in op["parameters"])
    report("openapi v3 advertises fieldValidation on PATCH", s == 200 and ok, doc)
    s, _, doc = req("GET", A + "/openapi/v2")
    op = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    report("openapi v2 advertises fieldValidation on PATCH", s == 200 and doc["swagger"] == "2.0"
           and op["x-kubernetes-group-version-kind"]["kind"] == "Deployment"
           and "fieldValidation" in [p["name"] for p in op["parameters"]], op)


def t_crud():
    base = A + "/api/v1/namespaces/default/configmaps"
    s, _, d = req("POST", base, b"\x0a\x01x", headers={"Content-Type": "application/vnd.kubernetes.protobuf"})
    report("protobuf body is 415", s == 415 and d["reason"] == "UnsupportedMediaType", d)
    for i in range(3):
        req("POST", base, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "page%d" % i, "labels": {"set": "p"}}})
    s, _, d = req("GET", base + "?labelSelector=set%3Dp&limit=2")
    report("list with limit gives a continue token", s == 200 and len(d["items"]) == 2 and d["metadata"].get("continue")
           and d["metadata"].get("remainingItemCount") == 1, d)
    s, _, d2 = req("GET", base + "?labelSelector=set%3Dp&limit=2&continue=" + d["metadata"]["continue"])
    report("continue returns the rest", s == 200 and [i["metadata"]["name"] for i in d2["items"]] == ["page2"]
           and not d2["metadata"].get("continue"), d2)
    s, _, d = req("GET", A + "/api/v1/configmaps?fieldSelector=metadata.namespace%3Ddefault,metadata.name%3Dpage1")
    report("field selector on all namespaces", s == 200 and [i["metadata"]["name"] for i in d["items"]] == ["page1"], d)
    s, _, d = req("GET", base + "?labelSelector=set+in+(p,q),!missing")
    report("set-based label selector", s == 200 and len(d["items"]) == 3, d)
    s, _, d = req("POST", base, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "gen-"}})
    report("generateName", s == 201 and d["metadata"]["name"].startswith("gen-") and len(d["metadata"]["name"]) > 4, d)
    s, _, d = req("POST", base + "?dryRun=All", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dry"}})
    s2, _, _ = req("GET", base + "/dry")
    report("dryRun create stores nothing", s == 201 and s2 == 404, d)
    s, _, d = req("POST", base, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "page0"}})
    report("409 AlreadyExists", s == 409 and d["reason"] == "AlreadyExists" and d["details"]["name"] == "page0", d)
    s, _, d = req("POST", A + "/api/v1/namespaces/ghost/configmaps", {"metadata": {"name": "a"}})
    report("404 on a missing namespace", s == 404 and d["reason"] == "NotFound", d)
    _, _, cur = req("GET", base + "/page0")
    rv = cur["metadata"]["resourceVersion"]
    s, _, same = req("PUT", base + "/page0", cur)
    report("a no-op update keeps the resourceVersion", s == 200 and same["metadata"]["resourceVersion"] == rv, same)
    cur["data"] = {"a": "1"}
    s, _, upd = req("PUT", base + "/page0", cur)
    report("update bumps the resourceVersion", s == 200 and int(upd["metadata"]["resourceVersion"]) > int(rv), upd)
    s, _, d = req("PUT", base + "/page0", cur)
    report("stale resourceVersion is 409 Conflict", s == 409 and d["reason"] == "Conflict", d)
    s, _, d = req("DELETE", base + "/page0", {"preconditions": {"uid": "0000"}})
    report("delete precondition uid mismatch is 409", s == 409 and d["reason"] == "Conflict", d)
    s, _, d = req("DELETE", base + "/page0", {"dryRun": ["All"]})
    s2, _, _ = req("GET", base + "/page0")
    report("dryRun delete keeps the object", s == 200 and s2 == 200, d)
    s, _, d = req("DELETE", base + "/page0", {"preconditions": {"uid": upd["metadata"]["uid"],
                                                                  "resourceVersion": upd["metadata"]["resourceVersion"]}})
    s2, _, d2 = req("GET", base + "/page0")
    report("delete with matching preconditions", s == 200 and s2 == 404 and d2["reason"] == "NotFound", d)
    s, _, d = req("GET", B + "/api/v1/namespaces/default/configmaps/page1")
    report("clusters have separate objects", s == 404, d)


def t_patch_apply():
    dep = A + "/apis/apps/v1/namespaces/default/deployments"
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "p"},
           "spec": {"replicas": 1, "selector": {"matchLabels": {"a": "p"}},
                    "template": {"metadata": {"labels": {"a": "p"}}, "spec": {"containers": [{"name": "c", "image": "i:1"}]}}}}
    s, _, d = req("POST", dep + "?fieldManager=creator", obj)
    report("create records the field manager", s == 201 and d["metadata"]["managedFields"][0]["manager"] == "creator"
           and d["metadata"]["generation"] == 1, d)
    rv = d["metadata"]["resourceVersion"]
    s, _, d = req("PATCH", dep + "/p", json.dumps({"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 2}}),
                  headers={"Content-Type": "application/merge-patch+json"})
    report("resourceVersion in a patch is a precondition", s == 409 and d["reason"] == "Conflict", d)
    s, _, d = req("PATCH", dep + "/p?dryRun=All", json.dumps({"spec": {"replicas": 9}}),
                  headers={"Content-Type": "application/merge-patch+json"})
    _, _, live = req("GET", dep + "/p")
    report("dryRun patch stores nothing", s == 200 and d["spec"]["replicas"] == 9 and live["spec"]["replicas"] == 1
           and live["metadata"]["resourceVersion"] == rv, live)
    s, _, d = req("PATCH", dep + "/p", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: p}\nspec: {replicas: 3}\n",
                  headers={"Content-Type": "application/apply-patch+yaml"})
    report("apply without fieldManager is 400", s == 400, d)
    s, _, d = req("PATCH", dep + "/p?fieldManager=ops", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: p}\nspec: {replicas: 3}\n",
                  headers={"Content-Type": "application/apply-patch+yaml"})
    causes = (d.get("details") or {}).get("causes") or []
    report("apply conflict is 409 with FieldManagerConflict causes", s == 409 and d["reason"] == "Conflict"
           and causes and causes[0]["type"] == "FieldManagerConflict" and causes[0]["field"] == ".spec.replicas"
           and "creator" in causes[0]["message"], d)
    s, _, d = req("PATCH", dep + "/p?fieldManager=ops&force=true", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: p}\nspec: {replicas: 3}\n",
                  headers={"Content-Type": "application/apply-patch+yaml"})
    mgrs = {(m["manager"], m["operation"]) for m in d["metadata"]["managedFields"]}
    report("force=true applies and takes ownership", s == 200 and d["spec"]["replicas"] == 3 and ("ops", "Apply") in mgrs
           and d["metadata"]["generation"] == 2, d)
    s, _, d = req("PATCH", dep + "/p?fieldManager=ops", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: p, labels: {x: y}}\n",
                  headers={"Content-Type": "application/apply-patch+yaml"})
    # nobody owns replicas any more: removed, then defaulted back to 1
    report("fields no longer applied are removed", s == 200 and d["spec"]["replicas"] == 1
           and d["metadata"]["labels"] == {"x": "y"}
           and "f:replicas" not in json.dumps([m["fieldsV1"] for m in d["metadata"]["managedFields"]
                                               if m["manager"] == "ops"]), d)
    s, _, d = req("GET", dep + "/p/scale")
    report("scale subresource is autoscaling/v1 Scale", s == 200 and d["kind"] == "Scale" and d["apiVersion"] == "autoscaling/v1"
           and d["status"]["selector"] == "a=p", d)
    d["spec"]["replicas"] = 4
    s, _, d = req("PUT", dep + "/p/scale", d)
    _, _, live = req("GET", dep + "/p")
    report("PUT scale sets replicas", s == 200 and live["spec"]["replicas"] == 4 and live["status"]["replicas"] == 4, live)
    live["status"] = {"replicas": 99}
    live["spec"]["replicas"] = 1
    s, _, d = req("PUT", dep + "/p/status", live)
    report("status subresource changes only status", s == 200 and d["spec"]["replicas"] == 4, d)
    s, _, d = req("PATCH", dep + "/p", json.dumps([{"op": "test", "path": "/spec/replicas", "value": 100}]),
                  headers={"Content-Type": "application/json-patch+json"})
    report("failed JSON patch test is 422 Invalid", s == 422 and d["reason"] == "Invalid", d)
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "gadgets.example.com"},
           "spec": {"group": "example.com", "scope": "Namespaced",
                    "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
                    "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                        "type": "object", "properties": {"spec": {"type": "object", "properties": {
                            "size": {"type": "integer"},
                            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}}}}}]}}
    s, _, d = req("POST", A + "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    g = {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"},
         "spec": {"size": 1, "sise": 2, "free": {"x": 1}}, "extra": True}
    gp = A + "/apis/example.com/v1/namespaces/default/gadgets"
    s2, _, d2 = req("POST", gp + "?fieldValidation=Strict", g)
    s3, h3, d3 = req("POST", gp, g)
    report("custom resources are pruned by their CRD schema", s == 201 and s2 == 400 and "spec.sise" in d2["message"]
           and s3 == 201 and d3["spec"] == {"size": 1, "free": {"x": 1}} and "extra" not in d3
           and "spec.sise" in h3.get("warning", ""), (d2, d3, h3))
    s, _, d = req("PATCH", gp + "/g", json.dumps({"spec": {"size": 2}}),
                  headers={"Content-Type": "application/strategic-merge-patch+json"})
    report("strategic merge patch on a custom resource is 415", s == 415 and d["reason"] == "UnsupportedMediaType", d)
    s, _, d = req("POST", A + "/api/v1/namespaces/default/services", {"apiVersion": "v1", "kind": "Service",
                  "metadata": {"name": "np"}, "spec": {"type": "NodePort", "ports": [{"port": 80}]}})
    report("Service defaults: clusterIP, TCP, targetPort, nodePort", s == 201 and d["spec"]["clusterIP"].startswith("10.96.")
           and d["spec"]["ports"][0]["protocol"] == "TCP" and d["spec"]["ports"][0]["targetPort"] == 80
           and 30000 <= d["spec"]["ports"][0]["nodePort"] <= 32767 and d["spec"]["sessionAffinity"] == "None", d)
    cr = A + "/apis/rbac.authorization.k8s.io/v1/clusterroles"
    req("POST", cr, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "agg"},
                     "aggregationRule": {"clusterRoleSelectors": [{"matchExpressions": [
                         {"key": "to-agg", "operator": "Exists"}]}]}})
    rule = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}
    req("POST", cr, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                     "metadata": {"name": "src", "labels": {"to-agg": "yes"}}, "rules": [rule]})
    s, _, d = req("GET", cr + "/agg")
    report("aggregated ClusterRole gets the selected roles' rules from the controller", s == 200
           and d.get("rules") == [rule]
           and "clusterrole-aggregation-controller" in [m["manager"] for m in d["metadata"]["managedFields"]], d)
    req("DELETE", cr + "/src")
    s, _, d = req("GET", cr + "/agg")
    report("aggregated rules follow a deleted role", s == 200 and not d.get("rules"), d)
    s, _, d = req("POST", dep, {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {}})
    report("missing name is 422 Invalid with causes", s == 422 and d["details"]["causes"][0]["field"] == "metadata.name", d)


def open_watch(path, token=ADMIN, timeout=60):
    c = conn(timeout)
    c.request("GET", path, headers={"Authorization": "Bearer " + token})
    return c, c.getresponse()


def read_event(r):
    line = r.readline()
    return json.loads(line) if line.strip() else None


def t_watch():
    base = A + "/api/v1/namespaces/default/configmaps"
    _, _, lst = req("GET", base)
    rv = lst["metadata"]["resourceVersion"]
    c, r = open_watch(base + "?watch=true&resourceVersion=" + rv)
    req("POST", base, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "w1"}})
    req("PATCH", base + "/w1", json.dumps({"data": {"k": "v"}}), headers={"Content-Type": "application/merge-patch+json"})
    req("DELETE", base + "/w1")
    evs = [read_event(r) for _ in range(3)]
    report("watch streams ADDED, MODIFIED, DELETED", r.status == 200 and [e["type"] for e in evs] == ["ADDED", "MODIFIED", "DELETED"]
           and r.getheader("Transfer-Encoding") == "chunked", evs)
    c.close()
    c, r = open_watch(base + "?watch=true&resourceVersion=" + rv)
    evs = [read_event(r) for _ in range(3)]
    report("watch resumes from a resourceVersion", [e["type"] for e in evs] == ["ADDED", "MODIFIED", "DELETED"], evs)
    c.close()
    c, r = open_watch(base + "?watch=1&allowWatchBookmarks=true&resourceVersion=" + rv)
    types = []
    while "BOOKMARK" not in types:
        types.append(read_event(r)["type"])
    report("bookmarks when allowed", "BOOKMARK" in types, types)
    c.close()
    c, r = open_watch(base + "?watch=1&timeoutSeconds=1&resourceVersion=" + rv)
    t0 = time.time()
    data = r.read()
    report("timeoutSeconds ends the stream", r.status == 200 and data.count(b"\n") == 3, data)
    c.close()
    c, r = open_watch(base + "?watch=1")
    ev = read_event(r)
    report("watch without resourceVersion starts with ADDED for existing objects", ev["type"] == "ADDED", ev)
    c.close()
    # history compaction: old resourceVersions are gone
    c, r = open_watch(base + "?watch=1&resourceVersion=" + rv)
    for _ in range(3):
        read_event(r)
    s, _, d = req("POST", "/_kubesim/clusters/alpha/compact", "")
    ev = read_event(r)
    report("in-stream ERROR 410 Expired after compaction", s == 200 and ev["type"] == "ERROR" and ev["object"]["code"] == 410
           and ev["object"]["reason"] == "Expired", ev)
    c.close()
    s, _, d = req("GET", base + "?watch=1&resourceVersion=" + rv)
    report("watch from a compacted resourceVersion is 410 Expired", s == 410 and d["reason"] == "Expired", d)


def t_faults():
    f = "/_kubesim/clusters/beta/faults"
    s, _, _ = req("PUT", f, {"errorRate": 1, "errorCode": 503, "retryAfter": 2})
    s2, h, d = req("GET", B + "/api/v1/namespaces")
    report("error fault: 503 with Retry-After", s == 200 and s2 == 503 and h.get("retry-after") == "2"
           and d["reason"] == "ServiceUnavailable", (s, s2, h, d))
    req("PUT", f, {"errorRate": 1, "errorCode": 429})
    s2, h, d = req("GET", B + "/api/v1/namespaces")
    report("error fault: 429 TooManyRequests", s2 == 429 and d["reason"] == "TooManyRequests" and "retry-after" in h, d)
    s3, _, _ = req("GET", A + "/api/v1/namespaces")
    report("faults are per cluster", s3 == 200, s3)
    req("PUT", f, {"reset": True})
    try:
        s2, _, _ = req("GET", B + "/api/v1/namespaces")
        report("reset fault drops the connection", False, s2)
    except (ConnectionError, http.client.HTTPException, ssl.SSLError, OSError):
        report("reset fault drops the connection", True)
    req("PUT", f, {"hang": True})
    try:
        s2, _, _ = req("GET", B + "/api/v1/namespaces", timeout=1)
        report("hanging cluster never answers", False, s2)
    except (socket.timeout, TimeoutError):
        report("hanging cluster never answers", True)
    s3, _, _ = req("GET", A + "/api/v1/namespaces")
    report("a hanging cluster does not stall the others", s3 == 200, s3)
    req("PUT", f, {"latencyMs": 300})
    t0 = time.time()
    s2, _, _ = req("GET", B + "/api/v1/namespaces")
    report("latency fault delays answers", s2 == 200 and time.time() - t0 >= 0.3, time.time() - t0)
    req("PUT", f, {})
    s2, _, _ = req("GET", B + "/api/v1/namespaces")
    report("faults cleared", s2 == 200, s2)
    c, r = open_watch(B + "/api/v1/namespaces?watch=1&resourceVersion=1")
    read_event(r)
    req("PUT", f, {"dropWatches": True})
    rest = r.read()
    report("dropWatches ends open watches", rest is not None, rest)
    c.close()


def t_control():
    s, _, d = req("POST", "/_kubesim/clusters/alpha/mutate", {
        "action": "patch", "manager": "helm", "apiVersion": "apps/v1", "kind": "Deployment",
        "namespace": "default", "name": "p", "patchType": "strategic",
        "patch": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i:2"}]}}}}})
    obj = d["results"][0]["object"]
    mgrs = [m["manager"] for m in obj["metadata"]["managedFields"]]
    report("control mutate writes as a named manager", s == 200 and d["results"][0]["code"] == 200 and "helm" in mgrs
           and obj["spec"]["template"]["spec"]["containers"][0]["image"] == "i:2", d)
    s, _, d = req("POST", "/_kubesim/clusters/alpha/mutate", {"action": "patch", "manager": "x"}, token=READONLY)
    report("control API needs the admin token", s == 403, d)
    s, _, d = req("POST", "/_kubesim/clusters/*/objects?manager=loader",
                  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loaded}\ndata: {a: b}\n---\n"
                  "apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n")
    s2, _, d2 = req("GET", B + "/api/v1/namespaces/default/configmaps/loaded")
    s3, _, _ = req("GET", B + "/api/v1/namespaces/team")
    report("control loads a YAML stream into every cluster", s == 200 and s2 == 200 and s3 == 200
           and d2["metadata"]["managedFields"][0]["manager"] == "loader", d)
    s, _, d = req("GET", "/_kubesim/clusters")
    report("control lists clusters", s == 200 and [c["name"] for c in d["clusters"]] == ["alpha", "beta"], d)


def t_many():
    items = []
    for i in range(40):
        items.append({"apiVersion": "apps/v1", "kind": "Deployment",
                      "metadata": {"name": "app%d" % i, "namespace": "default", "labels": {"app": "app%d" % i},
                                   "annotations": {"note": "x" * 300}},
                      "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "app%d" % i}},
                               "template": {"metadata": {"labels": {"app": "app%d" % i}},
                                            "spec": {"containers": [{"name": "main", "image": "img:%d" % i,
                                                                     "ports": [{"containerPort": 8080}],
                                                                     "env": [{"name": "E%d" % k, "value": "v"} for k in range(5)]}]}}}})
    for i in range(30):
        items.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc%d" % i, "namespace": "default"},
                      "spec": {"selector": {"app": "app%d" % i}, "ports": [{"port": 80, "targetPort": 8080}]}})
    for i in range(30):
        items.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm%d" % i, "namespace": "default"},
                      "data": {"k%d" % k: "value-%d" % k for k in range(10)}})
    s, _, d = req("POST", "/_kubesim/clusters/*/objects?manager=loader", {"items": items}, timeout=600)
    codes = {r["code"] for r in d["results"]}
    s2, _, d2 = req("GET", "/_kubesim/clusters")
    total = sum(c["objects"] for c in d2["clusters"])
    report("100 objects loaded into each of 1000 clusters", s == 200 and codes == {201} and len(d2["clusters"]) == 1000
           and total == 1000 * 104, (s, codes, total))
    s, _, d = req("GET", "/clusters/cluster-1000/apis/apps/v1/namespaces/default/deployments")
    report("the last cluster lists its deployments", s == 200 and len(d["items"]) == 40, s)


if len(sys.argv) > 3 and sys.argv[3] == "many":
    check("many", t_many)
    sys.exit(0)

check("auth", t_auth)
check("discovery", t_discovery)
check("openapi", t_openapi)
check("crud", t_crud)
check("patch and apply", t_patch_apply)
check("watch", t_watch)
check("faults", t_faults)
check("control", t_control)
