/*
 * render_prov — provenance of what the fleet file and an ApplicationSet
 * template put into rendered objects: an app's namespace and variables,
 * a generated Application's destination namespace, and the cluster labels,
 * names and values their templates read (see render.h, "provenance").
 *
 * Lines of the fleet file are the positions the fleet kept when it was
 * parsed.
 */
#include "render_priv.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

int kd_prov_fleet_positions(json_t **out, kd_source *src, const kd_fleet *fleet)
{
	(void)src;
	/* a fleet parsed without positions has no lines */
	*out = fleet->positions ? json_incref(fleet->positions) : json_object();
	return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
}

int kd_prov_line(const json_t *pos, const char *fmt, ...)
{
	kd_buf p = KD_BUF_INIT;
	const json_t *v;
	va_list ap;
	int line = 0;

	va_start(ap, fmt);
	if (kd_buf_vprintf(&p, fmt, ap) == 0) {
		v = json_object_get(pos, kd_buf_cstr(&p));
		line = json_is_array(v) ? (int)json_integer_value(json_array_get(v, 0)) : 0;
	}
	va_end(ap);
	kd_buf_free(&p);
	return line;
}

static long cluster_index(const kd_fleet *fleet, const kd_cluster *cluster)
{
	size_t i;

	for (i = 0; cluster && i < fleet->nclusters; i++)
		if (&fleet->clusters[i] == cluster || strcmp(fleet->clusters[i].name, cluster->name) == 0)
			return (long)i;
	return -1;
}

long kd_prov_app_index(const kd_fleet *fleet, const kd_app *app)
{
	json_t *apps = json_object_get(fleet->doc, "apps"), *a;
	size_t i;

	json_array_foreach(apps, i, a)
		if (a == app->raw)
			return (long)i;
	return -1;
}

/* The entry for a cluster parameter a template read, or NULL when the
 * parameter is not the cluster's (a generator's own). */
static int param_entry(json_t **out, const kd_fleet *fleet, const json_t *fpos,
		       const kd_cluster *cluster, const char *param)
{
	long ci = cluster_index(fleet, cluster);
	const char *v = NULL;
	int line = 0;

	*out = NULL;
	if (ci < 0)
		return 0;
	if (strncmp(param, "metadata.labels.", 16) == 0) {
		kd_buf p = KD_BUF_INIT;

		v = kd_json_str(cluster->labels, param + 16);
		if (v && kd_buf_printf(&p, "/clusters/%ld/labels", ci) == 0 &&
		    kd_json_pointer_append(&p, param + 16) == 0)
			line = kd_prov_line(fpos, "%s", kd_buf_cstr(&p));
		kd_buf_free(&p);
		if (!v)
			return 0;
		*out = json_pack("{s:s, s:i, s:s, s:s, s:s}", "file", fleet->file, "line", line,
				 "step", "cluster label", "value", v, "label", param + 16);
	} else if (strncmp(param, "values.", 7) == 0) {
		kd_buf p = KD_BUF_INIT;

		v = kd_json_str(cluster->values, param + 7);
		if (v && kd_buf_printf(&p, "/clusters/%ld/values", ci) == 0 &&
		    kd_json_pointer_append(&p, param + 7) == 0)
			line = kd_prov_line(fpos, "%s", kd_buf_cstr(&p));
		kd_buf_free(&p);
		if (!v)
			return 0;
		*out = json_pack("{s:s, s:i, s:s, s:s, s:s}", "file", fleet->file, "line", line,
				 "step", "cluster value", "value", v, "key", param + 7);
	} else if (strcmp(param, "name") == 0 || strcmp(param, "nameNormalized") == 0 ||
		   strcmp(param, "server") == 0) {
		bool server = strcmp(param, "server") == 0;

		v = server ? cluster->server : cluster->name;
		if (!v)
			return 0;
		line = kd_prov_line(fpos, "/clusters/%ld/%s", ci, server ? "server" : "name");
		*out = json_pack("{s:s, s:i, s:s, s:s}", "file", fleet->file, "line", line,
				 "step", server ? "cluster server" : "cluster name", "value", v);
	} else {
		return 0;
	}
	return *out ? 0 : oom();
}

/* The parameters a template reads: fasttemplate "{{ key }}" or, with go,
 * "{{ .a.b }}" (a "| normalize" is ignored). */
static int template_params(json_t *out, const char *tmpl, bool go)
{
	const char *p = tmpl;

	while (p && (p = strstr(p, "{{"))) {
		const char *end = strstr(p + 2, "}}"), *a = p + 2, *b;

		if (!end)
			break;
		while (a < end && isspace((unsigned char)*a))
			a++;
		if (go && a < end && *a == '.')
			a++;
		b = a;
		while (b < end && !isspace((unsigned char)*b) && *b != '|')
			b++;
		if (b > a) {
			json_t *k = json_stringn(a, (size_t)(b - a));

			if (!k || json_array_append_new(out, k) < 0)
				return oom();
		}
		p = end + 2;
	}
	return 0;
}

int kd_prov_template_chain(json_t **out, const kd_fleet *fleet, const json_t *fpos,
			   const kd_cluster *cluster, const char *tmpl, bool go,
			   const char *value, const char *file, int line,
			   const char *step)
{
	json_t *chain = json_array(), *params = json_array(), *p, *last;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (!chain || !params) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = template_params(params, tmpl ? tmpl : "", go)) < 0)
		goto cleanup;
	json_array_foreach(params, i, p) {
		json_t *e = NULL;

		if ((rc = param_entry(&e, fleet, fpos, cluster, json_string_value(p))) < 0)
			goto cleanup;
		if (e && json_array_append_new(chain, e) < 0) {
			rc = oom();
			goto cleanup;
		}
	}
	last = json_pack("{s:s, s:i, s:s, s:s}", "file", file ? file : "", "line", line,
			 "step", step, "value", value ? value : "");
	if (!last || json_array_append_new(chain, last) < 0 ||
	    (json_array_size(params) &&
	     json_object_set(last, "parameter", json_array_get(params, 0)) < 0)) {
		rc = oom();
		goto cleanup;
	}
	*out = chain;
	chain = NULL;
cleanup:
	json_decref(chain);
	json_decref(params);
	return rc;
}
