/*
 * kustomize_util — small helpers the kustomize files share: resource
 * lists, object accessors, error messages that name the kustomization file
 * and line, and reading files under the load restriction.
 */
#include "render_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

const char *kd_kz_name(const json_t *obj)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
}

const char *kd_kz_ns(const json_t *obj)
{
	const char *ns = json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace"));

	return ns ? ns : "";
}

const char *kd_kz_kind(const json_t *obj)
{
	const char *k = json_string_value(json_object_get(obj, "kind"));

	return k ? k : "";
}

const char *kd_kz_api_version(const json_t *obj)
{
	const char *v = json_string_value(json_object_get(obj, "apiVersion"));

	return v ? v : "";
}

int kd_kz_set_str(json_t *obj, const char *key, const char *value)
{
	if (json_object_set_new(obj, key, json_string(value)) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

int kd_kz_list_add(kd_kz_list *l, json_t *obj, const char *orig_name)
{
	kd_kz_res *r;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		kd_kz_res *v = realloc(l->v, cap * sizeof(*v));

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
	r->level_name = strdup(kd_kz_name(obj) ? kd_kz_name(obj) : "");
	r->level_ns = strdup(kd_kz_ns(obj));
	r->ids = json_array();
	if (!r->orig_name || !r->level_name || !r->level_ns || !r->ids) {
		free(r->orig_name);
		free(r->level_name);
		free(r->level_ns);
		json_decref(r->ids);
		json_decref(obj);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	l->n++;
	return kd_kz_remember_id(r);
}

/* kustomize lets a patch name a resource by any id it has had. */
int kd_kz_remember_id(kd_kz_res *r)
{
	const char *name = kd_kz_name(r->obj);
	json_t *id;

	if (!name || kd_kz_had_id(r, name, kd_kz_ns(r->obj)))
		return 0;
	id = json_pack("[s,s]", name, kd_kz_ns(r->obj));
	if (!id || json_array_append_new(r->ids, id) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

bool kd_kz_had_id(const kd_kz_res *r, const char *name, const char *ns)
{
	size_t i;

	for (i = 0; i < json_array_size(r->ids); i++) {
		json_t *id = json_array_get(r->ids, i);

		if (strcmp(json_string_value(json_array_get(id, 0)), name) == 0 &&
		    strcmp(json_string_value(json_array_get(id, 1)), ns) == 0)
			return true;
	}
	return false;
}

static void res_clear(kd_kz_res *r)
{
	free(r->file);
	json_decref(r->layers);
	json_decref(r->snap);
	json_decref(r->prov);
	json_decref(r->psnap);
	json_decref(r->gen);
	json_decref(r->obj);
	free(r->orig_name);
	free(r->base_name);
	free(r->level_name);
	free(r->level_ns);
	json_decref(r->ids);
}

void kd_kz_list_remove(kd_kz_list *l, size_t i)
{
	res_clear(&l->v[i]);
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(l->v[0]));
	l->n--;
}

void kd_kz_list_free(kd_kz_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		res_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int kd_kz_line(const kd_kz_file *f, const char *pointer)
{
	json_t *p;

	if (!f || !f->pos || !pointer)
		return 0;
	p = json_object_get(f->pos, pointer);
	return json_is_array(p) ? (int)json_integer_value(json_array_get(p, 0)) : 0;
}

static int vfail(const kd_kz_file *f, const char *pointer, int code,
		 const char *fmt, va_list ap)
{
	kd_buf msg = KD_BUF_INIT;
	int line = kd_kz_line(f, pointer);

	if (f && line > 0)
		kd_buf_printf(&msg, "%s:%d: ", f->path, line);
	else if (f)
		kd_buf_printf(&msg, "%s: ", f->path);
	kd_buf_vprintf(&msg, fmt, ap);
	kd_error_set(code, "%s", kd_buf_cstr(&msg));
	kd_buf_free(&msg);
	return code;
}

int kd_kz_fail(const kd_kz_file *f, const char *pointer, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(f, pointer, code, fmt, ap);
	va_end(ap);
	return code;
}

/* Prefixes the current message with the kustomization's place. */
int kd_kz_wrap(const kd_kz_file *f, const char *pointer, int code)
{
	int line = kd_kz_line(f, pointer);

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

/* Whether file lies in or below dir once symbolic links are followed, as
 * kustomize evaluates both before its root-only check.  Paths that do not
 * resolve are judged as written (reading them reports why). */
static int under_dir_resolved(bool *under, kd_kz_ctx *c, const char *file, const char *dir)
{
	char *rfile = NULL, *rdir = NULL;
	int rc;

	*under = under_dir(file, dir);
	if ((rc = kd_source_resolve(&rfile, c->src, file)) == 0 &&
	    (rc = kd_source_resolve(&rdir, c->src, dir)) == 0)
		*under = under_dir(rfile, rdir);
	free(rfile);
	free(rdir);
	return rc == KD_ENOMEM || rc == KD_EPATH || rc == KD_ELIMIT ? rc : 0;
}

/* Resolves rel against the kustomization's directory and applies the load
 * restriction; *path is new. */
static int resolve(char **path, kd_kz_ctx *c, const kd_kz_file *f, const char *rel,
		   const char *pointer, bool is_dir)
{
	int rc = kd_path_join(path, f->dir, rel);
	bool under = true;

	if (rc < 0)
		return kd_kz_wrap(f, pointer, rc);
	if (!is_dir && c->restrictor == KD_LOAD_ROOT_ONLY &&
	    (rc = under_dir_resolved(&under, c, *path, f->dir)) < 0) {
		free(*path);
		*path = NULL;
		return kd_kz_wrap(f, pointer, rc);
	}
	if (!under) {
		rc = kd_kz_fail(f, pointer, KD_EPATH,
			     "security: file '%s' is not in or below '%s' (load restrictor root-only)",
			     rel, f->dir[0] ? f->dir : ".");
		free(*path);
		*path = NULL;
	}
	return rc;
}

int kd_kz_read_file(kd_buf *out, char **path, kd_kz_ctx *c, const kd_kz_file *f,
		 const char *rel, const char *pointer)
{
	char *p = NULL;
	int rc = resolve(&p, c, f, rel, pointer, false);

	if (rc < 0)
		return rc;
	rc = kd_source_read(out, c->src, p);
	if (rc == KD_ENOTFOUND || rc == KD_EINVAL)
		rc = kd_kz_fail(f, pointer, rc, "file '%s' not found", rel);
	else if (rc < 0)
		rc = kd_kz_wrap(f, pointer, rc);
	if (rc < 0 || !path)
		free(p);
	else
		*path = p;
	return rc;
}

/* Parses a (multi-document) manifest file into a new array of objects,
 * expanding `kind: List`.  *where (when not NULL) receives a parallel array
 * of [positions of the object's document, the object's pointer in it]. */
int kd_kz_parse_docs(json_t **out, json_t **where, const char *data, size_t len,
		     const char *name)
{
	json_t *docs = NULL, *pos = NULL, *res = json_array();
	json_t *wh = where ? json_array() : NULL;
	size_t i, j;
	int rc;

	*out = NULL;
	if (where)
		*where = NULL;
	if (!res || (where && !wh)) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	rc = kd_yaml_parse(&docs, where ? &pos : NULL, data, len, name, NULL);
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
		if (strcmp(kd_kz_kind(d), "List") == 0 && json_is_array(json_object_get(d, "items"))) {
			json_t *items = json_object_get(d, "items");

			for (j = 0; j < json_array_size(items); j++) {
				char prefix[48];

				snprintf(prefix, sizeof(prefix), "/items/%zu", j);
				if (json_array_append(res, json_array_get(items, j)) < 0 ||
				    (wh && json_array_append_new(wh, json_pack("[O,s]",
						json_array_get(pos, i), prefix)) < 0)) {
					rc = kd_error_set(KD_ENOMEM, "out of memory");
					goto cleanup;
				}
			}
			continue;
		}
		if (json_array_append(res, d) < 0 ||
		    (wh && json_array_append_new(wh, json_pack("[O,s]", json_array_get(pos, i),
							       "")) < 0)) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	*out = res;
	res = NULL;
	if (where) {
		*where = wh;
		wh = NULL;
	}
cleanup:
	json_decref(docs);
	json_decref(pos);
	json_decref(res);
	json_decref(wh);
	return rc;
}

void kd_kz_group_of(char *out, size_t size, const char *api_version)
{
	const char *slash = strchr(api_version, '/');
	size_t n = slash ? (size_t)(slash - api_version) : 0;

	if (n >= size)
		n = size - 1;
	memcpy(out, api_version, n);
	out[n] = '\0';
}


/* kubectl reads kustomizations strictly: an unknown field is an error. */
int kd_kz_check_keys(const kd_kz_file *f, const char *pointer, const json_t *obj,
		  const char *const *known)
{
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(obj))
		return 0;
	json_object_foreach((json_t *)obj, key, v) {
		bool ok = false;

		for (i = 0; known[i] && !ok; i++)
			ok = strcmp(known[i], key) == 0;
		if (!ok)
			return kd_kz_fail(f, pointer, KD_EINVAL, "unknown field '%s'", key);
	}
	return 0;
}

/* ---- origins (traced builds only) -------------------------------------- */

int kd_kz_set_file(kd_kz_res *r, const char *file)
{
	free(r->file);
	r->file = strdup(file);
	return r->file ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
}

/* Remembers every resource's current state, to see later what a step of
 * the build changed. */
int kd_kz_snapshot(kd_kz_ctx *c, kd_kz_list *l)
{
	size_t i;

	if (!c->trace)
		return 0;
	for (i = 0; i < l->n; i++) {
		json_decref(l->v[i].snap);
		l->v[i].snap = json_deep_copy(l->v[i].obj);
		if (!l->v[i].snap)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

/* Adds dir to the layers of every resource the step since the snapshot
 * changed, and forgets the snapshots. */
int kd_kz_record_changes(kd_kz_ctx *c, kd_kz_list *l, const char *dir)
{
	size_t i;

	if (!c->trace)
		return 0;
	for (i = 0; i < l->n; i++) {
		kd_kz_res *r = &l->v[i];
		size_t n;

		if (!r->snap)
			continue;
		if (!json_equal(r->snap, r->obj)) {
			if (!r->layers && !(r->layers = json_array()))
				return kd_error_set(KD_ENOMEM, "out of memory");
			n = json_array_size(r->layers);
			if ((n == 0 || strcmp(json_string_value(json_array_get(r->layers, n - 1)), dir) != 0) &&
			    json_array_append_new(r->layers, json_string(dir)) < 0)
				return kd_error_set(KD_ENOMEM, "out of memory");
		}
		json_decref(r->snap);
		r->snap = NULL;
	}
	return 0;
}

/* A boolean field of a kustomization.  kubectl reads kustomization files as
 * YAML 1.1, where y, yes and on (in any of their spellings) are true, while
 * kdrift's parser types them as strings. */
bool kd_kz_true(const json_t *v)
{
	static const char *const words[] = { "y", "Y", "yes", "Yes", "YES", "on", "On", "ON",
					     "true", "True", "TRUE", NULL };
	size_t i;

	if (json_is_true(v))
		return true;
	for (i = 0; json_is_string(v) && words[i]; i++)
		if (strcmp(json_string_value(v), words[i]) == 0)
			return true;
	return false;
}

/* Whether v is a boolean to kubectl (true, false or a YAML 1.1 word). */
bool kd_kz_is_bool(const json_t *v)
{
	static const char *const words[] = { "n", "N", "no", "No", "NO", "off", "Off", "OFF",
					     "false", "False", "FALSE", NULL };
	size_t i;

	if (json_is_boolean(v) || kd_kz_true(v))
		return true;
	for (i = 0; json_is_string(v) && words[i]; i++)
		if (strcmp(json_string_value(v), words[i]) == 0)
			return true;
	return false;
}
