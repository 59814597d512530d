/*
 * lifecycle — what creating or deleting some objects implies: a CRD's
 * kind becomes served (or stops being served, taking its objects along),
 * a deleted namespace takes its contents with it.
 */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *meta_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(json_object_get(o, "metadata"), k));
}

void ks_crd_register(ks_cluster *c, const json_t *crd)
{
	ks_type *t = NULL, **grown;
	size_t i;

	if (ks_type_from_crd(&t, crd) < 0)
		return;
	grown = realloc(c->crds, (c->ncrds + 1) * sizeof(*grown));
	if (!grown) {
		ks_type_free(t);
		return;
	}
	c->crds = grown;
	/* A redefinition hides the old type rather than freeing it: handlers
	 * running outside the lock may still point at it. */
	for (i = 0; i < c->ncrds; i++)
		if (!strcmp(c->crds[i]->group, t->group) && !strcmp(c->crds[i]->plural, t->plural))
			c->crds[i]->plural = "";
	c->crds[c->ncrds++] = t;
}

static void drop_prefix(ks_cluster *c, const char *prefix)
{
	size_t plen = strlen(prefix), i;

	for (i = ks_store_lower_bound(c, prefix); i < c->nobjs;) {
		if (strncmp(c->objs[i].key, prefix, plen))
			break;
		ks_store_delete(c, c->objs[i].key, NULL);
	}
}

/* Removes what a deleted namespace or CRD takes with it. */
void ks_cascade_delete(ks_cluster *c, const ks_type *t, const json_t *obj)
{
	const char *name = meta_str(obj, "name");
	size_t i, n;
	char prefix[512];

	if (!name)
		return;
	if (!strcmp(t->kind, "Namespace")) {
		const ks_type *b = ks_types_builtin(&n);
		for (i = 0; i < n; i++)
			if (b[i].namespaced) {
				snprintf(prefix, sizeof(prefix), "%s/%s/%s/", b[i].group, b[i].plural, name);
				drop_prefix(c, prefix);
			}
		for (i = 0; i < c->ncrds; i++)
			if (c->crds[i]->namespaced && *c->crds[i]->plural) {
				snprintf(prefix, sizeof(prefix), "%s/%s/%s/", c->crds[i]->group, c->crds[i]->plural, name);
				drop_prefix(c, prefix);
			}
	} else if (!strcmp(t->kind, "CustomResourceDefinition")) {
		for (i = 0; i < c->ncrds; i++) {
			ks_type *ct = c->crds[i];
			char full[300];
			snprintf(full, sizeof(full), "%s.%s", ct->plural, ct->group);
			if (*ct->plural && !strcmp(full, name)) {
				snprintf(prefix, sizeof(prefix), "%s/%s/", ct->group, ct->plural);
				drop_prefix(c, prefix);
				ct->plural = "";
			}
		}
	}
}

void ks_crd_status(json_t *obj)
{
	json_t *spec = json_object_get(obj, "spec"), *names = json_object_get(spec, "names");
	char ts[32];

	ks_now_rfc3339(ts);
	json_object_set_new(obj, "status", json_pack(
		"{s:O?, s:[{s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s}], s:[s]}",
		"acceptedNames", names, "conditions", "type", "NamesAccepted", "status", "True",
		"reason", "NoConflicts", "message", "no conflicts found", "lastTransitionTime", ts,
		"type", "Established", "status", "True", "reason", "InitialNamesAccepted",
		"message", "the initial names have been accepted", "lastTransitionTime", ts,
		"storedVersions", "v1"));
}
