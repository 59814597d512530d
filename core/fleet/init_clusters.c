/*
 * init_clusters — for `kdrift init` (see fleet.h): clusters made from the
 * kubeconfig's contexts when the layout names none, and the selectors of
 * path apps present in some clusters only (by env, else by a label of the
 * app's own).  Never writes, never prints.
 */
#include "fleet/fleet.h"
#include "fleet_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* ---- clusters from the kubeconfig ----------------------------------------- */

int kd_finit_context_clusters(kd_finit *c)
{
	json_t *k, *cl;
	size_t i;
	int rc = 0;

	json_array_foreach(c->contexts, i, k) {
		const char *ctx = kd_json_str(k, "name");
		char *name = NULL, *unique = NULL;
		kd_buf b = KD_BUF_INIT;

		if (json_is_true(json_object_get(k, "used")))
			continue;
		if ((rc = kd_finit_cluster_name(&name, ctx)) < 0 ||
		    (rc = kd_finit_unique_name(&unique, c, name)) < 0 ||
		    (rc = kd_buf_printf(&b, "kubeconfig context %s", ctx)) < 0 ||
		    (rc = kd_finit_cluster_add(&cl, c, unique, kd_buf_cstr(&b))) < 0) {
			free(name);
			free(unique);
			kd_buf_free(&b);
			return rc;
		}
		kd_buf_free(&b);
		if (json_object_set_new(k, "used", json_true()) < 0 ||
		    (strcmp(unique, ctx) != 0 && json_object_set_new(cl, "context", json_string(ctx)) < 0))
			rc = oom();
		if (rc == 0)
			rc = kd_finit_note(c->found, "context %s: cluster %s", ctx, unique);
		if (rc == 0 && strcmp(unique, ctx) != 0)
			rc = kd_finit_note(c->guessed, "context %s: cluster named %s (a cluster name is a DNS name)", ctx, unique);
		free(name);
		free(unique);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- selectors of path apps ----------------------------------------------- */

static bool same_set(const json_t *a, const json_t *names)
{
	json_t *x, *y;
	size_t i, j;

	if (json_array_size(a) != json_array_size(names))
		return false;
	json_array_foreach(a, i, x) {
		bool in = false;

		json_array_foreach(names, j, y)
			if (str_eq(json_string_value(x), json_string_value(y)))
				in = true;
		if (!in)
			return false;
	}
	return true;
}

/* {matchLabels: {env: V}} for one value, else env In [values]. */
static json_t *env_selector(const kd_finit *c, const json_t *values)
{
	if (json_array_size(values) == 1)
		return json_pack("{s:{s:O}}", "matchLabels", c->env_key, json_array_get(values, 0));
	return json_pack("{s:[{s:s, s:s, s:O}]}", "matchExpressions", "key", c->env_key,
			 "operator", "In", "values", values);
}

/* A path app present in only some clusters selects them: by env when the
 * env labels single them out, else by a label of its own. */
int kd_finit_plain_selectors(kd_finit *c)
{
	json_t *app, *cl, *m;
	size_t i, j;
	int rc = 0;

	json_array_foreach(c->apps, i, app) {
		const json_t *members = kd_json_arr(app, "members");
		const json_t *envs = kd_json_arr(app, "envs");
		json_t *chosen = NULL, *sel = NULL, *vals;
		kd_buf key = KD_BUF_INIT;

		if (envs) {
			sel = env_selector(c, envs);
			if (!sel || json_object_set_new(app, "selector", sel) < 0)
				return oom();
			continue;
		}
		if (!members || json_array_size(members) == json_array_size(c->clusters))
			continue;
		/* the env values of the members; every member needs one */
		vals = json_array();
		if (!vals)
			return oom();
		json_array_foreach(members, j, m) {
			const char *e = kd_json_str(kd_json_obj(kd_finit_cluster(c, json_string_value(m)), "labels"),
						    c->env_key);

			if (!e) {
				json_decref(vals);
				vals = NULL;
				break;
			}
			if ((rc = kd_finit_word_add(vals, e)) < 0) {
				json_decref(vals);
				return rc;
			}
		}
		if (vals) {
			chosen = json_array();
			if (!chosen) {
				json_decref(vals);
				return oom();
			}
			json_array_foreach(c->clusters, j, cl) {
				const char *e = kd_json_str(kd_json_obj(cl, "labels"), c->env_key);
				json_t *v;
				size_t k;

				json_array_foreach(vals, k, v)
					if (str_eq(e, json_string_value(v)) &&
					    json_array_append_new(chosen, json_string(kd_json_str(cl, "name"))) < 0)
						rc = oom();
			}
			if (rc == 0 && same_set(chosen, members) && !(sel = env_selector(c, vals)))
				rc = oom();
			json_decref(chosen);
			json_decref(vals);
			if (rc < 0)
				return rc;
		}
		if (!sel) {
			if (kd_buf_printf(&key, "app.kdrift.dev/%s", kd_json_str(app, "name")) < 0)
				return oom();
			if (!kd_label_key_valid(kd_buf_cstr(&key))) {
				rc = kd_finit_note(c->unmapped, "app %s: only in some clusters, and its name makes no label to select them by: set its clusters selector",
						   kd_json_str(app, "name"));
				kd_buf_free(&key);
				if (rc < 0)
					return rc;
				continue;
			}
			json_array_foreach(members, j, m)
				if (json_object_set_new(kd_json_obj(kd_finit_cluster(c, json_string_value(m)), "labels"),
							kd_buf_cstr(&key), json_string("true")) < 0)
					rc = oom();
			sel = json_pack("{s:{s:s}}", "matchLabels", kd_buf_cstr(&key), "true");
			if (rc == 0)
				rc = kd_finit_note(c->found, "app %s: only in %zu of %zu clusters, which carry the label %s",
						   kd_json_str(app, "name"), json_array_size(members),
						   json_array_size(c->clusters), kd_buf_cstr(&key));
		}
		kd_buf_free(&key);
		if (!sel || json_object_set_new(app, "selector", sel) < 0)
			return oom();
		if (rc < 0)
			return rc;
	}
	return 0;
}
