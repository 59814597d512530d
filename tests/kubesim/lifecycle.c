/*
 * lifecycle — what creating or deleting some objects implies: a CRD's
 * kind becomes served (or stops being served, taking its objects along),
 * a deleted namespace takes its contents with it, aggregated ClusterRoles
 * follow the roles they select.
 */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

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

/* A LabelSelector object as selector text ("a=b,c in (x,y),!d"). */
static int selector_text(kd_buf *out, const json_t *sel)
{
	const char *k;
	json_t *v, *e, *x;
	size_t i, j;
	int rc = 0;

	json_object_foreach(json_object_get(sel, "matchLabels"), k, v)
		rc |= kd_buf_printf(out, "%s%s=%s", out->len ? "," : "", k,
				    json_string_value(v) ? json_string_value(v) : "");
	json_array_foreach(json_object_get(sel, "matchExpressions"), i, e) {
		const char *key = json_string_value(json_object_get(e, "key"));
		const char *op = json_string_value(json_object_get(e, "operator"));
		if (!key || !op)
			continue;
		if (out->len)
			rc |= kd_buf_putc(out, ',');
		if (!strcmp(op, "Exists")) {
			rc |= kd_buf_puts(out, key);
		} else if (!strcmp(op, "DoesNotExist")) {
			rc |= kd_buf_printf(out, "!%s", key);
		} else {
			rc |= kd_buf_printf(out, "%s %s (", key, !strcmp(op, "NotIn") ? "notin" : "in");
			json_array_foreach(json_object_get(e, "values"), j, x)
				rc |= kd_buf_printf(out, "%s%s", j ? "," : "", json_string_value(x) ? json_string_value(x) : "");
			rc |= kd_buf_putc(out, ')');
		}
	}
	return rc ? KD_ENOMEM : 0;
}

/* The rules an aggregated ClusterRole gets from the roles its selectors match. */
static json_t *aggregated_rules(ks_cluster *c, const json_t *role, const char *prefix)
{
	json_t *rules = json_array(), *sels = json_object_get(json_object_get(role, "aggregationRule"),
							     "clusterRoleSelectors"), *sel;
	size_t i, k, plen = strlen(prefix);

	for (i = ks_store_lower_bound(c, prefix); rules && i < c->nobjs &&
	     !strncmp(c->objs[i].key, prefix, plen); i++) {
		json_t *other = ks_obj_json(&c->objs[i]), *r;
		bool m = false;
		size_t j;

		if (!other || json_object_get(other, "aggregationRule")) {
			json_decref(other);
			continue;
		}
		json_array_foreach(sels, k, sel) {
			kd_buf text = KD_BUF_INIT;
			if (selector_text(&text, sel) == 0 && text.len &&
			    ks_label_selector_match(&m, kd_buf_cstr(&text),
						    json_object_get(json_object_get(other, "metadata"), "labels")) == 0 && m) {
				kd_buf_free(&text);
				break;
			}
			m = false;
			kd_buf_free(&text);
		}
		if (m)
			json_array_foreach(json_object_get(other, "rules"), j, r)
				json_array_append(rules, r);
		json_decref(other);
	}
	return rules;
}

void ks_clusterroles_aggregate(ks_cluster *c)
{
	const ks_type *t = ks_type_find_kind(c, "rbac.authorization.k8s.io", "ClusterRole");
	char *prefix = t ? ks_key(t, NULL, NULL) : NULL;
	json_t *keys = json_array(), *key;
	size_t i, plen;

	if (!prefix || !keys)
		goto cleanup;
	plen = strlen(prefix);
	for (i = ks_store_lower_bound(c, prefix); i < c->nobjs && !strncmp(c->objs[i].key, prefix, plen); i++)
		if (strstr(c->objs[i].blob->data, "\"aggregationRule\""))
			json_array_append_new(keys, json_string(c->objs[i].key));
	json_array_foreach(keys, i, key) {
		ks_obj *o = ks_store_get(c, json_string_value(key));
		json_t *role = o ? ks_obj_json(o) : NULL, *next, *rules;

		if (!role || !json_object_get(role, "aggregationRule")) {
			json_decref(role);
			continue;
		}
		rules = aggregated_rules(c, role, prefix);
		if (rules && !json_equal(rules, json_object_get(role, "rules"))) {
			/* written by the controller, as on a real cluster */
			next = json_deep_copy(role);
			if (next) {
				json_object_set(next, "rules", rules);
				if (ks_managed_update(next, role, "clusterrole-aggregation-controller", NULL,
						      "rbac.authorization.k8s.io/v1") == 0)
					ks_store_put(c, json_string_value(key), next, false);
				json_decref(next);
			}
		}
		json_decref(rules);
		json_decref(role);
	}
cleanup:
	json_decref(keys);
	free(prefix);
}
