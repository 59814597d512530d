/*
 * flux — building Flux Kustomization objects and walking a tree of them
 * (see render.h).
 *
 * The walk renders the root, then repeatedly builds every Flux
 * Kustomization it has found that was not built yet, since a built path
 * may hold further Kustomizations (the usual clusters/X -> infrastructure
 * -> apps layering).  The outputs are concatenated in dependsOn order.
 */
#include "render/render.h"
#include "render_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

#define FLUX_GROUP "kustomize.toolkit.fluxcd.io/"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

static const char *str_at(const json_t *obj, const char *a, const char *b)
{
	const json_t *v = json_object_get(obj, a);

	return json_string_value(b ? json_object_get(v, b) : v);
}

static bool is_flux_kustomization(const json_t *obj)
{
	const char *av = str_at(obj, "apiVersion", NULL);
	const char *kind = str_at(obj, "kind", NULL);

	return av && kind && strcmp(kind, "Kustomization") == 0 &&
	       strncmp(av, FLUX_GROUP, strlen(FLUX_GROUP)) == 0 &&
	       (strcmp(av + strlen(FLUX_GROUP), "v1") == 0 ||
		strcmp(av + strlen(FLUX_GROUP), "v1beta2") == 0);
}

/* "namespace/name" of a Kustomization (namespace "" when none). */
static int ks_key(kd_buf *out, const json_t *ks)
{
	const char *ns = str_at(json_object_get(ks, "metadata"), "namespace", NULL);

	kd_buf_clear(out);
	return kd_buf_printf(out, "%s/%s", ns ? ns : "",
			     str_at(ks, "metadata", "name"));
}

/* ---- the generated kustomization ---------------------------------------- */

/* Collects what the controller's generated kustomization would list:
 * .yaml/.yml files below dir and, instead of descending into them,
 * directories holding their own kustomization. */
static int gen_collect(json_t *files, json_t *dirs_flags, kd_source *src,
		       const char *dir, int depth)
{
	kd_source_entry *entries = NULL;
	size_t count = 0, i;
	int rc;

	if (depth > 64)
		return kd_error_set(KD_ELIMIT, "%s: directories nested too deep", dir);
	if ((rc = kd_source_list(&entries, &count, src, dir)) < 0)
		return rc;
	for (i = 0; i < count && rc == 0; i++) {
		const char *n = entries[i].name;
		size_t len = strlen(n);
		char *path = NULL;

		if ((rc = kd_path_join(&path, dir, n)) < 0)
			break;
		if (entries[i].type == KD_SOURCE_DIR) {
			if (kd_kustomize_present(src, path)) {
				if (json_array_append_new(files, json_string(path)) < 0 ||
				    json_array_append_new(dirs_flags, json_true()) < 0)
					rc = oom();
			} else {
				rc = gen_collect(files, dirs_flags, src, path, depth + 1);
			}
		} else if (entries[i].type == KD_SOURCE_FILE &&
			   ((len > 5 && strcmp(n + len - 5, ".yaml") == 0) ||
			    (len > 4 && strcmp(n + len - 4, ".yml") == 0))) {
			if (json_array_append_new(files, json_string(path)) < 0 ||
			    json_array_append_new(dirs_flags, json_false()) < 0)
				rc = oom();
		}
		free(path);
	}
	kd_source_entries_free(entries, count);
	return rc;
}

/* The resources of the kustomization the controller generates for a path
 * that has none, relative to that path. */
static int generated_resources(json_t **out, kd_source *src, const char *path)
{
	json_t *files = json_array(), *flags = json_array(), *rel = json_array();
	size_t i, skip = path[0] ? strlen(path) + 1 : 0;
	int rc;

	*out = NULL;
	if (!files || !flags || !rel) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = gen_collect(files, flags, src, path, 0)) < 0)
		goto cleanup;
	for (i = 0; i < json_array_size(files); i++)
		if (json_array_append_new(rel, json_string(json_string_value(
				json_array_get(files, i)) + skip)) < 0) {
			rc = oom();
			goto cleanup;
		}
	*out = rel;
	rel = NULL;
cleanup:
	json_decref(files);
	json_decref(flags);
	json_decref(rel);
	return rc;
}

/* ---- postBuild ------------------------------------------------------------ */

/* The index of a ConfigMap or Secret in list, or -1. */
static long find_object(const json_t *list, const char *kind, const char *name,
			const char *ns)
{
	size_t i;
	json_t *o;

	json_array_foreach(list, i, o) {
		const char *ons = str_at(json_object_get(o, "metadata"), "namespace", NULL);
		const char *okind = str_at(o, "kind", NULL);
		const char *oname = str_at(o, "metadata", "name");

		if (okind && oname && strcmp(okind, kind) == 0 &&
		    strcmp(oname, name) == 0 &&
		    (!ns || !ons || strcmp(ns, ons) == 0))
			return (long)i;
	}
	return -1;
}

/* Where each variable of a substituteFrom object comes from (provenance):
 * the object and key, and the file and line of the key when the object was
 * rendered from Git (oprov, else NULL). */
static int object_origins(json_t *origins, const json_t *obj, const json_t *oprov,
			  bool in_cluster)
{
	static const char *const fields[] = { "data", "stringData", NULL };
	const char *ns = str_at(json_object_get(obj, "metadata"), "namespace", NULL);
	kd_buf from = KD_BUF_INIT, ptr = KD_BUF_INIT;
	const char *key;
	json_t *v;
	size_t f;
	int rc = 0;

	if (kd_buf_printf(&from, "%s %s%s%s%s", str_at(obj, "kind", NULL), ns ? ns : "",
			  ns ? "/" : "", str_at(obj, "metadata", "name"),
			  in_cluster ? " (in the cluster)" : "") < 0)
		return oom();
	for (f = 0; fields[f] && rc == 0; f++) {
		json_object_foreach(json_object_get(obj, fields[f]), key, v) {
			const json_t *e;
			json_t *o;

			kd_buf_clear(&ptr);
			if (kd_buf_printf(&ptr, "/%s", fields[f]) < 0 ||
			    kd_json_pointer_append(&ptr, key) < 0) {
				rc = oom();
				break;
			}
			e = kd_prov_last(oprov, kd_buf_cstr(&ptr));
			o = json_pack("{s:s, s:s, s:O?, s:O?}", "from", kd_buf_cstr(&from), "key", key,
				      "file", e ? json_object_get(e, "file") : NULL,
				      "line", e ? json_object_get(e, "line") : NULL);
			if (!o || json_object_set_new(origins, key, o) < 0) {
				rc = oom();
				break;
			}
		}
	}
	kd_buf_free(&from);
	kd_buf_free(&ptr);
	return rc;
}

static int post_build(json_t *objs, json_t *provs, const json_t *ks, const json_t *ks_prov,
		      const json_t *known, const json_t *known_prov,
		      const kd_flux_opts *opts, const char *where)
{
	const json_t *pb = json_object_get(json_object_get(ks, "spec"), "postBuild");
	const char *ns = str_at(json_object_get(ks, "metadata"), "namespace", NULL);
	json_t *vars, *from = json_object_get(pb, "substituteFrom"), *item, *v;
	json_t *origins = NULL;
	const char *key;
	size_t i;
	int rc = 0;

	if (!pb)
		return 0;
	if (!json_is_object(pb) ||
	    (json_object_get(pb, "substitute") && !json_is_object(json_object_get(pb, "substitute"))) ||
	    (from && !json_is_array(from)))
		return kd_error_set(KD_EINVAL,
				    "%s: spec.postBuild must be a mapping with a substitute mapping and a substituteFrom list",
				    where);
	if (!(vars = json_object()) || (provs && !(origins = json_object()))) {
		json_decref(vars);
		return oom();
	}
	json_array_foreach(from, i, item) {
		const char *kind = str_at(item, "kind", NULL);
		const char *name = str_at(item, "name", NULL);
		const json_t *src_obj = NULL;
		long at = -1;
		bool in_cluster = false;

		if (!kind || !name ||
		    (strcmp(kind, "ConfigMap") != 0 && strcmp(kind, "Secret") != 0)) {
			rc = kd_error_set(KD_EINVAL,
					  "%s: spec.postBuild.substituteFrom[%zu] needs kind ConfigMap or Secret and a name",
					  where, i);
			goto cleanup;
		}
		if ((at = find_object(known, kind, name, ns)) >= 0)
			src_obj = json_array_get(known, (size_t)at);
		else if (opts && (at = find_object(opts->cluster_objects, kind, name, ns)) >= 0) {
			src_obj = json_array_get(opts->cluster_objects, (size_t)at);
			in_cluster = true;
		}
		if (!src_obj) {
			if (json_is_true(json_object_get(item, "optional")))
				continue;
			rc = kd_error_set(KD_ENOTFOUND,
					  "%s: substituteFrom %s/%s is neither in the repository nor in the vars file (mark it optional: true, or pass it with --vars FILE)",
					  where, kind, name);
			goto cleanup;
		}
		if ((rc = kd_flux_vars_add_object(vars, src_obj, where)) < 0)
			goto cleanup;
		if (origins && (rc = object_origins(origins, src_obj, in_cluster ? NULL :
						    json_array_get(known_prov, (size_t)at),
						    in_cluster)) < 0)
			goto cleanup;
	}
	json_object_foreach(json_object_get(pb, "substitute"), key, v) {
		if (!json_is_string(v)) {
			rc = kd_error_set(KD_EINVAL, "%s: postBuild.substitute.%s is not a string",
					  where, key);
			goto cleanup;
		}
		if (json_object_set(vars, key, v) < 0) {
			rc = oom();
			goto cleanup;
		}
		if (origins) {
			kd_buf ptr = KD_BUF_INIT;
			const json_t *e;
			json_t *o;

			if (kd_buf_puts(&ptr, "/spec/postBuild/substitute") < 0 ||
			    kd_json_pointer_append(&ptr, key) < 0) {
				kd_buf_free(&ptr);
				rc = oom();
				goto cleanup;
			}
			e = kd_prov_last(ks_prov, kd_buf_cstr(&ptr));
			kd_buf_free(&ptr);
			o = json_pack("{s:s, s:s, s:O?, s:O?}", "from", where, "key", key,
				      "file", e ? json_object_get(e, "file") : NULL,
				      "line", e ? json_object_get(e, "line") : NULL);
			if (!o || json_object_set_new(origins, key, o) < 0) {
				rc = oom();
				goto cleanup;
			}
		}
	}
	if ((rc = kd_flux_substitute_prov(objs, provs, vars, origins, opts && opts->strict)) < 0)
		kd_error_wrap(rc, "%s: ", where);
cleanup:
	json_decref(vars);
	json_decref(origins);
	return rc;
}

/* spec.patches plus v1beta2's patchesStrategicMerge (objects) and
 * patchesJson6902 ({target, patch: [operations]}), which the controller
 * hands to kustomize as the equivalent inline patches.  *out is NULL when
 * there are none. */
static int v1beta2_patches(json_t **out, const json_t *spec, const char *where)
{
	const json_t *smp = json_object_get(spec, "patchesStrategicMerge");
	const json_t *j6902 = json_object_get(spec, "patchesJson6902");
	const json_t *p = json_object_get(spec, "patches"), *item;
	json_t *all;
	size_t i;

	*out = NULL;
	if (!smp && !j6902) {
		*out = json_incref((json_t *)p);
		return 0;
	}
	if ((smp && !json_is_array(smp)) || (j6902 && !json_is_array(j6902)) ||
	    (p && !json_is_array(p)))
		return kd_error_set(KD_EINVAL, "%s: spec patches must be lists", where);
	if (!(all = p ? json_deep_copy(p) : json_array()))
		return oom();
	json_array_foreach(smp, i, item) {
		char *text = json_dumps(item, JSON_COMPACT);

		if (!text || json_array_append_new(all, json_pack("{s:s}", "patch", text)) < 0) {
			free(text);
			json_decref(all);
			return oom();
		}
		free(text);
	}
	json_array_foreach(j6902, i, item) {
		char *text = json_dumps(json_object_get(item, "patch"), JSON_COMPACT);
		json_t *e = text ? json_pack("{s:s, s:O}", "patch", text, "target",
					     json_object_get(item, "target")) : NULL;

		free(text);
		if (!e || json_array_append_new(all, e) < 0) {
			json_decref(e);
			json_decref(all);
			return e ? oom() : kd_error_set(KD_EINVAL,
				"%s: spec.patchesJson6902[%zu] needs a target and a patch list",
				where, i);
		}
	}
	*out = all;
	return 0;
}

static int flux_build(json_t **out, json_t **prov, kd_source *src, const json_t *ks,
		      const json_t *ks_prov, const json_t *known, const json_t *known_prov,
		      const kd_flux_opts *opts)
{
	const json_t *spec = json_object_get(ks, "spec");
	static const char *const keys[] = { "targetNamespace", "namePrefix",
					    "nameSuffix", "patches", "images",
					    "components", NULL };
	kd_kustomize_opts kopts = { KD_LOAD_NONE };
	json_t *ov = NULL, *objs = NULL, *patches = NULL;
	kd_buf where = KD_BUF_INIT;
	char *path = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (prov)
		*prov = NULL;
	if ((rc = kd_buf_printf(&where, "Kustomization %s", str_at(ks, "metadata", "name"))) < 0)
		goto cleanup;
	if (json_object_get(spec, "path") && !json_is_string(json_object_get(spec, "path"))) {
		rc = kd_error_set(KD_EINVAL, "%s: spec.path must be a string", kd_buf_cstr(&where));
		goto cleanup;
	}
	if ((rc = kd_path_normalize(&path, str_at(spec, "path", NULL) ?
				    str_at(spec, "path", NULL) : "")) < 0) {
		kd_error_wrap(rc, "%s: spec.path: ", kd_buf_cstr(&where));
		goto cleanup;
	}
	{
		kd_source_type t = KD_SOURCE_NONE;

		if ((rc = kd_source_stat(&t, src, path)) < 0)
			goto cleanup;
		if (t != KD_SOURCE_DIR) {
			rc = kd_error_set(KD_ENOTFOUND,
					  "%s: spec.path '%s' is not a directory of the repository",
					  kd_buf_cstr(&where), path[0] ? path : ".");
			goto cleanup;
		}
	}
	if (json_object_get(spec, "commonMetadata")) {
		rc = kd_error_set(KD_EUNSUPPORTED, "%s: spec.commonMetadata is not supported",
				  kd_buf_cstr(&where));
		goto cleanup;
	}
	if ((rc = v1beta2_patches(&patches, spec, kd_buf_cstr(&where))) < 0)
		goto cleanup;
	if (!(ov = json_object())) {
		rc = oom();
		goto cleanup;
	}
	for (i = 0; keys[i]; i++) {
		json_t *v = json_object_get(spec, keys[i]);
		const char *k = i == 0 ? "namespace" : keys[i];

		if (i == 3)
			v = patches;
		if (v && json_object_set(ov, k, v) < 0) {
			rc = oom();
			goto cleanup;
		}
	}
	if (!kd_kustomize_present(src, path)) {
		json_t *res = NULL;

		if ((rc = generated_resources(&res, src, path)) < 0)
			goto cleanup;
		if (json_array_size(res) == 0) {
			/* nothing to build: an empty generated kustomization */
			json_decref(res);
			if (!(objs = json_array()) || (prov && !(*prov = json_array())))
				rc = oom();
			goto built;
		}
		if (json_object_set_new(ov, "resources", res) < 0) {
			rc = oom();
			goto cleanup;
		}
	}
	rc = kd_kz_build(&objs, NULL, prov, src, path, &kopts, ov, ks_prov);
built:
	if (rc < 0) {
		kd_error_wrap(rc, "%s: ", kd_buf_cstr(&where));
		goto cleanup;
	}
	if ((rc = post_build(objs, prov ? *prov : NULL, ks, ks_prov, known, known_prov, opts,
			     kd_buf_cstr(&where))) < 0)
		goto cleanup;
	*out = objs;
	objs = NULL;
cleanup:
	if (rc < 0 && prov) {
		json_decref(*prov);
		*prov = NULL;
	}
	json_decref(ov);
	json_decref(objs);
	json_decref(patches);
	kd_buf_free(&where);
	free(path);
	return rc;
}

int kd_flux_build(json_t **out, kd_source *src, const json_t *ks,
		  const json_t *known, const kd_flux_opts *opts)
{
	return flux_build(out, NULL, src, ks, NULL, known, NULL, opts);
}

/* ---- the walk ------------------------------------------------------------- */

typedef struct walk {
	json_t *found;    /* array of Kustomization objects, in discovery order */
	json_t *found_prov; /* parallel: their provenance (or NULL) */
	json_t *outputs;  /* parallel: their built objects */
	json_t *outputs_prov; /* parallel: the objects' provenance (or NULL) */
	json_t *index;    /* "ns/name" -> position */
	char *root;
	const char *source;  /* the GitRepository standing for this repository,
			      * or NULL for any */
} walk;

static bool follows(const json_t *ks, const walk *w)
{
	const json_t *ref = json_object_get(json_object_get(ks, "spec"), "sourceRef");
	const char *kind = str_at(ref, "kind", NULL), *name = str_at(ref, "name", NULL);

	if (!kind || strcmp(kind, "GitRepository") != 0)
		return false;
	return !w->source || (name && strcmp(name, w->source) == 0);
}

/* True when ks syncs the root path itself (flux bootstrap's flux-system
 * Kustomization). */
static bool is_self(const json_t *ks, const char *root)
{
	const char *path = str_at(json_object_get(ks, "spec"), "path", NULL);
	char *p = NULL;
	bool self;

	if (kd_path_normalize(&p, path ? path : "") < 0)
		return false;
	self = strcmp(p, root) == 0;
	free(p);
	return self;
}

/* Without a configured source name, the GitRepository of the root's own
 * sync is this repository, so Kustomizations of other GitRepositories
 * (other repositories) are not followed. */
static void detect_source(walk *w, const json_t *objs)
{
	size_t i;
	json_t *o;

	json_array_foreach(objs, i, o) {
		const json_t *ref = json_object_get(json_object_get(o, "spec"), "sourceRef");
		const char *kind = str_at(ref, "kind", NULL);

		if (is_flux_kustomization(o) && is_self(o, w->root) && kind &&
		    strcmp(kind, "GitRepository") == 0 && str_at(ref, "name", NULL)) {
			w->source = str_at(ref, "name", NULL);
			return;
		}
	}
}

/* Adds the Kustomizations among objs that the walk follows. */
static int discover(walk *w, const json_t *objs, const json_t *provs)
{
	kd_buf key = KD_BUF_INIT;
	size_t i;
	json_t *o;
	int rc = 0;

	json_array_foreach(objs, i, o) {
		if (!is_flux_kustomization(o) || !follows(o, w))
			continue;
		if ((rc = ks_key(&key, o)) < 0)
			break;
		if (json_object_get(w->index, kd_buf_cstr(&key)))
			continue;
		/* The Kustomization that syncs the root itself (flux-system's
		 * gotk-sync) is what we are rendering: not followed again. */
		if (is_self(o, w->root))
			continue;
		if (json_object_set_new(w->index, kd_buf_cstr(&key),
					json_integer((json_int_t)json_array_size(w->found))) < 0 ||
		    json_array_append(w->found, o) < 0 ||
		    json_array_append_new(w->outputs, json_null()) < 0 ||
		    (w->found_prov && (json_array_append(w->found_prov, json_array_get(provs, i)) < 0 ||
				       json_array_append_new(w->outputs_prov, json_null()) < 0))) {
			rc = oom();
			break;
		}
	}
	kd_buf_free(&key);
	return rc;
}

/* Orders the found Kustomizations by dependsOn (Kahn's algorithm, ties in
 * discovery order); a cycle is an error naming its members. */
static int topo_order(json_t **order, walk *w)
{
	size_t n = json_array_size(w->found), i, j, done = 0;
	unsigned char *placed = calloc(n ? n : 1, 1);
	json_t *ord = json_array();
	kd_buf key = KD_BUF_INIT, names = KD_BUF_INIT;
	int rc = 0;

	if (!placed || !ord) {
		rc = oom();
		goto cleanup;
	}
	while (done < n) {
		bool progress = false;

		for (i = 0; i < n; i++) {
			const json_t *ks = json_array_get(w->found, i);
			const char *ns = str_at(json_object_get(ks, "metadata"), "namespace", NULL);
			json_t *deps = json_object_get(json_object_get(ks, "spec"), "dependsOn"), *d;
			bool ready = true;

			if (placed[i])
				continue;
			json_array_foreach(deps, j, d) {
				const char *dns = str_at(d, "namespace", NULL);
				json_t *pos;

				kd_buf_clear(&key);
				kd_buf_printf(&key, "%s/%s", dns ? dns : (ns ? ns : ""),
					      str_at(d, "name", NULL) ? str_at(d, "name", NULL) : "");
				pos = json_object_get(w->index, kd_buf_cstr(&key));
				if (pos && !placed[json_integer_value(pos)])
					ready = false;
			}
			if (!ready)
				continue;
			placed[i] = 1;
			done++;
			progress = true;
			if (json_array_append_new(ord, json_integer((json_int_t)i)) < 0) {
				rc = oom();
				goto cleanup;
			}
		}
		if (!progress) {
			for (i = 0; i < n; i++)
				if (!placed[i])
					kd_buf_printf(&names, "%s%s", names.len ? ", " : "",
						      str_at(json_array_get(w->found, i), "metadata", "name"));
			rc = kd_error_set(KD_EINVAL,
					  "dependsOn cycle among Flux Kustomizations: %s",
					  kd_buf_cstr(&names));
			goto cleanup;
		}
	}
	*order = ord;
	ord = NULL;
cleanup:
	free(placed);
	json_decref(ord);
	kd_buf_free(&key);
	kd_buf_free(&names);
	return rc;
}

/* Appends n copies of owner to owners (when tracing). */
static int add_owner(json_t *owners, const char *owner, size_t n)
{
	while (owners && n--)
		if (json_array_append_new(owners, json_string(owner)) < 0)
			return oom();
	return 0;
}

static int flux_render(json_t **out, json_t **owners, json_t **prov, kd_source *src,
		       const char *root, const kd_flux_opts *opts)
{
	walk w = { json_array(), prov ? json_array() : NULL, json_array(),
		   prov ? json_array() : NULL, json_object(), NULL,
		   opts ? opts->source_name : NULL };
	json_t *known = json_array(), *rootks = NULL, *rootobjs = NULL, *rootprov = NULL;
	json_t *known_prov = prov ? json_array() : NULL;
	json_t *order = NULL, *all = json_array(), *idx;
	json_t *own = owners ? json_array() : NULL, *allprov = prov ? json_array() : NULL;
	kd_buf key = KD_BUF_INIT;
	size_t i;
	int rc;

	*out = NULL;
	if (owners)
		*owners = NULL;
	if (prov)
		*prov = NULL;
	if (!w.found || !w.outputs || !w.index || !known || !all || (owners && !own) ||
	    (prov && (!w.found_prov || !w.outputs_prov || !known_prov || !allprov))) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = kd_path_normalize(&w.root, root)) < 0)
		goto cleanup;
	{
		kd_source_type t = KD_SOURCE_NONE;

		if ((rc = kd_source_stat(&t, src, w.root)) < 0)
			goto cleanup;
		if (t != KD_SOURCE_DIR) {
			rc = kd_error_set(KD_ENOTFOUND,
					  "fluxKustomizations root '%s' is not a directory of the repository",
					  w.root[0] ? w.root : ".");
			goto cleanup;
		}
	}
	/* The root is what the cluster's own Flux Kustomization syncs: built
	 * the same way, with no overlay of its own. */
	rootks = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}}",
			   "apiVersion", FLUX_GROUP "v1", "kind", "Kustomization",
			   "metadata", "name", "root", "spec", "path", w.root);
	if (!rootks) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = flux_build(&rootobjs, prov ? &rootprov : NULL, src, rootks, NULL, NULL, NULL,
			     opts)) < 0)
		goto cleanup;
	if (!w.source)
		detect_source(&w, rootobjs);
	if ((rc = discover(&w, rootobjs, rootprov)) < 0)
		goto cleanup;
	if (json_array_extend(known, rootobjs) < 0 ||
	    (known_prov && json_array_extend(known_prov, rootprov) < 0)) {
		rc = oom();
		goto cleanup;
	}
	for (i = 0; i < json_array_size(w.found); i++) {
		json_t *built = NULL, *bprov = NULL;

		if ((rc = flux_build(&built, prov ? &bprov : NULL, src, json_array_get(w.found, i),
				     json_array_get(w.found_prov, i), known, known_prov, opts)) < 0)
			goto cleanup;
		if (json_array_set_new(w.outputs, i, built) < 0 ||
		    json_array_extend(known, built) < 0 ||
		    (prov && (json_array_set_new(w.outputs_prov, i, bprov) < 0 ||
			      json_array_extend(known_prov, bprov) < 0))) {
			rc = oom();
			goto cleanup;
		}
		if ((rc = discover(&w, built, bprov)) < 0)
			goto cleanup;
	}
	if ((rc = topo_order(&order, &w)) < 0)
		goto cleanup;
	if (json_array_extend(all, rootobjs) < 0 ||
	    (allprov && json_array_extend(allprov, rootprov) < 0)) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = add_owner(own, "", json_array_size(rootobjs))) < 0)
		goto cleanup;
	json_array_foreach(order, i, idx) {
		size_t at = (size_t)json_integer_value(idx);
		json_t *built = json_array_get(w.outputs, at);

		if (json_array_extend(all, built) < 0 ||
		    (allprov && json_array_extend(allprov, json_array_get(w.outputs_prov, at)) < 0)) {
			rc = oom();
			goto cleanup;
		}
		if (own && ((rc = ks_key(&key, json_array_get(w.found, at))) < 0 ||
			    (rc = add_owner(own, kd_buf_cstr(&key), json_array_size(built))) < 0))
			goto cleanup;
	}
	*out = all;
	all = NULL;
	if (owners) {
		*owners = own;
		own = NULL;
	}
	if (prov) {
		*prov = allprov;
		allprov = NULL;
	}
cleanup:
	json_decref(own);
	json_decref(allprov);
	kd_buf_free(&key);
	json_decref(w.found);
	json_decref(w.found_prov);
	json_decref(w.outputs);
	json_decref(w.outputs_prov);
	json_decref(w.index);
	free(w.root);
	json_decref(known);
	json_decref(known_prov);
	json_decref(rootks);
	json_decref(rootobjs);
	json_decref(rootprov);
	json_decref(order);
	json_decref(all);
	return rc;
}

int kd_flux_render(json_t **out, kd_source *src, const char *root,
		   const kd_flux_opts *opts)
{
	return flux_render(out, NULL, NULL, src, root, opts);
}

int kd_flux_render_traced(json_t **out, json_t **owners, kd_source *src,
			  const char *root, const kd_flux_opts *opts)
{
	return flux_render(out, owners, NULL, src, root, opts);
}

int kd_flux_render_prov(json_t **out, json_t **prov, kd_source *src,
			const char *root, const kd_flux_opts *opts)
{
	return flux_render(out, NULL, prov, src, root, opts);
}
