/*
 * dir — the directory leaf of render: plain manifests, or a kustomization
 * when the directory holds one (see render.h).
 *
 * Plain directories are read file by file in byte order of their paths so
 * that the output is the same on every machine.  Every object must carry
 * apiVersion, kind and metadata.name; two objects with the same identity are
 * an error naming both files, as they are for kubectl.
 */
#include "render/render.h"
#include "render_priv.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

/* Argo CD style globs: fnmatch plus one level of {a,b} alternatives. */
static bool glob_match(const char *pattern, const char *path)
{
	const char *open = strchr(pattern, '{');
	const char *close = open ? strchr(open, '}') : NULL;
	const char *alt;
	kd_buf b = KD_BUF_INIT;
	bool hit = false;

	if (!open || !close)
		return fnmatch(pattern, path, 0) == 0 ||
		       fnmatch(pattern, kd_path_basename(path), 0) == 0;
	for (alt = open + 1; alt <= close && !hit;) {
		const char *end = alt;

		while (end < close && *end != ',')
			end++;
		kd_buf_clear(&b);
		if (kd_buf_add(&b, pattern, (size_t)(open - pattern)) < 0 ||
		    kd_buf_add(&b, alt, (size_t)(end - alt)) < 0 ||
		    kd_buf_puts(&b, close + 1) < 0)
			break;
		hit = glob_match(kd_buf_cstr(&b), path);
		alt = end + 1;
	}
	kd_buf_free(&b);
	return hit;
}

/* Argo CD writes include and exclude as one glob string ("{a.yaml,b.json}");
 * a list of globs is accepted too. */
static bool globs_match(const json_t *globs, const char *path)
{
	size_t i;
	json_t *g;

	if (json_is_string(globs))
		return glob_match(json_string_value(globs), path);
	json_array_foreach(globs, i, g)
		if (json_is_string(g) && glob_match(json_string_value(g), path))
			return true;
	return false;
}

static bool globs_given(const json_t *globs)
{
	return (json_is_string(globs) && json_string_length(globs)) ||
	       json_array_size(globs);
}

static bool wanted(const char *rel, const kd_render_opts *opts)
{
	if (!kd_path_is_manifest(rel))
		return false;
	if (opts && globs_given(opts->include) && !globs_match(opts->include, rel))
		return false;
	if (opts && globs_given(opts->exclude) && globs_match(opts->exclude, rel))
		return false;
	return true;
}

/* Collects manifest paths below dir (relative to the repository root) into
 * files, a JSON array of strings, depth first in byte order. */
static int collect(json_t *files, kd_source *src, const char *root,
		   const char *dir, const kd_render_opts *opts, int depth)
{
	kd_source_entry *entries = NULL;
	size_t count = 0, i;
	int rc;

	if (depth > 64)
		return kd_error_set(KD_ELIMIT, "%s: directories nested too deep", dir);
	if ((rc = kd_source_list(&entries, &count, src, dir)) < 0)
		return rc;
	for (i = 0; i < count && rc == 0; i++) {
		char *path = NULL;
		const char *rel;

		if (entries[i].name[0] == '.')
			continue;  /* .git, editor and CI files */
		if ((rc = kd_path_join(&path, dir, entries[i].name)) < 0)
			break;
		rel = path + strlen(root) + (root[0] ? 1 : 0);
		if (entries[i].type == KD_SOURCE_DIR) {
			if (!(opts && opts->no_recurse))
				rc = collect(files, src, root, path, opts, depth + 1);
		} else if (entries[i].type == KD_SOURCE_FILE && wanted(rel, opts)) {
			if (json_array_append_new(files, json_string(path)) < 0)
				rc = kd_error_set(KD_ENOMEM, "out of memory");
		}
		free(path);
	}
	kd_source_entries_free(entries, count);
	return rc;
}

static int check_object(const json_t *obj, const char *file, size_t index)
{
	const json_t *meta;

	if (!json_is_object(obj))
		return kd_error_set(KD_EINVAL, "%s: document %zu is not a mapping",
				    file, index + 1);
	if (!json_is_string(json_object_get(obj, "apiVersion")) ||
	    !json_string_length(json_object_get(obj, "apiVersion")))
		return kd_error_set(KD_EINVAL, "%s: document %zu has no apiVersion",
				    file, index + 1);
	if (!json_is_string(json_object_get(obj, "kind")) ||
	    !json_string_length(json_object_get(obj, "kind")))
		return kd_error_set(KD_EINVAL, "%s: document %zu has no kind",
				    file, index + 1);
	meta = json_object_get(obj, "metadata");
	if (!json_is_object(meta) ||
	    !json_is_string(json_object_get(meta, "name")) ||
	    !json_string_length(json_object_get(meta, "name")))
		return kd_error_set(KD_EINVAL,
				    "%s: document %zu (%s) has no metadata.name",
				    file, index + 1,
				    json_string_value(json_object_get(obj, "kind")));
	return 0;
}

/* Appends the objects of one document; `kind: List` is expanded into its
 * items as kubectl does.  With prov, each object's provenance starts with
 * the file and the lines of its values (pos: the document's positions). */
static int add_document(json_t *out, json_t *prov, json_t *doc, const char *file,
			size_t index, const json_t *pos, const char *prefix)
{
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	json_t *items = json_object_get(doc, "items");
	size_t i;
	json_t *item;
	int rc;

	if (json_is_object(doc) && kind && strcmp(kind, "List") == 0 &&
	    json_is_array(items)) {
		json_array_foreach(items, i, item) {
			kd_buf p = KD_BUF_INIT;

			if (kd_buf_printf(&p, "%s/items/%zu", prefix, i) < 0)
				return kd_error_set(KD_ENOMEM, "out of memory");
			rc = add_document(out, prov, item, file, index, pos, kd_buf_cstr(&p));
			kd_buf_free(&p);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	if ((rc = check_object(doc, file, index)) < 0)
		return rc;
	if (json_array_append(out, doc) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (prov) {
		kd_prov_at at = { .step = "resource", .file = file, .doc = doc, .pos = pos,
				  .pos_prefix = prefix };
		json_t *map = NULL;

		if ((rc = kd_prov_record(&map, NULL, doc, &at)) < 0)
			return rc;
		if (json_array_append_new(prov, map) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

static int parse_file(json_t *out, json_t *prov, kd_source *src, const char *path)
{
	kd_buf data = KD_BUF_INIT;
	json_t *docs = NULL, *doc, *pos = NULL;
	size_t i;
	int rc;

	if ((rc = kd_source_read(&data, src, path)) < 0)
		goto cleanup;
	if ((rc = kd_yaml_parse(&docs, prov ? &pos : NULL, kd_buf_cstr(&data), data.len, path,
				NULL)) < 0)
		goto cleanup;
	json_array_foreach(docs, i, doc)
		if ((rc = add_document(out, prov, doc, path, i, json_array_get(pos, i), "")) < 0)
			goto cleanup;
cleanup:
	json_decref(docs);
	json_decref(pos);
	kd_buf_free(&data);
	return rc;
}

/* The identity kubectl refuses to see twice. */
static int object_id(kd_buf *id, const json_t *obj)
{
	kd_object_id oid;

	kd_object_id_of(&oid, obj);
	kd_buf_clear(id);
	return kd_object_id_format(id, &oid);
}

static int check_duplicates(const json_t *objs, const json_t *origins)
{
	json_t *seen = json_object();
	kd_buf id = KD_BUF_INIT;
	size_t i;
	json_t *obj;
	int rc = 0;

	if (!seen)
		return kd_error_set(KD_ENOMEM, "out of memory");
	json_array_foreach(objs, i, obj) {
		json_t *prev;

		if ((rc = object_id(&id, obj)) < 0)
			break;
		prev = json_object_get(seen, kd_buf_cstr(&id));
		if (prev) {
			rc = kd_error_set(KD_EINVAL,
					  "%s: %s is also defined in %s",
					  json_string_value(json_array_get(origins, i)),
					  kd_buf_cstr(&id), json_string_value(prev));
			break;
		}
		if (json_object_set(seen, kd_buf_cstr(&id),
				    json_array_get(origins, i)) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			break;
		}
	}
	kd_buf_free(&id);
	json_decref(seen);
	return rc;
}

/* Sets the namespace as kd_render_apply_namespace does; with prov, the
 * objects it sets get `chain` (or a plain "namespace" entry) as the
 * provenance of metadata.namespace. */
static int apply_namespace(json_t *objs, json_t *prov, const char *namespace,
			   const json_t *chain)
{
	json_t *own = NULL;
	size_t i;
	json_t *obj;
	int rc = 0;

	if (!namespace || !namespace[0])
		return 0;
	if (prov && !chain) {
		json_t *e = NULL;
		json_t *v = json_string(namespace);

		if (!v || kd_prov_entry_new(&e, "", 0, "namespace", v) < 0 ||
		    !(own = json_array()) || json_array_append_new(own, e) < 0) {
			json_decref(v);
			json_decref(own);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
		json_decref(v);
		chain = own;
	}
	json_array_foreach(objs, i, obj) {
		json_t *meta = json_object_get(obj, "metadata");
		const char *ns = json_string_value(json_object_get(meta, "namespace"));

		if ((ns && ns[0]) ||
		    kd_kind_is_cluster_scoped(
			    json_string_value(json_object_get(obj, "apiVersion")),
			    json_string_value(json_object_get(obj, "kind"))))
			continue;
		if (json_object_set_new(meta, "namespace", json_string(namespace)) < 0 ||
		    (prov && json_object_set(json_array_get(prov, i), "/metadata/namespace",
					     (json_t *)chain) < 0)) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			break;
		}
	}
	json_decref(own);
	return rc;
}

int kd_render_apply_namespace(json_t *objs, const char *namespace)
{
	return apply_namespace(objs, NULL, namespace, NULL);
}

static int render_plain(json_t **out, json_t **prov, kd_source *src, const char *path,
			const kd_render_opts *opts, const json_t *ns_chain)
{
	json_t *files = json_array(), *objs = json_array(), *origins = json_array();
	json_t *pv = prov ? json_array() : NULL;
	char *root = NULL;
	kd_source_type type;
	size_t i;
	json_t *f;
	int rc;

	*out = NULL;
	if (prov)
		*prov = NULL;
	if (!files || !objs || !origins || (prov && !pv)) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	if ((rc = kd_path_normalize(&root, path)) < 0 ||
	    (rc = kd_source_stat(&type, src, root)) < 0)
		goto cleanup;
	if (type == KD_SOURCE_NONE) {
		rc = kd_error_set(KD_ENOTFOUND, "%s: no such directory",
				  root[0] ? root : ".");
		goto cleanup;
	}
	if (type == KD_SOURCE_FILE) {
		if ((rc = json_array_append_new(files, json_string(root))) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
	} else if ((rc = collect(files, src, root, root, opts, 0)) < 0) {
		goto cleanup;
	}
	json_array_foreach(files, i, f) {
		if ((rc = parse_file(objs, pv, src, json_string_value(f))) < 0)
			goto cleanup;
		while (json_array_size(origins) < json_array_size(objs))
			if (json_array_append(origins, f) < 0) {
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				goto cleanup;
			}
	}
	if ((rc = apply_namespace(objs, pv, opts ? opts->namespace : NULL, ns_chain)) < 0 ||
	    (rc = check_duplicates(objs, origins)) < 0)
		goto cleanup;
	*out = objs;
	objs = NULL;
	if (prov) {
		*prov = pv;
		pv = NULL;
	}
cleanup:
	free(root);
	json_decref(files);
	json_decref(objs);
	json_decref(origins);
	json_decref(pv);
	return rc;
}

int kd_render_plain(json_t **out, kd_source *src, const char *path,
		    const kd_render_opts *opts)
{
	return render_plain(out, NULL, src, path, opts, NULL);
}

int kd_render_dir_prov(json_t **out, json_t **prov, kd_source *src, const char *path,
		       const kd_render_opts *opts, const json_t *ns_chain)
{
	kd_kustomize_opts kopts = { 0 };
	int rc;

	*out = NULL;
	if (prov)
		*prov = NULL;
	if (!kd_kustomize_present(src, path))
		return render_plain(out, prov, src, path, opts, ns_chain);
	kopts.load_restrictor = opts ? opts->load_restrictor : KD_LOAD_ROOT_ONLY;
	if ((rc = kd_kz_build(out, NULL, prov, src, path, &kopts, NULL, NULL)) < 0)
		return rc;
	rc = apply_namespace(*out, prov ? *prov : NULL, opts ? opts->namespace : NULL, ns_chain);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
		if (prov) {
			json_decref(*prov);
			*prov = NULL;
		}
	}
	return rc;
}

int kd_render_dir(json_t **out, kd_source *src, const char *path,
		  const kd_render_opts *opts)
{
	return kd_render_dir_prov(out, NULL, src, path, opts, NULL);
}

int kd_render_dir_traced(json_t **out, json_t **prov, kd_source *src, const char *path,
			 const kd_render_opts *opts)
{
	return kd_render_dir_prov(out, prov, src, path, opts, NULL);
}
