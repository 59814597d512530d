/*
 * appset_gen — ApplicationSet generators: list, clusters, merge, matrix and
 * git (directories, files), see render.h.
 *
 * Parameter sets are flat objects of strings for fasttemplate ("path",
 * "path.basename", "metadata.labels.env") and nested objects for goTemplate
 * (.path.basename, .metadata.labels.env), as Argo CD builds them.
 */
#include "render_priv.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

const json_t *as_param(const json_t *params, const char *key)
{
	const json_t *v = json_object_get(params, key);
	const char *dot;
	kd_buf head = KD_BUF_INIT;

	if (v || !(dot = strchr(key, '.')))
		return v;
	if (kd_buf_add(&head, key, (size_t)(dot - key)) < 0)
		return NULL;
	v = json_object_get(params, kd_buf_cstr(&head));
	kd_buf_free(&head);
	return json_is_object(v) ? as_param(v, dot + 1) : NULL;
}

int as_fail(const as_ctx *c, int code, const char *where, const char *sub,
	    const char *fmt, ...)
{
	kd_buf path = KD_BUF_INIT, ptr = KD_BUF_INIT, msg = KD_BUF_INIT;
	const json_t *pos = NULL;
	const char *p, *sep;
	va_list ap;

	kd_buf_puts(&path, where);
	if (sub)
		kd_buf_printf(&path, "%s%s", path.len ? "." : "", sub);
	/* "spec.generators[0].list" is the pointer "/spec/generators/0/list" */
	kd_buf_putc(&ptr, '/');
	for (p = kd_buf_cstr(&path); *p; p++) {
		if (*p == '.' || *p == '[')
			kd_buf_putc(&ptr, '/');
		else if (*p != ']')
			kd_buf_putc(&ptr, *p);
	}
	while (ptr.len && !(pos = json_object_get(c->positions, kd_buf_cstr(&ptr)))) {
		char *slash = strrchr(ptr.data, '/');

		kd_buf_truncate(&ptr, slash ? (size_t)(slash - ptr.data) : 0);
	}
	va_start(ap, fmt);
	kd_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	/* "[2] is not a mapping" continues the path */
	sep = msg.len && msg.data[0] == '[' ? "" : " ";
	if (json_array_size(pos) == 2)
		kd_error_set(code, "%s:%" JSON_INTEGER_FORMAT ":%" JSON_INTEGER_FORMAT ": %s%s%s",
			     c->file, json_integer_value(json_array_get(pos, 0)),
			     json_integer_value(json_array_get(pos, 1)),
			     kd_buf_cstr(&path), sep, kd_buf_cstr(&msg));
	else
		kd_error_set(code, "%s: %s%s%s", c->file, kd_buf_cstr(&path), sep,
			     kd_buf_cstr(&msg));
	kd_buf_free(&path);
	kd_buf_free(&ptr);
	kd_buf_free(&msg);
	return code;
}

/* Flattens a value into params under prefix: objects with dotted keys,
 * strings as they are, anything else as its JSON text. */
static int flatten(json_t *params, const char *prefix, const json_t *v)
{
	kd_buf k = KD_BUF_INIT;
	const char *key;
	json_t *child;
	int rc = 0;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, child) {
			kd_buf_clear(&k);
			if ((rc = kd_buf_printf(&k, "%s%s%s", prefix, prefix[0] ? "." : "",
						key)) < 0 ||
			    (rc = flatten(params, kd_buf_cstr(&k), child)) < 0)
				break;
		}
	} else if (json_is_string(v)) {
		if (json_object_set(params, prefix, (json_t *)v) < 0)
			rc = oom();
	} else {
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		if (!text || json_object_set_new(params, prefix, json_string(text)) < 0)
			rc = oom();
		free(text);
	}
	kd_buf_free(&k);
	return rc;
}

/* Adds one element / file content to a parameter set. */
static int add_values(json_t *params, const json_t *obj, bool go)
{
	if (go)
		return json_object_update(params, (json_t *)obj) < 0 ? oom() : 0;
	return flatten(params, "", obj);
}

static int gen_list(json_t *out, as_ctx *c, const json_t *spec, const char *where)
{
	json_t *elems = json_object_get(spec, "elements"), *e;
	size_t i;

	if (json_object_get(spec, "elementsYaml"))
		return as_fail(c, KD_EUNSUPPORTED, where, "list.elementsYaml", "is not supported");
	if (!json_is_array(elems))
		return as_fail(c, KD_EINVAL, where, "list.elements", "must be a list");
	json_array_foreach(elems, i, e) {
		json_t *p = json_object();
		int rc;

		if (!p)
			return oom();
		if (!json_is_object(e)) {
			json_decref(p);
			return as_fail(c, KD_EINVAL, where, "list.elements", "[%zu] is not a mapping", i);
		}
		if ((rc = add_values(p, e, c->go)) < 0 || json_array_append_new(out, p) < 0) {
			json_decref(p);
			return rc < 0 ? rc : oom();
		}
	}
	return 0;
}

static int cluster_params(json_t **out, as_ctx *c, const kd_cluster *cl,
			  const json_t *values, const char *where)
{
	json_t *flat = NULL, *p = NULL, *v, *vals = NULL;
	const char *key;
	char *norm = NULL;
	int rc;

	*out = NULL;
	if ((rc = kd_cluster_params(&flat, cl)) < 0)
		return rc;
	/* The generator's values may use the cluster's parameters. */
	if (!(vals = json_deep_copy(cl->values))) {
		rc = oom();
		goto cleanup;
	}
	json_object_foreach((json_t *)values, key, v) {
		char *x = NULL;

		if (!json_is_string(v)) {
			rc = as_fail(c, KD_EINVAL, where, "clusters.values",
				     "'%s' must be a string", key);
			goto cleanup;
		}
		if ((rc = kd_template_expand(&x, json_string_value(v), flat)) < 0)
			goto cleanup;
		rc = json_object_set_new(vals, key, json_string(x)) < 0 ? oom() : 0;
		free(x);
		if (rc < 0)
			goto cleanup;
	}
	if ((rc = kd_template_normalize_name(&norm, cl->name)) < 0)
		goto cleanup;
	p = json_pack("{s:s, s:s, s:{s:O, s:{}}, s:O, s:s}",
		      "name", cl->name, "nameNormalized", norm,
		      "metadata", "labels", cl->labels, "annotations",
		      "values", vals, AS_CLUSTER_KEY, cl->name);
	if (!p || (cl->server && json_object_set_new(p, "server", json_string(cl->server)) < 0)) {
		rc = oom();
		goto cleanup;
	}
	if (!c->go) {
		json_t *f = json_object();

		if (!f || (rc = flatten(f, "", p)) < 0) {
			json_decref(f);
			rc = rc < 0 ? rc : oom();
			goto cleanup;
		}
		json_decref(p);
		p = f;
	}
	*out = p;
	p = NULL;
cleanup:
	json_decref(flat);
	json_decref(p);
	json_decref(vals);
	free(norm);
	return rc;
}

static int gen_clusters(json_t *out, as_ctx *c, const json_t *spec, const char *where)
{
	kd_selector sel = { NULL, NULL };
	const json_t *selector = json_object_get(spec, "selector");
	const json_t *values = json_object_get(spec, "values");
	size_t i;
	int rc = 0;

	if (values && !json_is_object(values))
		return as_fail(c, KD_EINVAL, where, "clusters.values", "must be a mapping");
	if (selector && (rc = kd_selector_parse(&sel, selector, where)) < 0)
		return as_fail(c, rc, where, "clusters.selector", "is invalid: %s", kd_error_last());
	for (i = 0; i < c->fleet->nclusters && rc == 0; i++) {
		const kd_cluster *cl = &c->fleet->clusters[i];
		json_t *p = NULL;

		if (!kd_selector_matches(&sel, cl->labels))
			continue;
		if ((rc = cluster_params(&p, c, cl, values, where)) == 0 &&
		    json_array_append_new(out, p) < 0)
			rc = oom();
	}
	kd_selector_free(&sel);
	return rc;
}

/* Lists every directory (and, with files, every file) below dir. */
static int walk_repo(json_t *dirs, json_t *files, kd_source *src, const char *dir,
		     int depth)
{
	kd_source_entry *e = NULL;
	size_t n = 0, i;
	int rc;

	if (depth > 64)
		return kd_error_set(KD_ELIMIT, "%s: directories nested too deep", dir);
	if ((rc = kd_source_list(&e, &n, src, dir)) < 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		char *p = NULL;

		if (e[i].name[0] == '.')
			continue;
		if ((rc = kd_path_join(&p, dir, e[i].name)) < 0)
			break;
		if (e[i].type == KD_SOURCE_DIR) {
			if (json_array_append_new(dirs, json_string(p)) < 0)
				rc = oom();
			else
				rc = walk_repo(dirs, files, src, p, depth + 1);
		} else if (files && e[i].type == KD_SOURCE_FILE &&
			   json_array_append_new(files, json_string(p)) < 0) {
			rc = oom();
		}
		free(p);
	}
	kd_source_entries_free(e, n);
	return rc;
}

static bool glob_hit(const char *pattern, const char *path)
{
	/* "**" crosses directories; a single '*' does not. */
	return fnmatch(pattern, path, strstr(pattern, "**") ? 0 : FNM_PATHNAME) == 0;
}

/* The path parameters of a directory (and file name, for git files). */
static int path_params(json_t *p, as_ctx *c, const char *dir, const char *file)
{
	json_t *segs = json_array(), *pp = json_object();
	char *bn = NULL, *fn = NULL;
	kd_buf k = KD_BUF_INIT;
	const char *s = dir;
	size_t i;
	int rc = 0;

	if (!segs || !pp) {
		rc = oom();
		goto cleanup;
	}
	while (*s) {
		const char *slash = strchr(s, '/');
		size_t len = slash ? (size_t)(slash - s) : strlen(s);
		json_t *seg = json_stringn(s, len);

		if (!seg || json_array_append_new(segs, seg) < 0) {
			rc = oom();
			goto cleanup;
		}
		s += len + (slash ? 1 : 0);
	}
	if ((rc = kd_template_normalize_name(&bn, kd_path_basename(dir))) < 0 ||
	    (file && (rc = kd_template_normalize_name(&fn, file)) < 0))
		goto cleanup;
	if (json_object_set_new(pp, "path", json_string(dir)) < 0 ||
	    json_object_set_new(pp, "basename", json_string(kd_path_basename(dir))) < 0 ||
	    json_object_set_new(pp, "basenameNormalized", json_string(bn)) < 0 ||
	    (file && (json_object_set_new(pp, "filename", json_string(file)) < 0 ||
		      json_object_set_new(pp, "filenameNormalized", json_string(fn)) < 0))) {
		rc = oom();
		goto cleanup;
	}
	if (c->go) {
		if (json_object_set(pp, "segments", segs) < 0 ||
		    json_object_set(p, "path", pp) < 0)
			rc = oom();
		goto cleanup;
	}
	if (json_object_set(p, "path", json_object_get(pp, "path")) < 0 ||
	    json_object_set(p, "path.basename", json_object_get(pp, "basename")) < 0 ||
	    json_object_set(p, "path.basenameNormalized",
			    json_object_get(pp, "basenameNormalized")) < 0 ||
	    (file && (json_object_set(p, "path.filename", json_object_get(pp, "filename")) < 0 ||
		      json_object_set(p, "path.filenameNormalized",
				      json_object_get(pp, "filenameNormalized")) < 0))) {
		rc = oom();
		goto cleanup;
	}
	for (i = 0; i < json_array_size(segs); i++) {
		kd_buf_clear(&k);
		if ((rc = kd_buf_printf(&k, "path[%zu]", i)) < 0)
			goto cleanup;
		if (json_object_set(p, kd_buf_cstr(&k), json_array_get(segs, i)) < 0) {
			rc = oom();
			goto cleanup;
		}
	}
cleanup:
	json_decref(segs);
	json_decref(pp);
	free(bn);
	free(fn);
	kd_buf_free(&k);
	return rc;
}

static int git_directories(json_t *out, as_ctx *c, const json_t *list,
			   const char *where)
{
	json_t *dirs = json_array(), *d, *item;
	size_t i, j;
	int rc;

	if (!dirs)
		return oom();
	if ((rc = walk_repo(dirs, NULL, c->src, "", 0)) < 0)
		goto cleanup;
	json_array_foreach(dirs, i, d) {
		const char *dir = json_string_value(d);
		bool in = false, out_ = false;

		json_array_foreach(list, j, item) {
			const char *pat = json_string_value(json_object_get(item, "path"));

			if (!pat) {
				rc = as_fail(c, KD_EINVAL, where, "git.directories", "[%zu] needs a path", j);
				goto cleanup;
			}
			if (glob_hit(pat, dir)) {
				if (json_is_true(json_object_get(item, "exclude")))
					out_ = true;
				else
					in = true;
			}
		}
		if (in && !out_) {
			json_t *p = json_object();

			if (!p || (rc = path_params(p, c, dir, NULL)) < 0 ||
			    json_array_append_new(out, p) < 0) {
				json_decref(p);
				rc = rc < 0 ? rc : oom();
				goto cleanup;
			}
		}
	}
cleanup:
	json_decref(dirs);
	return rc;
}

static int git_files(json_t *out, as_ctx *c, const json_t *list, const char *where)
{
	json_t *dirs = json_array(), *files = json_array(), *f, *item;
	kd_buf data = KD_BUF_INIT;
	size_t i, j, k;
	int rc;

	if (!dirs || !files) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = walk_repo(dirs, files, c->src, "", 0)) < 0)
		goto cleanup;
	json_array_foreach(files, i, f) {
		const char *file = json_string_value(f);
		bool hit = false;
		json_t *docs = NULL, *doc, *items;

		json_array_foreach(list, j, item) {
			const char *pat = json_string_value(json_object_get(item, "path"));

			if (!pat) {
				rc = as_fail(c, KD_EINVAL, where, "git.files", "[%zu] needs a path", j);
				goto cleanup;
			}
			if (glob_hit(pat, file))
				hit = true;
		}
		if (!hit)
			continue;
		if ((rc = kd_source_read(&data, c->src, file)) < 0 ||
		    (rc = kd_yaml_parse_one(&docs, NULL, kd_buf_cstr(&data), data.len,
					    file, NULL)) < 0)
			goto cleanup;
		/* A file holds one object or a list of them. */
		items = json_is_array(docs) ? docs : NULL;
		for (k = 0; k < (items ? json_array_size(items) : 1); k++) {
			json_t *p = json_object();
			char *dir = kd_path_dirname(file);

			doc = items ? json_array_get(items, k) : docs;
			if (!p || !dir) {
				rc = oom();
			} else if (!json_is_object(doc) && !json_is_null(doc)) {
				rc = kd_error_set(KD_EINVAL, "%s: a git files generator file must hold a mapping or a list of them",
						  file);
			} else if ((json_is_object(doc) && (rc = add_values(p, doc, c->go)) < 0) ||
				   (rc = path_params(p, c, dir, kd_path_basename(file))) < 0) {
				/* rc set */
			} else if (json_array_append(out, p) < 0) {
				rc = oom();
			}
			json_decref(p);
			free(dir);
			if (rc < 0)
				break;
		}
		json_decref(docs);
		if (rc < 0)
			goto cleanup;
	}
cleanup:
	json_decref(dirs);
	json_decref(files);
	kd_buf_free(&data);
	return rc;
}

static int gen_git(json_t *out, as_ctx *c, const json_t *spec, const char *where)
{
	const json_t *dirs = json_object_get(spec, "directories");
	const json_t *files = json_object_get(spec, "files");

	if (json_object_get(spec, "pathParamPrefix"))
		return as_fail(c, KD_EUNSUPPORTED, where, "git.pathParamPrefix", "is not supported");
	if (json_is_array(dirs) == json_is_array(files))
		return as_fail(c, KD_EINVAL, where, "git", "needs either directories or files");
	return dirs ? git_directories(out, c, dirs, where) : git_files(out, c, files, where);
}

static int children(json_t **sets, size_t n, as_ctx *c, const json_t *gens,
		    const char *where, const char *kind)
{
	kd_buf w = KD_BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		kd_buf_clear(&w);
		if ((rc = kd_buf_printf(&w, "%s.%s.generators[%zu]", where, kind, i)) == 0)
			rc = as_generate(&sets[i], c, json_array_get(gens, i), kd_buf_cstr(&w));
	}
	kd_buf_free(&w);
	return rc;
}

static bool same_keys(const json_t *a, const json_t *b, const json_t *keys)
{
	size_t i;
	json_t *k;

	json_array_foreach(keys, i, k) {
		const json_t *va = as_param(a, json_string_value(k));
		const json_t *vb = as_param(b, json_string_value(k));

		if (!va || !vb || !json_equal((json_t *)va, (json_t *)vb))
			return false;
	}
	return true;
}

static int gen_merge(json_t *out, as_ctx *c, const json_t *spec, const char *where)
{
	const json_t *gens = json_object_get(spec, "generators");
	const json_t *keys = json_object_get(spec, "mergeKeys");
	size_t n = json_array_size(gens), i, j, k;
	json_t **sets;
	int rc;

	if (n < 1 || !json_is_array(keys) || !json_array_size(keys))
		return as_fail(c, KD_EINVAL, where, "merge", "needs generators and mergeKeys");
	if (!(sets = calloc(n, sizeof(*sets))))
		return oom();
	if ((rc = children(sets, n, c, gens, where, "merge")) < 0)
		goto cleanup;
	/* Each base set takes the values of every later set with the same
	 * merge key values; later generators win. */
	for (i = 0; i < json_array_size(sets[0]); i++) {
		json_t *base = json_deep_copy(json_array_get(sets[0], i));

		if (!base) {
			rc = oom();
			goto cleanup;
		}
		for (j = 1; j < n; j++)
			for (k = 0; k < json_array_size(sets[j]); k++) {
				json_t *o = json_array_get(sets[j], k);

				if (same_keys(base, o, keys) && json_object_update(base, o) < 0) {
					json_decref(base);
					rc = oom();
					goto cleanup;
				}
			}
		if (json_array_append_new(out, base) < 0) {
			rc = oom();
			goto cleanup;
		}
	}
cleanup:
	for (i = 0; i < n; i++)
		json_decref(sets[i]);
	free(sets);
	return rc;
}

static int gen_matrix(json_t *out, as_ctx *c, const json_t *spec, const char *where)
{
	const json_t *gens = json_object_get(spec, "generators");
	json_t *first = NULL, *p1;
	kd_buf w = KD_BUF_INIT;
	size_t i, j;
	int rc;

	if (json_array_size(gens) != 2)
		return as_fail(c, KD_EINVAL, where, "matrix", "needs exactly two generators");
	if ((rc = kd_buf_printf(&w, "%s.matrix.generators[0]", where)) < 0 ||
	    (rc = as_generate(&first, c, json_array_get(gens, 0), kd_buf_cstr(&w))) < 0)
		goto cleanup;
	kd_buf_clear(&w);
	if ((rc = kd_buf_printf(&w, "%s.matrix.generators[1]", where)) < 0)
		goto cleanup;
	json_array_foreach(first, i, p1) {
		json_t *g2 = NULL, *second = NULL, *p2;

		/* The second child may use the first child's parameters. */
		if ((rc = as_expand_value(&g2, c, json_array_get(gens, 1), p1)) < 0 ||
		    (rc = as_generate(&second, c, g2, kd_buf_cstr(&w))) < 0) {
			json_decref(g2);
			goto cleanup;
		}
		json_array_foreach(second, j, p2) {
			json_t *m = json_deep_copy(p1);

			if (!m || json_object_update(m, p2) < 0 ||
			    json_array_append_new(out, m) < 0) {
				json_decref(m);
				rc = oom();
				break;
			}
		}
		json_decref(g2);
		json_decref(second);
		if (rc < 0)
			goto cleanup;
	}
cleanup:
	json_decref(first);
	kd_buf_free(&w);
	return rc;
}

int as_generate(json_t **out, as_ctx *c, const json_t *gen, const char *where)
{
	static const struct {
		const char *name;
		int (*fn)(json_t *, as_ctx *, const json_t *, const char *);
	} kinds[] = {
		{ "list", gen_list }, { "clusters", gen_clusters },
		{ "git", gen_git }, { "merge", gen_merge }, { "matrix", gen_matrix },
	};
	json_t *sets;
	const char *key;
	json_t *v;
	size_t i;
	int rc = KD_EUNSUPPORTED;

	*out = NULL;
	if (!json_is_object(gen) || json_object_size(gen) == 0)
		return as_fail(c, KD_EINVAL, where, NULL, "is not a generator mapping");
	if (!(sets = json_array()))
		return oom();
	json_object_foreach((json_t *)gen, key, v) {
		if (strcmp(key, "selector") == 0 || strcmp(key, "template") == 0) {
			rc = as_fail(c, KD_EUNSUPPORTED, where, key, "is not supported");
			goto cleanup;
		}
	}
	if (json_object_size(gen) != 1) {
		rc = as_fail(c, KD_EINVAL, where, NULL, "has more than one generator");
		goto cleanup;
	}
	json_object_foreach((json_t *)gen, key, v) {
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (strcmp(kinds[i].name, key) == 0) {
				if (!json_is_object(v))
					rc = as_fail(c, KD_EINVAL, where, key, "must be a mapping");
				else
					rc = kinds[i].fn(sets, c, v, where);
				break;
			}
		if (i == sizeof(kinds) / sizeof(kinds[0]))
			rc = as_fail(c, KD_EUNSUPPORTED, where, key,
				     "is not supported: the '%s' generator (supported: list, clusters, git, merge, matrix)",
				     key);
	}
cleanup:
	if (rc < 0) {
		json_decref(sets);
		return rc;
	}
	*out = sets;
	return 0;
}
