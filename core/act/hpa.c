/*
 * hpa — the warning before a change of replicas that a
 * HorizontalPodAutoscaler will undo (see "hpa" in act.h).  The relation is
 * the engine's (kd_engine_hpa_target): an HPA in the object's namespace
 * whose scaleTargetRef names it.  Never prints; the faces show the text.
 */
#include "act/act.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"

bool kd_act_sets_replicas(const json_t *patch)
{
	return json_object_get(kd_json_obj(patch, "spec"), "replicas") != NULL;
}

int kd_act_hpa_find(char **out, const json_t *hpas, const json_t *obj)
{
	kd_buf want = KD_BUF_INIT, key = KD_BUF_INIT;
	const json_t *h;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = kd_engine_object_key(&want, obj, true)) < 0)
		goto cleanup;
	json_array_foreach(hpas, i, h) {
		kd_buf_clear(&key);
		if (kd_engine_hpa_target(&key, h) < 0)
			continue;   /* no usable scaleTargetRef: it scales nothing */
		if (strcmp(kd_buf_cstr(&key), kd_buf_cstr(&want)) != 0)
			continue;
		if (!(*out = strdup(kd_json_str(kd_json_obj(h, "metadata"), "name") ?
				    kd_json_str(kd_json_obj(h, "metadata"), "name") : "?")))
			rc = kd_error_set(KD_ENOMEM, "out of memory");
		break;
	}
cleanup:
	kd_buf_free(&want);
	kd_buf_free(&key);
	return rc;
}

int kd_act_hpa_warning(kd_buf *out, const char *kind, const char *namespace,
		       const char *name, const char *hpa)
{
	int rc = kd_buf_puts(out, "warning: ");

	if (rc == 0 && hpa)
		rc = kd_buf_printf(out, "HorizontalPodAutoscaler %s scales ", hpa);
	else if (rc == 0)
		rc = kd_buf_puts(out, "a HorizontalPodAutoscaler scales ");
	if (rc == 0)
		rc = kd_remedy_describe(out, kind, namespace, name);
	if (rc == 0)
		rc = kd_buf_puts(out, ": it will set replicas back; to hold a count, change "
				 "the HPA's minReplicas/maxReplicas instead\n");
	return rc;
}

static const kd_resource *find_resource(const kd_cluster_state *st, const kd_remedy_action *a)
{
	kd_object_id want = { a->api_version, a->kind_name, a->namespace, a->name };
	size_t i, j;

	for (i = 0; st && i < st->napps; i++)
		for (j = 0; j < st->apps[i].nresources; j++) {
			const kd_resource *r = &st->apps[i].resources[j];
			kd_object_id id = { r->api_version, r->kind, r->namespace, r->name };

			if (kd_object_id_equal(&id, &want))
				return r;
		}
	return NULL;
}

int kd_act_plan_hpa_warning(kd_buf *out, const kd_remedy_plan *plan, const kd_cluster_state *st)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < plan->nactions && rc == 0; i++) {
		const kd_remedy_action *a = &plan->actions[i];
		const kd_resource *r;

		if (a->kind != KD_REMEDY_PATCH || !kd_act_sets_replicas(a->body))
			continue;
		if ((r = find_resource(st, a)) && r->hpa_managed)
			rc = kd_act_hpa_warning(out, a->kind_name, a->namespace, a->name, NULL);
	}
	return rc;
}
