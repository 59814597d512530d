/*
 * kustomize — the build: loading kustomizations, accumulating resources
 * level by level, running generators and transformers in kustomize's order,
 * and the final ordering (see kustomize.h).
 *
 * Each kustomization is one level.  A level starts from its resources
 * (files, or the output of other kustomizations), lets its components
 * transform what it has so far, generates ConfigMaps and Secrets, runs its
 * transformers, appends content hashes, and finally rewrites references to
 * resources whose names changed during the level.
 */
#include "kustomize_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "path.h"
#include "yaml.h"

static const char *const kfile_names[] = {
	"kustomization.yaml", "kustomization.yml", "Kustomization", NULL,
};

/* Fields kustomize knows but kdrift does not implement. */
static const char *const unsupported_fields[] = {
	"helmCharts", "helmChartInflationGenerator", "helmGlobals",
	"replacements", "generators", "transformers", "validators", "openapi",
	"crds", "vars", "configurations", "sortOptions", "buildMetadata",
	"inventory", NULL,
};

static const char *const known_fields[] = {
	"apiVersion", "kind", "metadata", "resources", "bases", "components",
	"namespace", "namePrefix", "nameSuffix", "commonLabels", "labels",
	"commonAnnotations", "images", "patches", "patchesStrategicMerge",
	"patchesJson6902", "configMapGenerator", "secretGenerator",
	"generatorOptions", "replicas", NULL,
};

/* ---- small helpers shared by the kustomize files ----------------------- */

const char *kz_name(const json_t *obj)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
}

const char *kz_ns(const json_t *obj)
{
	const char *ns = json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace"));

	return ns ? ns : "";
}

const char *kz_kind(const json_t *obj)
{
	const char *k = json_string_value(json_object_get(obj, "kind"));

	return k ? k : "";
}

const char *kz_api_version(const json_t *obj)
{
	const char *v = json_string_value(json_object_get(obj, "apiVersion"));

	return v ? v : "";
}

int kz_set_str(json_t *obj, const char *key, const char *value)
{
	if (json_object_set_new(obj, key, json_string(value)) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

/* Follows path (NULL-terminated field names) through objects; creates
 * missing objects when asked.  NULL when a step is absent or not an object. */
json_t *kz_obj_path(json_t *obj, const char *const *path, bool create)
{
	size_t i;

	for (i = 0; path[i] && obj; i++) {
		json_t *next = json_object_get(obj, path[i]);

		if (!next && create) {
			next = json_object();
			if (!next || json_object_set_new(obj, path[i], next) < 0)
				return NULL;
		}
		obj = json_is_object(next) ? next : NULL;
	}
	return obj;
}

int kz_list_add(kz_list *l, json_t *obj, const char *orig_name)
{
	kz_res *r;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		kz_res *v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			json_decref(obj);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
		l->v = v;
		l->cap = cap;
	}
	r = &l->v[l->n];
	memset(r, 0, sizeof(*r));
	r->obj = obj;
	r->orig_name = strdup(orig_name ? orig_name : "");
	r->level_name = strdup(kz_name(obj) ? kz_name(obj) : "");
	r->level_ns = strdup(kz_ns(obj));
	if (!r->orig_name || !r->level_name || !r->level_ns) {
		free(r->orig_name);
		free(r->level_name);
		free(r->level_ns);
		json_decref(obj);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	l->n++;
	return 0;
}

static void res_clear(kz_res *r)
{
	json_decref(r->obj);
	free(r->orig_name);
	free(r->base_name);
	free(r->level_name);
	free(r->level_ns);
}

void kz_list_remove(kz_list *l, size_t i)
{
	res_clear(&l->v[i]);
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(l->v[0]));
	l->n--;
}

void kz_list_free(kz_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		res_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int kz_line(const kz_file *f, const char *pointer)
{
	json_t *p;

	if (!f || !f->pos || !pointer)
		return 0;
	p = json_object_get(f->pos, pointer);
	return json_is_array(p) ? (int)json_integer_value(json_array_get(p, 0)) : 0;
}

static int vfail(const kz_file *f, const char *pointer, int code,
		 const char *fmt, va_list ap)
{
	kd_buf msg = KD_BUF_INIT;
	int line = kz_line(f, pointer);

	if (f && line > 0)
		kd_buf_printf(&msg, "%s:%d: ", f->path, line);
	else if (f)
		kd_buf_printf(&msg, "%s: ", f->path);
	kd_buf_vprintf(&msg, fmt, ap);
	kd_error_set(code, "%s", kd_buf_cstr(&msg));
	kd_buf_free(&msg);
	return code;
}

int kz_fail(const kz_file *f, const char *pointer, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(f, pointer, code, fmt, ap);
	va_end(ap);
	return code;
}

/* Prefixes the current message with the kustomization's place. */
int kz_wrap(const kz_file *f, const char *pointer, int code)
{
	int line = kz_line(f, pointer);

	if (code == KD_ENOMEM || !f)
		return code;
	if (line > 0)
		return kd_error_wrap(code, "%s:%d: ", f->path, line);
	return kd_error_wrap(code, "%s: ", f->path);
}

static bool under_dir(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Resolves rel against the kustomization's directory and applies the load
 * restriction; *path is new. */
static int resolve(char **path, kz_ctx *c, const kz_file *f, const char *rel,
		   const char *pointer, bool is_dir)
{
	int rc = kd_path_join(path, f->dir, rel);

	if (rc < 0)
		return kz_wrap(f, pointer, rc);
	if (!is_dir && c->restrictor == KD_LOAD_ROOT_ONLY && !under_dir(*path, f->dir)) {
		rc = kz_fail(f, pointer, KD_EPATH,
			     "security: file '%s' is not in or below '%s' (load restrictor root-only)",
			     rel, f->dir[0] ? f->dir : ".");
		free(*path);
		*path = NULL;
	}
	return rc;
}

int kz_read_file(kd_buf *out, char **path, kz_ctx *c, const kz_file *f,
		 const char *rel, const char *pointer)
{
	char *p = NULL;
	int rc = resolve(&p, c, f, rel, pointer, false);

	if (rc < 0)
		return rc;
	rc = kd_source_read(out, c->src, p);
	if (rc == KD_ENOTFOUND || rc == KD_EINVAL)
		rc = kz_fail(f, pointer, rc, "file '%s' not found", rel);
	else if (rc < 0)
		rc = kz_wrap(f, pointer, rc);
	if (rc < 0 || !path)
		free(p);
	else
		*path = p;
	return rc;
}

/* Parses a (multi-document) manifest file into a new array of objects,
 * expanding `kind: List`. */
int kz_parse_docs(json_t **out, const char *data, size_t len, const char *name)
{
	json_t *docs = NULL, *res = json_array();
	size_t i, j;
	int rc;

	*out = NULL;
	if (!res)
		return kd_error_set(KD_ENOMEM, "out of memory");
	rc = kd_yaml_parse(&docs, NULL, data, len, name, NULL);
	if (rc < 0)
		goto cleanup;
	for (i = 0; i < json_array_size(docs); i++) {
		json_t *d = json_array_get(docs, i);

		if (json_is_null(d))
			continue;
		if (!json_is_object(d)) {
			rc = kd_error_set(KD_EINVAL, "%s: document %zu is not an object", name, i + 1);
			goto cleanup;
		}
		if (strcmp(kz_kind(d), "List") == 0 && json_is_array(json_object_get(d, "items"))) {
			json_t *items = json_object_get(d, "items");

			for (j = 0; j < json_array_size(items); j++)
				if (json_array_append(res, json_array_get(items, j)) < 0) {
					rc = kd_error_set(KD_ENOMEM, "out of memory");
					goto cleanup;
				}
			continue;
		}
		if (json_array_append(res, d) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	*out = res;
	res = NULL;
cleanup:
	json_decref(docs);
	json_decref(res);
	return rc;
}

/* ---- kustomization files ---------------------------------------------- */

bool kd_kustomize_present(kd_source *src, const char *dir)
{
	size_t i;

	for (i = 0; kfile_names[i]; i++) {
		kd_source_type t = KD_SOURCE_NONE;
		char *p = NULL;

		if (kd_path_join(&p, dir, kfile_names[i]) < 0)
			continue;
		if (kd_source_stat(&t, src, p) == 0 && t == KD_SOURCE_FILE) {
			free(p);
			return true;
		}
		free(p);
	}
	return false;
}

static void kfile_free(kz_file *f)
{
	free(f->dir);
	free(f->path);
	json_decref(f->doc);
	json_decref(f->pos);
	memset(f, 0, sizeof(*f));
}

static int check_fields(const kz_file *f)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(f->doc, key, v) {
		char ptr[512];
		bool known = false;

		snprintf(ptr, sizeof(ptr), "/%s", key);
		for (i = 0; unsupported_fields[i]; i++)
			if (strcmp(key, unsupported_fields[i]) == 0)
				return kd_error_set(KD_EUNSUPPORTED,
						    "unsupported kustomize feature '%s' (%s:%d)",
						    key, f->path, kz_line(f, ptr));
		for (i = 0; known_fields[i] && !known; i++)
			known = strcmp(key, known_fields[i]) == 0;
		if (!known)
			return kz_fail(f, ptr, KD_EINVAL, "unknown field '%s' in kustomization", key);
	}
	return 0;
}

/* kubectl refuses a kustomization that says nothing beyond its type. */
static bool is_empty(const json_t *doc)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)doc, key, v) {
		if (strcmp(key, "apiVersion") != 0 && strcmp(key, "kind") != 0 &&
		    strcmp(key, "metadata") != 0)
			return false;
	}
	return true;
}

/* Loads the kustomization of dir; `from` names who asked, for errors. */
static int kfile_load(kz_file *f, kz_ctx *c, const char *dir,
		      const kz_file *from, const char *from_ptr)
{
	kd_buf data = KD_BUF_INIT;
	json_t *docs = NULL, *pos = NULL;
	const char *kind;
	size_t i, found = 0;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	f->dir = strdup(dir);
	if (!f->dir)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (i = 0; kfile_names[i]; i++) {
		kd_source_type t = KD_SOURCE_NONE;
		char *p = NULL;

		rc = kd_path_join(&p, dir, kfile_names[i]);
		if (rc < 0)
			goto cleanup;
		if (kd_source_stat(&t, c->src, p) == 0 && t == KD_SOURCE_FILE) {
			if (found++) {
				free(p);
				rc = kd_error_set(KD_EINVAL,
						  "%s: found more than one kustomization file (%s and %s)",
						  dir[0] ? dir : ".", kd_path_basename(f->path),
						  kfile_names[i]);
				goto cleanup;
			}
			f->path = p;
		} else {
			free(p);
		}
	}
	if (!f->path) {
		if (from)
			rc = kz_fail(from, from_ptr, KD_ENOTFOUND,
				     "no kustomization.yaml, kustomization.yml or Kustomization in '%s'",
				     dir[0] ? dir : ".");
		else
			rc = kd_error_set(KD_ENOTFOUND,
					  "no kustomization.yaml, kustomization.yml or Kustomization in '%s'",
					  dir[0] ? dir : ".");
		goto cleanup;
	}
	rc = kd_source_read(&data, c->src, f->path);
	if (rc < 0)
		goto cleanup;
	rc = kd_yaml_parse_one(&docs, &pos, data.data ? data.data : "", data.len,
			       f->path, NULL);
	if (rc < 0)
		goto cleanup;
	if (json_is_null(docs)) {
		json_decref(docs);
		docs = json_object();
		if (!docs) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	f->doc = docs;
	docs = NULL;
	f->pos = json_is_array(pos) ? json_incref(json_array_get(pos, 0)) : json_incref(pos);
	if (!json_is_object(f->doc)) {
		rc = kz_fail(f, "", KD_EINVAL, "a kustomization must be a mapping");
		goto cleanup;
	}
	kind = json_string_value(json_object_get(f->doc, "kind"));
	if (kind && strcmp(kind, "Component") == 0)
		f->component = true;
	else if (kind && strcmp(kind, "Kustomization") != 0) {
		rc = kz_fail(f, "/kind", KD_EINVAL,
			     "kind must be Kustomization or Component, not '%s'", kind);
		goto cleanup;
	}
	rc = check_fields(f);
	if (rc == 0 && is_empty(f->doc))
		rc = kz_fail(f, "", KD_EINVAL, "kustomization is empty");
cleanup:
	json_decref(docs);
	json_decref(pos);
	kd_buf_free(&data);
	if (rc < 0)
		kfile_free(f);
	return rc;
}

/* ---- accumulation ----------------------------------------------------- */

static void group_of(char *out, size_t size, const char *api_version)
{
	const char *slash = strchr(api_version, '/');
	size_t n = slash ? (size_t)(slash - api_version) : 0;

	if (n >= size)
		n = size - 1;
	memcpy(out, api_version, n);
	out[n] = '\0';
}

static bool same_id(const json_t *a, const json_t *b)
{
	char ga[256], gb[256];
	const char *na = kz_name(a), *nb = kz_name(b);

	group_of(ga, sizeof(ga), kz_api_version(a));
	group_of(gb, sizeof(gb), kz_api_version(b));
	return strcmp(ga, gb) == 0 && strcmp(kz_kind(a), kz_kind(b)) == 0 &&
	       na && nb && strcmp(na, nb) == 0 && strcmp(kz_ns(a), kz_ns(b)) == 0;
}

static int check_unique(const kz_list *l, const json_t *obj)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (same_id(l->v[i].obj, obj))
			return kd_error_set(KD_EINVAL,
					    "may not add resource with an already registered id: %s %s%s%s",
					    kz_kind(obj), kz_ns(obj), kz_ns(obj)[0] ? "/" : "",
					    kz_name(obj));
	return 0;
}

static int add_file(kz_ctx *c, const kz_file *f, kz_list *l, const char *rel,
		    const char *ptr)
{
	kd_buf data = KD_BUF_INIT;
	json_t *docs = NULL;
	char *path = NULL;
	size_t i;
	int rc;

	rc = kz_read_file(&data, &path, c, f, rel, ptr);
	if (rc < 0)
		goto cleanup;
	rc = kz_parse_docs(&docs, data.data ? data.data : "", data.len, path);
	if (rc < 0) {
		rc = kz_wrap(f, ptr, rc);
		goto cleanup;
	}
	for (i = 0; i < json_array_size(docs); i++) {
		json_t *d = json_array_get(docs, i);

		if (!kz_name(d) || !json_string_value(json_object_get(d, "kind"))) {
			rc = kz_fail(f, ptr, KD_EINVAL,
				     "%s: document %zu has no kind or metadata.name",
				     path, i + 1);
			goto cleanup;
		}
		rc = check_unique(l, d);
		if (rc < 0) {
			rc = kz_wrap(f, ptr, rc);
			goto cleanup;
		}
		rc = kz_list_add(l, json_incref(d), kz_name(d));
		if (rc < 0)
			goto cleanup;
	}
cleanup:
	json_decref(docs);
	free(path);
	kd_buf_free(&data);
	return rc;
}

static int build_dir(kz_ctx *c, const char *dir, kz_list *acc, bool component,
		     const kz_file *from, const char *from_ptr);

static bool is_remote(const char *s)
{
	return strstr(s, "://") || strncmp(s, "github.com/", 11) == 0 ||
	       strncmp(s, "git@", 4) == 0 || strncmp(s, "gitlab.com/", 11) == 0 ||
	       strncmp(s, "bitbucket.org/", 14) == 0;
}

/* Appends src's resources to dst, refusing duplicate ids; empties src. */
static int absorb(kz_list *dst, kz_list *src, const kz_file *f, const char *ptr)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < src->n; i++) {
		rc = check_unique(dst, src->v[i].obj);
		if (rc < 0)
			return kz_wrap(f, ptr, rc);
	}
	for (i = 0; i < src->n; i++) {
		if (dst->n == dst->cap) {
			size_t cap = dst->cap ? dst->cap * 2 : 16;
			kz_res *v = realloc(dst->v, cap * sizeof(*v));

			if (!v)
				return kd_error_set(KD_ENOMEM, "out of memory");
			dst->v = v;
			dst->cap = cap;
		}
		dst->v[dst->n++] = src->v[i];
	}
	free(src->v);
	src->v = NULL;
	src->n = src->cap = 0;
	return rc;
}

static int add_resources(kz_ctx *c, const kz_file *f, kz_list *l,
			 const char *field)
{
	json_t *list = json_object_get(f->doc, field);
	char ptr[64];
	size_t i;
	int rc = 0;

	if (!list)
		return 0;
	snprintf(ptr, sizeof(ptr), "/%s", field);
	if (!json_is_array(list))
		return kz_fail(f, ptr, KD_EINVAL, "'%s' must be a list", field);
	for (i = 0; i < json_array_size(list); i++) {
		const char *rel = json_string_value(json_array_get(list, i));
		kd_source_type t = KD_SOURCE_NONE;
		char *path = NULL;

		snprintf(ptr, sizeof(ptr), "/%s/%zu", field, i);
		if (!rel)
			return kz_fail(f, ptr, KD_EINVAL, "'%s' entries must be strings", field);
		if (is_remote(rel))
			return kd_error_set(KD_EUNSUPPORTED,
					    "unsupported kustomize feature 'remote resource %s' (%s:%d)",
					    rel, f->path, kz_line(f, ptr));
		rc = kd_path_join(&path, f->dir, rel);
		if (rc < 0)
			return kz_wrap(f, ptr, rc);
		rc = kd_source_stat(&t, c->src, path);
		if (rc < 0) {
			free(path);
			return kz_wrap(f, ptr, rc);
		}
		if (t == KD_SOURCE_DIR) {
			kz_list sub = { NULL, 0, 0 };

			rc = build_dir(c, path, &sub, false, f, ptr);
			if (rc == 0)
				rc = absorb(l, &sub, f, ptr);
			kz_list_free(&sub);
		} else if (t == KD_SOURCE_FILE) {
			rc = add_file(c, f, l, rel, ptr);
		} else {
			rc = kz_fail(f, ptr, KD_ENOTFOUND, "resource '%s' not found", rel);
		}
		free(path);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int add_components(kz_ctx *c, const kz_file *f, kz_list *l)
{
	json_t *list = json_object_get(f->doc, "components");
	char ptr[64];
	size_t i;
	int rc;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return kz_fail(f, "/components", KD_EINVAL, "'components' must be a list");
	for (i = 0; i < json_array_size(list); i++) {
		const char *rel = json_string_value(json_array_get(list, i));
		char *path = NULL;

		snprintf(ptr, sizeof(ptr), "/components/%zu", i);
		if (!rel)
			return kz_fail(f, ptr, KD_EINVAL, "'components' entries must be strings");
		if (is_remote(rel))
			return kd_error_set(KD_EUNSUPPORTED,
					    "unsupported kustomize feature 'remote resource %s' (%s:%d)",
					    rel, f->path, kz_line(f, ptr));
		rc = kd_path_join(&path, f->dir, rel);
		if (rc < 0)
			return kz_wrap(f, ptr, rc);
		rc = build_dir(c, path, l, true, f, ptr);
		free(path);
		if (rc < 0)
			return rc;
		kz_mark_level(l);
	}
	return 0;
}

static int str_field(const char **out, const kz_file *f, const char *key)
{
	json_t *v = json_object_get(f->doc, key);
	char ptr[64];

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	snprintf(ptr, sizeof(ptr), "/%s", key);
	if (!json_is_string(v))
		return kz_fail(f, ptr, KD_EINVAL, "'%s' must be a string", key);
	*out = json_string_value(v);
	return 0;
}

static int run_transformers(kz_ctx *c, const kz_file *f, kz_list *l)
{
	const char *ns, *prefix, *suffix;
	json_t *labels;
	size_t i;
	int rc;

	if ((rc = str_field(&ns, f, "namespace")) < 0 ||
	    (rc = str_field(&prefix, f, "namePrefix")) < 0 ||
	    (rc = str_field(&suffix, f, "nameSuffix")) < 0)
		return rc;
	if ((rc = kz_patches_strategic(c, f, l)) < 0)
		return rc;
	if ((rc = kz_patches(c, f, l)) < 0)
		return rc;
	if (ns && (rc = kz_namespace(f, l, ns)) < 0)
		return rc;
	if ((prefix || suffix) && (rc = kz_prefix_suffix(l, prefix, suffix)) < 0)
		return rc;
	if (json_object_get(f->doc, "commonLabels") &&
	    (rc = kz_labels(f, l, json_object_get(f->doc, "commonLabels"), true, true,
			    "/commonLabels")) < 0)
		return rc;
	labels = json_object_get(f->doc, "labels");
	if (labels && !json_is_array(labels))
		return kz_fail(f, "/labels", KD_EINVAL, "'labels' must be a list");
	for (i = 0; i < json_array_size(labels); i++) {
		json_t *e = json_array_get(labels, i);
		char ptr[64];
		bool sel, tmpl;

		snprintf(ptr, sizeof(ptr), "/labels/%zu", i);
		if (!json_is_object(e))
			return kz_fail(f, ptr, KD_EINVAL, "'labels' entries must be mappings");
		sel = json_is_true(json_object_get(e, "includeSelectors"));
		tmpl = sel || json_is_true(json_object_get(e, "includeTemplates"));
		if (json_object_get(e, "pairs") &&
		    (rc = kz_labels(f, l, json_object_get(e, "pairs"), sel, tmpl, ptr)) < 0)
			return rc;
	}
	if (json_object_get(f->doc, "commonAnnotations") &&
	    (rc = kz_annotations(f, l, json_object_get(f->doc, "commonAnnotations"))) < 0)
		return rc;
	if ((rc = kz_patches_json6902(c, f, l)) < 0)
		return rc;
	if (json_object_get(f->doc, "replicas") &&
	    (rc = kz_replicas(f, l, json_object_get(f->doc, "replicas"))) < 0)
		return rc;
	if (json_object_get(f->doc, "images") &&
	    (rc = kz_images(f, l, json_object_get(f->doc, "images"))) < 0)
		return rc;
	return 0;
}

static int build_dir(kz_ctx *c, const char *dir, kz_list *acc, bool component,
		     const kz_file *from, const char *from_ptr)
{
	kz_list own = { NULL, 0, 0 };
	kz_list *l = component ? acc : &own;
	kz_file f;
	char **stack;
	size_t i;
	int rc;

	for (i = 0; i < c->depth; i++)
		if (strcmp(c->stack[i], dir) == 0)
			return kz_fail(from, from_ptr, KD_EINVAL,
				       "cycle detected: '%s' includes itself",
				       dir[0] ? dir : ".");
	if (c->depth >= 64)
		return kz_fail(from, from_ptr, KD_ELIMIT,
			       "kustomizations nested more than 64 deep");
	stack = realloc(c->stack, (c->depth + 1) * sizeof(*stack));
	if (!stack)
		return kd_error_set(KD_ENOMEM, "out of memory");
	c->stack = stack;
	c->stack[c->depth++] = (char *)dir;

	rc = kfile_load(&f, c, dir, from, from_ptr);
	if (rc < 0)
		goto pop;
	if (component && !f.component) {
		rc = kz_fail(from, from_ptr, KD_EINVAL,
			     "'%s' is a Kustomization, not a Component", dir[0] ? dir : ".");
		goto cleanup;
	}
	if (!component && f.component) {
		rc = kz_fail(from, from_ptr, KD_EINVAL,
			     "'%s' is a Component; list it under 'components'",
			     dir[0] ? dir : ".");
		goto cleanup;
	}
	kz_mark_level(l);
	if ((rc = add_resources(c, &f, l, "resources")) < 0 ||
	    (rc = add_resources(c, &f, l, "bases")) < 0)
		goto cleanup;
	/* Names from other kustomizations are final there: references to them
	 * are rewritten from here on. */
	kz_mark_level(l);
	if ((rc = add_components(c, &f, l)) < 0 ||
	    (rc = kz_generators(c, &f, l)) < 0 ||
	    (rc = run_transformers(c, &f, l)) < 0 ||
	    (rc = kz_apply_hashes(l)) < 0 ||
	    (rc = kz_fix_references(l)) < 0)
		goto cleanup;
	if (!component)
		rc = absorb(acc, &own, from, from_ptr);
cleanup:
	kz_list_free(&own);
	kfile_free(&f);
pop:
	c->depth--;
	return rc;
}

/* ---- output order ----------------------------------------------------- */

static const char *const order_first[] = {
	"Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition",
	"ServiceAccount", "PodSecurityPolicy", "Role", "ClusterRole",
	"RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints",
	"Service", "LimitRange", "PriorityClass", "PersistentVolume",
	"PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob",
	"PodDisruptionBudget", NULL,
};
static const char *const order_last[] = {
	"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", NULL,
};

static int kind_rank(const char *kind)
{
	int i;

	for (i = 0; order_first[i]; i++)
		if (strcmp(order_first[i], kind) == 0)
			return i - 100;
	for (i = 0; order_last[i]; i++)
		if (strcmp(order_last[i], kind) == 0)
			return i + 1;
	return 0;
}

/* kustomize's "group_version_kind" with ~G / ~V for empty parts. */
static void gvk_string(char *out, size_t size, const json_t *obj)
{
	const char *av = kz_api_version(obj);
	const char *slash = strchr(av, '/');
	char group[256];

	group_of(group, sizeof(group), av);
	snprintf(out, size, "%s_%s_%s", group[0] ? group : "~G",
		 slash ? slash + 1 : (av[0] ? av : "~V"), kz_kind(obj));
}

static int compare_res(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	char ga[512], gb[512];
	int ra = kind_rank(kz_kind(a)), rb = kind_rank(kz_kind(b));
	int d;

	if (ra != rb)
		return ra < rb ? -1 : 1;
	gvk_string(ga, sizeof(ga), a);
	gvk_string(gb, sizeof(gb), b);
	if ((d = strcmp(ga, gb)) != 0)
		return d;
	/* kustomize spells "no namespace" ~X, which sorts after any name */
	if ((d = strcmp(kz_ns(a)[0] ? kz_ns(a) : "~X", kz_ns(b)[0] ? kz_ns(b) : "~X")) != 0)
		return d;
	return strcmp(kz_name(a) ? kz_name(a) : "", kz_name(b) ? kz_name(b) : "");
}

int kd_kustomize_build(json_t **out, kd_source *src, const char *dir,
		       const kd_kustomize_opts *opts)
{
	kz_ctx c = { src, opts ? opts->load_restrictor : KD_LOAD_ROOT_ONLY, NULL, 0 };
	kz_list acc = { NULL, 0, 0 };
	json_t **objs = NULL;
	json_t *res = NULL;
	char *root = NULL;
	size_t i;
	int rc;

	*out = NULL;
	rc = kd_path_normalize(&root, dir ? dir : "");
	if (rc < 0)
		return rc;
	rc = build_dir(&c, root, &acc, false, NULL, NULL);
	if (rc < 0)
		goto cleanup;
	objs = calloc(acc.n ? acc.n : 1, sizeof(*objs));
	res = json_array();
	if (!objs || !res) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < acc.n; i++) {
		json_t *meta = json_object_get(acc.v[i].obj, "metadata");
		json_t *ann = json_object_get(meta, "annotations");

		/* kustomize drops empty annotations when it strips its own */
		if (ann && (json_is_null(ann) || (json_is_object(ann) && json_object_size(ann) == 0)))
			json_object_del(meta, "annotations");
		objs[i] = acc.v[i].obj;
	}
	/* qsort is not stable, but ids are unique so no two compare equal. */
	qsort(objs, acc.n, sizeof(*objs), compare_res);
	for (i = 0; i < acc.n; i++)
		if (json_array_append(res, objs[i]) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
	*out = res;
	res = NULL;
cleanup:
	json_decref(res);
	free(objs);
	kz_list_free(&acc);
	free(c.stack);
	free(root);
	return rc;
}
