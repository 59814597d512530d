/*
 * kustomize_meta — buildMetadata: the annotations kustomize writes about
 * where each object came from (config.kubernetes.io/origin) and which
 * transformers touched it (alpha.config.kubernetes.io/transformations),
 * and the app.kubernetes.io/managed-by label.
 *
 * Only the top kustomization's buildMetadata counts (kustomize hands it
 * down to every kustomization it includes).  When it lists anything, the
 * build records origins all the way through, as kustomize does: a file's
 * objects say `path:` (relative to the top kustomization), a generator's
 * `configuredIn:`/`configuredBy:`, and every configured transformer adds
 * an entry to every object in its kustomization, whether it changed it or
 * not.  At the end the annotations the list did not ask for are removed.
 * The values are YAML text, written in kustomize's field order.
 * Never prints.
 */
#include "render_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

#define ORIGIN_KEY "config.kubernetes.io/origin"
#define TRANSFORMATIONS_KEY "alpha.config.kubernetes.io/transformations"
#define MANAGED_BY_KEY "app.kubernetes.io/managed-by"
/* what kubectl 1.32's kustomize writes for its version */
#define MANAGED_BY_VALUE "kustomize-(devel)"

int kd_kz_meta_read(kd_kz_ctx *c, const kd_kz_file *top)
{
	json_t *list = json_object_get(top->doc, "buildMetadata");
	size_t i;

	c->meta = 0;
	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return kd_kz_fail(top, "/buildMetadata", KD_EINVAL, "'buildMetadata' must be a list");
	for (i = 0; i < json_array_size(list); i++) {
		const char *o = json_string_value(json_array_get(list, i));

		if (!o)
			return kd_kz_fail(top, "/buildMetadata", KD_EINVAL,
					  "'buildMetadata' entries must be strings");
		if (strcmp(o, "originAnnotations") == 0)
			c->meta |= KD_KZ_META_ORIGIN;
		else if (strcmp(o, "transformerAnnotations") == 0)
			c->meta |= KD_KZ_META_TRANSFORMERS;
		else if (strcmp(o, "managedByLabel") == 0)
			c->meta |= KD_KZ_META_MANAGED_BY;
	}
	/* kustomize tracks origins as soon as the list is not empty */
	if (json_array_size(list))
		c->meta |= KD_KZ_META_TRACK;
	return 0;
}

/* path relative to dir (both repository-relative, normalised). */
static int relpath(kd_buf *out, const char *path, const char *dir)
{
	size_t n = 0, i;
	const char *p = path, *d = dir;

	/* the common leading components */
	for (;;) {
		const char *pe = strchr(p, '/'), *de = strchr(d, '/');
		size_t pl = pe ? (size_t)(pe - p) : strlen(p), dl = de ? (size_t)(de - d) : strlen(d);

		if (!*d || !pe || pl != dl || strncmp(p, d, pl) != 0)
			break;
		p += pl + 1;
		d += dl + (de ? 1 : 0);
	}
	if (*d) {
		n = 1;
		for (i = 0; d[i]; i++)
			n += d[i] == '/';
	}
	for (i = 0; i < n; i++)
		if (kd_buf_puts(out, "../") < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	if (kd_buf_puts(out, p) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

/* One "key: value" line of the annotation text, the value quoted as YAML
 * needs it. */
static int line(kd_buf *out, const char *indent, const char *key, const char *value)
{
	kd_buf v = KD_BUF_INIT;
	json_t *s = json_string(value);
	int rc;

	if (!s)
		return kd_error_set(KD_ENOMEM, "out of memory");
	rc = kd_yaml_emit(&v, s);
	json_decref(s);
	if (rc == 0)
		rc = kd_buf_printf(out, "%s%s: %s", indent, key, kd_buf_cstr(&v));
	kd_buf_free(&v);
	return rc;
}

/* An origin ({path} or {configuredIn, configuredBy}) as kustomize writes
 * it; `first` and `rest` indent the first and further lines. */
static int origin_text(kd_buf *out, const json_t *o, const char *first, const char *rest)
{
	const json_t *by = json_object_get(o, "configuredBy");
	static const char *const by_keys[] = { "apiVersion", "kind", "name", "namespace", NULL };
	const char *ind = first;
	kd_buf deeper = KD_BUF_INIT;
	size_t i;
	int rc = 0;

	if (json_string_value(json_object_get(o, "path"))) {
		rc = line(out, ind, "path", json_string_value(json_object_get(o, "path")));
		ind = rest;
	}
	if (rc == 0 && json_string_value(json_object_get(o, "configuredIn"))) {
		rc = line(out, ind, "configuredIn", json_string_value(json_object_get(o, "configuredIn")));
		ind = rest;
	}
	if (rc == 0 && by) {
		rc = kd_buf_printf(out, "%sconfiguredBy:\n", ind);
		if (rc == 0)
			rc = kd_buf_printf(&deeper, "%s  ", rest);
		for (i = 0; rc == 0 && by_keys[i]; i++) {
			const char *v = json_string_value(json_object_get(by, by_keys[i]));

			if (v && v[0])
				rc = line(out, kd_buf_cstr(&deeper), by_keys[i], v);
		}
	}
	kd_buf_free(&deeper);
	return rc < 0 ? kd_error_set(KD_ENOMEM, "out of memory") : 0;
}

static int set_annotation(json_t *obj, const char *key, const char *value)
{
	json_t *meta = json_object_get(obj, "metadata"), *ann;

	if (!json_is_object(meta))
		return 0;
	ann = json_object_get(meta, "annotations");
	if (!json_is_object(ann)) {
		ann = json_object();
		if (!ann || json_object_set_new(meta, "annotations", ann) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return kd_kz_set_str(ann, key, value);
}

static const char *annotation(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(
		json_object_get(json_object_get(obj, "metadata"), "annotations"), key));
}

static int set_origin(json_t *obj, const json_t *origin)
{
	kd_buf text = KD_BUF_INIT;
	int rc = origin_text(&text, origin, "", "");

	if (rc == 0)
		rc = set_annotation(obj, ORIGIN_KEY, kd_buf_cstr(&text));
	kd_buf_free(&text);
	return rc;
}

int kd_kz_meta_file_origin(kd_kz_ctx *c, json_t *obj, const char *file)
{
	kd_buf rel = KD_BUF_INIT;
	json_t *o;
	int rc;

	if (!(c->meta & KD_KZ_META_TRACK))
		return 0;
	if ((rc = relpath(&rel, file, c->top)) < 0)
		return rc;
	o = json_pack("{s:s}", "path", kd_buf_cstr(&rel));
	kd_buf_free(&rel);
	if (!o)
		return kd_error_set(KD_ENOMEM, "out of memory");
	rc = set_origin(obj, o);
	json_decref(o);
	return rc;
}

/* The origin of a builtin kind configured in kustomization f, or of a
 * builtin config (cfg, which carries its own origin) when cfg is set. */
static int make_origin(json_t **out, kd_kz_ctx *c, const kd_kz_file *f, const char *kind,
		       const json_t *cfg)
{
	kd_buf rel = KD_BUF_INIT;
	json_t *by;
	int rc;

	*out = NULL;
	if (cfg) {
		const char *text = annotation(cfg, ORIGIN_KEY);
		json_t *doc = NULL;
		const char *path;

		if (!text)
			return 0;
		rc = kd_yaml_parse_one(&doc, NULL, text, strlen(text), ORIGIN_KEY, NULL);
		path = json_string_value(json_object_get(doc, "path"));
		if (rc == 0 && path)
			*out = json_pack("{s:s, s:{s:s, s:s}}", "configuredIn", path,
					 "configuredBy", "apiVersion", kd_kz_api_version(cfg),
					 "kind", kd_kz_kind(cfg));
		json_decref(doc);
		kd_error_clear();
		if (!*out)
			return 0;
		by = json_object_get(*out, "configuredBy");
		if ((kd_kz_name(cfg) && kd_kz_set_str(by, "name", kd_kz_name(cfg)) < 0) ||
		    (kd_kz_ns(cfg)[0] && kd_kz_set_str(by, "namespace", kd_kz_ns(cfg)) < 0))
			return kd_error_set(KD_ENOMEM, "out of memory");
		return 0;
	}
	if ((rc = relpath(&rel, f->path, c->top)) < 0)
		return rc;
	*out = json_pack("{s:s, s:{s:s, s:s}}", "configuredIn", kd_buf_cstr(&rel),
			 "configuredBy", "apiVersion", "builtin", "kind", kind);
	kd_buf_free(&rel);
	return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
}

int kd_kz_meta_generated(kd_kz_ctx *c, const kd_kz_file *f, json_t *obj, const char *kind,
			 const json_t *cfg)
{
	json_t *o = NULL;
	int rc;

	if (!(c->meta & KD_KZ_META_TRACK) || annotation(obj, ORIGIN_KEY))
		return 0;
	if ((rc = make_origin(&o, c, f, kind, cfg)) < 0 || !o)
		return rc;
	rc = set_origin(obj, o);
	json_decref(o);
	return rc;
}

int kd_kz_meta_transformed(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, const char *kind,
			   const json_t *cfg)
{
	json_t *o = NULL;
	size_t i;
	int rc;

	if (!(c->meta & KD_KZ_META_TRACK))
		return 0;
	if ((rc = make_origin(&o, c, f, kind, cfg)) < 0 || !o)
		return rc;
	for (i = 0; i < l->n && rc == 0; i++) {
		kd_kz_res *r = &l->v[i];
		kd_buf text = KD_BUF_INIT;
		size_t j;

		/* an object with no origin yet takes the transformer's */
		if (!annotation(r->obj, ORIGIN_KEY)) {
			rc = set_origin(r->obj, o);
			continue;
		}
		if ((!r->transforms && !(r->transforms = json_array())) ||
		    json_array_append(r->transforms, o) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			break;
		}
		for (j = 0; j < json_array_size(r->transforms) && rc == 0; j++)
			rc = origin_text(&text, json_array_get(r->transforms, j), "- ", "  ");
		if (rc == 0)
			rc = set_annotation(r->obj, TRANSFORMATIONS_KEY, kd_buf_cstr(&text));
		kd_buf_free(&text);
	}
	json_decref(o);
	return rc;
}

int kd_kz_meta_finish(kd_kz_ctx *c, kd_kz_list *l)
{
	size_t i;
	int rc;

	for (i = 0; i < l->n; i++) {
		json_t *obj = l->v[i].obj;
		json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");

		if (c->meta & KD_KZ_META_MANAGED_BY) {
			json_t *meta = json_object_get(obj, "metadata"), *labels;

			if (!json_is_object(meta))
				continue;
			labels = json_object_get(meta, "labels");
			if (!json_is_object(labels)) {
				labels = json_object();
				if (!labels || json_object_set_new(meta, "labels", labels) < 0)
					return kd_error_set(KD_ENOMEM, "out of memory");
			}
			if ((rc = kd_kz_set_str(labels, MANAGED_BY_KEY, MANAGED_BY_VALUE)) < 0)
				return rc;
		}
		if (!(c->meta & KD_KZ_META_ORIGIN))
			json_object_del(ann, ORIGIN_KEY);
		if (!(c->meta & KD_KZ_META_TRANSFORMERS))
			json_object_del(ann, TRANSFORMATIONS_KEY);
	}
	return 0;
}
