#!/usr/bin/env python3
"""Checks one `kdrift policy export` output (tests/integration/policy.sh).

    policy_check.py FORMAT MODE FILE

FORMAT is kyverno, gatekeeper or vap; MODE enforce or audit.  The file is
parsed as YAML and every document checked for its shape and for fields and
enumeration values that its engine's schema does not know; then the policy is
asked, the way its engine would decide, about a table of requests: the
GitOps appliers, the break-glass group and Kubernetes' own controllers must
get through, anyone else must not.  For the ValidatingAdmissionPolicy the
CEL is parsed by a small parser of the CEL subset (literals, lists, member
access, calls, has(), exists(), in, !, &&, ||) and evaluated; an
identifier or field outside request.userInfo, request.operation, object,
oldObject and the policy's variables fails the check.  Prints "PASS name"
or "FAIL name<TAB>detail" lines.
"""
import re
import sys

import yaml

FMT, MODE, PATH = sys.argv[1], sys.argv[2], sys.argv[3]
AUDIT = MODE == "audit"
failures = 0


def report(name, cond, detail=""):
    global failures
    if cond:
        print("PASS " + name)
    else:
        failures += 1
        print("FAIL %s\t%s" % (name, detail))


SA = "system:serviceaccount:"
# (who, groups or None for a request without groups, must get through)
REQUESTS = [
    ("Flux's kustomize-controller", SA + "flux-system:kustomize-controller",
     ["system:serviceaccounts", "system:serviceaccounts:flux-system", "system:authenticated"], True),
    ("a fleet applier whose name needs quoting", "o'neil@example.com", ["system:authenticated"], True),
    ("any service account of flux-system (applierGroups)", SA + "flux-system:source-controller",
     ["system:serviceaccounts", "system:serviceaccounts:flux-system"], True),
    ("the break-glass group", "alice@example.com", ["ops:break-glass", "system:authenticated"], True),
    ("the garbage collector", SA + "kube-system:generic-garbage-collector",
     ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"], True),
    ("the namespace controller", SA + "kube-system:namespace-controller",
     ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"], True),
    ("the controller manager's own user", "system:kube-controller-manager", ["system:authenticated"], True),
    ("a kubelet", "system:node:worker-1", ["system:nodes", "system:authenticated"], True),
    ("a person with kubectl", "alice@example.com", ["developers", "system:authenticated"], False),
    ("a cluster admin outside break-glass", "admin", ["system:masters", "system:authenticated"], False),
    ("a request without groups", "bob@example.com", None, False),
    ("Argo CD's server (not an applier here)", SA + "argocd:argocd-server",
     ["system:serviceaccounts", "system:serviceaccounts:argocd"], False),
    ("a look-alike of the break-glass group", "mallory", ["ops:break-glass-x", "OPS:break-glass"], False),
]

NAMESPACED = {("", "ConfigMap", "configmaps"), ("", "Service", "services"),
              ("apps", "Deployment", "deployments"), ("example.com", "Widget", "widgets"),
              ("monitoring.coreos.com", "ServiceMonitor", "servicemonitors"),
              ("networking.k8s.io", "NetworkPolicy", "networkpolicies"),
              ("rbac.authorization.k8s.io", "RoleBinding", "rolebindings")}
NAMESPACES = ["platform", "shop"]
CLUSTER_OBJECTS = {("", "Namespace", "namespaces", "platform"),
                   ("apiextensions.k8s.io", "CustomResourceDefinition", "customresourcedefinitions",
                    "gadgetries.example.com"),
                   ("apiextensions.k8s.io", "CustomResourceDefinition", "customresourcedefinitions",
                    "widgets.example.com"),
                   ("example.com", "Gadget", "gadgetries", "big"),
                   ("rbac.authorization.k8s.io", "ClusterRole", "clusterroles", "platform-reader")}
OPERATIONS = ["CREATE", "UPDATE", "DELETE"]

docs = [d for d in yaml.safe_load_all(open(PATH)) if d is not None]
for d in docs:
    labels = ((d.get("metadata") or {}).get("labels") or {})
    report("%s %s says kdrift wrote it" % (d.get("kind"), d["metadata"]["name"]),
           labels.get("app.kubernetes.io/managed-by") == "kdrift", labels)

# ---- field names -----------------------------------------------------------
# The members each object of the output may have, and the values of the
# enumerations, as the engines' own schemas define them: Kubernetes'
# admissionregistration.k8s.io/v1 types, Kyverno's ClusterPolicy v1 CRD,
# Gatekeeper's ConstraintTemplate v1 CRD and its constraints' match schema.
# A path names an object by its keys from the document's root, "[]" for any
# list item; only the objects kdrift writes are listed.  The API server
# refuses (kubectl's strict validation) or silently drops an unknown field:
# a misspelled one would leave the policy quietly weaker.
META = {"name", "labels", "annotations"}
SELECTOR = {"matchLabels", "matchExpressions"}
FIELDS = {
    "ValidatingAdmissionPolicy": {
        "": {"apiVersion", "kind", "metadata", "spec"},
        "metadata": META,
        "spec": {"paramKind", "matchConstraints", "validations", "failurePolicy",
                 "auditAnnotations", "matchConditions", "variables"},
        "spec.matchConstraints": {"namespaceSelector", "objectSelector", "resourceRules",
                                  "excludeResourceRules", "matchPolicy"},
        "spec.matchConstraints.namespaceSelector": SELECTOR,
        "spec.matchConstraints.namespaceSelector.matchExpressions.[]": {"key", "operator", "values"},
        "spec.matchConstraints.resourceRules.[]": {"resourceNames", "operations", "apiGroups",
                                                   "apiVersions", "resources", "scope"},
        "spec.validations.[]": {"expression", "message", "reason", "messageExpression"},
        "spec.variables.[]": {"name", "expression"},
    },
    "ValidatingAdmissionPolicyBinding": {
        "": {"apiVersion", "kind", "metadata", "spec"},
        "metadata": META,
        "spec": {"policyName", "paramRef", "matchResources", "validationActions"},
    },
    "ClusterPolicy": {
        "": {"apiVersion", "kind", "metadata", "spec"},
        "metadata": META,
        "spec": {"admission", "applyRules", "background", "emitWarning", "failurePolicy",
                 "generateExisting", "generateExistingOnPolicyUpdate",
                 "mutateExistingOnPolicyUpdate", "rules", "schemaValidation",
                 "useServerSideApply", "validationFailureAction",
                 "validationFailureActionOverrides", "webhookConfiguration",
                 "webhookTimeoutSeconds"},
        "spec.rules.[]": {"celPreconditions", "context", "exclude", "generate", "imageExtractors",
                          "match", "mutate", "name", "preconditions", "reportProperties",
                          "skipBackgroundRequests", "validate", "verifyImages"},
        "spec.rules.[].match": {"all", "any", "clusterRoles", "resources", "roles", "subjects"},
        "spec.rules.[].exclude": {"all", "any", "clusterRoles", "resources", "roles", "subjects"},
        "spec.rules.[].match.any.[]": {"clusterRoles", "resources", "roles", "subjects"},
        "spec.rules.[].exclude.any.[]": {"clusterRoles", "resources", "roles", "subjects"},
        "spec.rules.[].match.any.[].resources": {"annotations", "kinds", "name", "names",
                                                 "namespaceSelector", "namespaces",
                                                 "operations", "selector"},
        "spec.rules.[].exclude.any.[].subjects.[]": {"apiGroup", "kind", "name", "namespace"},
        "spec.rules.[].validate": {"allowExistingViolations", "anyPattern", "assert", "cel", "deny",
                                   "failureAction", "failureActionOverrides", "foreach",
                                   "manifests", "message", "pattern", "podSecurity"},
        "spec.rules.[].validate.deny": {"conditions"},
    },
    "ConstraintTemplate": {
        "": {"apiVersion", "kind", "metadata", "spec"},
        "metadata": META,
        "spec": {"crd", "targets"},
        "spec.crd": {"spec"},
        "spec.crd.spec": {"names", "validation"},
        "spec.crd.spec.names": {"kind", "shortNames"},
        "spec.crd.spec.validation": {"legacySchema", "openAPIV3Schema"},
        "spec.targets.[]": {"code", "libs", "operations", "rego", "target"},
    },
    "constraint": {
        "": {"apiVersion", "kind", "metadata", "spec"},
        "metadata": META,
        "spec": {"enforcementAction", "scopedEnforcementActions", "match", "parameters"},
        "spec.match": {"excludedNamespaces", "kinds", "labelSelector", "name",
                       "namespaceSelector", "namespaces", "scope", "source"},
        "spec.match.kinds.[]": {"apiGroups", "kinds"},
    },
}
ENUMS = {
    "spec.failurePolicy": {"Fail", "Ignore"},
    "spec.matchConstraints.resourceRules.[].operations.[]": {"*", "CREATE", "UPDATE", "DELETE", "CONNECT"},
    "spec.matchConstraints.resourceRules.[].scope": {"*", "Cluster", "Namespaced"},
    "spec.matchConstraints.namespaceSelector.matchExpressions.[].operator":
        {"In", "NotIn", "Exists", "DoesNotExist"},
    "spec.validations.[].reason": {"Unauthorized", "Forbidden", "Invalid", "RequestEntityTooLarge"},
    "spec.validationActions.[]": {"Deny", "Warn", "Audit"},
    "spec.validationFailureAction": {"Audit", "Enforce", "audit", "enforce"},
    "spec.rules.[].match.any.[].resources.operations.[]": {"CREATE", "CONNECT", "UPDATE", "DELETE"},
    "spec.rules.[].exclude.any.[].subjects.[].kind": {"User", "Group", "ServiceAccount"},
    "spec.enforcementAction": {"deny", "dryrun", "warn"},
    "spec.match.scope": {"*", "Cluster", "Namespaced"},
}


def unknown_fields(v, table, path=()):
    """The members of v, at any depth, that the table does not allow, and
    the values outside their enumeration."""
    where = ".".join(path)
    bad = []
    if isinstance(v, dict):
        if where in table:
            bad += ["%s.%s" % (where, k) if where else k for k in v if k not in table[where]]
        for k, x in v.items():
            bad += unknown_fields(x, table, path + (k,))
    elif isinstance(v, list):
        for x in v:
            bad += unknown_fields(x, table, path + ("[]",))
    elif where in ENUMS and v not in ENUMS[where]:
        bad.append("%s: %r" % (where, v))
    return bad


for d in docs:
    table = FIELDS.get(d.get("kind"), FIELDS["constraint"])
    bad = unknown_fields(d, table)
    report("%s %s: only fields and values its schema knows" % (d.get("kind"), d["metadata"]["name"]),
           not bad, bad)

# ---- CEL ---------------------------------------------------------------------

TOKEN = re.compile(r"""\s*(?:
    (?P<str>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<num>\d+)
  | (?P<op>\|\||&&|==|!=|<=|>=|[!<>()\[\]{},.:?+\-*/%])
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
)""", re.X)


def tokenize(text):
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise SyntaxError("bad character at %d: %r" % (pos, text[pos:pos + 10]))
        pos = m.end()
        kind = m.lastgroup
        val = m.group(kind)
        if kind == "str":
            body = val[1:-1]
            val = re.sub(r"\\(.)", r"\1", body)
        out.append((kind, val))
    out.append(("end", None))
    return out


class Parser:
    """Builds tuples: ('lit', v) ('id', name) ('sel', e, f) ('call', target, f, args)
    ('list', items) ('not', e) ('or', a, b) ('and', a, b) ('in', a, b) ('eq', a, b)."""

    def __init__(self, text):
        self.t = tokenize(text)
        self.i = 0

    def peek(self, val=None):
        k, v = self.t[self.i]
        return v if val is None else (k == "op" and v == val)

    def take(self, val=None):
        k, v = self.t[self.i]
        if val is not None and not (k in ("op", "id") and v == val):
            raise SyntaxError("expected %r, got %r" % (val, v))
        self.i += 1
        return k, v

    def parse(self):
        e = self.expr()
        if self.t[self.i][0] != "end":
            raise SyntaxError("trailing %r" % (self.t[self.i][1],))
        return e

    def expr(self):
        e = self.or_()
        if self.peek("?"):
            self.take("?")
            a = self.expr()
            self.take(":")
            return ("cond", e, a, self.expr())
        return e

    def or_(self):
        e = self.and_()
        while self.peek("||"):
            self.take()
            e = ("or", e, self.and_())
        return e

    def and_(self):
        e = self.rel()
        while self.peek("&&"):
            self.take()
            e = ("and", e, self.rel())
        return e

    def rel(self):
        e = self.unary()
        k, v = self.t[self.i]
        if k == "id" and v == "in":
            self.take()
            return ("in", e, self.unary())
        if k == "op" and v in ("==", "!="):
            self.take()
            return ("eq" if v == "==" else "ne", e, self.unary())
        return e

    def unary(self):
        if self.peek("!"):
            self.take()
            return ("not", self.unary())
        return self.member()

    def args(self):
        self.take("(")
        out = []
        if not self.peek(")"):
            out.append(self.expr())
            while self.peek(","):
                self.take()
                out.append(self.expr())
        self.take(")")
        return out

    def member(self):
        e = self.primary()
        while True:
            if self.peek("."):
                self.take()
                k, f = self.take()
                if k != "id":
                    raise SyntaxError("field name expected after '.'")
                if self.peek("("):
                    e = ("call", e, f, self.args())
                else:
                    e = ("sel", e, f)
            elif self.peek("["):
                self.take()
                idx = self.expr()
                self.take("]")
                e = ("index", e, idx)
            else:
                return e

    def primary(self):
        k, v = self.t[self.i]
        if k == "str":
            self.take()
            return ("lit", v)
        if k == "num":
            self.take()
            return ("lit", int(v))
        if k == "id":
            self.take()
            if v in ("true", "false"):
                return ("lit", v == "true")
            if v == "null":
                return ("lit", None)
            if self.peek("("):
                return ("call", None, v, self.args())
            return ("id", v)
        if self.peek("("):
            self.take()
            e = self.expr()
            self.take(")")
            return e
        if self.peek("["):
            self.take()
            items = []
            if not self.peek("]"):
                items.append(self.expr())
                while self.peek(","):
                    self.take()
                    if self.peek("]"):
                        break
                    items.append(self.expr())
            self.take("]")
            return ("list", items)
        raise SyntaxError("unexpected %r" % (v,))


ROOTS = {"request", "variables", "object", "oldObject"}
REQUEST_FIELDS = {"userInfo", "operation"}


def check_names(e, bound=frozenset(), variables=frozenset()):
    """Raises when the expression reaches outside what the policy may read."""
    op = e[0]
    if op == "id":
        if e[1] not in ROOTS and e[1] not in bound:
            raise NameError("identifier %r" % e[1])
    elif op == "sel":
        base = e[1]
        if base == ("id", "request") and e[2] not in REQUEST_FIELDS:
            raise NameError("request.%s" % e[2])
        if base == ("id", "variables") and e[2] not in variables:
            raise NameError("variables.%s is not defined" % e[2])
        check_names(base, bound, variables)
    elif op == "call":
        target, name, args = e[1], e[2], e[3]
        if target is None:
            if name != "has" or len(args) != 1 or args[0][0] != "sel":
                raise NameError("function %s" % name)
            check_names(args[0], bound, variables)
        elif name in ("exists", "all"):
            if len(args) != 2 or args[0][0] != "id":
                raise SyntaxError("%s() takes a variable and a predicate" % name)
            check_names(target, bound, variables)
            check_names(args[1], bound | {args[0][1]}, variables)
        else:
            raise NameError("method %s" % name)
    elif op == "list":
        for x in e[1]:
            check_names(x, bound, variables)
    elif op in ("lit",):
        pass
    else:
        for x in e[1:]:
            check_names(x, bound, variables)


MISSING = object()


def evaluate(e, env):
    op = e[0]
    if op == "lit":
        return e[1]
    if op == "id":
        return env[e[1]]
    if op == "list":
        return [evaluate(x, env) for x in e[1]]
    if op == "sel":
        base = evaluate(e[1], env)
        if not isinstance(base, dict) or e[2] not in base:
            raise KeyError("no such key: %s" % e[2])
        return base[e[2]]
    if op == "not":
        return not evaluate(e[1], env)
    if op == "or":
        return evaluate(e[1], env) or evaluate(e[2], env)
    if op == "and":
        return evaluate(e[1], env) and evaluate(e[2], env)
    if op == "in":
        return evaluate(e[1], env) in evaluate(e[2], env)
    if op == "eq":
        return evaluate(e[1], env) == evaluate(e[2], env)
    if op == "ne":
        return evaluate(e[1], env) != evaluate(e[2], env)
    if op == "call":
        target, name, args = e[1], e[2], e[3]
        if target is None and name == "has":
            base = evaluate(args[0][1], env)
            return isinstance(base, dict) and args[0][2] in base
        if name == "exists":
            return any(evaluate(args[1], dict(env, **{args[0][1]: x}))
                       for x in evaluate(target, env))
    raise ValueError("cannot evaluate %r" % (e,))


# ---- the formats ---------------------------------------------------------------


def by_kind(kind):
    return [d for d in docs if d.get("kind") == kind]


def check_vap():
    pols, binds = by_kind("ValidatingAdmissionPolicy"), by_kind("ValidatingAdmissionPolicyBinding")
    report("one policy and one binding", len(pols) == 1 and len(binds) == 1 and len(docs) == 2,
           [d.get("kind") for d in docs])
    p, b = pols[0], binds[0]
    report("apiVersion admissionregistration.k8s.io/v1",
           p["apiVersion"] == b["apiVersion"] == "admissionregistration.k8s.io/v1")
    spec = p["spec"]
    report("failurePolicy Fail", spec.get("failurePolicy") == "Fail")
    want = ["Audit", "Warn"] if AUDIT else ["Deny"]
    report("binding binds the policy with %s" % want,
           b["spec"].get("policyName") == p["metadata"]["name"] and
           b["spec"].get("validationActions") == want, b["spec"])
    mc = spec["matchConstraints"]
    sel = mc["namespaceSelector"]["matchExpressions"]
    report("namespace selector: the managed namespaces by kubernetes.io/metadata.name",
           sel == [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": NAMESPACES}], sel)
    got_ns, got_cl = set(), set()
    kinds_ok = True
    for r in mc["resourceRules"]:
        kinds_ok &= r["operations"] == OPERATIONS and r["apiVersions"] == ["*"]
        kinds_ok &= all("/" not in x for x in r["resources"])   # no subresource
        kinds_ok &= len(r["apiGroups"]) == 1
        for res in r["resources"]:
            if r["scope"] == "Namespaced":
                kinds_ok &= "resourceNames" not in r
                got_ns.add((r["apiGroups"][0], res))
            else:
                for n in r["resourceNames"]:
                    got_cl.add((r["apiGroups"][0], res, n))
    report("rules: create, update and delete of resources, never subresources", kinds_ok, mc)
    report("rules: the namespaced kinds", got_ns == {(g, r) for g, _, r in NAMESPACED},
           sorted(got_ns))
    report("rules: the cluster-scoped objects by name",
           got_cl == {(g, r, n) for g, _, r, n in CLUSTER_OBJECTS}, sorted(got_cl))
    variables = {}
    names = set()
    try:
        for v in spec.get("variables", []):
            tree = Parser(v["expression"]).parse()
            check_names(tree, variables=frozenset(names))
            variables[v["name"]] = evaluate(tree, {})
            names.add(v["name"])
        report("variables parse as CEL lists of strings",
               all(isinstance(x, list) and all(isinstance(s, str) for s in x)
                   for x in variables.values()), variables)
    except (SyntaxError, NameError, KeyError, ValueError) as err:
        report("variables parse as CEL", False, err)
        return
    vals = spec["validations"]
    report("one validation, reason Forbidden, with a message naming the break-glass group",
           len(vals) == 1 and vals[0].get("reason") == "Forbidden" and
           "ops:break-glass" in vals[0].get("message", ""), vals)
    try:
        tree = Parser(vals[0]["expression"]).parse()
        check_names(tree, variables=frozenset(names))
        report("the validation parses and reads only request.userInfo and variables", True)
    except (SyntaxError, NameError) as err:
        report("the validation parses and reads only request.userInfo and variables", False, err)
        return
    for who, user, groups, allowed in REQUESTS:
        for op in OPERATIONS:
            ui = {"username": user}
            if groups is not None:
                ui["groups"] = groups
            env = {"request": {"userInfo": ui, "operation": op}, "variables": variables}
            try:
                got = bool(evaluate(tree, env))
            except KeyError as err:
                got = "error: %s" % err
            if got != allowed:
                report("%s, %s: %s" % (who, op, "allowed" if allowed else "refused"), False, got)
                break
        else:
            report("%s: %s" % (who, "allowed" if allowed else "refused"), True)


def kyverno_kind(k):
    """('group', 'Kind') from a Kyverno kind selector."""
    parts = k.split("/")
    if len(parts) == 1:
        return ("", parts[0])
    if len(parts) == 3 and parts[1] == "*":
        return (parts[0], parts[2])
    raise ValueError(k)


def kyverno_subject_matches(s, user, groups):
    if s["kind"] == "ServiceAccount":
        return user == SA + s["namespace"] + ":" + s["name"]
    if s["kind"] == "Group":
        return s["name"] in (groups or [])
    if s["kind"] == "User":
        return s["name"] == user
    raise ValueError(s)


def check_kyverno():
    pols = by_kind("ClusterPolicy")
    report("one ClusterPolicy", len(pols) == 1 and len(docs) == 1)
    p = pols[0]
    spec = p["spec"]
    report("kyverno.io/v1", p["apiVersion"] == "kyverno.io/v1")
    report("validationFailureAction %s" % ("Audit" if AUDIT else "Enforce"),
           spec.get("validationFailureAction") == ("Audit" if AUDIT else "Enforce"))
    report("background off (userInfo is known at admission only)", spec.get("background") is False)
    got_ns, got_cl, shape = set(), set(), True
    for rule in spec["rules"]:
        shape &= rule["validate"].get("deny") == {} and "ops:break-glass" in rule["validate"]["message"]
        for f in rule["match"]["any"]:
            res = f["resources"]
            shape &= res["operations"] == OPERATIONS
            for k in res["kinds"]:
                g, kind = kyverno_kind(k)
                if "namespaces" in res:
                    shape &= res["namespaces"] == NAMESPACES and "names" not in res
                    got_ns.add((g, kind))
                else:
                    for n in res["names"]:
                        got_cl.add((g, kind, n))
    report("rules deny with a message naming the break-glass group, on create, update and delete",
           shape, spec["rules"])
    report("the namespaced kinds in the managed namespaces",
           got_ns == {(g, k) for g, k, _ in NAMESPACED}, sorted(got_ns))
    report("the cluster-scoped objects by name",
           got_cl == {(g, k, n) for g, k, _, n in CLUSTER_OBJECTS}, sorted(got_cl))
    for who, user, groups, allowed in REQUESTS:
        ok = True
        for rule in spec["rules"]:
            excluded = any(kyverno_subject_matches(s, user, groups)
                           for f in rule["exclude"]["any"] for s in f["subjects"])
            ok &= excluded == allowed
        report("%s: %s in every rule" % (who, "excluded" if allowed else "not excluded"), ok)


def check_gatekeeper():
    tpls = by_kind("ConstraintTemplate")
    report("one ConstraintTemplate", len(tpls) == 1)
    t = tpls[0]
    kind = t["spec"]["crd"]["spec"]["names"]["kind"]
    report("template name is its kind in lower case", t["metadata"]["name"] == kind.lower())
    rego = t["spec"]["targets"][0]["rego"]
    report("target admission.k8s.gatekeeper.sh",
           t["spec"]["targets"][0]["target"] == "admission.k8s.gatekeeper.sh")
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', '""', re.sub(r"#.*", "", rego))
    balanced = all(stripped.count(a) == stripped.count(b) for a, b in ("{}", "[]", "()"))
    report("Rego: brackets balance", balanced, rego)
    report("Rego: package named after the template",
           rego.startswith("package %s\n" % t["metadata"]["name"]))
    report("Rego: a violation rule judging input.review.userInfo against the parameters",
           "violation[{\"msg\": msg}]" in rego and "input.review.userInfo.username == input.parameters.users[_]" in rego
           and "input.review.userInfo.groups[_] == input.parameters.groups[_]" in rego and "not allowed" in rego)
    report("Rego: subresources and the audit's replays are left alone",
           'object.get(input.review, "subResource", "") == ""' in rego and
           "operations[input.review.operation]" in rego)
    props = t["spec"]["crd"]["spec"]["validation"]["openAPIV3Schema"]["properties"]
    report("parameters schema: users, groups, objects, message",
           set(props) == {"users", "groups", "objects", "message"}, props)
    cons = [d for d in docs if d.get("kind") == kind]
    report("two constraints of the template's kind", len(cons) == 2 and len(docs) == 3)
    got_ns, got_cl = set(), set()
    for c in cons:
        report("%s: constraints.gatekeeper.sh/v1beta1, enforcementAction %s" %
               (c["metadata"]["name"], "warn" if AUDIT else "deny"),
               c["apiVersion"] == "constraints.gatekeeper.sh/v1beta1" and
               c["spec"]["enforcementAction"] == ("warn" if AUDIT else "deny"))
        m, params = c["spec"]["match"], c["spec"]["parameters"]
        report("%s: parameters name the break-glass group and the appliers" % c["metadata"]["name"],
               "ops:break-glass" in params["groups"] and
               SA + "flux-system:kustomize-controller" in params["users"] and
               "o'neil@example.com" in params["users"], params)
        if m["scope"] == "Namespaced":
            report("namespaced constraint: the managed namespaces", m["namespaces"] == NAMESPACES)
            for entry in m["kinds"]:
                for k in entry["kinds"]:
                    got_ns.add((entry["apiGroups"][0], k))
        else:
            kinds = {(e["apiGroups"][0], k) for e in m["kinds"] for k in e["kinds"]}
            for o in params["objects"]:
                got_cl.add((o["group"], o["kind"], o["name"]))
            report("cluster constraint: its kinds cover its objects",
                   kinds == {(g, k) for g, k, _ in got_cl} and "namespaces" not in m)
        for who, user, groups, allowed in REQUESTS:
            got = user in params["users"] or any(g in params["groups"] for g in (groups or []))
            report("%s, %s: %s" % (c["metadata"]["name"], who, "allowed" if allowed else "refused"),
                   got == allowed)
    report("the namespaced kinds", got_ns == {(g, k) for g, k, _ in NAMESPACED}, sorted(got_ns))
    report("the cluster-scoped objects by name",
           got_cl == {(g, k, n) for g, k, _, n in CLUSTER_OBJECTS}, sorted(got_cl))


{"vap": check_vap, "kyverno": check_kyverno, "gatekeeper": check_gatekeeper}[FMT]()
sys.exit(1 if failures else 0)
