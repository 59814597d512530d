/*
 * gatekeeper — the scope as an OPA Gatekeeper ConstraintTemplate (Rego)
 * and its constraints: one for the namespaced kinds in the managed
 * namespaces, one for the cluster-scoped objects, whose names the Rego
 * checks (a constraint's `match` takes one name only).
 *
 * The identities let through are the constraints' parameters, so the Rego
 * never holds a name from the fleet file.  The Rego judges admission
 * requests only: Gatekeeper's audit replays existing objects without a
 * user or an operation, and who makes a change is all this policy is
 * about.  Gatekeeper's webhook sees no DELETE until DELETE is added to its
 * ValidatingWebhookConfiguration (the man page says how).
 */
#include "prevent_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"

#define TEMPLATE_KIND "KdriftGitOpsOnly"
#define TEMPLATE_NAME "kdriftgitopsonly"

/* Two-space indentation and no trailing blanks, so that the YAML writer
 * keeps it a literal block. */
static const char rego_head[] =
	"package kdriftgitopsonly\n"
	"\n"
	"# Admission requests only: the audit replays existing objects without a\n"
	"# user, and who makes a change is what this policy judges.\n"
	"violation[{\"msg\": msg}] {\n"
	"  operations := {\"CREATE\", \"UPDATE\", \"DELETE\"}\n"
	"  operations[input.review.operation]\n"
	"  object.get(input.review, \"subResource\", \"\") == \"\"\n"
	"  in_scope\n"
	"  not allowed\n"
	"  msg := sprintf(\"%v %v: %v\", [input.review.kind.kind, input.review.name, input.parameters.message])\n"
	"}\n"
	"\n"
	"# Namespaced constraints match by kind and namespace; cluster-scoped\n"
	"# objects are listed by name.\n"
	"in_scope {\n"
	"  count(object.get(input.parameters, \"objects\", [])) == 0\n"
	"}\n"
	"\n"
	"in_scope {\n"
	"  o := input.parameters.objects[_]\n"
	"  o.group == input.review.kind.group\n"
	"  o.kind == input.review.kind.kind\n"
	"  o.name == input.review.name\n"
	"}\n"
	"\n"
	"allowed {\n"
	"  input.review.userInfo.username == input.parameters.users[_]\n"
	"}\n"
	"\n"
	"allowed {\n"
	"  input.review.userInfo.groups[_] == input.parameters.groups[_]\n"
	"}\n";

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

static json_t *string_array_schema(void)
{
	return json_pack("{s:s, s:{s:s}}", "type", "array", "items", "type", "string");
}

static json_t *template_doc(void)
{
	json_t *object_schema = json_pack("{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}}}",
		"type", "object", "properties", "group", "type", "string",
		"kind", "type", "string", "name", "type", "string");

	return json_pack("{s:s, s:s, s:o, s:{s:{s:{s:{s:s}, s:{s:{s:s, s:{s:{s:s}, s:o, s:o, s:{s:s, s:o}}}}}}, s:[{s:s, s:s}]}}",
		"apiVersion", "templates.gatekeeper.sh/v1", "kind", "ConstraintTemplate",
		"metadata", kd_prevent_metadata(TEMPLATE_NAME),
		"spec",
		"crd", "spec", "names", "kind", TEMPLATE_KIND,
		"validation", "openAPIV3Schema", "type", "object", "properties",
		"message", "type", "string",
		"users", string_array_schema(), "groups", string_array_schema(),
		"objects", "type", "array", "items", object_schema,
		"targets", "target", "admission.k8s.gatekeeper.sh", "rego", rego_head);
}

/* match.kinds: one entry per API group, its kinds in order. */
static json_t *match_kinds(const json_t *list)
{
	json_t *out = json_array(), *kinds = NULL, *v;
	const json_t *prev = NULL;
	size_t i;

	if (!out)
		return NULL;
	json_array_foreach(list, i, v) {
		const char *group = kd_prevent_str(v, "group"), *kind = kd_prevent_str(v, "kind");

		if (prev && !strcmp(kd_prevent_str(prev, "group"), group) &&
		    !strcmp(kd_prevent_str(prev, "kind"), kind))
			continue;   /* objects: one kind, several names */
		if (!prev || strcmp(kd_prevent_str(prev, "group"), group)) {
			if (!(kinds = json_array()) ||
			    !kd_prevent_push(out, json_pack("{s:[s], s:o}", "apiGroups", group,
							    "kinds", kinds)))
				goto fail;
		}
		if (json_array_append_new(kinds, json_string(kind)) < 0)
			goto fail;
		prev = v;
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

static json_t *parameters(const kd_prevent_scope *scope, const char *message)
{
	return json_pack("{s:s, s:O, s:O}", "message", message, "users", scope->users,
			 "groups", scope->groups);
}

static json_t *constraint(const char *name, json_t *match, json_t *params, bool audit)
{
	return json_pack("{s:s, s:s, s:o, s:{s:s, s:o, s:o}}",
		"apiVersion", "constraints.gatekeeper.sh/v1beta1", "kind", TEMPLATE_KIND,
		"metadata", kd_prevent_metadata(name),
		"spec", "enforcementAction", audit ? "warn" : "deny", "match", match,
		"parameters", params);
}

/* The cluster-scoped objects as parameters: {group, kind, name}. */
static json_t *objects(const kd_prevent_scope *scope)
{
	json_t *out = json_array(), *v;
	size_t i;

	if (!out)
		return NULL;
	json_array_foreach(scope->objects, i, v)
		if (!kd_prevent_push(out, json_pack("{s:O, s:O, s:O}", "group",
						   json_object_get(v, "group"), "kind",
						   json_object_get(v, "kind"), "name",
						   json_object_get(v, "name")))) {
			json_decref(out);
			return NULL;
		}
	return out;
}

int kd_prevent_gatekeeper(json_t *docs, const kd_prevent_scope *scope, bool audit)
{
	char *message = NULL;
	json_t *params;
	int rc;

	if ((rc = kd_prevent_message(&message, scope)) < 0)
		return rc;
	if (!kd_prevent_push(docs, template_doc()))
		goto fail;
	if (json_array_size(scope->kinds) &&
	    !kd_prevent_push(docs, constraint(KD_PREVENT_NAME,
		json_pack("{s:s, s:o, s:O}", "scope", "Namespaced", "kinds",
			  match_kinds(scope->kinds), "namespaces", scope->namespaces),
		parameters(scope, message), audit)))
		goto fail;
	if (json_array_size(scope->objects)) {
		if (!(params = parameters(scope, message)))
			goto fail;
		if (json_object_set_new(params, "objects", objects(scope)) < 0) {
			json_decref(params);
			goto fail;
		}
		if (!kd_prevent_push(docs, constraint(KD_PREVENT_NAME "-cluster-scoped",
			json_pack("{s:s, s:o}", "scope", "Cluster", "kinds",
				  match_kinds(scope->objects)), params, audit)))
			goto fail;
	}
	free(message);
	return 0;
fail:
	free(message);
	return oom();
}
