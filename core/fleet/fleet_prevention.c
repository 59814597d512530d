/*
 * fleet_prevention — the identities admission policies let through
 * (`prevention:` and `breakGlass.group` in kdrift.yaml, see fleet.h and
 * DESIGN §12), with their defaults.
 *
 * Only parses and validates; what the policies look like is core/prevent's.
 * The names end up inside YAML, CEL string literals and Rego parameters,
 * so a name is refused when the three could read it differently: control
 * characters, surrounding white space, and the wildcards '*' and '?' that
 * Kyverno would match as patterns where Kubernetes compares exactly.
 */
#include "fleet_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* The GitOps appliers kdrift knows, as they are installed by default:
 * Flux's kustomize-controller and helm-controller in flux-system, Argo
 * CD's application controller and, since it writes the Applications an
 * ApplicationSet generates, its applicationset controller in argocd. */
static const char *const default_appliers[] = {
	"system:serviceaccount:flux-system:kustomize-controller",
	"system:serviceaccount:flux-system:helm-controller",
	"system:serviceaccount:argocd:argocd-application-controller",
	"system:serviceaccount:argocd:argocd-applicationset-controller",
	NULL,
};

static const char default_breakglass_group[] = "kdrift:break-glass";

/* Longer than any user name or group an authenticator hands out, short
 * enough to keep a policy readable. */
#define IDENTITY_MAX 512

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

/* NULL when the name is fine, else what is wrong with it. */
static const char *identity_problem(const char *s)
{
	const unsigned char *p;
	size_t len = strlen(s);

	if (len == 0)
		return "is empty";
	if (len > IDENTITY_MAX)
		return "is longer than 512 bytes";
	if (s[0] == ' ' || s[len - 1] == ' ')
		return "starts or ends with a space";
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return "holds a control character";
		if (*p == '*' || *p == '?')
			return "holds '*' or '?' (names are matched exactly, not as patterns)";
	}
	return NULL;
}

int kd_fcheck_identity(kd_fcheck *c, const char *name)
{
	const char *why = identity_problem(name);

	if (!why)
		return 0;
	return kd_fcheck_fail(c, "%s %s", kd_fcheck_where(c), why);
}

/* A list of user or group names (the current node), copied in order
 * without repeats. */
static int identity_list(kd_fcheck *c, json_t **out, const json_t *node)
{
	json_t *list = NULL;
	size_t i, j;
	int rc;

	*out = NULL;
	if ((rc = kd_fcheck_list(c, node)) < 0)
		return rc;
	if (!(list = json_array()))
		return oom();
	for (i = 0; i < json_array_size(node); i++) {
		const json_t *s = json_array_get(node, i);
		kd_fcheck_mark m;
		bool seen = false;

		if ((rc = kd_fcheck_push_index(c, i, &m)) < 0)
			goto cleanup;
		if (!json_is_string(s)) {
			rc = kd_fcheck_fail(c, "%s must be a string, not %s",
					    kd_fcheck_where(c),
					    kd_fcheck_type_name(s));
			goto cleanup;
		}
		if ((rc = kd_fcheck_identity(c, json_string_value(s))) < 0)
			goto cleanup;
		for (j = 0; j < json_array_size(list); j++)
			seen |= json_equal(json_array_get(list, j), s);
		if (!seen && json_array_append(list, (json_t *)s) < 0) {
			rc = oom();
			goto cleanup;
		}
		kd_fcheck_pop(c, &m);
	}
	*out = list;
	return 0;
cleanup:
	json_decref(list);
	return rc;
}

static int member_list(kd_fcheck *c, json_t **out, const json_t *node,
		       const char *key)
{
	const json_t *v = json_object_get(node, key);
	kd_fcheck_mark m;
	int rc;

	if (!v)
		return 0;
	if ((rc = kd_fcheck_push_key(c, key, &m)) < 0)
		return rc;
	json_decref(*out);
	*out = NULL;
	if ((rc = identity_list(c, out, v)) < 0)
		return rc;
	kd_fcheck_pop(c, &m);
	return 0;
}

int kd_fleet_prevention_defaults(kd_fleet *f)
{
	size_t i;

	if (!(f->applier_users = json_array()) || !(f->applier_groups = json_array()) ||
	    !(f->breakglass_group = strdup(default_breakglass_group)))
		return oom();
	for (i = 0; default_appliers[i]; i++)
		if (json_array_append_new(f->applier_users,
					  json_string(default_appliers[i])) < 0)
			return oom();
	return 0;
}

int kd_fleet_parse_prevention(kd_fcheck *c, kd_fleet *f, const json_t *node)
{
	static const char *const keys[] = { "appliers", "applierGroups", NULL };
	int rc;

	if ((rc = kd_fcheck_mapping(c, node, keys)) < 0 ||
	    (rc = member_list(c, &f->applier_users, node, "appliers")) < 0 ||
	    (rc = member_list(c, &f->applier_groups, node, "applierGroups")) < 0)
		return rc;
	/* A policy that nobody but the break-glass group may pass would stop
	 * the GitOps controller too: an empty list is a mistake. */
	if (json_array_size(f->applier_users) == 0 &&
	    json_array_size(f->applier_groups) == 0)
		return kd_fcheck_fail(c,
			"%s names no applier: give appliers or applierGroups (leave prevention out for Flux's and Argo CD's defaults)",
			kd_fcheck_where(c));
	return 0;
}
