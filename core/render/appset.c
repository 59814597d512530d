/*
 * appset — reading an ApplicationSet, expanding its template per parameter
 * set and rendering the generated Applications (see render.h).
 */
#include "render/render.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_priv.h"
#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

/* ---- goTemplate, the supported subset ------------------------------------ */

static int go_value(kd_buf *out, as_ctx *c, const json_t *params,
		    const char *expr, size_t len)
{
	kd_buf path = KD_BUF_INIT, tmp = KD_BUF_INIT;
	const char *p = expr, *end = expr + len;
	bool normalize = false;
	const json_t *v;
	int rc = 0;

	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (p < end && *p == '.') {
		const char *q = p + 1;

		while (q < end && (isalnum((unsigned char)*q) || *q == '_' || *q == '.'))
			q++;
		if (kd_buf_add(&path, p + 1, (size_t)(q - p - 1)) < 0) {
			rc = oom();
			goto cleanup;
		}
		while (q < end && isspace((unsigned char)*q))
			q++;
		if (q < end && *q == '|') {
			q++;
			while (q < end && isspace((unsigned char)*q))
				q++;
			if ((size_t)(end - q) == 9 && strncmp(q, "normalize", 9) == 0) {
				normalize = true;
				q = end;
			}
		}
		if (q == end && path.len && path.data[path.len - 1] != '.' &&
		    !strstr(kd_buf_cstr(&path), ".."))
			goto known;
	}
	rc = kd_error_set(KD_EUNSUPPORTED,
			  "%s: goTemplate expression '{{%.*s}}' is not supported (only {{.a.b}} and {{.a.b | normalize}})",
			  c->file, (int)len, expr);
	goto cleanup;
known:
	v = as_param(params, kd_buf_cstr(&path));
	if (!v || json_is_null(v)) {
		if (c->missing_error) {
			rc = kd_error_set(KD_EINVAL, "%s: goTemplate: map has no entry for key \"%s\"",
					  c->file, kd_buf_cstr(&path));
			goto cleanup;
		}
		rc = kd_buf_puts(&tmp, "<no value>");
	} else if (json_is_string(v)) {
		rc = kd_buf_puts(&tmp, json_string_value(v));
	} else if (json_is_integer(v)) {
		rc = kd_buf_printf(&tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_boolean(v)) {
		rc = kd_buf_puts(&tmp, json_is_true(v) ? "true" : "false");
	} else if (json_is_real(v)) {
		rc = kd_buf_printf(&tmp, "%g", json_real_value(v));
	} else {
		rc = kd_error_set(KD_EUNSUPPORTED,
				  "%s: goTemplate expression '{{%.*s}}' yields a map or list, which kdrift does not print",
				  c->file, (int)len, expr);
	}
	if (rc < 0)
		goto cleanup;
	if (normalize) {
		char *n = NULL;

		if ((rc = kd_template_normalize_name(&n, kd_buf_cstr(&tmp))) < 0)
			goto cleanup;
		rc = kd_buf_puts(out, n);
		free(n);
	} else {
		rc = kd_buf_add(out, kd_buf_cstr(&tmp), tmp.len);
	}
cleanup:
	kd_buf_free(&path);
	kd_buf_free(&tmp);
	return rc;
}

static int go_expand(char **out, as_ctx *c, const char *text, const json_t *params)
{
	kd_buf b = KD_BUF_INIT;
	const char *p = text, *open, *close;
	int rc = 0;

	*out = NULL;
	while ((open = strstr(p, "{{")) != NULL) {
		if (!(close = strstr(open + 2, "}}"))) {
			rc = kd_error_set(KD_EINVAL, "%s: goTemplate: unclosed action in '%s'",
					  c->file, text);
			goto cleanup;
		}
		if ((rc = kd_buf_add(&b, p, (size_t)(open - p))) < 0 ||
		    (rc = go_value(&b, c, params, open + 2, (size_t)(close - open - 2))) < 0)
			goto cleanup;
		p = close + 2;
	}
	if ((rc = kd_buf_puts(&b, p)) < 0)
		goto cleanup;
	if (!(*out = b.data ? kd_buf_detach(&b) : strdup("")))
		rc = oom();
cleanup:
	kd_buf_free(&b);
	return rc;
}

int as_expand_value(json_t **out, as_ctx *c, const json_t *tmpl,
		    const json_t *params)
{
	json_t *copy, *v;
	const char *key;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (json_is_string(tmpl)) {
		char *s = NULL;

		rc = c->go ? go_expand(&s, c, json_string_value(tmpl), params)
			   : kd_template_expand(&s, json_string_value(tmpl), params);
		if (rc < 0)
			return rc;
		*out = json_string(s);
		free(s);
		return *out ? 0 : oom();
	}
	if (!(copy = json_is_object(tmpl) ? json_object() :
		     json_is_array(tmpl) ? json_array() : json_deep_copy(tmpl)))
		return oom();
	if (json_is_object(tmpl)) {
		/* Argo CD renders the template's JSON text, keys included. */
		json_object_foreach((json_t *)tmpl, key, v) {
			json_t *e = NULL, *k = NULL, *tk = json_string(key);

			if (!tk) {
				rc = oom();
				break;
			}
			rc = as_expand_value(&k, c, tk, params);
			json_decref(tk);
			if (rc == 0)
				rc = as_expand_value(&e, c, v, params);
			if (rc == 0 && json_object_set_new(copy, json_string_value(k), e) < 0)
				rc = oom();
			else if (rc < 0)
				json_decref(e);
			json_decref(k);
			if (rc < 0)
				break;
		}
	} else if (json_is_array(tmpl)) {
		json_array_foreach(tmpl, i, v) {
			json_t *e = NULL;

			if ((rc = as_expand_value(&e, c, v, params)) < 0)
				break;
			if (json_array_append_new(copy, e) < 0) {
				rc = oom();
				break;
			}
		}
	}
	if (rc < 0) {
		json_decref(copy);
		return rc;
	}
	*out = copy;
	return 0;
}

/* ---- reading the ApplicationSet ------------------------------------------ */

static int load(json_t **out, json_t **positions, kd_source *src, const char *file)
{
	kd_buf data = KD_BUF_INIT;
	json_t *docs = NULL, *pos = NULL, *d, *found = NULL;
	size_t at = 0;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = kd_source_read(&data, src, file)) < 0 ||
	    (rc = kd_yaml_parse(&docs, &pos, kd_buf_cstr(&data), data.len, file, NULL)) < 0)
		goto cleanup;
	json_array_foreach(docs, i, d) {
		const char *kind = json_string_value(json_object_get(d, "kind"));

		if (!kind || strcmp(kind, "ApplicationSet") != 0)
			continue;
		if (found) {
			rc = kd_error_set(KD_EINVAL, "%s: holds more than one ApplicationSet",
					  file);
			goto cleanup;
		}
		found = d;
		at = i;
	}
	if (!found) {
		rc = kd_error_set(KD_EINVAL, "%s: holds no ApplicationSet (kind: ApplicationSet)",
				  file);
		goto cleanup;
	}
	*out = json_incref(found);
	*positions = json_incref(json_array_get(pos, at));
cleanup:
	json_decref(docs);
	json_decref(pos);
	kd_buf_free(&data);
	return rc;
}

static const kd_cluster *destination_cluster(const kd_fleet *fleet,
					     const json_t *dest,
					     const json_t *params)
{
	const char *name = json_string_value(json_object_get(dest, "name"));
	const char *server = json_string_value(json_object_get(dest, "server"));
	const char *from = json_string_value(as_param(params, AS_CLUSTER_KEY));
	size_t i;

	for (i = 0; i < fleet->nclusters; i++) {
		const kd_cluster *cl = &fleet->clusters[i];

		if ((name && strcmp(name, cl->name) == 0) ||
		    (server && cl->server && strcmp(server, cl->server) == 0))
			return cl;
	}
	return from ? kd_fleet_cluster(fleet, from) : NULL;
}

static int glob_list(json_t *dir, const char *key, const json_t *src)
{
	const char *g = json_string_value(json_object_get(src, key));
	json_t *list = json_array();

	if (!list || (g && g[0] && json_array_append_new(list, json_string(g)) < 0) ||
	    json_object_set_new(dir, key, list) < 0)
		return oom();
	return 0;
}

/* Turns one expanded Application template into a generated entry. */
static int to_entry(json_t **out, as_ctx *c, const json_t *appl, const json_t *params)
{
	static const char *const unsupported[] = { "helm", "chart", "plugin",
						   "kustomize", NULL };
	const json_t *spec = json_object_get(appl, "spec");
	const json_t *source = json_object_get(spec, "source");
	const json_t *dest = json_object_get(spec, "destination");
	const json_t *srcdir = json_object_get(source, "directory");
	const char *name = json_string_value(json_object_get(json_object_get(appl, "metadata"), "name"));
	const char *path = json_string_value(json_object_get(source, "path"));
	const char *ns = json_string_value(json_object_get(dest, "namespace"));
	const kd_cluster *cl;
	json_t *e = NULL, *dir = NULL;
	size_t i;

	*out = NULL;
	if (json_object_get(spec, "sources"))
		return as_fail(c, KD_EUNSUPPORTED, "spec.template.spec.sources", NULL,
			       "(multi-source Applications) is not supported");
	for (i = 0; unsupported[i]; i++)
		if (json_object_get(source, unsupported[i]))
			return as_fail(c, KD_EUNSUPPORTED, "spec.template.spec.source",
				       unsupported[i], "is not supported");
	if (!name || !name[0])
		return kd_error_set(KD_EINVAL, "%s: a generated Application has no metadata.name",
				    c->file);
	if (!path)
		return kd_error_set(KD_EINVAL,
				    "%s: Application '%s' has no spec.source.path", c->file, name);
	dir = json_pack("{s:b}", "recurse", json_is_true(json_object_get(srcdir, "recurse")));
	if (!dir || glob_list(dir, "include", srcdir) < 0 ||
	    glob_list(dir, "exclude", srcdir) < 0) {
		json_decref(dir);
		return oom();
	}
	e = json_pack("{s:s, s:s, s:{}, s:o}", "name", name, "path", path,
		      "destination", "directory", dir);
	if (!e)
		return oom();
	if ((ns && ns[0] && json_object_set_new(e, "namespace", json_string(ns)) < 0) ||
	    (json_object_get(dest, "name") &&
	     json_object_set(json_object_get(e, "destination"), "name",
			     json_object_get(dest, "name")) < 0) ||
	    (json_object_get(dest, "server") &&
	     json_object_set(json_object_get(e, "destination"), "server",
			     json_object_get(dest, "server")) < 0)) {
		json_decref(e);
		return oom();
	}
	cl = destination_cluster(c->fleet, dest, params);
	if (cl && json_object_set_new(e, "cluster", json_string(cl->name)) < 0) {
		json_decref(e);
		return oom();
	}
	*out = e;
	return 0;
}

int kd_appset_generate(json_t **out, kd_source *src, const kd_fleet *fleet,
		       const char *file)
{
	as_ctx c = { src, fleet, file, false, false, NULL };
	json_t *doc = NULL, *pos = NULL, *gens, *tmpl, *res = json_array(), *names = json_object();
	const json_t *spec, *opts, *o;
	kd_buf where = KD_BUF_INIT;
	size_t i, j;
	int rc;

	*out = NULL;
	if (!res || !names) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = load(&doc, &pos, src, file)) < 0)
		goto cleanup;
	c.positions = pos;
	spec = json_object_get(doc, "spec");
	gens = json_object_get(spec, "generators");
	tmpl = json_object_get(spec, "template");
	c.go = json_is_true(json_object_get(spec, "goTemplate"));
	opts = json_object_get(spec, "goTemplateOptions");
	json_array_foreach(opts, i, o)
		if (json_is_string(o) && strcmp(json_string_value(o), "missingkey=error") == 0)
			c.missing_error = true;
	if (json_object_get(spec, "templatePatch")) {
		rc = as_fail(&c, KD_EUNSUPPORTED, "spec.templatePatch", NULL, "is not supported");
		goto cleanup;
	}
	if (!json_is_array(gens) || !json_is_object(tmpl)) {
		rc = kd_error_set(KD_EINVAL, "%s: an ApplicationSet needs spec.generators and spec.template",
				  file);
		goto cleanup;
	}
	for (i = 0; i < json_array_size(gens); i++) {
		json_t *sets = NULL, *p;

		kd_buf_clear(&where);
		if ((rc = kd_buf_printf(&where, "spec.generators[%zu]", i)) < 0 ||
		    (rc = as_generate(&sets, &c, json_array_get(gens, i), kd_buf_cstr(&where))) < 0)
			goto cleanup;
		json_array_foreach(sets, j, p) {
			json_t *appl = NULL, *e = NULL;
			const char *name;

			if ((rc = as_expand_value(&appl, &c, tmpl, p)) == 0)
				rc = to_entry(&e, &c, appl, p);
			json_decref(appl);
			if (rc < 0) {
				json_decref(sets);
				goto cleanup;
			}
			name = json_string_value(json_object_get(e, "name"));
			if (json_object_get(names, name)) {
				rc = kd_error_set(KD_EINVAL,
						  "%s: the generators produce the Application name '%s' twice",
						  file, name);
				json_decref(e);
				json_decref(sets);
				goto cleanup;
			}
			if (json_object_set_new(names, name, json_true()) < 0 ||
			    json_array_append_new(res, e) < 0) {
				json_decref(sets);
				rc = oom();
				goto cleanup;
			}
		}
		json_decref(sets);
	}
	*out = res;
	res = NULL;
cleanup:
	json_decref(doc);
	json_decref(pos);
	json_decref(res);
	json_decref(names);
	kd_buf_free(&where);
	return rc;
}

int kd_appset_for_cluster(json_t **out, kd_source *src, const kd_fleet *fleet,
			  const kd_cluster *cluster, const kd_app *app)
{
	json_t *all = NULL, *mine, *e;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = kd_appset_generate(&all, src, fleet, app->path)) < 0)
		return rc;
	if (!(mine = json_array())) {
		json_decref(all);
		return oom();
	}
	json_array_foreach(all, i, e) {
		const char *cl = json_string_value(json_object_get(e, "cluster"));

		if (cl && strcmp(cl, cluster->name) == 0 && json_array_append(mine, e) < 0) {
			json_decref(all);
			json_decref(mine);
			return oom();
		}
	}
	json_decref(all);
	*out = mine;
	return 0;
}

int kd_appset_render_one(json_t **out, kd_source *src, const json_t *gen)
{
	const json_t *dir = json_object_get(gen, "directory");
	kd_render_opts opts = { 0 };
	int rc;

	opts.namespace = json_string_value(json_object_get(gen, "namespace"));
	/* Argo CD reads directory apps non-recursively unless told to. */
	opts.no_recurse = !json_is_true(json_object_get(dir, "recurse"));
	opts.include = json_object_get(dir, "include");
	opts.exclude = json_object_get(dir, "exclude");
	rc = kd_render_dir(out, src, json_string_value(json_object_get(gen, "path")), &opts);
	if (rc < 0)
		kd_error_wrap(rc, "Application '%s': ",
			      json_string_value(json_object_get(gen, "name")));
	return rc;
}

/* Renders one generated Application with provenance: the destination
 * namespace its objects get is credited to the template's line and to the
 * cluster labels (names, values) the template read. */
static int render_one_prov(json_t **out, json_t **prov, kd_source *src,
			   const kd_fleet *fleet, const kd_cluster *cluster,
			   const json_t *gen, const json_t *doc, const json_t *pos,
			   const json_t *fpos, const char *file)
{
	const json_t *dir = json_object_get(gen, "directory");
	const json_t *spec = json_object_get(doc, "spec");
	const json_t *tspec = json_object_get(json_object_get(spec, "template"), "spec");
	const char *tmpl = kd_json_str(json_object_get(tspec, "destination"), "namespace");
	kd_render_opts opts = { 0 };
	json_t *chain = NULL;
	int rc;

	opts.namespace = json_string_value(json_object_get(gen, "namespace"));
	opts.no_recurse = !json_is_true(json_object_get(dir, "recurse"));
	opts.include = json_object_get(dir, "include");
	opts.exclude = json_object_get(dir, "exclude");
	if (opts.namespace &&
	    (rc = kd_prov_template_chain(&chain, fleet, fpos, cluster, tmpl,
					 json_is_true(json_object_get(spec, "goTemplate")),
					 opts.namespace, file,
					 kd_prov_line(pos, "/spec/template/spec/destination/namespace"),
					 strstr(tmpl ? tmpl : "", "{{") ? "ApplicationSet parameter" :
					 "ApplicationSet template")) < 0)
		return rc;
	rc = kd_render_dir_prov(out, prov, src, json_string_value(json_object_get(gen, "path")),
				&opts, chain);
	json_decref(chain);
	if (rc < 0)
		kd_error_wrap(rc, "Application '%s': ",
			      json_string_value(json_object_get(gen, "name")));
	return rc;
}

int kd_appset_render_prov(json_t **out, json_t **prov, kd_source *src, const kd_fleet *fleet,
			  const kd_cluster *cluster, const kd_app *app, const char *only)
{
	json_t *gens = NULL, *all = NULL, *allprov = NULL, *g;
	json_t *doc = NULL, *pos = NULL, *fpos = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (prov)
		*prov = NULL;
	if ((rc = kd_appset_for_cluster(&gens, src, fleet, cluster, app)) < 0)
		return rc;
	if (!(all = json_array()) || (prov && !(allprov = json_array()))) {
		rc = oom();
		goto cleanup;
	}
	if (prov && ((rc = load(&doc, &pos, src, app->path)) < 0 ||
		     (rc = kd_prov_fleet_positions(&fpos, src, fleet)) < 0))
		goto cleanup;
	json_array_foreach(gens, i, g) {
		json_t *objs = NULL, *op = NULL;

		if (only && strcmp(only, json_string_value(json_object_get(g, "name"))) != 0)
			continue;
		if (prov)
			rc = render_one_prov(&objs, &op, src, fleet, cluster, g, doc, pos, fpos,
					     app->path);
		else
			rc = kd_appset_render_one(&objs, src, g);
		if (rc < 0)
			goto cleanup;
		rc = json_array_extend(all, objs) < 0 ||
		     (allprov && json_array_extend(allprov, op) < 0) ? oom() : 0;
		json_decref(objs);
		json_decref(op);
		if (rc < 0)
			goto cleanup;
		if (only)
			break;
	}
	if (only && i == json_array_size(gens)) {
		rc = kd_error_set(KD_ENOTFOUND,
				  "%s generates no Application '%s' for cluster '%s'",
				  app->path, only, cluster->name);
		goto cleanup;
	}
	*out = all;
	all = NULL;
	if (prov) {
		*prov = allprov;
		allprov = NULL;
	}
cleanup:
	json_decref(gens);
	json_decref(all);
	json_decref(allprov);
	json_decref(doc);
	json_decref(pos);
	json_decref(fpos);
	return rc;
}

int kd_appset_render(json_t **out, kd_source *src, const kd_fleet *fleet,
		     const kd_cluster *cluster, const kd_app *app,
		     const char *only)
{
	return kd_appset_render_prov(out, NULL, src, fleet, cluster, app, only);
}
