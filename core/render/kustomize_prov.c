/*
 * kustomize_prov — provenance of a kustomize build (render.h): which
 * kustomization entry, patch or resource file set each value.
 *
 * Each resource keeps its provenance map and a copy of itself as of its
 * last record; after every step of the build (a patch entry, a
 * transformer, a generator, a replacement) the resources that differ from
 * their copy are recorded by kd_prov_record and copied again.  A new
 * transformer gets attribution with one kd_kz_step_at line after it.
 * Nothing here runs unless the build was asked for provenance, and nothing
 * here changes what the build outputs.
 */
#include "render_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

/* The Flux Kustomization field an override came from: "/namespace" is
 * spec.targetNamespace, "/patches/N" is spec.patches[N - base] where base
 * is where the overrides' entries start in the kustomization's list. */
static int override_pointer(kd_buf *out, const kd_kz_file *f, const char *pointer)
{
	static const char *const replaced[][2] = {
		{ "/namespace", "/spec/targetNamespace" },
		{ "/namePrefix", "/spec/namePrefix" },
		{ "/nameSuffix", "/spec/nameSuffix" },
	};
	static const char *const lists[] = { "patches", "images", "components", NULL };
	size_t i;

	for (i = 0; i < sizeof(replaced) / sizeof(replaced[0]); i++)
		if (strcmp(pointer, replaced[i][0]) == 0)
			return kd_buf_puts(out, replaced[i][1]) == 0 ? 1 : oom();
	for (i = 0; lists[i]; i++) {
		size_t n = strlen(lists[i]);
		const json_t *base = json_object_get(f->ov_base, lists[i]);
		char *end;
		long idx;

		if (!base || pointer[0] != '/' || strncmp(pointer + 1, lists[i], n) != 0 ||
		    pointer[n + 1] != '/')
			continue;
		idx = strtol(pointer + n + 2, &end, 10);
		if (end == pointer + n + 2 || idx < json_integer_value(base))
			return 0;
		return kd_buf_printf(out, "/spec/%s/%ld%s", lists[i],
				     idx - (long)json_integer_value(base), end) == 0 ? 1 : oom();
	}
	return 0;
}

void kd_kz_where(const kd_kz_ctx *c, const kd_kz_file *f, const char *pointer,
		 const char **file, int *line)
{
	static const char *const tails[] = { "", "/path", "/patch", "/name", NULL };
	kd_buf p = KD_BUF_INIT, q = KD_BUF_INIT;
	const json_t *e = NULL;
	size_t i;

	*file = f ? f->path : "";
	*line = kd_kz_line(f, pointer);
	if (!f || !f->top || !c->override_origin || !pointer ||
	    override_pointer(&p, f, pointer) <= 0)
		goto cleanup;
	/* the setting itself, the file or text of a patch entry, or the
	 * nearest leaf above */
	for (i = 0; tails[i] && !e; i++) {
		kd_buf_clear(&q);
		if (kd_buf_printf(&q, "%s%s", kd_buf_cstr(&p), tails[i]) < 0)
			goto cleanup;
		e = kd_prov_last(c->override_origin, kd_buf_cstr(&q));
	}
	if (e) {
		*file = kd_json_str(e, "file");
		*line = (int)json_integer_value(json_object_get(e, "line"));
	}
cleanup:
	kd_buf_free(&p);
	kd_buf_free(&q);
}

int kd_kz_step_name(kd_buf *out, const kd_kz_file *f, const char *step)
{
	kd_buf_clear(out);
	if (f && f->component)
		return kd_buf_printf(out, "component: %s", step);
	return kd_buf_puts(out, step);
}

int kd_kz_prov_start(kd_kz_ctx *c, kd_kz_res *r, const kd_prov_at *at)
{
	kd_prov_at a;
	int rc;

	if (!c->prov)
		return 0;
	a = *at;
	a.subject = r;
	json_decref(r->prov);
	r->prov = NULL;
	if ((rc = kd_prov_record(&r->prov, NULL, r->obj, &a)) < 0)
		return rc;
	json_decref(r->psnap);
	r->psnap = json_deep_copy(r->obj);
	return r->psnap ? 0 : oom();
}

int kd_kz_step(kd_kz_ctx *c, kd_kz_list *l, const kd_prov_at *at)
{
	size_t i;
	int rc;

	if (!c->prov)
		return 0;
	for (i = 0; i < l->n; i++) {
		kd_kz_res *r = &l->v[i];
		kd_prov_at a = *at;

		if (!r->psnap || json_equal(r->psnap, r->obj))
			continue;
		a.subject = r;
		if ((rc = kd_prov_record(&r->prov, r->psnap, r->obj, &a)) < 0)
			return rc;
		json_decref(r->psnap);
		if (!(r->psnap = json_deep_copy(r->obj)))
			return oom();
	}
	return 0;
}

/* The last reference token of pointer, unescaped (new string). */
static char *last_token(const char *pointer)
{
	const char *slash = strrchr(pointer, '/');
	kd_buf b = KD_BUF_INIT;
	const char *p;

	if (!slash)
		return NULL;
	for (p = slash + 1; *p; p++) {
		if (p[0] == '~' && p[1] == '1') {
			kd_buf_putc(&b, '/');
			p++;
		} else if (p[0] == '~' && p[1] == '0') {
			kd_buf_putc(&b, '~');
			p++;
		} else {
			kd_buf_putc(&b, *p);
		}
	}
	if (!b.data)
		kd_buf_puts(&b, "");
	return kd_buf_detach(&b);
}

typedef struct keyed_arg {
	const kd_kz_ctx *c;
	const kd_kz_file *f;
	const char *pointer;
} keyed_arg;

/* A label or annotation set by a transformer: the line of its key under
 * the transformer's entry. */
static int locate_keyed(json_t **extra, const kd_prov_at *at, const char *pointer,
			const json_t *before, const json_t *after, int line,
			const json_t *chain)
{
	(void)chain;
	const keyed_arg *k = at->arg;
	char *key = last_token(pointer);
	kd_buf p = KD_BUF_INIT;
	const char *file;
	int l = 0;

	(void)before;
	(void)after;
	(void)line;
	if (!key)
		return 0;
	if (kd_buf_puts(&p, k->pointer) == 0 && kd_json_pointer_append(&p, key) == 0)
		kd_kz_where(k->c, k->f, kd_buf_cstr(&p), &file, &l);
	if (l > 0 && l != at->line)
		*extra = json_pack("{s:i}", "line", l);
	free(key);
	kd_buf_free(&p);
	return 0;
}

int kd_kz_step_at(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l,
		  const char *step, const char *pointer)
{
	kd_buf name = KD_BUF_INIT;
	keyed_arg k = { c, f, pointer };
	kd_prov_at at = { 0 };
	int rc;

	if (!c->prov)
		return 0;
	if ((rc = kd_kz_step_name(&name, f, step)) < 0)
		return oom();
	at.step = kd_buf_cstr(&name);
	kd_kz_where(c, f, pointer, &at.file, &at.line);
	if (json_is_object(json_object_get(f->doc, pointer + 1)) ||
	    (pointer && strstr(pointer, "/pairs"))) {
		at.locate = locate_keyed;
		at.arg = &k;
	}
	rc = kd_kz_step(c, l, &at);
	kd_buf_free(&name);
	return rc;
}

/* ---- images and replicas -------------------------------------------------- */

static bool image_named(const char *img, const char *name)
{
	const char *at = strchr(img, '@');
	const char *end = at ? at : img + strlen(img);
	const char *slash = NULL, *colon = NULL, *p;
	size_t n;

	for (p = img; p < end; p++) {
		if (*p == '/')
			slash = p;
		else if (*p == ':')
			colon = p;
	}
	if (colon && slash && colon < slash)
		colon = NULL;
	n = (size_t)((colon ? colon : end) - img);
	return strlen(name) == n && strncmp(img, name, n) == 0;
}

static int locate_image(json_t **extra, const kd_prov_at *at, const char *pointer,
			const json_t *before, const json_t *after, int line,
			const json_t *chain)
{
	(void)chain;
	const keyed_arg *k = at->arg;
	const json_t *images = json_object_get(k->f->doc, "images");
	const char *img = json_string_value(before);
	static const char *const fields[] = { "newTag", "newName", "digest", NULL };
	size_t i, j;

	(void)pointer;
	(void)after;
	(void)line;
	if (!img)
		return 0;
	for (i = json_array_size(images); i-- > 0;) {
		const json_t *e = json_array_get(images, i);
		const char *name = json_string_value(json_object_get(e, "name"));
		char ptr[96];
		const char *file;
		int l;

		if (!name || !image_named(img, name))
			continue;
		snprintf(ptr, sizeof(ptr), "/images/%zu", i);
		for (j = 0; fields[j]; j++)
			if (json_object_get(e, fields[j])) {
				snprintf(ptr, sizeof(ptr), "/images/%zu/%s", i, fields[j]);
				break;
			}
		kd_kz_where(k->c, k->f, ptr, &file, &l);
		*extra = json_pack("{s:s, s:i}", "file", file, "line", l);
		return *extra ? 0 : oom();
	}
	return 0;
}

int kd_kz_step_images(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l)
{
	kd_buf name = KD_BUF_INIT;
	keyed_arg k = { c, f, "/images" };
	kd_prov_at at = { 0 };
	int rc;

	if (!c->prov)
		return 0;
	if ((rc = kd_kz_step_name(&name, f, "images")) < 0)
		return oom();
	at.step = kd_buf_cstr(&name);
	kd_kz_where(c, f, "/images", &at.file, &at.line);
	at.locate = locate_image;
	at.arg = &k;
	rc = kd_kz_step(c, l, &at);
	kd_buf_free(&name);
	return rc;
}

static int locate_replicas(json_t **extra, const kd_prov_at *at, const char *pointer,
			   const json_t *before, const json_t *after, int line,
			   const json_t *chain)
{
	(void)chain;
	const keyed_arg *k = at->arg;
	const kd_kz_res *r = at->subject;
	const json_t *list = json_object_get(k->f->doc, "replicas");
	size_t i;

	(void)pointer;
	(void)before;
	(void)after;
	(void)line;
	for (i = json_array_size(list); r && i-- > 0;) {
		const char *name = json_string_value(json_object_get(json_array_get(list, i), "name"));
		const char *file;
		char ptr[64];
		int l;

		if (!name || ((!kd_kz_name(r->obj) || strcmp(kd_kz_name(r->obj), name) != 0) &&
			      strcmp(r->orig_name, name) != 0))
			continue;
		snprintf(ptr, sizeof(ptr), "/replicas/%zu/count", i);
		kd_kz_where(k->c, k->f, ptr, &file, &l);
		*extra = json_pack("{s:s, s:i}", "file", file, "line", l);
		return *extra ? 0 : oom();
	}
	return 0;
}

int kd_kz_step_replicas(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l)
{
	kd_buf name = KD_BUF_INIT;
	keyed_arg k = { c, f, "/replicas" };
	kd_prov_at at = { 0 };
	int rc;

	if (!c->prov)
		return 0;
	if ((rc = kd_kz_step_name(&name, f, "replicas")) < 0)
		return oom();
	at.step = kd_buf_cstr(&name);
	kd_kz_where(c, f, "/replicas", &at.file, &at.line);
	at.locate = locate_replicas;
	at.arg = &k;
	rc = kd_kz_step(c, l, &at);
	kd_buf_free(&name);
	return rc;
}

/* ---- names: references, generators, hash suffixes ---------------------- */

/* The last entry of a resource's metadata.name (or .namespace). */
static const json_t *name_entry(const kd_kz_res *r, const char *pointer)
{
	const json_t *chain = json_object_get(r->prov, pointer);
	size_t n = json_array_size(chain);

	return n ? json_array_get(chain, n - 1) : NULL;
}

/* A reference rewritten to a renamed resource: attributed to whatever
 * renamed it (a prefix, a namespace, a generator's hash suffix). */
static int locate_reference(json_t **extra, const kd_prov_at *at, const char *pointer,
			    const json_t *before, const json_t *after, int line,
			   const json_t *chain)
{
	(void)chain;
	const kd_kz_list *l = at->arg;
	const char *v = json_string_value(after);
	const char *token = strrchr(pointer, '/');
	bool ns = token && strcmp(token, "/namespace") == 0;
	size_t i;

	(void)before;
	(void)line;
	for (i = 0; v && i < l->n; i++) {
		const kd_kz_res *r = &l->v[i];
		const json_t *e;
		kd_buf step = KD_BUF_INIT;

		if (ns ? strcmp(kd_kz_ns(r->obj), v) != 0 :
			 (!kd_kz_name(r->obj) || strcmp(kd_kz_name(r->obj), v) != 0))
			continue;
		if (!(e = name_entry(r, ns ? "/metadata/namespace" : "/metadata/name")))
			continue;
		if (kd_buf_printf(&step, "name reference (%s)", kd_json_str(e, "step")) < 0)
			return oom();
		*extra = json_pack("{s:O, s:O, s:s}", "file", json_object_get(e, "file"),
				   "line", json_object_get(e, "line"), "step", kd_buf_cstr(&step));
		kd_buf_free(&step);
		return *extra ? 0 : oom();
	}
	return 0;
}

int kd_kz_step_references(kd_kz_ctx *c, kd_kz_list *l)
{
	kd_prov_at at = { .step = "name reference", .locate = locate_reference, .arg = l };

	return kd_kz_step(c, l, &at);
}

static int locate_hash(json_t **extra, const kd_prov_at *at, const char *pointer,
		       const json_t *before, const json_t *after, int line,
			   const json_t *chain)
{
	(void)chain;
	const kd_kz_res *r = at->subject;
	kd_buf step = KD_BUF_INIT;

	(void)before;
	(void)after;
	(void)line;
	if (!r || !r->gen || strcmp(pointer, "/metadata/name") != 0)
		return 0;
	if (kd_buf_printf(&step, "%s (hash suffix)", kd_json_str(r->gen, "step")) < 0)
		return oom();
	*extra = json_pack("{s:O, s:O, s:s}", "file", json_object_get(r->gen, "file"),
			   "line", json_object_get(r->gen, "line"), "step", kd_buf_cstr(&step));
	kd_buf_free(&step);
	return *extra ? 0 : oom();
}

int kd_kz_step_hashes(kd_kz_ctx *c, kd_kz_list *l)
{
	kd_prov_at at = { .step = "hash suffix", .locate = locate_hash };

	return kd_kz_step(c, l, &at);
}

typedef struct gen_arg {
	kd_kz_ctx *c;
	const kd_kz_file *f;
	const json_t *entry;
	const char *pointer;
} gen_arg;

/* The line of KEY= in an env file, 0 when not found. */
static int env_line(gen_arg *g, const char *rel, const char *key, char **path)
{
	kd_buf data = KD_BUF_INIT;
	const char *p;
	size_t klen = strlen(key);
	int line = 0, n = 0;

	*path = NULL;
	if (kd_kz_read_file(&data, path, g->c, g->f, rel, g->pointer) < 0) {
		kd_error_clear();
		return 0;
	}
	for (p = kd_buf_cstr(&data); *p && !line; ) {
		const char *end = strchr(p, '\n');
		const char *k = p;

		n++;
		while (*k == ' ' || *k == '\t')
			k++;
		if (strncmp(k, key, klen) == 0 && k[klen] == '=')
			line = n;
		p = end ? end + 1 : p + strlen(p);
	}
	kd_buf_free(&data);
	return line;
}

static int locate_generated(json_t **extra, const kd_prov_at *at, const char *pointer,
			    const json_t *before, const json_t *after, int line,
			   const json_t *chain)
{
	(void)chain;
	gen_arg *g = at->arg;
	const char *key = NULL;
	char ptr[128];
	const char *file;
	size_t i;
	int l = 0;

	(void)before;
	(void)after;
	(void)line;
	if (strncmp(pointer, "/data/", 6) == 0)
		key = pointer + 6;
	else if (strncmp(pointer, "/binaryData/", 12) == 0)
		key = pointer + 12;
	if (strcmp(pointer, "/metadata/name") == 0) {
		snprintf(ptr, sizeof(ptr), "%s/name", g->pointer);
		kd_kz_where(g->c, g->f, ptr, &file, &l);
		*extra = json_pack("{s:s, s:i}", "file", file, "line", l);
		return *extra ? 0 : oom();
	}
	if (!key || strchr(key, '/') || strchr(key, '~'))
		return 0;
	{
		const json_t *lits = json_object_get(g->entry, "literals");
		const json_t *files = json_object_get(g->entry, "files");
		const json_t *envs = json_object_get(g->entry, "envs");
		const char *env = kd_json_str(g->entry, "env");
		size_t klen = strlen(key);

		for (i = 0; i < json_array_size(lits); i++) {
			const char *s = json_string_value(json_array_get(lits, i));

			if (s && strncmp(s, key, klen) == 0 && s[klen] == '=') {
				snprintf(ptr, sizeof(ptr), "%s/literals/%zu", g->pointer, i);
				kd_kz_where(g->c, g->f, ptr, &file, &l);
				*extra = json_pack("{s:s, s:i}", "file", file, "line", l);
				return *extra ? 0 : oom();
			}
		}
		for (i = 0; i < json_array_size(files); i++) {
			const char *s = json_string_value(json_array_get(files, i));
			const char *eq = s ? strchr(s, '=') : NULL;
			bool hit = eq ? ((size_t)(eq - s) == klen && strncmp(s, key, klen) == 0) :
					(s && strcmp(kd_path_basename(s), key) == 0);

			if (hit) {
				char *path = NULL;

				if (kd_path_join(&path, g->f->dir, eq ? eq + 1 : s) < 0)
					return oom();
				*extra = json_pack("{s:s, s:i}", "file", path, "line", 1);
				free(path);
				return *extra ? 0 : oom();
			}
		}
		for (i = 0; i <= json_array_size(envs); i++) {
			const char *rel = i < json_array_size(envs) ?
				json_string_value(json_array_get(envs, i)) : env;
			char *path = NULL;
			int el;

			if (!rel)
				continue;
			el = env_line(g, rel, key, &path);
			if (el > 0) {
				*extra = json_pack("{s:s, s:i}", "file", path, "line", el);
				free(path);
				return *extra ? 0 : oom();
			}
			free(path);
		}
	}
	return 0;
}

static int generator_at(kd_prov_at *at, kd_buf *name, gen_arg *g, bool secret)
{
	int rc = kd_kz_step_name(name, g->f, secret ? "secretGenerator" : "configMapGenerator");

	if (rc < 0)
		return oom();
	at->step = kd_buf_cstr(name);
	kd_kz_where(g->c, g->f, g->pointer, &at->file, &at->line);
	at->locate = locate_generated;
	at->arg = g;
	return 0;
}

int kd_kz_prov_generated(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_res *r,
			 const json_t *entry, const char *pointer, bool secret)
{
	gen_arg g = { c, f, entry, pointer };
	kd_buf name = KD_BUF_INIT;
	kd_prov_at at = { 0 };
	char ptr[128];
	const char *file;
	int line, rc;

	if (!c->prov)
		return 0;
	if ((rc = generator_at(&at, &name, &g, secret)) == 0)
		rc = kd_kz_prov_start(c, r, &at);
	snprintf(ptr, sizeof(ptr), "%s/name", pointer);
	kd_kz_where(c, f, ptr, &file, &line);
	if (rc == 0) {
		json_decref(r->gen);
		r->gen = json_pack("{s:s, s:i, s:s}", "file", file, "line", line,
				   "step", kd_buf_cstr(&name));
		if (!r->gen)
			rc = oom();
	}
	kd_buf_free(&name);
	return rc;
}

int kd_kz_step_generator(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l,
			 const json_t *entry, const char *pointer, bool secret)
{
	gen_arg g = { c, f, entry, pointer };
	kd_buf name = KD_BUF_INIT;
	kd_prov_at at = { 0 };
	int rc;

	if (!c->prov)
		return 0;
	if ((rc = generator_at(&at, &name, &g, secret)) == 0)
		rc = kd_kz_step(c, l, &at);
	kd_buf_free(&name);
	return rc;
}

/* ---- patches ------------------------------------------------------------- */

/* The commit that wrote each line of a file, cached per file; NULL when the
 * source cannot tell (a directory, a work tree). */
static const json_t *blame_of(kd_kz_ctx *c, const char *file)
{
	json_t *v;

	if (!c->blame && !(c->blame = json_object()))
		return NULL;
	v = json_object_get(c->blame, file);
	if (!v) {
		json_t *lines = NULL;

		if (kd_source_blame(&lines, c->src, file) < 0) {
			kd_error_clear();
			lines = json_null();
		}
		if (!lines || json_object_set_new(c->blame, file, lines) < 0)
			return NULL;
		v = lines;
	}
	return json_is_array(v) ? v : NULL;
}

typedef struct patch_arg {
	kd_kz_ctx *c;
	const json_t *ops;       /* JSON 6902: the operations */
	bool accepted;
} patch_arg;

/* The JSON 6902 operation that wrote pointer: the last one whose path is
 * it or above it ("-" standing for any index). */
static int op_line(const kd_prov_at *at, const char *pointer)
{
	const patch_arg *p = at->arg;
	size_t i;

	for (i = json_array_size(p->ops); i-- > 0;) {
		const char *path = kd_json_str(json_array_get(p->ops, i), "path");
		const char *rest = NULL;
		size_t n;
		char key[160];
		const json_t *pos;

		if (!path)
			continue;
		n = strlen(path);
		if (n >= 2 && strcmp(path + n - 2, "/-") == 0) {
			/* "/a/-": pointer must be "/a/N..." */
			if (strncmp(pointer, path, n - 1) == 0) {
				const char *q = pointer + n - 1;

				while (*q >= '0' && *q <= '9')
					q++;
				if (q > pointer + n - 1 && (*q == '/' || !*q))
					rest = q;
			}
		} else if (strncmp(pointer, path, n) == 0 && (pointer[n] == '/' || !pointer[n])) {
			rest = pointer + n;
		}
		if (!rest)
			continue;
		snprintf(key, sizeof(key), "%s/%zu/value%s", at->pos_prefix ? at->pos_prefix : "", i, rest);
		pos = json_object_get(at->pos, key);
		if (!json_is_array(pos)) {
			snprintf(key, sizeof(key), "%s/%zu", at->pos_prefix ? at->pos_prefix : "", i);
			pos = json_object_get(at->pos, key);
		}
		if (json_is_array(pos))
			return (int)json_integer_value(json_array_get(pos, 0)) + at->line_base;
		return 0;
	}
	return 0;
}

static int locate_patch(json_t **extra, const kd_prov_at *at, const char *pointer,
			const json_t *before, const json_t *after, int line,
			const json_t *chain)
{
	(void)chain;
	const patch_arg *p = at->arg;
	const json_t *lines;

	(void)before;
	(void)after;
	if (p->ops) {
		int l = op_line(at, pointer);

		if (l > 0)
			line = l;
		if (!(*extra = json_pack("{s:i}", "line", line)))
			return oom();
	}
	if (p->accepted && at->file && (lines = blame_of(p->c, at->file)) &&
	    line > 0 && (size_t)line <= json_array_size(lines)) {
		if (!*extra && !(*extra = json_object()))
			return oom();
		if (json_object_set(*extra, "commit", json_array_get(lines, (size_t)line - 1)) < 0)
			return oom();
	}
	return 0;
}

/* Accepted patches live in a layer's kdrift-accepted/ directory (see
 * core/act/act.h). */
static bool is_accepted(const char *file)
{
	return file && (strncmp(file, "kdrift-accepted/", 16) == 0 ||
			strstr(file, "/kdrift-accepted/") != NULL);
}

int kd_kz_step_patch(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l,
		     const char *pointer, const char *file, const json_t *doc,
		     const json_t *pos, bool json6902)
{
	patch_arg p = { c, json6902 ? doc : NULL, is_accepted(file) };
	kd_buf name = KD_BUF_INIT;
	kd_prov_at at = { 0 };
	json_t *extra = NULL;
	int rc, line;

	if (!c->prov)
		return 0;
	if ((rc = kd_kz_step_name(&name, f, p.accepted ? "accepted patch" :
				  json6902 ? "patch (JSON 6902)" : "patch (strategic merge)")) < 0)
		return oom();
	at.step = kd_buf_cstr(&name);
	kd_kz_where(c, f, pointer, &at.file, &line);
	at.line = line;
	at.pos = pos;
	if (file) {
		at.file = file;
		at.line = 1;
	} else {
		/* inline: lines of the text count from its first line, which for
		 * a block scalar (any text with a line break) is the one after
		 * the key */
		json_t *v = NULL;

		at.line_base = line - 1;
		if (kd_json_pointer_get(&v, f->doc, pointer) == 0 && json_is_string(v) &&
		    strchr(json_string_value(v), '\n'))
			at.line_base = line;
		if (at.line_base < 0)
			at.line_base = 0;
	}
	if (!json6902)
		at.doc = doc;
	if (p.accepted && !(extra = json_pack("{s:b}", "accepted", 1))) {
		kd_buf_free(&name);
		return oom();
	}
	at.extra = extra;
	at.locate = locate_patch;
	at.arg = &p;
	rc = kd_kz_step(c, l, &at);
	json_decref(extra);
	kd_buf_free(&name);
	return rc;
}
