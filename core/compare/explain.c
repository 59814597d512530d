/*
 * explain — the chain of steps that set a field of a rendered object
 * (compare.h): found by rendering the app for the cluster with
 * provenance, shown with Secret values masked.
 */
#include "compare_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"
#include "diff/diff.h"
#include "render/render.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

int kd_explain_object(json_t **obj, json_t **prov, kd_source *src, const kd_fleet *fleet,
		      const char *cluster, const char *app, const char *kind,
		      const char *namespace, const char *name)
{
	const kd_cluster *c = kd_fleet_cluster(fleet, cluster);
	const kd_app *a = kd_fleet_app(fleet, app);
	json_t *objs = NULL, *provs = NULL, *o;
	size_t i;
	int rc;

	*obj = NULL;
	*prov = NULL;
	if (!c)
		return kd_error_set(KD_ENOTFOUND, "the fleet has no cluster '%s'", cluster);
	if (!a)
		return kd_error_set(KD_ENOTFOUND, "the fleet has no app '%s'", app);
	if (!kd_fleet_app_targets(a, c))
		return kd_error_set(KD_ENOTFOUND, "app '%s' is not deployed to cluster '%s'",
				    app, cluster);
	if ((rc = kd_render_app_traced(&objs, &provs, src, fleet, c, a)) < 0)
		return rc;
	json_array_foreach(objs, i, o) {
		const json_t *meta = json_object_get(o, "metadata");
		const char *ons = kd_json_str(meta, "namespace");
		const char *want = namespace ? namespace : "";

		if (!kd_json_str(o, "kind") || strcmp(kd_json_str(o, "kind"), kind) != 0 ||
		    !kd_json_str(meta, "name") || strcmp(kd_json_str(meta, "name"), name) != 0)
			continue;
		if (!ons || !*ons) {
			/* no namespace: cluster-scoped, or the default one */
			if (*want && strcmp(want, "default") != 0)
				continue;
		} else if (strcmp(ons, want) != 0) {
			continue;
		}
		*obj = json_incref(o);
		*prov = json_incref(json_array_get(provs, i));
		break;
	}
	json_decref(objs);
	json_decref(provs);
	if (!*obj)
		return kd_error_set(KD_ENOTFOUND, "app '%s' renders no %s %s%s%s for cluster '%s'",
				    app, kind, namespace && *namespace ? namespace : "",
				    namespace && *namespace ? "/" : "", name, cluster);
	if (!*prov && !(*prov = json_object())) {
		json_decref(*obj);
		*obj = NULL;
		return oom();
	}
	return 0;
}

static bool is_secret(const json_t *obj)
{
	return kd_diff_is_secret(obj);
}

/* A Secret's data (base64) or stringData value at pointer is masked. */
static int secret_part(const json_t *obj, const char *pointer)
{
	if (!is_secret(obj))
		return 0;
	if (strncmp(pointer, "/data/", 6) == 0)
		return 1;
	if (strncmp(pointer, "/stringData/", 12) == 0)
		return 2;
	return 0;
}

static json_t *shown(const json_t *obj, const char *pointer, const json_t *v)
{
	int part = secret_part(obj, pointer);
	json_t *m;

	if (!part)
		return json_incref((json_t *)v);
	m = cmp_mask(v, part == 1);
	return m ? m : json_null();
}

static json_t *field_json(const json_t *obj, const json_t *prov, const char *pointer,
			  const json_t *value)
{
	const json_t *chain = kd_prov_chain(prov, pointer);
	json_t *out, *steps = json_array(), *e;
	size_t i;

	if (!steps)
		return NULL;
	json_array_foreach(chain, i, e) {
		json_t *c = json_copy(e);
		json_t *v = shown(obj, pointer, json_object_get(e, "value"));

		if (!c || !v || json_object_set_new(c, "value", v) < 0 ||
		    json_array_append_new(steps, c) < 0) {
			json_decref(c);
			json_decref(steps);
			return NULL;
		}
	}
	out = json_pack("{s:s, s:o, s:o}", "path", pointer, "value", shown(obj, pointer, value),
			"chain", steps);
	return out;
}

static int walk(json_t *list, const json_t *obj, const json_t *prov, kd_buf *ptr,
		const json_t *v)
{
	const char *key;
	json_t *c;
	size_t i, len = ptr->len;
	int rc = 0;

	if (kd_prov_is_leaf(v)) {
		json_t *f = field_json(obj, prov, kd_buf_cstr(ptr), v);

		return !f || json_array_append_new(list, f) < 0 ? oom() : 0;
	}
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, c) {
			if ((rc = kd_json_pointer_append(ptr, key)) < 0 ||
			    (rc = walk(list, obj, prov, ptr, c)) < 0)
				break;
			kd_buf_truncate(ptr, len);
		}
	} else {
		json_array_foreach(v, i, c) {
			if ((rc = kd_buf_printf(ptr, "/%zu", i)) < 0 ||
			    (rc = walk(list, obj, prov, ptr, c)) < 0)
				break;
			kd_buf_truncate(ptr, len);
		}
	}
	kd_buf_truncate(ptr, len);
	return rc;
}

int kd_explain_json(json_t **out, const json_t *obj, const json_t *prov, const char *pointer)
{
	json_t *v = NULL, *list = NULL;
	kd_buf ptr = KD_BUF_INIT;
	int rc;

	*out = NULL;
	if (!pointer)
		pointer = "";
	if ((rc = kd_json_pointer_get(&v, obj, pointer)) < 0) {
		if (rc == KD_ENOTFOUND)
			kd_error_set(KD_ENOTFOUND, "%s %s has no field %s", kd_json_str(obj, "kind"),
				     kd_json_str(json_object_get(obj, "metadata"), "name"), pointer);
		return rc;
	}
	if (*pointer && kd_prov_is_leaf(v)) {
		*out = field_json(obj, prov, pointer, v);
		return *out ? 0 : oom();
	}
	/* inside a list of scalars, an element shows its list's chain */
	if (!(list = json_array()) || kd_buf_puts(&ptr, pointer) < 0) {
		json_decref(list);
		return oom();
	}
	rc = walk(list, obj, prov, &ptr, v);
	kd_buf_free(&ptr);
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}

/* The last reference token of a pointer, unescaped, appended. */
static int last_token(kd_buf *out, const char *pointer)
{
	const char *s = strrchr(pointer, '/'), *p;
	int rc = 0;

	for (p = s ? s + 1 : pointer; *p && rc == 0; p++) {
		if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
			rc = kd_buf_putc(out, p[1] == '0' ? '~' : '/');
			p++;
		} else {
			rc = kd_buf_putc(out, *p);
		}
	}
	return rc;
}

int kd_explain_line(kd_buf *out, const json_t *obj, const json_t *prov, const char *pointer,
		    bool ascii)
{
	const json_t *chain = kd_prov_chain(prov, pointer);
	const char *arrow = ascii ? " <- " : " \xe2\x86\x90 ";
	json_t *v = NULL, *val = NULL, *label = NULL;
	kd_buf name = KD_BUF_INIT;
	size_t i;
	int rc;

	if ((rc = kd_json_pointer_get(&v, obj, pointer)) < 0)
		return rc;
	if ((rc = last_token(&name, pointer)) < 0)
		goto cleanup;
	if (!(label = json_string(kd_buf_cstr(&name))) ||
	    !(val = shown(obj, pointer, v))) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = kd_compare_value_text(out, label, 0, ascii)) < 0 ||
	    (rc = kd_buf_puts(out, ": ")) < 0 ||
	    (rc = kd_compare_value_text(out, val, 0, ascii)) < 0)
		goto cleanup;
	for (i = json_array_size(chain); i-- > 0;) {
		const json_t *e = json_array_get(chain, i);
		json_t *file = json_object_get(e, "file"), *step = json_object_get(e, "step");
		json_int_t line = json_integer_value(json_object_get(e, "line"));

		if ((rc = kd_buf_puts(out, arrow)) < 0 ||
		    (rc = kd_compare_value_text(out, json_string_length(file) ? file : NULL, 0,
						ascii)) < 0 ||
		    (line > 0 && (rc = kd_buf_printf(out, ":%lld", (long long)line)) < 0) ||
		    (rc = kd_buf_puts(out, " (")) < 0 ||
		    (rc = kd_compare_value_text(out, step, 0, ascii)) < 0 ||
		    (rc = kd_buf_puts(out, ")")) < 0)
			goto cleanup;
	}
cleanup:
	json_decref(label);
	json_decref(val);
	kd_buf_free(&name);
	return rc;
}
