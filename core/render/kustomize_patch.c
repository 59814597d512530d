/*
 * kustomize_patch — patches, patchesStrategicMerge and patchesJson6902.
 *
 * A patch either names its target itself (a strategic merge patch without
 * `target`: by kind, name and, when given, namespace) or through a target
 * selector whose group, version, kind, name and namespace are regular
 * expressions matched against the whole value, plus label and annotation
 * selectors.  A patch body that is a list is a JSON 6902 patch.
 */
#include "render_priv.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "fleet/fleet.h"
#include "data/data.h"

static const char *const patch_keys[] = { "path", "patch", "target", "options", NULL };
static const char *const target_keys[] = { "group", "version", "kind", "name", "namespace",
					   "labelSelector", "annotationSelector", NULL };
static const char *const option_keys[] = { "allowNameChange", "allowKindChange", NULL };

static int check_entry(const kd_kz_file *f, const char *ptr, const json_t *e)
{
	int rc;

	if ((rc = kd_kz_check_keys(f, ptr, e, patch_keys)) < 0 ||
	    (rc = kd_kz_check_keys(f, ptr, json_object_get(e, "target"), target_keys)) < 0 ||
	    (rc = kd_kz_check_keys(f, ptr, json_object_get(e, "options"), option_keys)) < 0)
		return rc;
	return 0;
}

/* ---- target selectors -------------------------------------------------- */

enum { T_GROUP, T_VERSION, T_KIND, T_NAMESPACE, T_NAME, T_FIELDS };
static const char *const target_fields[T_FIELDS] = {
	"group", "version", "kind", "namespace", "name",
};

/* A target with its patterns compiled once for all resources. */
typedef struct compiled_target {
	regex_t re[T_FIELDS];
	bool has[T_FIELDS];
	kd_selector labels, annotations;
	bool has_labels, has_annotations;
} compiled_target;

/* Anchors a Go (RE2) pattern and rewrites the few Perl classes POSIX lacks. */
static int compile_pattern(regex_t *re, const char *pattern, const kd_kz_file *f,
			   const char *ptr)
{
	kd_buf b = KD_BUF_INIT;
	const char *p;
	int flags = REG_EXTENDED | REG_NOSUB;
	int rc = kd_buf_puts(&b, "^(");

	if (strncmp(pattern, "(?i)", 4) == 0) {
		flags |= REG_ICASE;
		pattern += 4;
	}
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
	if (rc == 0 && regcomp(re, kd_buf_cstr(&b), flags) != 0)
		rc = kd_kz_fail(f, ptr, KD_EINVAL,
			     "target pattern '%s' is not a valid regular expression", pattern);
	kd_buf_free(&b);
	return rc;
}

static void target_free(compiled_target *t)
{
	size_t i;

	for (i = 0; i < T_FIELDS; i++)
		if (t->has[i])
			regfree(&t->re[i]);
	if (t->has_labels)
		kd_selector_free(&t->labels);
	if (t->has_annotations)
		kd_selector_free(&t->annotations);
	memset(t, 0, sizeof(*t));
}

static int target_compile(compiled_target *t, const json_t *target, const kd_kz_file *f,
			  const char *ptr)
{
	const char *text;
	size_t i;
	int rc;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < T_FIELDS; i++) {
		const char *pat = json_string_value(json_object_get(target, target_fields[i]));

		if (!pat || !pat[0])
			continue;
		if ((rc = compile_pattern(&t->re[i], pat, f, ptr)) < 0) {
			target_free(t);
			return rc;
		}
		t->has[i] = true;
	}
	text = json_string_value(json_object_get(target, "labelSelector"));
	if (text && text[0]) {
		if ((rc = kd_selector_parse_text(&t->labels, text)) < 0) {
			target_free(t);
			return kd_kz_wrap(f, ptr, rc);
		}
		t->has_labels = true;
	}
	text = json_string_value(json_object_get(target, "annotationSelector"));
	if (text && text[0]) {
		if ((rc = kd_selector_parse_text(&t->annotations, text)) < 0) {
			target_free(t);
			return kd_kz_wrap(f, ptr, rc);
		}
		t->has_annotations = true;
	}
	return 0;
}

static bool field_ok(const compiled_target *t, int field, const char *value)
{
	return !t->has[field] || regexec(&t->re[field], value ? value : "", 0, NULL, 0) == 0;
}

/* Names match the current name or the one the resource was loaded or
 * generated with. */
static bool target_matches(const compiled_target *t, const kd_kz_res *r)
{
	const json_t *obj = r->obj;
	const char *av = kd_kz_api_version(obj);
	const char *slash = strchr(av, '/');
	json_t *meta = json_object_get(obj, "metadata");
	char group[256];

	kd_kz_group_of(group, sizeof(group), av);
	if (!field_ok(t, T_GROUP, group) || !field_ok(t, T_VERSION, slash ? slash + 1 : av) ||
	    !field_ok(t, T_KIND, kd_kz_kind(obj)) || !field_ok(t, T_NAMESPACE, kd_kz_ns(obj)))
		return false;
	if (!field_ok(t, T_NAME, kd_kz_name(obj)) &&
	    !(r->base_name && field_ok(t, T_NAME, r->base_name)) &&
	    !field_ok(t, T_NAME, r->orig_name))
		return false;
	if (t->has_labels && !kd_selector_matches(&t->labels, json_is_object(
			json_object_get(meta, "labels")) ? json_object_get(meta, "labels") : NULL))
		return false;
	if (t->has_annotations && !kd_selector_matches(&t->annotations, json_is_object(
			json_object_get(meta, "annotations")) ? json_object_get(meta, "annotations") : NULL))
		return false;
	return true;
}

/* ---- applying --------------------------------------------------------- */

/* Applies one patch document to resource i; the resource may disappear
 * ($patch: delete), in which case *removed is set. */
/* What a targeted strategic merge patch may change besides the body. */
typedef struct patch_opts {
	bool name;   /* allowNameChange */
	bool kind;   /* allowKindChange */
} patch_opts;

static int apply_one(kd_kz_list *l, size_t i, const json_t *patch, bool targeted,
		     const patch_opts *po, bool *removed, const kd_kz_file *f,
		     const char *ptr)
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
			return kd_kz_wrap(f, ptr, rc);
	} else {
		if (targeted) {
			/* The target names the resource; the patch's own name
			 * and kind must not rename it. */
			json_t *meta;

			p = json_deep_copy(patch);
			if (!p)
				return kd_error_set(KD_ENOMEM, "out of memory");
			meta = json_object_get(p, "metadata");
			if (!po->name) {
				json_object_del(meta, "name");
				json_object_del(meta, "namespace");
			}
			if (!po->kind) {
				json_object_del(p, "apiVersion");
				json_object_del(p, "kind");
			}
			patch = p;
		}
		rc = kd_smp_apply(&out, l->v[i].obj, patch, KD_SMP_KUSTOMIZE);
		json_decref(p);
		if (rc < 0)
			return kd_kz_wrap(f, ptr, rc);
	}
	if (!out) {
		kd_kz_list_remove(l, i);
		*removed = true;
		return 0;
	}
	json_decref(l->v[i].obj);
	l->v[i].obj = out;
	return 0;
}

static int apply_targeted(kd_kz_list *l, const json_t *target, const json_t *docs,
			  const patch_opts *po, const kd_kz_file *f, const char *ptr)
{
	compiled_target t;
	size_t i = 0, d;
	int rc = target_compile(&t, target, f, ptr);

	while (rc == 0 && i < l->n) {
		bool removed = false;

		if (target_matches(&t, &l->v[i]))
			for (d = 0; d < json_array_size(docs) && !removed && rc == 0; d++)
				rc = apply_one(l, i, json_array_get(docs, d), true, po, &removed, f, ptr);
		if (!removed)
			i++;
	}
	target_free(&t);
	return rc;
}

/* A strategic merge patch without target finds its resource by id. */
static int apply_by_id(kd_kz_list *l, const json_t *patch, const kd_kz_file *f,
		       const char *ptr)
{
	const char *kind = kd_kz_kind(patch);
	const char *name = kd_kz_name(patch);
	const char *ns = json_string_value(json_object_get(json_object_get(patch, "metadata"),
							   "namespace"));
	size_t i, hits = 0, at = 0;

	if (!name || !kind[0])
		return kd_kz_fail(f, ptr, KD_EINVAL,
			       "a patch without target needs kind and metadata.name");
	for (i = 0; i < l->n; i++) {
		const kd_kz_res *r = &l->v[i];
		const char *cur = kd_kz_name(r->obj);

		/* kustomize compares the whole group/version/kind */
		if (strcmp(kd_kz_kind(r->obj), kind) != 0 ||
		    strcmp(kd_kz_api_version(r->obj), kd_kz_api_version(patch)) != 0)
			continue;
		if ((cur && strcmp(cur, name) == 0 && strcmp(kd_kz_ns(r->obj), ns ? ns : "") == 0) ||
		    kd_kz_had_id(r, name, ns ? ns : "")) {
			hits++;
			at = i;
		}
	}
	if (hits == 0)
		return kd_kz_fail(f, ptr, KD_ENOTFOUND, "patch target %s '%s' not found", kind, name);
	if (hits > 1)
		return kd_kz_fail(f, ptr, KD_EINVAL,
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
		if (kd_kz_name(l->v[at].obj))
			kd_kz_set_str(json_object_get(p, "metadata"), "name", kd_kz_name(l->v[at].obj));
		patch_opts none = { false, false };

		rc = apply_one(l, at, p, false, &none, &removed, f, ptr);
		json_decref(p);
		return rc;
	}
}

/* Parses patch text into an array of its non-empty documents (and, when
 * pos is not NULL, a parallel array of their positions). */
static int parse_docs(json_t **out, json_t **pos, const char *text, size_t len,
		      const char *name)
{
	json_t *docs = NULL, *dpos = NULL, *res, *rpos = NULL;
	size_t i;
	int rc = kd_yaml_parse(&docs, pos ? &dpos : NULL, text, len, name, NULL);

	*out = NULL;
	if (rc < 0)
		return rc;
	res = json_array();
	if (!res || (pos && !(rpos = json_array()))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < json_array_size(docs); i++) {
		json_t *d = json_array_get(docs, i);

		if (json_is_null(d))
			continue;
		if (!json_is_object(d) && !json_is_array(d)) {
			rc = kd_error_set(KD_EINVAL, "%s: a patch must be a mapping or a list", name);
			goto cleanup;
		}
		if (json_array_append(res, d) < 0 ||
		    (rpos && json_array_append(rpos, json_array_get(dpos, i)) < 0)) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	*out = res;
	res = NULL;
	if (pos) {
		*pos = rpos;
		rpos = NULL;
	}
cleanup:
	json_decref(docs);
	json_decref(dpos);
	json_decref(res);
	json_decref(rpos);
	return rc;
}

/* A patch as loaded: its documents and, for provenance, their positions
 * and the file (NULL for an inline patch). */
typedef struct loaded {
	json_t *docs;
	json_t *pos;
	char *file;
} loaded;

static void loaded_free(loaded *p)
{
	json_decref(p->docs);
	json_decref(p->pos);
	free(p->file);
	memset(p, 0, sizeof(*p));
}

/* Loads a patch from a file or inline text into an array of documents (a
 * JSON 6902 patch is one document that is a list). */
static int load_patch(loaded *out, kd_kz_ctx *c, const kd_kz_file *f,
		      const char *file, const char *inline_text, const char *ptr)
{
	kd_buf data = KD_BUF_INIT;
	char *path = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (file) {
		rc = kd_kz_read_file(&data, &path, c, f, file, ptr);
		if (rc < 0)
			return rc;
		rc = parse_docs(&out->docs, c->prov ? &out->pos : NULL, kd_buf_cstr(&data),
				data.len, path);
		kd_buf_free(&data);
		if (rc == 0 && c->prov)
			out->file = path;
		else
			free(path);
		return rc < 0 ? kd_kz_wrap(f, ptr, rc) : 0;
	}
	{
		kd_buf name = KD_BUF_INIT;

		if (kd_buf_printf(&name, "%s:%d: inline patch", f->path, kd_kz_line(f, ptr)) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
		rc = parse_docs(&out->docs, c->prov ? &out->pos : NULL, inline_text,
				strlen(inline_text), kd_buf_cstr(&name));
		kd_buf_free(&name);
	}
	return rc;
}

static bool is_json6902(const json_t *docs)
{
	return json_array_size(docs) == 1 && json_is_array(json_array_get(docs, 0));
}

int kd_kz_patches(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l)
{
	json_t *list = json_object_get(f->doc, "patches");
	size_t i, d;
	int rc = 0;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return kd_kz_fail(f, "/patches", KD_EINVAL, "'patches' must be a list");
	for (i = 0; i < json_array_size(list) && rc == 0; i++) {
		json_t *e = json_array_get(list, i);
		const char *file = json_string_value(json_object_get(e, "path"));
		const char *text = json_string_value(json_object_get(e, "patch"));
		json_t *target = json_object_get(e, "target");
		json_t *options = json_object_get(e, "options");
		patch_opts po = { kd_kz_true(json_object_get(options, "allowNameChange")),
				  kd_kz_true(json_object_get(options, "allowKindChange")) };
		loaded p;
		json_t *docs;
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/patches/%zu", i);
		if (!json_is_object(e))
			return kd_kz_fail(f, ptr, KD_EINVAL, "a patch entry must be a mapping");
		if ((rc = check_entry(f, ptr, e)) < 0)
			return rc;
		if (!!file == !!text)
			return kd_kz_fail(f, ptr, KD_EINVAL, "a patch needs exactly one of 'path' and 'patch'");
		if (target && !json_is_object(target))
			return kd_kz_fail(f, ptr, KD_EINVAL, "'target' must be a mapping");
		if (text)
			snprintf(ptr, sizeof(ptr), "/patches/%zu/patch", i);
		rc = load_patch(&p, c, f, file, text, ptr);
		if (rc < 0)
			return rc;
		docs = p.docs;
		if (is_json6902(docs) && !target) {
			rc = kd_kz_fail(f, ptr, KD_EINVAL, "a JSON 6902 patch needs a target");
		} else if (target) {
			rc = apply_targeted(l, target, docs, &po, f, ptr);
			/* several documents applied to each target in turn are
			 * credited to the entry as a whole */
			if (rc == 0)
				rc = kd_kz_step_patch(c, f, l, ptr, p.file,
						      json_array_size(docs) == 1 ? json_array_get(docs, 0) : NULL,
						      json_array_get(p.pos, 0), is_json6902(docs));
		} else {
			for (d = 0; d < json_array_size(docs) && rc == 0; d++) {
				rc = apply_by_id(l, json_array_get(docs, d), f, ptr);
				if (rc == 0)
					rc = kd_kz_step_patch(c, f, l, ptr, p.file, json_array_get(docs, d),
							      json_array_get(p.pos, d), false);
			}
		}
		loaded_free(&p);
	}
	return rc;
}

int kd_kz_patches_strategic(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l)
{
	json_t *list = json_object_get(f->doc, "patchesStrategicMerge");
	size_t i, d;
	int rc = 0;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return kd_kz_fail(f, "/patchesStrategicMerge", KD_EINVAL,
			       "'patchesStrategicMerge' must be a list");
	for (i = 0; i < json_array_size(list) && rc == 0; i++) {
		const char *s = json_string_value(json_array_get(list, i));
		json_t *docs;
		loaded p;
		bool inline_text;
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/patchesStrategicMerge/%zu", i);
		if (!s)
			return kd_kz_fail(f, ptr, KD_EINVAL, "'patchesStrategicMerge' entries must be strings");
		inline_text = strchr(s, '\n') || strchr(s, '{') || strncmp(s, "apiVersion:", 11) == 0;
		rc = load_patch(&p, c, f, inline_text ? NULL : s, inline_text ? s : NULL, ptr);
		if (rc < 0)
			return rc;
		docs = p.docs;
		for (d = 0; d < json_array_size(docs) && rc == 0; d++) {
			if (!json_is_object(json_array_get(docs, d)))
				rc = kd_kz_fail(f, ptr, KD_EINVAL, "a strategic merge patch must be a mapping");
			else if ((rc = apply_by_id(l, json_array_get(docs, d), f, ptr)) == 0)
				rc = kd_kz_step_patch(c, f, l, ptr, p.file, json_array_get(docs, d),
						      json_array_get(p.pos, d), false);
		}
		loaded_free(&p);
	}
	return rc;
}

int kd_kz_patches_json6902(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l)
{
	json_t *list = json_object_get(f->doc, "patchesJson6902");
	size_t i;
	int rc = 0;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return kd_kz_fail(f, "/patchesJson6902", KD_EINVAL, "'patchesJson6902' must be a list");
	for (i = 0; i < json_array_size(list) && rc == 0; i++) {
		json_t *e = json_array_get(list, i);
		const char *file = json_string_value(json_object_get(e, "path"));
		const char *text = json_string_value(json_object_get(e, "patch"));
		json_t *target = json_object_get(e, "target");
		json_t *docs;
		loaded p;
		char ptr[64], pptr[80];

		snprintf(ptr, sizeof(ptr), "/patchesJson6902/%zu", i);
		if ((rc = check_entry(f, ptr, e)) < 0)
			return rc;
		if (!json_is_object(target))
			return kd_kz_fail(f, ptr, KD_EINVAL, "a JSON 6902 patch needs a target");
		if (!!file == !!text)
			return kd_kz_fail(f, ptr, KD_EINVAL, "a patch needs exactly one of 'path' and 'patch'");
		snprintf(pptr, sizeof(pptr), text ? "/patchesJson6902/%zu/patch" : "/patchesJson6902/%zu", i);
		rc = load_patch(&p, c, f, file, text, ptr);
		if (rc < 0)
			return rc;
		docs = p.docs;
		if (!is_json6902(docs)) {
			rc = kd_kz_fail(f, ptr, KD_EINVAL, "a JSON 6902 patch must be a list of operations");
		} else {
			patch_opts none = { false, false };

			rc = apply_targeted(l, target, docs, &none, f, ptr);
			if (rc == 0)
				rc = kd_kz_step_patch(c, f, l, pptr, p.file, json_array_get(docs, 0),
						      json_array_get(p.pos, 0), true);
		}
		loaded_free(&p);
	}
	return rc;
}
