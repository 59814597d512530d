/*
 * kustomize_fspec — field specifications: which objects a transformer
 * touches and where.  A spec names a group, version and kind (empty parts
 * match anything) and a path such as "spec/template/metadata/labels".
 *
 * Walking a path follows kustomize's rules, because they decide what a
 * build produces: "/" separates keys ("\/" is a slash inside a key), a list
 * met on the way is walked element by element whatever the path says
 * ("name[]" only marks it as a list, which is never created), missing maps
 * are created only when the spec says so, a null value ends the walk unless
 * the spec creates, and a scalar in the middle of a path is an error.
 * Never prints; never reads files.
 */
#include "render_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

bool kd_kz_gvk_matches(const json_t *obj, const char *group, const char *version,
		       const char *kind)
{
	const char *av = kd_kz_api_version(obj);
	const char *slash = strchr(av, '/');

	if (kind && kind[0] && strcmp(kind, kd_kz_kind(obj)) != 0)
		return false;
	if (group && group[0]) {
		size_t n = slash ? (size_t)(slash - av) : 0;

		if (strlen(group) != n || strncmp(group, av, n) != 0)
			return false;
	}
	if (version && version[0] && strcmp(version, slash ? slash + 1 : av) != 0)
		return false;
	return true;
}

typedef struct fs_walk {
	const kd_kz_fspec *fs;
	kd_kz_create create;
	kd_kz_setfn fn;
	void *arg;
	const json_t *obj;
} fs_walk;

/* Copies the next segment of path into seg (unescaping "\/") and returns
 * where the segment after it starts, or NULL when this was the last. */
static const char *next_segment(kd_buf *seg, const char *path)
{
	const char *p = path;

	kd_buf_clear(seg);
	for (; *p; p++) {
		if (*p == '\\' && p[1] == '/') {
			kd_buf_putc(seg, '/');
			p++;
			continue;
		}
		if (*p == '/')
			return p + 1;
		kd_buf_putc(seg, *p);
	}
	return NULL;
}

static int walk_fail(const fs_walk *w, const char *what)
{
	return kd_error_set(KD_EINVAL, "considering field '%s' of object %s %s: %s",
			    w->fs->path, kd_kz_kind(w->obj),
			    kd_kz_name(w->obj) ? kd_kz_name(w->obj) : "", what);
}

static int walk(fs_walk *w, json_t *parent, const char *key, json_t *node, const char *path)
{
	kd_buf seg = KD_BUF_INIT;
	const char *rest;
	json_t *field;
	size_t i, n;
	bool is_seq;
	int rc = 0;
	char *name;

	if (!path)
		return w->fn(parent, key, w->arg);
	if (!node || json_is_null(node))
		return 0;
	if (json_is_array(node)) {
		for (i = 0; i < json_array_size(node) && rc == 0; i++)
			rc = walk(w, NULL, NULL, json_array_get(node, i), path);
		return rc;
	}
	if (!json_is_object(node))
		return walk_fail(w, "expected sequence or mapping node");
	rest = next_segment(&seg, path);
	if (!kd_buf_cstr(&seg)) {
		kd_buf_free(&seg);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	name = (char *)kd_buf_cstr(&seg);
	n = strlen(name);
	is_seq = n >= 2 && strcmp(name + n - 2, "[]") == 0;
	if (is_seq)
		name[n - 2] = '\0';
	if (!name[0]) {
		kd_buf_free(&seg);
		return walk_fail(w, "cannot set or create an empty field name");
	}
	field = json_object_get(node, name);
	{
		/* what a missing or null field turns into */
		kd_kz_create kind = KD_KZ_CREATE_NONE;

		if (is_seq)
			kind = KD_KZ_CREATE_SEQ;
		else if (w->fs->create && w->create != KD_KZ_CREATE_NONE)
			kind = rest ? KD_KZ_CREATE_MAP : w->create;
		if ((!field && kind != KD_KZ_CREATE_NONE && !is_seq) ||
		    (field && json_is_null(field) && kind != KD_KZ_CREATE_NONE)) {
			field = kind == KD_KZ_CREATE_MAP ? json_object()
				: kind == KD_KZ_CREATE_SEQ ? json_array() : json_string("");
			if (!field || json_object_set_new(node, name, field) < 0) {
				kd_buf_free(&seg);
				return kd_error_set(KD_ENOMEM, "out of memory");
			}
		}
	}
	if (field)
		rc = walk(w, node, name, field, rest);
	kd_buf_free(&seg);
	return rc;
}

int kd_kz_fs_apply(json_t *obj, const kd_kz_fspec *fs, kd_kz_create create,
		   kd_kz_setfn fn, void *arg)
{
	fs_walk w = { fs, create, fn, arg, obj };
	const char *path = fs->path;

	if (!kd_kz_gvk_matches(obj, fs->group, fs->version, fs->kind))
		return 0;
	if (path[0] == '/' && path[1])
		path++;
	return walk(&w, NULL, NULL, obj, path);
}

/* ---- setters shared by transformers ------------------------------------ */

int kd_kz_set_pairs(json_t *parent, const char *key, void *arg)
{
	const json_t *pairs = arg;
	json_t *m = json_object_get(parent, key);

	if (json_is_null(m)) {
		m = json_object();
		if (!m || json_object_set_new(parent, key, m) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	if (!json_is_object(m))
		return kd_error_set(KD_EINVAL, "'%s' is a %s, not a mapping of strings", key,
				    json_is_array(m) ? "list" : "scalar");
	return json_object_update(m, (json_t *)pairs) < 0
		? kd_error_set(KD_ENOMEM, "out of memory") : 0;
}

/* ---- lists of specs ----------------------------------------------------- */

int kd_kz_fslist_add(kd_kz_fslist *l, const kd_kz_fspec *fs)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		kd_kz_fspec *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return kd_error_set(KD_ENOMEM, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *fs;
	return 0;
}

void kd_kz_fslist_free(kd_kz_fslist *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* kustomize's FieldSpec.effectivelyEquals: `have` is selected by the gvk
 * of `in` and they share the path. */
static bool same_spec(const kd_kz_fspec *have, const kd_kz_fspec *in)
{
	if (in->group[0] && strcmp(have->group, in->group) != 0)
		return false;
	if (in->version[0] && strcmp(have->version, in->version) != 0)
		return false;
	if (in->kind[0] && strcmp(have->kind, in->kind) != 0)
		return false;
	return strcmp(have->path, in->path) == 0;
}

/* MergeOne: adds `in` unless an equal spec is there; one that differs only
 * in `create` is a conflict. */
int kd_kz_fslist_merge(kd_kz_fslist *l, const kd_kz_fspec *in, const kd_kz_fspec *base,
		       size_t nbase)
{
	size_t i;

	for (i = 0; i < nbase + l->n; i++) {
		const kd_kz_fspec *have = i < nbase ? &base[i] : &l->v[i - nbase];

		if (!same_spec(have, in))
			continue;
		if (have->create != in->create)
			return kd_error_set(KD_EINVAL,
					    "conflicting fieldspecs for path '%s'%s%s", in->path,
					    in->kind[0] ? " of kind " : "", in->kind);
		return 0;
	}
	return kd_kz_fslist_add(l, in);
}
