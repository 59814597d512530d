/*
 * kustomize_patch — patches, patchesStrategicMerge and patchesJson6902.
 *
 * A patch either names its target itself (a strategic merge patch without
 * `target`: by kind, name and, when given, namespace) or through a target
 * selector whose group, version, kind, name and namespace are regular
 * expressions matched against the whole value, plus label and annotation
 * selectors.  A patch body that is a list is a JSON 6902 patch.
 */
#include "kustomize_priv.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fleet.h"
#include "patch.h"
#include "smp.h"
#include "yaml.h"

/* ---- target selectors -------------------------------------------------- */

/* Anchors a Go (RE2) pattern and rewrites the few Perl classes POSIX lacks. */
static int regex_match(bool *out, const char *pattern, const char *value,
		       const kz_file *f, const char *ptr)
{
	kd_buf b = KD_BUF_INIT;
	regex_t re;
	const char *p;
	int rc = kd_buf_puts(&b, "^(");

	for (p = pattern; rc == 0 && *p; p++) {
		if (p[0] == '\\' && p[1]) {
			switch (p[1]) {
			case 'd': rc = kd_buf_puts(&b, "[0-9]"); p++; continue;
			case 'w': rc = kd_buf_puts(&b, "[A-Za-z0-9_]"); p++; continue;
			case 's': rc = kd_buf_puts(&b, "[[:space:]]"); p++; continue;
			default: break;
			}
		}
		rc = kd_buf_putc(&b, *p);
	}
	if (rc == 0)
		rc = kd_buf_puts(&b, ")$");
	if (rc < 0) {
		kd_buf_free(&b);
		return rc;
	}
	if (regcomp(&re, kd_buf_cstr(&b), REG_EXTENDED | REG_NOSUB) != 0) {
		kd_buf_free(&b);
		return kz_fail(f, ptr, KD_EINVAL, "target pattern '%s' is not a valid regular expression",
			       pattern);
	}
	*out = regexec(&re, value, 0, NULL, 0) == 0;
	regfree(&re);
	kd_buf_free(&b);
	return 0;
}

static int field_matches(bool *out, const json_t *target, const char *field,
			 const char *value, const kz_file *f, const char *ptr)
{
	const char *pat = json_string_value(json_object_get(target, field));

	*out = true;
	if (!pat || !pat[0])
		return 0;
	return regex_match(out, pat, value ? value : "", f, ptr);
}

static int selector_matches(bool *out, const json_t *target, const char *field,
			    const json_t *map, const kz_file *f, const char *ptr)
{
	const char *text = json_string_value(json_object_get(target, field));
	kd_selector sel;
	int rc;

	*out = true;
	if (!text || !text[0])
		return 0;
	rc = kd_selector_parse_text(&sel, text);
	if (rc < 0)
		return kz_wrap(f, ptr, rc);
	*out = kd_selector_matches(&sel, json_is_object(map) ? map : NULL);
	kd_selector_free(&sel);
	return 0;
}

static int target_matches(bool *out, const json_t *target, const kz_res *r,
			  const kz_file *f, const char *ptr)
{
	const json_t *obj = r->obj;
	const char *av = kz_api_version(obj);
	const char *slash = strchr(av, '/');
	char group[256];
	size_t glen = slash ? (size_t)(slash - av) : 0;
	json_t *meta = json_object_get(obj, "metadata");
	bool m = true;
	int rc;

	if (glen >= sizeof(group))
		glen = sizeof(group) - 1;
	memcpy(group, av, glen);
	group[glen] = '\0';
	*out = false;
	if ((rc = field_matches(&m, target, "group", group, f, ptr)) < 0 || !m)
		return rc;
	if ((rc = field_matches(&m, target, "version", slash ? slash + 1 : av, f, ptr)) < 0 || !m)
		return rc;
	if ((rc = field_matches(&m, target, "kind", kz_kind(obj), f, ptr)) < 0 || !m)
		return rc;
	if ((rc = field_matches(&m, target, "namespace", kz_ns(obj), f, ptr)) < 0 || !m)
		return rc;
	if ((rc = field_matches(&m, target, "name", kz_name(obj), f, ptr)) < 0)
		return rc;
	if (!m && r->base_name && (rc = field_matches(&m, target, "name", r->base_name, f, ptr)) < 0)
		return rc;
	if (!m)
		return 0;
	if ((rc = selector_matches(&m, target, "labelSelector",
				   json_object_get(meta, "labels"), f, ptr)) < 0 || !m)
		return rc;
	if ((rc = selector_matches(&m, target, "annotationSelector",
				   json_object_get(meta, "annotations"), f, ptr)) < 0 || !m)
		return rc;
	*out = true;
	return 0;
}

/* ---- applying --------------------------------------------------------- */

/* Applies one patch document to resource i; the resource may disappear
 * ($patch: delete), in which case *removed is set. */
static int apply_one(kz_list *l, size_t i, const json_t *patch, bool targeted,
		     bool *removed, const kz_file *f, const char *ptr)
{
	json_t *out = NULL;
	json_t *p = NULL;
	int rc;

	*removed = false;
	if (json_is_array(patch)) {
		/* kustomize keeps its own annotations on every resource while it
		 * works, so JSON patches always find metadata.annotations; the
		 * empty map is dropped again at the end of the build. */
		json_t *meta = json_object_get(l->v[i].obj, "metadata");

		if (json_is_object(meta) && !json_is_object(json_object_get(meta, "annotations")) &&
		    json_object_set_new(meta, "annotations", json_object()) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
		rc = kd_patch_json(&out, l->v[i].obj, patch);
		if (rc < 0)
			return kz_wrap(f, ptr, rc);
	} else {
		if (targeted) {
			/* The target names the resource; the patch's own name
			 * and kind must not rename it. */
			json_t *meta;

			p = json_deep_copy(patch);
			if (!p)
				return kd_error_set(KD_ENOMEM, "out of memory");
			meta = json_object_get(p, "metadata");
			json_object_del(meta, "name");
			json_object_del(meta, "namespace");
			json_object_del(p, "apiVersion");
			json_object_del(p, "kind");
			patch = p;
		}
		rc = kd_smp_apply(&out, l->v[i].obj, patch, KD_SMP_KUSTOMIZE);
		json_decref(p);
		if (rc < 0)
			return kz_wrap(f, ptr, rc);
	}
	if (!out) {
		kz_list_remove(l, i);
		*removed = true;
		return 0;
	}
	json_decref(l->v[i].obj);
	l->v[i].obj = out;
	return 0;
}

static int apply_targeted(kz_list *l, const json_t *target, const json_t *docs,
			  const kz_file *f, const char *ptr)
{
	size_t i = 0, d;
	int rc;

	while (i < l->n) {
		bool match = false, removed = false;

		rc = target_matches(&match, target, &l->v[i], f, ptr);
		if (rc < 0)
			return rc;
		for (d = 0; match && d < json_array_size(docs) && !removed; d++) {
			rc = apply_one(l, i, json_array_get(docs, d), true, &removed, f, ptr);
			if (rc < 0)
				return rc;
		}
		if (!removed)
			i++;
	}
	return 0;
}

/* A strategic merge patch without target finds its resource by id. */
static int apply_by_id(kz_list *l, const json_t *patch, const kz_file *f,
		       const char *ptr)
{
	const char *kind = kz_kind(patch);
	const char *name = kz_name(patch);
	const char *ns = json_string_value(json_object_get(json_object_get(patch, "metadata"), "namespace"));
	size_t i, hits = 0, at = 0;

	if (!name || !kind[0])
		return kz_fail(f, ptr, KD_EINVAL,
			       "a patch without target needs kind and metadata.name");
	for (i = 0; i < l->n; i++) {
		const kz_res *r = &l->v[i];
		const char *cur = kz_name(r->obj);

		if (strcmp(kz_kind(r->obj), kind) != 0)
			continue;
		if (ns && strcmp(ns, kz_ns(r->obj)) != 0)
			continue;
		if ((cur && strcmp(cur, name) == 0) ||
		    (r->base_name && strcmp(r->base_name, name) == 0) ||
		    strcmp(r->orig_name, name) == 0) {
			hits++;
			at = i;
		}
	}
	if (hits == 0)
		return kz_fail(f, ptr, KD_ENOTFOUND, "patch target %s '%s' not found", kind, name);
	if (hits > 1)
		return kz_fail(f, ptr, KD_EINVAL,
			       "patch target %s '%s' is ambiguous (%zu resources); give a namespace",
			       kind, name, hits);
	{
		bool removed;
		json_t *p = json_deep_copy(patch);
		int rc;

		if (!p)
			return kd_error_set(KD_ENOMEM, "out of memory");
		/* The patch's name is the resource's name before generators
		 * hashed it; keep the current one. */
		if (kz_name(l->v[at].obj))
			kz_set_str(json_object_get(p, "metadata"), "name", kz_name(l->v[at].obj));
		rc = apply_one(l, at, p, false, &removed, f, ptr);
		json_decref(p);
		return rc;
	}
}

/* Parses patch text into an array of its non-empty documents. */
static int parse_docs(json_t **out, const char *text, size_t len, const char *name)
{
	json_t *docs = NULL, *res;
	size_t i;
	int rc = kd_yaml_parse(&docs, NULL, text, len, name, NULL);

	*out = NULL;
	if (rc < 0)
		return rc;
	res = json_array();
	if (!res) {
		json_decref(docs);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	for (i = 0; i < json_array_size(docs); i++) {
		json_t *d = json_array_get(docs, i);

		if (json_is_null(d))
			continue;
		if (!json_is_object(d) && !json_is_array(d)) {
			json_decref(docs);
			json_decref(res);
			return kd_error_set(KD_EINVAL, "%s: a patch must be a mapping or a list", name);
		}
		if (json_array_append(res, d) < 0) {
			json_decref(docs);
			json_decref(res);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
	}
	json_decref(docs);
	*out = res;
	return 0;
}

/* Loads a patch from a file or inline text into an array of documents (a
 * JSON 6902 patch is one document that is a list). */
static int load_patch(json_t **docs, kz_ctx *c, const kz_file *f,
		      const char *file, const char *inline_text, const char *ptr)
{
	kd_buf data = KD_BUF_INIT;
	char *path = NULL;
	int rc;

	*docs = NULL;
	if (file) {
		rc = kz_read_file(&data, &path, c, f, file, ptr);
		if (rc < 0)
			return rc;
		rc = parse_docs(docs, kd_buf_cstr(&data), data.len, path);
		kd_buf_free(&data);
		free(path);
		return rc < 0 ? kz_wrap(f, ptr, rc) : 0;
	}
	{
		kd_buf name = KD_BUF_INIT;

		if (kd_buf_printf(&name, "%s:%d: inline patch", f->path, kz_line(f, ptr)) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
		rc = parse_docs(docs, inline_text, strlen(inline_text), kd_buf_cstr(&name));
		kd_buf_free(&name);
	}
	return rc;
}

static bool is_json6902(const json_t *docs)
{
	return json_array_size(docs) == 1 && json_is_array(json_array_get(docs, 0));
}

int kz_patches(kz_ctx *c, const kz_file *f, kz_list *l)
{
	json_t *list = json_object_get(f->doc, "patches");
	size_t i, d;
	int rc = 0;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return kz_fail(f, "/patches", KD_EINVAL, "'patches' must be a list");
	for (i = 0; i < json_array_size(list) && rc == 0; i++) {
		json_t *e = json_array_get(list, i);
		const char *file = json_string_value(json_object_get(e, "path"));
		const char *text = json_string_value(json_object_get(e, "patch"));
		json_t *target = json_object_get(e, "target");
		json_t *docs = NULL;
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/patches/%zu", i);
		if (!json_is_object(e))
			return kz_fail(f, ptr, KD_EINVAL, "a patch entry must be a mapping");
		if (!!file == !!text)
			return kz_fail(f, ptr, KD_EINVAL, "a patch needs exactly one of 'path' and 'patch'");
		if (target && !json_is_object(target))
			return kz_fail(f, ptr, KD_EINVAL, "'target' must be a mapping");
		if (text)
			snprintf(ptr, sizeof(ptr), "/patches/%zu/patch", i);
		rc = load_patch(&docs, c, f, file, text, ptr);
		if (rc < 0)
			return rc;
		if (is_json6902(docs) && !target)
			rc = kz_fail(f, ptr, KD_EINVAL, "a JSON 6902 patch needs a target");
		else if (target)
			rc = apply_targeted(l, target, docs, f, ptr);
		else
			for (d = 0; d < json_array_size(docs) && rc == 0; d++)
				rc = apply_by_id(l, json_array_get(docs, d), f, ptr);
		json_decref(docs);
	}
	return rc;
}

int kz_patches_strategic(kz_ctx *c, const kz_file *f, kz_list *l)
{
	json_t *list = json_object_get(f->doc, "patchesStrategicMerge");
	size_t i, d;
	int rc = 0;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return kz_fail(f, "/patchesStrategicMerge", KD_EINVAL,
			       "'patchesStrategicMerge' must be a list");
	for (i = 0; i < json_array_size(list) && rc == 0; i++) {
		const char *s = json_string_value(json_array_get(list, i));
		json_t *docs = NULL;
		bool inline_text;
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/patchesStrategicMerge/%zu", i);
		if (!s)
			return kz_fail(f, ptr, KD_EINVAL, "'patchesStrategicMerge' entries must be strings");
		inline_text = strchr(s, '\n') || strchr(s, '{') || strncmp(s, "apiVersion:", 11) == 0;
		rc = load_patch(&docs, c, f, inline_text ? NULL : s, inline_text ? s : NULL, ptr);
		if (rc < 0)
			return rc;
		for (d = 0; d < json_array_size(docs) && rc == 0; d++) {
			if (!json_is_object(json_array_get(docs, d)))
				rc = kz_fail(f, ptr, KD_EINVAL, "a strategic merge patch must be a mapping");
			else
				rc = apply_by_id(l, json_array_get(docs, d), f, ptr);
		}
		json_decref(docs);
	}
	return rc;
}

int kz_patches_json6902(kz_ctx *c, const kz_file *f, kz_list *l)
{
	json_t *list = json_object_get(f->doc, "patchesJson6902");
	size_t i;
	int rc = 0;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return kz_fail(f, "/patchesJson6902", KD_EINVAL, "'patchesJson6902' must be a list");
	for (i = 0; i < json_array_size(list) && rc == 0; i++) {
		json_t *e = json_array_get(list, i);
		const char *file = json_string_value(json_object_get(e, "path"));
		const char *text = json_string_value(json_object_get(e, "patch"));
		json_t *target = json_object_get(e, "target");
		json_t *docs = NULL;
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/patchesJson6902/%zu", i);
		if (!json_is_object(target))
			return kz_fail(f, ptr, KD_EINVAL, "a JSON 6902 patch needs a target");
		if (!!file == !!text)
			return kz_fail(f, ptr, KD_EINVAL, "a patch needs exactly one of 'path' and 'patch'");
		rc = load_patch(&docs, c, f, file, text, ptr);
		if (rc < 0)
			return rc;
		if (!is_json6902(docs))
			rc = kz_fail(f, ptr, KD_EINVAL, "a JSON 6902 patch must be a list of operations");
		else
			rc = apply_targeted(l, target, docs, f, ptr);
		json_decref(docs);
	}
	return rc;
}
