/*
 * diff_normalize — the normalised documents for the side-by-side view, the
 * rule matching of ignoreDifferences, and display names (see diff.h).
 *
 * kd_diff_objects() never builds these documents (it compares in place);
 * they exist for a person to read, one object at a time, so deep copies
 * are fine here.
 */
#include "diff/diff.h"

#include <string.h>

#include "base/base.h"
#include "data/data.h"

const char *const kd_diff_server_annotations[] = {
	"kubectl.kubernetes.io/last-applied-configuration",
	"deployment.kubernetes.io/revision", NULL,
};

static bool kind_is(const json_t *obj, const char *kind)
{
	const char *k = kd_json_str(obj, "kind");

	return k && strcmp(k, kind) == 0;
}

static bool has_value(const json_t *v)
{
	return v && !json_is_null(v) &&
	       !(json_is_object(v) && json_object_size(v) == 0) &&
	       !(json_is_array(v) && json_array_size(v) == 0);
}

/* What both documents lose, decided once from the pair. */
typedef struct strip_plan {
	bool cluster_scoped;  /* live has no namespace */
	bool aggregated;      /* ClusterRole rules belong to the controller */
	bool hpa;
	const char *kind;
} strip_plan;

static void strip_ca_bundles(json_t *doc, const char *kind)
{
	json_t *hook;
	size_t i;

	if (strcmp(kind, "ValidatingWebhookConfiguration") == 0 ||
	    strcmp(kind, "MutatingWebhookConfiguration") == 0) {
		json_array_foreach(kd_json_arr(doc, "webhooks"), i, hook)
			json_object_del(kd_json_obj(hook, "clientConfig") ?
					kd_json_obj(hook, "clientConfig") : hook,
					"caBundle");
	} else if (strcmp(kind, "CustomResourceDefinition") == 0) {
		json_t *cc = kd_json_obj(kd_json_obj(kd_json_obj(kd_json_obj(
			doc, "spec"), "conversion"), "webhook"), "clientConfig");

		if (cc)
			json_object_del(cc, "caBundle");
	} else if (strcmp(kind, "APIService") == 0 && kd_json_obj(doc, "spec")) {
		json_object_del(kd_json_obj(doc, "spec"), "caBundle");
	}
}

/* `ident` is the object whose group, kind, name and namespace the ignore
 * rules are matched against: desired, for both sides, as in the diff. */
static int strip(json_t *doc, const strip_plan *plan, const kd_diff_opts *opts,
		 const json_t *ident)
{
	json_t *meta = kd_json_obj(doc, "metadata");
	json_t *ann = kd_json_obj(meta, "annotations");
	const char *const *k;
	size_t r, i;
	json_t *v;
	int rc;

	json_object_del(doc, "status");
	kd_server_metadata_strip(doc);
	for (k = kd_diff_server_annotations; ann && *k; k++)
		json_object_del(ann, *k);
	if (ann && json_object_size(ann) == 0)
		json_object_del(meta, "annotations");
	if (meta && plan->cluster_scoped)
		json_object_del(meta, "namespace");
	if (plan->aggregated)
		json_object_del(doc, "rules");
	if (plan->hpa && kd_json_obj(doc, "spec"))
		json_object_del(kd_json_obj(doc, "spec"), "replicas");
	if (plan->kind)
		strip_ca_bundles(doc, plan->kind);
	if (kd_diff_is_secret(doc)) {
		json_t *masks;

		if ((rc = kd_diff_secret_masks(&masks, doc)) < 0)
			return rc;
		json_object_del(doc, "stringData");
		if (json_object_size(masks) == 0) {
			json_decref(masks);
			json_object_del(doc, "data");
		} else if (json_object_set_new(doc, "data", masks) < 0) {
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
	}
	for (r = 0; opts && r < opts->nignores; r++) {
		if (!kd_diff_rule_matches(&opts->ignores[r], ident))
			continue;
		json_array_foreach(opts->ignores[r].json_pointers, i, v) {
			if (!json_is_string(v))
				continue;
			rc = kd_json_pointer_remove(doc, json_string_value(v));
			if (rc < 0 && rc != KD_ENOTFOUND && rc != KD_EINVAL)
				return rc;
			kd_error_clear();
		}
	}
	return 0;
}

int kd_diff_normalize(json_t **desired_out, json_t **live_out,
		      const json_t *desired, const json_t *live,
		      const kd_diff_opts *opts)
{
	json_t *d = NULL, *l = NULL;
	strip_plan plan;
	const char *ns;
	int rc = 0;

	if (desired_out)
		*desired_out = NULL;
	if (live_out)
		*live_out = NULL;
	if (!json_is_object(desired) || !json_is_object(live))
		return kd_error_set(KD_EINVAL,
				    "normalising needs a desired and a live object");
	memset(&plan, 0, sizeof(plan));
	ns = kd_json_str(kd_json_obj(live, "metadata"), "namespace");
	plan.cluster_scoped = !ns || !*ns;
	plan.hpa = opts && opts->hpa_managed;
	plan.kind = kd_json_str(desired, "kind");
	if (!plan.kind)
		plan.kind = kd_json_str(live, "kind");
	plan.aggregated = (kind_is(desired, "ClusterRole") ||
			   kind_is(live, "ClusterRole")) &&
			  (has_value(json_object_get(desired, "aggregationRule")) ||
			   has_value(json_object_get(live, "aggregationRule")));
	if (desired_out) {
		d = json_deep_copy(desired);
		if (!d) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		if ((rc = strip(d, &plan, opts, desired)) < 0)
			goto cleanup;
	}
	if (live_out) {
		l = json_deep_copy(live);
		if (!l) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		if ((rc = strip(l, &plan, opts, desired)) < 0)
			goto cleanup;
	}
	if (desired_out) {
		*desired_out = d;
		d = NULL;
	}
	if (live_out) {
		*live_out = l;
		l = NULL;
	}
cleanup:
	json_decref(d);
	json_decref(l);
	return rc;
}

const char *kd_diff_status_name(kd_diff_status s)
{
	return s == KD_DIFF_SYNCED ? "synced" : "drifted";
}

const char *kd_diff_change_name(kd_diff_change c)
{
	switch (c) {
	case KD_DIFF_CHANGED: return "changed";
	case KD_DIFF_ADDED: return "added";
	case KD_DIFF_REMOVED: return "removed";
	}
	return "changed";
}

static bool field_matches(const char *want, const char *have)
{
	return !want || (have && strcmp(want, have) == 0);
}

bool kd_ignore_rule_matches(const kd_ignore_rule *rule, const char *group,
			    const char *kind, const char *namespace,
			    const char *name)
{
	if (rule->group && strcmp(rule->group, "*") != 0 &&
	    strcmp(rule->group, group ? group : "") != 0)
		return false;
	if (rule->kind && strcmp(rule->kind, "*") != 0 &&
	    !field_matches(rule->kind, kind))
		return false;
	return field_matches(rule->namespace, namespace) &&
	       field_matches(rule->name, name);
}

bool kd_diff_rule_matches(const kd_ignore_rule *rule, const json_t *obj)
{
	const json_t *meta = kd_json_obj(obj, "metadata");
	const char *ns = kd_json_str(meta, "namespace");
	char group[256];

	kd_api_group(group, sizeof(group), kd_json_str(obj, "apiVersion"));
	return kd_ignore_rule_matches(rule, group, kd_json_str(obj, "kind"),
				      ns ? ns : "", kd_json_str(meta, "name"));
}

/* Sets key to a new string when s is not NULL. */
static int put_str(json_t *obj, const char *key, const char *s)
{
	return s ? json_object_set_new(obj, key, json_string(s)) : 0;
}

int kd_diff_result_json(json_t **out, const kd_diff_result *res)
{
	json_t *doc = json_object(), *fields = json_array();
	size_t i;
	int bad = !doc || !fields;

	*out = NULL;
	if (!bad)
		bad = json_object_set_new(doc, "status", json_string(
				kd_diff_status_name(res->status))) < 0 ||
		      json_object_set(doc, "fields", fields) < 0;
	for (i = 0; !bad && i < res->nfields; i++) {
		const kd_diff_field *f = &res->fields[i];
		json_t *o = json_object();

		bad = !o || json_array_append_new(fields, o) < 0 ||
		      put_str(o, "path", f->path) < 0 ||
		      put_str(o, "livePath", f->live_path) < 0 ||
		      put_str(o, "change", kd_diff_change_name(f->kind)) < 0 ||
		      (f->desired && json_object_set(o, "desired", f->desired) < 0) ||
		      (f->live && json_object_set(o, "live", f->live) < 0) ||
		      put_str(o, "manager", f->manager) < 0 ||
		      put_str(o, "operation", f->operation) < 0 ||
		      put_str(o, "time", f->time) < 0 ||
		      put_str(o, "subresource", f->subresource) < 0 ||
		      json_object_set_new(o, "neverConverges",
					  json_boolean(f->never_converges)) < 0 ||
		      (f->removed_from_git &&
		       json_object_set_new(o, "removedFromGit", json_true()) < 0);
	}
	json_decref(fields);
	if (bad) {
		json_decref(doc);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	*out = doc;
	return 0;
}
