/*
 * kyverno — the scope as one Kyverno ClusterPolicy (kyverno.io/v1).
 *
 * One rule for the namespaced kinds in the managed namespaces, one for the
 * cluster-scoped objects by name; each matches CREATE, UPDATE and DELETE
 * of the main resource only (Kyverno matches a subresource only when a
 * rule names it), excludes the identities let through as `subjects`, and
 * denies what is left with an empty `deny`.  Kyverno refuses rules on
 * request.userInfo in background scans, so `background` is off: who made a
 * change is only known at admission.
 */
#include "prevent_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"

#define SA_PREFIX "system:serviceaccount:"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

/* Kyverno's kind selector: "Kind" for the core group, else
 * "GROUP/VERSION/Kind" with the wildcard '*' as VERSION (any version). */
static json_t *kind_name(const json_t *k)
{
	const char *group = kd_prevent_str(k, "group"), *kind = kd_prevent_str(k, "kind");
	kd_buf b = KD_BUF_INIT;
	json_t *s;

	if (*group)
		kd_buf_printf(&b, "%s/*/%s", group, kind);
	else
		kd_buf_puts(&b, kind);
	s = json_string(kd_buf_cstr(&b));
	kd_buf_free(&b);
	return s;
}

static json_t *operations(void)
{
	return json_pack("[s, s, s]", "CREATE", "UPDATE", "DELETE");
}

/* A user name of a service account ("system:serviceaccount:NS:NAME")
 * becomes a ServiceAccount subject, any other a User. */
static json_t *user_subject(const char *user)
{
	const char *rest = user + strlen(SA_PREFIX), *colon;
	json_t *v;
	char *ns;

	if (strncmp(user, SA_PREFIX, strlen(SA_PREFIX)) != 0 ||
	    !(colon = strchr(rest, ':')) || colon == rest || !colon[1] || strchr(colon + 1, ':'))
		return json_pack("{s:s, s:s}", "kind", "User", "name", user);
	if (!(ns = strndup(rest, (size_t)(colon - rest))))
		return NULL;
	v = json_pack("{s:s, s:s, s:s}", "kind", "ServiceAccount", "name", colon + 1,
		      "namespace", ns);
	free(ns);
	return v;
}

static json_t *exclude(const kd_prevent_scope *scope)
{
	json_t *subjects = json_array(), *v;
	size_t i;

	if (!subjects)
		return NULL;
	json_array_foreach(scope->users, i, v)
		if (!kd_prevent_push(subjects, user_subject(json_string_value(v))))
			goto fail;
	json_array_foreach(scope->groups, i, v)
		if (!kd_prevent_push(subjects, json_pack("{s:s, s:O}", "kind", "Group", "name", v)))
			goto fail;
	return json_pack("{s:[{s:o}]}", "any", "subjects", subjects);
fail:
	json_decref(subjects);
	return NULL;
}

static json_t *rule(const char *name, json_t *any, const kd_prevent_scope *scope,
		    const char *message)
{
	if (!any)
		return NULL;
	return json_pack("{s:s, s:{s:o}, s:o, s:{s:s, s:{}}}", "name", name, "match", "any", any,
			 "exclude", exclude(scope), "validate", "message", message, "deny");
}

static json_t *namespaced_match(const kd_prevent_scope *scope)
{
	json_t *kinds = json_array(), *v;
	size_t i;

	if (!kinds)
		return NULL;
	json_array_foreach(scope->kinds, i, v)
		if (!kd_prevent_push(kinds, kind_name(v))) {
			json_decref(kinds);
			return NULL;
		}
	return json_pack("[{s:{s:o, s:O, s:o}}]", "resources", "kinds", kinds,
			 "namespaces", scope->namespaces, "operations", operations());
}

/* One filter per kind: its objects by name. */
static json_t *cluster_match(const kd_prevent_scope *scope)
{
	json_t *any = json_array(), *names = NULL, *v;
	const json_t *prev = NULL;
	size_t i;

	if (!any)
		return NULL;
	json_array_foreach(scope->objects, i, v) {
		if (!prev || strcmp(kd_prevent_str(prev, "group"), kd_prevent_str(v, "group")) ||
		    strcmp(kd_prevent_str(prev, "kind"), kd_prevent_str(v, "kind"))) {
			if (!(names = json_array()) ||
			    !kd_prevent_push(any, json_pack("{s:{s:[o], s:o, s:o}}", "resources",
							    "kinds", kind_name(v), "names", names,
							    "operations", operations())))
				goto fail;
		}
		if (json_array_append(names, json_object_get(v, "name")) < 0)
			goto fail;
		prev = v;
	}
	return any;
fail:
	json_decref(any);
	return NULL;
}

int kd_prevent_kyverno(json_t *docs, const kd_prevent_scope *scope, bool audit)
{
	json_t *rules = json_array(), *meta = kd_prevent_metadata(KD_PREVENT_NAME);
	char *message = NULL;
	int rc = 0;

	if (!rules || !meta || (rc = kd_prevent_message(&message, scope)) < 0)
		goto cleanup;
	if ((json_array_size(scope->kinds) &&
	     !kd_prevent_push(rules, rule("gitops-only-namespaced", namespaced_match(scope),
					  scope, message))) ||
	    (json_array_size(scope->objects) &&
	     !kd_prevent_push(rules, rule("gitops-only-cluster-scoped", cluster_match(scope),
					  scope, message))) ||
	    json_object_set_new(meta, "annotations", json_pack("{s:s, s:s}",
		"policies.kyverno.io/title", "Changes only through GitOps",
		"policies.kyverno.io/description",
		"Objects that the fleet's GitOps repository manages may be created, changed or "
		"deleted only by the GitOps controllers, the break-glass group and Kubernetes' "
		"own controllers. Written by kdrift policy export.")) < 0 ||
	    !kd_prevent_push(docs, json_pack("{s:s, s:s, s:O, s:{s:s, s:b, s:O}}",
		"apiVersion", "kyverno.io/v1", "kind", "ClusterPolicy", "metadata", meta,
		"spec", "validationFailureAction", audit ? "Audit" : "Enforce",
		"background", 0, "rules", rules)))
		rc = oom();
cleanup:
	if (rc == 0 && (!rules || !meta))
		rc = oom();
	json_decref(rules);
	json_decref(meta);
	free(message);
	return rc;
}
