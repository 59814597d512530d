/*
 * followup — the revert that follows up break-glass changes: only the
 * fields the changes set (their audit records hold the patches), not every
 * drifted field of the object, so an older difference someone else made
 * (a hotfix under review) is neither reverted nor hidden.  See act.h.
 * Never talks to a cluster; never prints.
 */
#include "act/act.h"
#include "act_priv.h"

#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

static int add_unique(json_t *out, const char *p)
{
	size_t i;
	json_t *v;

	json_array_foreach(out, i, v)
		if (strcmp(json_string_value(v), p) == 0)
			return 0;
	return json_array_append_new(out, json_string(p)) < 0 ? oom() : 0;
}

/* Leaves of a merge or strategic-merge patch; a list is one field (its
 * elements are matched by key, not by position); strategic-merge
 * directives ($patch, $setElementOrder/...) and what kdrift adds itself
 * (the precondition, the break-glass mark) are no change of the operator's. */
static int walk(json_t *out, const json_t *v, kd_buf *path)
{
	size_t len = path->len;
	const char *k;
	json_t *c;
	int rc = 0;

	if (!json_is_object(v) || json_object_size(v) == 0)
		return path->len ? add_unique(out, kd_buf_cstr(path)) : 0;
	json_object_foreach((json_t *)v, k, c) {
		if (k[0] == '$')
			continue;
		if ((rc = kd_json_pointer_append(path, k)) < 0)
			break;
		if (strcmp(kd_buf_cstr(path), "/metadata/resourceVersion") != 0 &&
		    strcmp(kd_buf_cstr(path), "/metadata/annotations/kdrift.dev~1break-glass") != 0)
			rc = walk(out, c, path);
		path->len = len;
		path->data[len] = '\0';
		if (rc < 0)
			break;
	}
	return rc;
}

int kd_act_followup_pointers(json_t **out, const json_t *patch)
{
	kd_buf path = KD_BUF_INIT;
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (!arr)
		return oom();
	rc = walk(arr, patch, &path);
	kd_buf_free(&path);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

static bool selects_drift(const kd_resource *res, const char *p)
{
	size_t i, n = strlen(p);

	for (i = 0; res->diff && i < res->diff->nfields; i++) {
		const char *f = res->diff->fields[i].path;

		if (strncmp(f, p, n) == 0 && (f[n] == '\0' || f[n] == '/'))
			return true;
	}
	return false;
}

int kd_act_plan_followup_revert(kd_remedy_plan **out, kd_buf *note,
				const kd_cluster_state *st, const kd_act_target *t,
				const kd_audit_list *open)
{
	const kd_app_state *app = NULL;
	const kd_resource *res = NULL;
	json_t *all = json_array(), *keep = json_array(), *ptrs = NULL, *v;
	const char **sel = NULL;
	kd_buf ids = KD_BUF_INIT;
	kd_object_id want;
	size_t i, j, nrec = 0;
	int rc;

	*out = NULL;
	if (!all || !keep) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = kd_act_find(&app, &res, st, t)) < 0)
		goto cleanup;
	if (!res) {
		rc = kd_error_set(KD_EINVAL, "a follow-up revert is of one object");
		goto cleanup;
	}
	want = (kd_object_id){ res->api_version, res->kind, res->namespace, res->name };
	for (i = 0; open && i < open->count; i++) {
		const kd_audit_record *r = &open->items[i];
		kd_object_id rid;

		kd_object_id_of_ref(&rid, kd_json_obj(r->json, "object"));
		if (!r->cluster || strcmp(r->cluster, st->name) != 0 || !kd_object_id_equal(&rid, &want))
			continue;
		nrec++;
		rc = kd_buf_printf(&ids, "%s%s", ids.len ? ", " : "", r->intent_id ? r->intent_id : r->id);
		if (rc == 0)
			rc = kd_act_followup_pointers(&ptrs, json_object_get(r->json, "patch"));
		json_array_foreach(ptrs, j, v)
			if (rc == 0)
				rc = add_unique(all, json_string_value(v));
		json_decref(ptrs);
		ptrs = NULL;
		if (rc < 0)
			goto cleanup;
	}
	if (nrec == 0) {
		rc = kd_error_set(KD_ENOTFOUND, "no break-glass change of this object awaits follow-up");
		goto cleanup;
	}
	json_array_foreach(all, i, v)
		if (selects_drift(res, json_string_value(v)) &&
		    json_array_append(keep, v) < 0) {
			rc = oom();
			goto cleanup;
		}
	if (json_array_size(keep) == 0) {
		rc = kd_error_set(KD_ENOTFOUND, "the fields the break-glass change set no longer "
				  "differ from Git (nothing of it to revert)");
		goto cleanup;
	}
	if (!(sel = calloc(json_array_size(keep), sizeof(*sel)))) {
		rc = oom();
		goto cleanup;
	}
	json_array_foreach(keep, i, v)
		sel[i] = json_string_value(v);
	if (!res->desired || !res->live) {
		rc = kd_error_set(KD_EINVAL, "cluster %s: the state has no objects to plan with",
				  st->name);
		goto cleanup;
	}
	/* The follow-up of the change: the object stops carrying the mark. */
	if ((rc = kd_remedy_plan_new(out, st->name)) < 0)
		goto cleanup;
	(*out)->clear_breakglass_mark = true;
	if ((rc = kd_remedy_plan_fields(*out, app->name, res, sel, json_array_size(keep))) < 0)
		goto cleanup;
	rc = kd_buf_printf(note, "# only what break-glass changed (audit id %s):", kd_buf_cstr(&ids));
	for (i = 0; rc == 0 && i < json_array_size(keep); i++)
		rc = kd_buf_printf(note, " %s", sel[i]);
	if (rc == 0 && res->diff && res->diff->nfields > (*out)->actions[0].nfields)
		rc = kd_buf_printf(note, "\n# the object's other drift (%zu field%s) stays as it is",
				   res->diff->nfields - (*out)->actions[0].nfields,
				   res->diff->nfields - (*out)->actions[0].nfields == 1 ? "" : "s");
	if (rc == 0)
		rc = kd_buf_puts(note, "\n");
cleanup:
	if (rc < 0) {
		kd_remedy_plan_free(*out);
		*out = NULL;
	}
	free(sel);
	json_decref(all);
	json_decref(keep);
	kd_buf_free(&ids);
	return rc;
}
