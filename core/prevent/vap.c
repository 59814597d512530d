/*
 * vap — the scope as a Kubernetes ValidatingAdmissionPolicy and its
 * binding (admissionregistration.k8s.io/v1, Kubernetes 1.30 and later).
 *
 * matchConstraints carry the scope: resource rules per API group for the
 * namespaced kinds, limited to the managed namespaces by a namespace
 * selector on kubernetes.io/metadata.name (which the API server sets on
 * every namespace), and rules with resourceNames for the cluster-scoped
 * objects (a namespace selector never skips cluster-scoped objects, and
 * matches a Namespace by its own labels).  Rules name resources, never
 * subresources, so status and scale writes are not matched.  The one
 * validation lets a request through when request.userInfo names an
 * allowed user or carries an allowed group; names are CEL string literals
 * in two variables.
 */
#include "prevent_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

/* Written on several lines, so that the YAML shows them as literal
 * blocks, one name a line. */
static const char allow_expression[] =
	"request.userInfo.username in variables.allowedUsers ||\n"
	"(has(request.userInfo.groups) &&\n"
	" request.userInfo.groups.exists(g, g in variables.allowedGroups))";

/* A CEL list literal of single-quoted strings, one a line. */
static int cel_list(kd_buf *out, const json_t *names)
{
	size_t i;
	json_t *v;
	int rc = kd_buf_putc(out, '[');

	json_array_foreach(names, i, v) {
		const char *p;

		if (rc == 0)
			rc = kd_buf_puts(out, i > 0 ? ",\n  '" : "\n  '");
		for (p = json_string_value(v); rc == 0 && *p; p++) {
			if (*p == '\\' || *p == '\'')
				rc = kd_buf_putc(out, '\\');
			if (rc == 0)
				rc = kd_buf_putc(out, *p);
		}
		if (rc == 0)
			rc = kd_buf_putc(out, '\'');
	}
	return rc == 0 ? kd_buf_puts(out, "\n]") : rc;
}

static json_t *variable(const char *name, const json_t *names)
{
	kd_buf b = KD_BUF_INIT;
	json_t *v = NULL;

	if (cel_list(&b, names) == 0)
		v = json_pack("{s:s, s:s}", "name", name, "expression", kd_buf_cstr(&b));
	kd_buf_free(&b);
	return v;
}

static json_t *rule(const char *group, json_t *resources, const char *scope)
{
	return json_pack("{s:[s], s:[s], s:[s, s, s], s:o, s:s}", "apiGroups", group,
			 "apiVersions", "*", "operations", "CREATE", "UPDATE", "DELETE",
			 "resources", resources, "scope", scope);
}

/* One rule per API group for the namespaced kinds; one per resource, with
 * its names, for the cluster-scoped objects. */
static json_t *resource_rules(const kd_prevent_scope *scope)
{
	json_t *rules = json_array(), *list = NULL, *r = NULL, *v;
	const json_t *prev = NULL;
	size_t i;

	if (!rules)
		return NULL;
	json_array_foreach(scope->kinds, i, v) {
		if (!prev || strcmp(kd_prevent_str(prev, "group"), kd_prevent_str(v, "group"))) {
			if (!(list = json_array()) ||
			    !kd_prevent_push(rules, rule(kd_prevent_str(v, "group"), list, "Namespaced")))
				goto fail;
		}
		if (json_array_append(list, json_object_get(v, "resource")) < 0)
			goto fail;
		prev = v;
	}
	prev = NULL;
	json_array_foreach(scope->objects, i, v) {
		if (!prev || strcmp(kd_prevent_str(prev, "group"), kd_prevent_str(v, "group")) ||
		    strcmp(kd_prevent_str(prev, "resource"), kd_prevent_str(v, "resource"))) {
			if (!(list = json_array()) ||
			    !(r = rule(kd_prevent_str(v, "group"),
				       json_pack("[O]", json_object_get(v, "resource")), "Cluster")) ||
			    json_object_set_new(r, "resourceNames", list) < 0 ||
			    !kd_prevent_push(rules, r))
				goto fail;
			r = NULL;
		}
		if (json_array_append(list, json_object_get(v, "name")) < 0)
			goto fail;
		prev = v;
	}
	return rules;
fail:
	json_decref(r);
	json_decref(rules);
	return NULL;
}

static json_t *policy(const kd_prevent_scope *scope, const char *message)
{
	json_t *match = json_pack("{s:o}", "resourceRules", resource_rules(scope));

	if (match && json_array_size(scope->namespaces) &&
	    json_object_set_new(match, "namespaceSelector",
		json_pack("{s:[{s:s, s:s, s:O}]}", "matchExpressions",
			  "key", "kubernetes.io/metadata.name", "operator", "In",
			  "values", scope->namespaces)) < 0) {
		json_decref(match);
		return NULL;
	}
	return json_pack("{s:s, s:s, s:o, s:{s:s, s:o, s:[o, o], s:[{s:s, s:s, s:s}]}}",
		"apiVersion", "admissionregistration.k8s.io/v1",
		"kind", "ValidatingAdmissionPolicy",
		"metadata", kd_prevent_metadata(KD_PREVENT_NAME),
		"spec", "failurePolicy", "Fail", "matchConstraints", match,
		"variables", variable("allowedUsers", scope->users),
		variable("allowedGroups", scope->groups),
		"validations", "expression", allow_expression, "message", message,
		"reason", "Forbidden");
}

static json_t *binding(bool audit)
{
	json_t *actions = audit ? json_pack("[s, s]", "Audit", "Warn") : json_pack("[s]", "Deny");

	return json_pack("{s:s, s:s, s:o, s:{s:s, s:o}}",
		"apiVersion", "admissionregistration.k8s.io/v1",
		"kind", "ValidatingAdmissionPolicyBinding",
		"metadata", kd_prevent_metadata(KD_PREVENT_NAME),
		"spec", "policyName", KD_PREVENT_NAME, "validationActions", actions);
}

int kd_prevent_vap(json_t *docs, const kd_prevent_scope *scope, bool audit)
{
	char *message = NULL;
	int rc;

	if ((rc = kd_prevent_message(&message, scope)) < 0)
		return rc;
	if (!kd_prevent_push(docs, policy(scope, message)) ||
	    !kd_prevent_push(docs, binding(audit)))
		rc = oom();
	free(message);
	return rc;
}
