/*
 * kustomize — the build: loading kustomizations, accumulating resources
 * level by level, running generators and transformers in kustomize's order,
 * and the final ordering (see render.h).
 *
 * Each kustomization is one level.  A level starts from its resources
 * (files, or the output of other kustomizations), generates ConfigMaps and
 * Secrets, lets its components transform what it has so far, runs its
 * transformers, and finally rewrites references to resources whose names
 * changed during the level.  Generated names get their content hash once,
 * after the last level.
 */
#include "render_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "data/data.h"

static const char *const kfile_names[] = {
	"kustomization.yaml", "kustomization.yml", "Kustomization", NULL,
};

/* Fields kustomize knows but kdrift does not implement. */
static const char *const unsupported_fields[] = {
	"helmCharts", "helmChartInflationGenerator", "helmGlobals",
	"validators", NULL,
};

static const char *const known_fields[] = {
	"apiVersion", "kind", "metadata", "resources", "bases", "components",
	"namespace", "namePrefix", "nameSuffix", "commonLabels", "labels",
	"commonAnnotations", "images", "imageTags", "patches", "patchesStrategicMerge",
	"patchesJson6902", "configMapGenerator", "secretGenerator",
	"generatorOptions", "replicas", "sortOptions", "replacements",
	"configurations", "vars", "generators", "transformers", "buildMetadata", "openapi",
	"crds", NULL,
};

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

static void kfile_free(kd_kz_file *f)
{
	free(f->dir);
	free(f->path);
	json_decref(f->doc);
	json_decref(f->pos);
	json_decref(f->ov_base);
	memset(f, 0, sizeof(*f));
}

static int check_fields(const kd_kz_file *f)
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
						    key, f->path, kd_kz_line(f, ptr));
		for (i = 0; known_fields[i] && !known; i++)
			known = strcmp(key, known_fields[i]) == 0;
		if (!known)
			return kd_kz_fail(f, ptr, KD_EINVAL, "unknown field '%s' in kustomization", key);
	}
	return 0;
}

/* kubectl decodes a kustomization into Go structs, whose field names match
 * in any case: "nameprefix" is namePrefix (the last of several spellings
 * wins). */
static int canonical_keys(kd_kz_file *f)
{
	const char *const *lists[] = { known_fields, unsupported_fields };
	json_t *doc = json_object();
	const char *key;
	json_t *v;
	size_t i, k;

	if (!doc)
		return kd_error_set(KD_ENOMEM, "out of memory");
	json_object_foreach(f->doc, key, v) {
		const char *canon = key;

		for (k = 0; k < 2 && canon == key; k++)
			for (i = 0; lists[k][i]; i++)
				if (strcasecmp(lists[k][i], key) == 0) {
					canon = lists[k][i];
					break;
				}
		if (json_object_set(doc, canon, v) < 0) {
			json_decref(doc);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
	}
	json_decref(f->doc);
	f->doc = doc;
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
static int kfile_load(kd_kz_file *f, kd_kz_ctx *c, const char *dir,
		      const kd_kz_file *from, const char *from_ptr)
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
	if (!f->path && c->depth == 1 && c->overrides &&
	    json_is_array(json_object_get(c->overrides, "resources"))) {
		/* The kustomization a GitOps controller generates for a path
		 * that has none (Flux): just the resources it lists. */
		kd_buf name = KD_BUF_INIT;

		kd_buf_printf(&name, "%s%skustomization.yaml (generated)", dir, dir[0] ? "/" : "");
		f->path = kd_buf_detach(&name);
		f->doc = json_pack("{s:s,s:s,s:O}", "apiVersion", "kustomize.config.k8s.io/v1beta1",
				   "kind", "Kustomization", "resources",
				   json_object_get(c->overrides, "resources"));
		f->pos = json_object();
		f->generated = true;
		if (!f->path || !f->doc || !f->pos)
			rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (!f->path) {
		if (from)
			rc = kd_kz_fail(from, from_ptr, KD_ENOTFOUND,
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
	/* kubectl reads a kustomization as go-yaml v2 does: a repeated key
	 * replaces the earlier value, and only the first document counts. */
	rc = kd_yaml_parse_ex(&docs, &pos, NULL, data.data ? data.data : "", data.len,
			      f->path, NULL, KD_YAML_LAST_KEY_WINS);
	if (rc < 0)
		goto cleanup;
	f->doc = json_array_size(docs) ? json_incref(json_array_get(docs, 0)) : json_object();
	f->pos = json_array_size(pos) ? json_incref(json_array_get(pos, 0)) : json_object();
	if (!f->doc || !f->pos) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (json_is_object(f->doc) && (rc = canonical_keys(f)) < 0)
		goto cleanup;
	if (!json_is_object(f->doc)) {
		rc = kd_kz_fail(f, "", KD_EINVAL, "a kustomization must be a mapping");
		goto cleanup;
	}
	kind = json_string_value(json_object_get(f->doc, "kind"));
	if (kind && strcmp(kind, "Component") == 0)
		f->component = true;
	else if (kind && kind[0] && strcmp(kind, "Kustomization") != 0) {
		rc = kd_kz_fail(f, "/kind", KD_EINVAL,
			     "kind must be Kustomization or Component, not '%s'", kind);
		goto cleanup;
	}
	{
		const char *av = json_string_value(json_object_get(f->doc, "apiVersion"));
		const char *want = f->component ? "kustomize.config.k8s.io/v1alpha1"
						: "kustomize.config.k8s.io/v1beta1";

		if (av && av[0] && strcmp(av, want) != 0) {
			rc = kd_kz_fail(f, "/apiVersion", KD_EINVAL, "apiVersion for %s should be %s",
					f->component ? "Component" : "Kustomization", want);
			goto cleanup;
		}
	}
	/* A field left empty ("patches:") is absent, as kubectl reads it. */
	{
		const char *key;
		json_t *v;
		void *tmp;

		json_object_foreach_safe(f->doc, tmp, key, v)
			if (json_is_null(v))
				json_object_del(f->doc, key);
	}
	rc = check_fields(f);
	if (rc == 0 && is_empty(f->doc))
		rc = kd_kz_fail(f, "", KD_EINVAL, "kustomization is empty");
cleanup:
	json_decref(docs);
	json_decref(pos);
	kd_buf_free(&data);
	if (rc < 0)
		kfile_free(f);
	return rc;
}

/* ---- accumulation ----------------------------------------------------- */

/* Ids already taken, kept in a hash (a JSON object keyed by apiVersion,
 * kind, namespace as kustomize compares it, and name) so accumulation
 * stays linear. */
static int seen_add(json_t *seen, const json_t *obj)
{
	kd_buf key = KD_BUF_INIT;
	int rc;

	if (!seen)
		return 0;
	if (kd_buf_printf(&key, "%s\x1f%s\x1f%s\x1f%s", kd_kz_api_version(obj), kd_kz_kind(obj),
			  kd_kz_effective_ns(kd_kz_api_version(obj), kd_kz_kind(obj), kd_kz_ns(obj)),
			  kd_kz_name(obj) ? kd_kz_name(obj) : "") < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (json_object_get(seen, kd_buf_cstr(&key)))
		rc = kd_error_set(KD_EINVAL,
				  "may not add resource with an already registered id: %s %s%s%s",
				  kd_kz_kind(obj), kd_kz_ns(obj), kd_kz_ns(obj)[0] ? "/" : "",
				  kd_kz_name(obj) ? kd_kz_name(obj) : "");
	else if (json_object_set_new(seen, kd_buf_cstr(&key), json_true()) < 0)
		rc = kd_error_set(KD_ENOMEM, "out of memory");
	else
		rc = 0;
	kd_buf_free(&key);
	return rc;
}

static int add_file(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, json_t *seen,
		    const char *rel, const char *ptr)
{
	kd_buf data = KD_BUF_INIT;
	json_t *docs = NULL, *empties = NULL, *where = NULL;
	char *path = NULL;
	size_t i;
	int rc;

	rc = kd_kz_read_file(&data, &path, c, f, rel, ptr);
	if (rc < 0)
		goto cleanup;
	rc = kd_kz_parse_docs(&docs, &empties, c->prov ? &where : NULL,
			      data.data ? data.data : "", data.len, path);
	if (rc < 0) {
		rc = kd_kz_wrap(f, ptr, rc);
		goto cleanup;
	}
	for (i = 0; i < json_array_size(docs); i++) {
		json_t *d = json_array_get(docs, i);

		if (!kd_kz_name(d) || !json_string_value(json_object_get(d, "kind"))) {
			rc = kd_kz_fail(f, ptr, KD_EINVAL,
				     "%s: document %zu has no kind or metadata.name",
				     path, i + 1);
			goto cleanup;
		}
		rc = seen_add(seen, d);
		if (rc < 0) {
			rc = kd_kz_wrap(f, ptr, rc);
			goto cleanup;
		}
		rc = kd_kz_list_add(l, json_incref(d));
		if (rc == 0)
			rc = kd_kz_meta_file_origin(c, l->v[l->n - 1].obj, path);
		if (rc == 0 && json_is_object(json_array_get(empties, i)))
			l->v[l->n - 1].empty_nulls = json_incref(json_array_get(empties, i));
		if (rc == 0 && c->trace)
			rc = kd_kz_set_file(&l->v[l->n - 1], path);
		if (rc == 0 && c->prov) {
			kd_buf step = KD_BUF_INIT;
			json_t *w = json_array_get(where, i);
			kd_prov_at at = { .file = path, .doc = d, .pos = json_array_get(w, 0),
					  .pos_prefix = json_string_value(json_array_get(w, 1)) };

			if ((rc = kd_kz_step_name(&step, f, "resource")) == 0) {
				at.step = kd_buf_cstr(&step);
				rc = kd_kz_prov_start(c, &l->v[l->n - 1], &at);
			}
			kd_buf_free(&step);
		}
		if (rc < 0)
			goto cleanup;
		c->loaded = true;
	}
cleanup:
	json_decref(where);
	json_decref(docs);
	json_decref(empties);
	free(path);
	kd_buf_free(&data);
	return rc;
}

static int build_dir(kd_kz_ctx *c, const char *dir, kd_kz_list *acc, bool component,
		     const kd_kz_file *from, const char *from_ptr);

/* Appends src's resources (and its configuration and vars) to dst,
 * refusing ids already in seen (NULL: no check); empties src. */
static int absorb(kd_kz_list *dst, kd_kz_list *src, json_t *seen, const kd_kz_file *f,
		  const char *ptr)
{
	size_t i;
	int rc;

	for (i = 0; i < src->n; i++) {
		rc = seen_add(seen, src->v[i].obj);
		if (rc < 0)
			return kd_kz_wrap(f, ptr, rc);
	}
	rc = kd_kz_list_absorb(dst, src);
	return rc < 0 && rc != KD_ENOMEM ? kd_kz_wrap(f, ptr, rc) : rc;
}

static int add_resources(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l,
			 const char *field)
{
	json_t *list = json_object_get(f->doc, field);
	json_t *seen = NULL;
	char ptr[64];
	size_t i;
	int rc = 0;

	if (!list)
		return 0;
	snprintf(ptr, sizeof(ptr), "/%s", field);
	if (!json_is_array(list))
		return kd_kz_fail(f, ptr, KD_EINVAL, "'%s' must be a list", field);
	seen = json_object();
	if (!seen)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (i = 0; i < l->n; i++)
		(void)seen_add(seen, l->v[i].obj);  /* earlier duplicates are not ours to report */
	kd_error_clear();
	for (i = 0; i < json_array_size(list) && rc == 0; i++) {
		const char *rel = json_string_value(json_array_get(list, i));
		kd_source_type t = KD_SOURCE_NONE;
		char *path = NULL;

		snprintf(ptr, sizeof(ptr), "/%s/%zu", field, i);
		if (!rel) {
			rc = kd_kz_fail(f, ptr, KD_EINVAL, "'%s' entries must be strings", field);
			break;
		}
		if (kd_kz_is_remote(rel)) {
			rc = kd_error_set(KD_EUNSUPPORTED,
					  "unsupported kustomize feature 'remote resource %s' (%s:%d)",
					  rel, f->path, kd_kz_line(f, ptr));
			break;
		}
		rc = kd_path_join(&path, f->dir, rel);
		if (rc == 0)
			rc = kd_source_stat(&t, c->src, path);
		if (rc < 0) {
			free(path);
			rc = kd_kz_wrap(f, ptr, rc);
			break;
		}
		if (t == KD_SOURCE_DIR) {
			kd_kz_list sub;

			memset(&sub, 0, sizeof(sub));
			rc = build_dir(c, path, &sub, false, f, ptr);
			if (rc == 0)
				rc = absorb(l, &sub, seen, f, ptr);
			kd_kz_list_free(&sub);
		} else if (t == KD_SOURCE_FILE) {
			rc = add_file(c, f, l, seen, rel, ptr);
		} else {
			rc = kd_kz_fail(f, ptr, KD_ENOTFOUND, "resource '%s' not found", rel);
		}
		free(path);
	}
	json_decref(seen);
	return rc;
}

static int add_components(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l)
{
	json_t *list = json_object_get(f->doc, "components");
	char ptr[64];
	size_t i;
	int rc;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return kd_kz_fail(f, "/components", KD_EINVAL, "'components' must be a list");
	for (i = 0; i < json_array_size(list); i++) {
		const char *rel = json_string_value(json_array_get(list, i));
		char *path = NULL;

		snprintf(ptr, sizeof(ptr), "/components/%zu", i);
		if (!rel)
			return kd_kz_fail(f, ptr, KD_EINVAL, "'components' entries must be strings");
		if (kd_kz_is_remote(rel))
			return kd_error_set(KD_EUNSUPPORTED,
					    "unsupported kustomize feature 'remote resource %s' (%s:%d)",
					    rel, f->path, kd_kz_line(f, ptr));
		rc = kd_path_join(&path, f->dir, rel);
		if (rc < 0)
			return kd_kz_wrap(f, ptr, rc);
		rc = build_dir(c, path, l, true, f, ptr);
		free(path);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int str_field(const char **out, const kd_kz_file *f, const char *key)
{
	json_t *v = json_object_get(f->doc, key);
	char ptr[64];

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	snprintf(ptr, sizeof(ptr), "/%s", key);
	if (!json_is_string(v))
		return kd_kz_fail(f, ptr, KD_EINVAL, "'%s' must be a string", key);
	*out = json_string_value(v);
	return 0;
}

static const char *const label_keys[] = { "pairs", "includeSelectors", "includeTemplates",
					  "fields", NULL };

/* The configs a `generators:` or `transformers:` list names: inline YAML,
 * files, or directories whose kustomization is built (without name
 * references or hashes) into configs.  *out is an array of
 * {"cfg": object, "ptr": the entry's pointer}. */
static int plugin_configs(json_t **out, kd_kz_ctx *c, const kd_kz_file *f, const char *field)
{
	json_t *list = json_object_get(f->doc, field), *res = json_array();
	size_t i, j;
	int rc = 0;

	*out = NULL;
	if (!res)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (list && !json_is_array(list)) {
		json_decref(res);
		return kd_kz_fail(f, "", KD_EINVAL, "'%s' must be a list", field);
	}
	for (i = 0; i < json_array_size(list) && rc == 0; i++) {
		const char *s = json_string_value(json_array_get(list, i));
		json_t *docs = NULL;
		kd_kz_list sub;
		char ptr[64];
		char *file_of_config = NULL;

		snprintf(ptr, sizeof(ptr), "/%s/%zu", field, i);
		memset(&sub, 0, sizeof(sub));
		if (!s) {
			rc = kd_kz_fail(f, ptr, KD_EINVAL, "'%s' entries must be strings", field);
			break;
		}
		/* what parses as objects with a kind is inline YAML */
		if (kd_kz_parse_docs(&docs, NULL, NULL, s, strlen(s), f->path) == 0) {
			for (j = 0; j < json_array_size(docs); j++)
				if (!kd_kz_kind(json_array_get(docs, j))[0])
					break;
			if (j < json_array_size(docs)) {
				json_decref(docs);
				docs = NULL;
			}
		}
		kd_error_clear();
		if (!docs) {
			kd_source_type t = KD_SOURCE_NONE;
			char *path = NULL;

			if (kd_kz_is_remote(s)) {
				rc = kd_error_set(KD_EUNSUPPORTED,
						  "unsupported kustomize feature 'remote resource %s' (%s:%d)",
						  s, f->path, kd_kz_line(f, ptr));
				break;
			}
			rc = kd_path_join(&path, f->dir, s);
			if (rc == 0)
				rc = kd_source_stat(&t, c->src, path);
			if (rc < 0) {
				free(path);
				rc = kd_kz_wrap(f, ptr, rc);
				break;
			}
			if (t == KD_SOURCE_DIR) {
				rc = build_dir(c, path, &sub, false, f, ptr);
				if (rc == 0 && !(docs = json_array()))
					rc = kd_error_set(KD_ENOMEM, "out of memory");
				for (j = 0; rc == 0 && j < sub.n; j++)
					if (json_array_append(docs, sub.v[j].obj) < 0)
						rc = kd_error_set(KD_ENOMEM, "out of memory");
				kd_kz_list_free(&sub);
			} else if (t == KD_SOURCE_FILE) {
				kd_buf data = KD_BUF_INIT;
				char *file = NULL;

				rc = kd_kz_read_file(&data, &file, c, f, s, ptr);
				if (rc == 0 && (rc = kd_kz_parse_docs(&docs, NULL, NULL, kd_buf_cstr(&data),
								      data.len, file)) < 0)
					rc = kd_kz_wrap(f, ptr, rc);
				file_of_config = file;
				kd_buf_free(&data);
			} else {
				rc = kd_kz_fail(f, ptr, KD_ENOTFOUND, "'%s' is neither a file nor a "
						"directory, nor YAML", s);
			}
			free(path);
		}
		if (rc == 0 && !file_of_config && !(file_of_config = strdup(f->path)))
			rc = kd_error_set(KD_ENOMEM, "out of memory");
		for (j = 0; rc == 0 && j < json_array_size(docs); j++) {
			json_t *d = json_array_get(docs, j);
			json_t *e;

			if (!kd_kz_name(d) || !kd_kz_kind(d)[0]) {
				rc = kd_kz_fail(f, ptr, KD_EINVAL, "a %s config needs kind and metadata.name",
						field);
				break;
			}
			/* a config's own origin: where it was written */
			if (!json_object_get(json_object_get(json_object_get(d, "metadata"), "annotations"),
					     "config.kubernetes.io/origin") &&
			    (rc = kd_kz_meta_file_origin(c, d, file_of_config)) < 0)
				break;
			e = json_pack("{s:O, s:s}", "cfg", d, "ptr", ptr);
			if (!e || json_array_append_new(res, e) < 0)
				rc = kd_error_set(KD_ENOMEM, "out of memory");
		}
		json_decref(docs);
		free(file_of_config);
	}
	if (rc < 0) {
		json_decref(res);
		return rc;
	}
	*out = res;
	return 0;
}

static int run_plugins(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, bool generators)
{
	json_t *cfgs = NULL;
	size_t i;
	int rc;

	if (!json_object_get(f->doc, generators ? "generators" : "transformers"))
		return 0;
	if ((rc = plugin_configs(&cfgs, c, f, generators ? "generators" : "transformers")) < 0)
		return rc;
	for (i = 0; i < json_array_size(cfgs) && rc == 0; i++) {
		json_t *e = json_array_get(cfgs, i);
		const char *ptr = json_string_value(json_object_get(e, "ptr"));

		rc = generators ? kd_kz_plugin_generate(c, f, l, json_object_get(e, "cfg"), ptr)
				: kd_kz_plugin_transform(c, f, l, json_object_get(e, "cfg"), ptr);
		if (rc == 0 && !generators)
			rc = kd_kz_meta_transformed(c, f, l, NULL, json_object_get(e, "cfg"));
	}
	json_decref(cfgs);
	return rc;
}

/* `openapi`: a custom schema for strategic merge (`path`) or a built-in
 * Kubernetes version (only v1.21.2).  As in kustomize, the first
 * kustomization that sets one wins; the top's is always read first.  A
 * custom schema replaces the built-in one, unless resources were loaded
 * before it was set: kustomize has then asked its built-in schema about
 * namespaces and parses it too (it wins where both define a kind). */
static int load_openapi(kd_kz_ctx *c, const kd_kz_file *f)
{
	json_t *o = json_object_get(f->doc, "openapi"), *doc = NULL;
	const char *path, *version, *key;
	kd_buf data = KD_BUF_INIT;
	char *file = NULL;
	json_t *v;
	int rc = 0;

	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return kd_kz_fail(f, "/openapi", KD_EINVAL, "'openapi' must be a mapping");
	json_object_foreach(o, key, v)
		if (!json_is_string(v))
			return kd_kz_fail(f, "/openapi", KD_EINVAL, "'openapi.%s' must be a string", key);
	path = json_string_value(json_object_get(o, "path"));
	version = json_string_value(json_object_get(o, "version"));
	if (path && !path[0])
		path = NULL;
	if (path) {
		if (kd_kz_is_remote(path))
			return kd_error_set(KD_EUNSUPPORTED,
					    "unsupported kustomize feature 'remote openapi schema %s' (%s:%d)",
					    path, f->path, kd_kz_line(f, "/openapi"));
		/* kustomize reads the file even when a schema is already set */
		if ((rc = kd_kz_read_file(&data, &file, c, f, path, "/openapi")) < 0)
			return rc;
	}
	if (c->schema_set && c->depth > 1)
		goto cleanup;
	if (path && version && version[0]) {
		rc = kd_kz_fail(f, "/openapi", KD_EINVAL,
				"builtin version and custom schema provided, cannot use both");
		goto cleanup;
	}
	kd_smp_schema_free(c->schema);
	c->schema = NULL;
	c->schema_set = false;
	if (path) {
		if ((rc = kd_yaml_parse_one(&doc, NULL, kd_buf_cstr(&data), data.len, file, NULL)) < 0 ||
		    (rc = kd_smp_schema_new(&c->schema, doc, c->loaded)) < 0) {
			rc = kd_kz_wrap(f, "/openapi", rc);
			goto cleanup;
		}
		c->schema_set = true;
	} else if (version && version[0]) {
		if (strcmp(version, "v1.21.2") != 0) {
			rc = kd_kz_fail(f, "/openapi", KD_EINVAL,
					"the specified OpenAPI version '%s' is not built in", version);
			goto cleanup;
		}
		c->schema_set = true;
	}
cleanup:
	json_decref(doc);
	free(file);
	kd_buf_free(&data);
	return rc;
}

/* kustomize's order of builtin transformers: strategic merge patches,
 * patches, namespace, prefix, suffix, labels (each `labels` entry, then
 * commonLabels), annotations, JSON 6902 patches, replicas, images,
 * replacements. */
/* buildMetadata: n instances of a builtin transformer ran. */
static int meta_n(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, const char *kind, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		rc = kd_kz_meta_transformed(c, f, l, kind, NULL);
	return rc;
}

static size_t list_size(const kd_kz_file *f, const char *field)
{
	return json_array_size(json_object_get(f->doc, field));
}

static int run_transformers(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l)
{
	const char *ns, *prefix, *suffix;
	json_t *labels;
	size_t i;
	int rc;

	if ((rc = str_field(&ns, f, "namespace")) < 0 ||
	    (rc = str_field(&prefix, f, "namePrefix")) < 0 ||
	    (rc = str_field(&suffix, f, "nameSuffix")) < 0)
		return rc;
	if ((rc = kd_kz_patches_strategic(c, f, l)) < 0 ||
	    (rc = meta_n(c, f, l, "PatchStrategicMergeTransformer",
			 list_size(f, "patchesStrategicMerge") ? 1 : 0)) < 0)
		return rc;
	if ((rc = kd_kz_patches(c, f, l)) < 0 ||
	    (rc = meta_n(c, f, l, "PatchTransformer", list_size(f, "patches"))) < 0)
		return rc;
	if (ns && ns[0] && ((rc = kd_kz_namespace(f, l, ns)) < 0 ||
			    (rc = meta_n(c, f, l, "NamespaceTransformer", 1)) < 0 ||
			    (rc = kd_kz_step_at(c, f, l, "namespace", "/namespace")) < 0))
		return rc;
	if ((prefix || suffix) && ((rc = kd_kz_prefix_suffix(l, prefix, suffix)) < 0 ||
				   (rc = kd_kz_step_at(c, f, l, prefix ? "namePrefix" : "nameSuffix",
						       prefix ? "/namePrefix" : "/nameSuffix")) < 0))
		return rc;
	if ((rc = meta_n(c, f, l, "PrefixTransformer", prefix && prefix[0])) < 0 ||
	    (rc = meta_n(c, f, l, "SuffixTransformer", suffix && suffix[0])) < 0)
		return rc;
	labels = json_object_get(f->doc, "labels");
	if (labels && !json_is_array(labels))
		return kd_kz_fail(f, "/labels", KD_EINVAL, "'labels' must be a list");
	for (i = 0; i < json_array_size(labels); i++) {
		json_t *e = json_array_get(labels, i);
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/labels/%zu", i);
		if (!json_is_object(e))
			return kd_kz_fail(f, ptr, KD_EINVAL, "'labels' entries must be mappings");
		if ((rc = kd_kz_check_keys(f, ptr, e, label_keys)) < 0)
			return rc;
		if (json_object_get(e, "pairs") &&
		    (rc = kd_kz_labels(f, l, json_object_get(e, "pairs"), e, ptr)) < 0)
			return rc;
		if ((rc = meta_n(c, f, l, "LabelTransformer", 1)) < 0)
			return rc;
		snprintf(ptr, sizeof(ptr), "/labels/%zu/pairs", i);
		if ((rc = kd_kz_step_at(c, f, l, "labels", ptr)) < 0)
			return rc;
	}
	if (json_object_get(f->doc, "commonLabels") &&
	    ((rc = kd_kz_labels(f, l, json_object_get(f->doc, "commonLabels"), NULL,
				"/commonLabels")) < 0 ||
	     (rc = kd_kz_step_at(c, f, l, "commonLabels", "/commonLabels")) < 0))
		return rc;
	if ((json_object_size(json_object_get(f->doc, "commonLabels")) || json_array_size(labels)) &&
	    (rc = meta_n(c, f, l, "LabelTransformer", 1)) < 0)
		return rc;
	if (json_object_get(f->doc, "commonAnnotations") &&
	    ((rc = kd_kz_annotations(f, l, json_object_get(f->doc, "commonAnnotations"))) < 0 ||
	     (rc = meta_n(c, f, l, "AnnotationsTransformer",
			  json_object_size(json_object_get(f->doc, "commonAnnotations")) ? 1 : 0)) < 0 ||
	     (rc = kd_kz_step_at(c, f, l, "commonAnnotations", "/commonAnnotations")) < 0))
		return rc;
	if ((rc = kd_kz_patches_json6902(c, f, l)) < 0 ||
	    (rc = meta_n(c, f, l, "PatchJson6902Transformer", list_size(f, "patchesJson6902"))) < 0)
		return rc;
	if (json_object_get(f->doc, "replicas") &&
	    ((rc = kd_kz_replicas(f, l, json_object_get(f->doc, "replicas"))) < 0 ||
	     (rc = meta_n(c, f, l, "ReplicaCountTransformer", list_size(f, "replicas"))) < 0 ||
	     (rc = kd_kz_step_replicas(c, f, l)) < 0))
		return rc;
	if (json_object_get(f->doc, "images") &&
	    ((rc = kd_kz_images(f, l, json_object_get(f->doc, "images"))) < 0 ||
	     (rc = kd_kz_step_images(c, f, l)) < 0))
		return rc;
	if (json_object_get(f->doc, "imageTags") &&
	    (rc = kd_kz_images(f, l, json_object_get(f->doc, "imageTags"))) < 0)
		return rc;
	if ((rc = meta_n(c, f, l, "ImageTagTransformer",
			 list_size(f, "images") + list_size(f, "imageTags"))) < 0)
		return rc;
	if ((rc = kd_kz_replacements(c, f, l)) < 0 ||
	    (rc = meta_n(c, f, l, "ReplacementTransformer", list_size(f, "replacements") ? 1 : 0)) < 0)
		return rc;
	return run_plugins(c, f, l, false);
}

/* The kustomization's transformer configuration: kustomize's defaults and
 * the field specs of its `configurations` files, merged into what the
 * build gathered so far. */
static int load_configurations(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l)
{
	kd_kz_tconfig tc, files;
	int rc;

	memset(&tc, 0, sizeof(tc));
	kd_kz_tconfig_defaults(&tc);
	/* the files merged into each other, then into the defaults */
	rc = kd_kz_tconfig_files(&files, c, f, "configurations", kd_kz_tconfig_read, false);
	if (rc == 0 && (rc = kd_kz_tconfig_merge(&tc, &files)) < 0 && rc != KD_ENOMEM)
		rc = kd_kz_wrap(f, "/configurations", rc);
	if (rc == 0 && (rc = kd_kz_tconfig_merge(&l->tc, &tc)) < 0 && rc != KD_ENOMEM)
		rc = kd_kz_wrap(f, "/configurations", rc);
	kd_kz_tconfig_free(&tc);
	kd_kz_tconfig_free(&files);
	return rc;
}

/* Lays the caller's settings over the top kustomization (see
 * kd_kustomize_opts.overrides). */
static int apply_overrides(kd_kz_file *f, const json_t *ov)
{
	static const char *const replaced[] = { "namespace", "namePrefix", "nameSuffix", NULL };
	static const char *const appended[] = { "patches", "images", "components", NULL };
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(ov))
		return kd_error_set(KD_EINVAL, "kustomize overrides must be an object");
	json_object_foreach((json_t *)ov, key, v) {
		bool known = false;

		if (strcmp(key, "resources") == 0) {
			if (!f->generated)
				return kd_error_set(KD_EINVAL,
						    "kustomize override 'resources' applies only to a directory without a kustomization file");
			continue; /* read by kfile_load */
		}

		for (i = 0; replaced[i] && !known; i++)
			known = strcmp(replaced[i], key) == 0;
		if (known) {
			if (!json_is_string(v))
				return kd_error_set(KD_EINVAL, "kustomize override '%s' must be a string", key);
			if (json_object_set(f->doc, key, v) < 0)
				return kd_error_set(KD_ENOMEM, "out of memory");
			continue;
		}
		for (i = 0; appended[i] && !known; i++)
			known = strcmp(appended[i], key) == 0;
		if (!known)
			return kd_error_set(KD_EINVAL, "kustomize override '%s' is not supported", key);
		if (!json_is_array(v))
			return kd_error_set(KD_EINVAL, "kustomize override '%s' must be a list", key);
		{
			json_t *cur = json_object_get(f->doc, key);

			if (!cur) {
				cur = json_array();
				if (!cur || json_object_set_new(f->doc, key, cur) < 0)
					return kd_error_set(KD_ENOMEM, "out of memory");
			}
			if (!json_is_array(cur))
				return kd_kz_fail(f, "", KD_EINVAL, "'%s' must be a list", key);
			if ((!f->ov_base && !(f->ov_base = json_object())) ||
			    json_object_set_new(f->ov_base, key,
						json_integer((json_int_t)json_array_size(cur))) < 0 ||
			    json_array_extend(cur, v) < 0)
				return kd_error_set(KD_ENOMEM, "out of memory");
		}
	}
	return 0;
}

/* Only the kustomization being built decides the output order; nested
 * ones' sortOptions are ignored, as kustomize ignores them. */
static int read_sort_options(kd_kz_ctx *c, const kd_kz_file *f)
{
	json_t *so = json_object_get(f->doc, "sortOptions");
	json_t *legacy;
	const char *order;
	const char *lists[] = { "orderFirst", "orderLast" };
	size_t i, j;

	if (!so || json_is_null(so))
		return 0;
	if (!json_is_object(so))
		return kd_kz_fail(f, "/sortOptions", KD_EINVAL, "'sortOptions' must be a mapping");
	order = json_string_value(json_object_get(so, "order"));
	if (!order || (strcmp(order, "legacy") != 0 && strcmp(order, "fifo") != 0))
		return kd_kz_fail(f, "/sortOptions", KD_EINVAL,
			       "sortOptions.order must be legacy or fifo");
	{
		static const char *const so_keys[] = { "order", "legacySortOptions", NULL };
		static const char *const legacy_keys[] = { "orderFirst", "orderLast", NULL };
		int rc;

		if ((rc = kd_kz_check_keys(f, "/sortOptions", so, so_keys)) < 0 ||
		    (rc = kd_kz_check_keys(f, "/sortOptions", json_object_get(so, "legacySortOptions"),
					legacy_keys)) < 0)
			return rc;
	}
	legacy = json_object_get(so, "legacySortOptions");
	if (legacy && strcmp(order, "legacy") != 0)
		return kd_kz_fail(f, "/sortOptions", KD_EINVAL,
			       "legacySortOptions need order: legacy");
	for (i = 0; legacy && i < 2; i++) {
		json_t *l = json_object_get(legacy, lists[i]);

		if (l && !json_is_array(l))
			return kd_kz_fail(f, "/sortOptions", KD_EINVAL,
				       "legacySortOptions.%s must be a list of kinds", lists[i]);
		for (j = 0; j < json_array_size(l); j++)
			if (!json_is_string(json_array_get(l, j)))
				return kd_kz_fail(f, "/sortOptions", KD_EINVAL,
					       "legacySortOptions.%s must be a list of kinds", lists[i]);
	}
	json_decref(c->sort);
	c->sort = json_incref(so);
	return 0;
}

static int build_dir(kd_kz_ctx *c, const char *dir, kd_kz_list *acc, bool component,
		     const kd_kz_file *from, const char *from_ptr)
{
	kd_kz_list own;
	kd_kz_list *l = component ? acc : &own;
	kd_kz_file f;
	char **stack;
	size_t i;
	int rc;

	memset(&own, 0, sizeof(own));
	for (i = 0; i < c->depth; i++)
		if (strcmp(c->stack[i], dir) == 0)
			return kd_kz_fail(from, from_ptr, KD_EINVAL,
				       "cycle detected: '%s' includes itself",
				       dir[0] ? dir : ".");
	if (c->depth >= 64)
		return kd_kz_fail(from, from_ptr, KD_ELIMIT,
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
		rc = kd_kz_fail(from, from_ptr, KD_EINVAL,
			     "'%s' is a Kustomization, not a Component", dir[0] ? dir : ".");
		goto cleanup;
	}
	/* A Component is built directly only as the top of a build, where it
	 * behaves as a Kustomization listing it under components would. */
	if (!component && f.component && c->depth > 1) {
		rc = kd_kz_fail(from, from_ptr, KD_EINVAL,
			     "'%s' is a Component; list it under 'components'",
			     dir[0] ? dir : ".");
		goto cleanup;
	}
	f.top = c->depth == 1;
	if (c->depth == 1 && c->overrides && (rc = apply_overrides(&f, c->overrides)) < 0)
		goto cleanup;
	if ((rc = load_openapi(c, &f)) < 0)
		goto cleanup;
	if (c->depth == 1 && ((rc = read_sort_options(c, &f)) < 0 ||
			      (rc = kd_kz_meta_read(c, &f)) < 0))
		goto cleanup;
	if ((rc = add_resources(c, &f, l, "resources")) < 0 ||
	    (rc = add_resources(c, &f, l, "bases")) < 0 ||
	    (rc = load_configurations(c, &f, l)) < 0 ||
	    (rc = kd_kz_crds_load(c, &f, l)) < 0)
		goto cleanup;
	/* kustomize generates before it applies components, so a component
	 * can merge into this kustomization's generated ConfigMaps.  Traced
	 * builds credit each change to the level (or component) making it.
	 * Name references are rewritten once, when the whole build is done. */
	if ((rc = kd_kz_snapshot(c, l)) < 0 ||
	    (rc = kd_kz_generators(c, &f, l)) < 0)
		goto cleanup;
	c->loaded = c->loaded || l->n > 0;
	if ((rc = run_plugins(c, &f, l, true)) < 0 ||
	    (rc = kd_kz_record_changes(c, l, f.dir)) < 0 ||
	    (rc = add_components(c, &f, l)) < 0 ||
	    (rc = kd_kz_snapshot(c, l)) < 0 ||
	    (rc = run_transformers(c, &f, l)) < 0 ||
	    (rc = kd_kz_record_changes(c, l, f.dir)) < 0 ||
	    (rc = kd_kz_vars_merge(&f, l)) < 0)
		goto cleanup;
	if (!component)
		rc = absorb(acc, &own, NULL, from, from_ptr);
cleanup:
	kd_kz_list_free(&own);
	kfile_free(&f);
pop:
	c->depth--;
	return rc;
}

/* Resources annotated config.kubernetes.io/local-config (any value but
 * "false") configure the build and are not part of its output. */
static void drop_local(kd_kz_list *l)
{
	size_t i = 0;

	while (i < l->n) {
		json_t *ann = json_object_get(json_object_get(l->v[i].obj, "metadata"), "annotations");
		json_t *v = json_object_get(ann, "config.kubernetes.io/local-config");

		if (v && !(json_is_string(v) && strcmp(json_string_value(v), "false") == 0))
			kd_kz_list_remove(l, i);
		else
			i++;
	}
}

int kd_kustomize_build(json_t **out, kd_source *src, const char *dir,
		       const kd_kustomize_opts *opts)
{
	return kd_kustomize_build_overlaid(out, src, dir, opts, NULL);
}

int kd_kustomize_build_overlaid(json_t **out, kd_source *src, const char *dir,
				const kd_kustomize_opts *opts,
				const json_t *overrides)
{
	return kd_kustomize_build_traced(out, NULL, src, dir, opts, overrides);
}

int kd_kustomize_build_traced(json_t **out, json_t **origins, kd_source *src,
			      const char *dir, const kd_kustomize_opts *opts,
			      const json_t *overrides)
{
	return kd_kz_build(out, origins, NULL, src, dir, opts, overrides, NULL);
}

int kd_kustomize_build_prov(json_t **out, json_t **prov, kd_source *src, const char *dir,
			    const kd_kustomize_opts *opts)
{
	return kd_kz_build(out, NULL, prov, src, dir, opts, NULL, NULL);
}

int kd_kz_build(json_t **out, json_t **origins, json_t **prov, kd_source *src,
		const char *dir, const kd_kustomize_opts *opts, const json_t *overrides,
		const json_t *override_origin)
{
	kd_kz_ctx c = { src, opts ? opts->load_restrictor : KD_LOAD_ROOT_ONLY, NULL, 0, NULL,
		     overrides, origins != NULL, 0, "", false, NULL, false, prov != NULL,
		     override_origin, NULL };
	kd_kz_list acc;
	char *root = NULL;
	int rc;

	*out = NULL;
	if (origins)
		*origins = NULL;
	if (prov)
		*prov = NULL;
	memset(&acc, 0, sizeof(acc));
	rc = kd_path_normalize(&root, dir ? dir : "");
	if (rc < 0)
		return rc;
	c.top = root;
	rc = build_dir(&c, root, &acc, false, NULL, NULL);
	/* Once the whole build is done, kustomize names generated objects by
	 * their content (transformers and replacements saw the names without
	 * hash), rewrites the references to everything renamed, replaces
	 * vars, and drops what is marked local-config. */
	if (rc == 0)
		rc = kd_kz_apply_hashes(&acc);
	if (rc == 0)
		rc = kd_kz_step_hashes(&c, &acc);
	if (rc == 0)
		rc = kd_kz_fix_references(&acc);
	if (rc == 0)
		rc = kd_kz_step_references(&c, &acc);
	if (rc == 0)
		rc = kd_kz_vars_resolve(&acc);
	if (rc == 0)
		drop_local(&acc);
	if (rc == 0)
		rc = kd_kz_meta_finish(&c, &acc);
	if (rc == 0)
		rc = kd_kz_output(out, origins, prov, &acc, c.sort);
	json_decref(c.sort);
	json_decref(c.blame);
	kd_smp_schema_free(c.schema);
	kd_kz_list_free(&acc);
	free(c.stack);
	free(root);
	return rc;
}
