/*
 * scope — what the admission policies cover, found by rendering the apps
 * of the selected clusters, and whom they let through (see prevent.h).
 *
 * Renders each app once per distinct expanded path and namespace when
 * nothing else about it depends on the cluster (the engine's rule), so a
 * large fleet whose clusters share their paths renders each path once.
 */
#include "prevent_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"
#include "render/render.h"

/* Kubernetes' own writers that a cluster cannot do without (prevent.h). */
static const char *const system_users[] = {
	"system:kube-controller-manager",  /* controllers without their own accounts */
	"system:kube-scheduler",           /* preemption deletes pods */
	"system:apiserver",                /* the default namespace's kubernetes Service */
	NULL,
};
static const char *const system_groups[] = {
	"system:serviceaccounts:kube-system",  /* garbage collector, namespace controller,
						* root CA publisher and the other controllers */
	"system:nodes",                        /* kubelets: mirror pods */
	NULL,
};

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

int kd_prevent_guess_plural(char **out, const char *kind)
{
	kd_buf b = KD_BUF_INIT;
	size_t n = strlen(kind);
	const char *p;
	int rc = 0;

	*out = NULL;
	for (p = kind; *p && rc == 0; p++)
		rc = kd_buf_putc(&b, (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p));
	if (rc == 0 && n > 0) {
		char last = b.data[b.len - 1];

		if (last == 's') {
			rc = kd_buf_puts(&b, "es");
		} else if (last == 'y') {
			kd_buf_truncate(&b, b.len - 1);
			rc = kd_buf_puts(&b, "ies");
		} else {
			rc = kd_buf_putc(&b, 's');
		}
	}
	if (rc < 0 || !(*out = kd_buf_detach(&b))) {
		kd_buf_free(&b);
		return rc < 0 ? rc : oom();
	}
	return 0;
}

/* What the objects say, before kinds are resolved: per "group\x1fkind" the
 * namespaces ("" for none) and names seen; per kind the CRDs declare, its
 * resource and scope. */
typedef struct collect {
	json_t *seen;      /* key -> {group, kind, namespaces: {}, names: {}} */
	json_t *crds;      /* key -> {resource, namespaced} */
	json_t *renders;   /* cache key -> array of objects */
} collect;

static int set_true(json_t *set, const char *key)
{
	return json_object_set_new(set, key, json_true()) < 0 ? oom() : 0;
}

static int add_crd(collect *c, const json_t *crd)
{
	const json_t *spec = kd_json_obj(crd, "spec"), *names = kd_json_obj(spec, "names");
	const char *group = kd_json_str(spec, "group"), *kind = kd_json_str(names, "kind");
	const char *plural = kd_json_str(names, "plural"), *scope = kd_json_str(spec, "scope");
	kd_buf key = KD_BUF_INIT;
	json_t *v;
	int rc = 0;

	if (!group || !kind || !plural || !*kind || !*plural)
		return 0;   /* not a usable CRD: its kinds are guessed */
	if ((rc = kd_buf_printf(&key, "%s\x1f%s", group, kind)) < 0)
		goto cleanup;
	v = json_pack("{s:s, s:b}", "resource", plural, "namespaced",
		      !scope || strcmp(scope, "Cluster") != 0);
	if (!v || json_object_set_new(c->crds, kd_buf_cstr(&key), v) < 0)
		rc = oom();
cleanup:
	kd_buf_free(&key);
	return rc;
}

static int add_object(collect *c, const json_t *o)
{
	const json_t *meta = kd_json_obj(o, "metadata");
	const char *kind = kd_json_str(o, "kind"), *name = kd_json_str(meta, "name");
	const char *ns = kd_json_str(meta, "namespace");
	kd_buf key = KD_BUF_INIT;
	char group[256];
	json_t *entry;
	int rc = 0;

	if (!kind || !*kind || !name || !*name)
		return 0;   /* nothing an admission request could name */
	kd_api_group(group, sizeof(group), kd_json_str(o, "apiVersion"));
	if (strcmp(kind, "CustomResourceDefinition") == 0 &&
	    strcmp(group, "apiextensions.k8s.io") == 0 && (rc = add_crd(c, o)) < 0)
		return rc;
	if ((rc = kd_buf_printf(&key, "%s\x1f%s", group, kind)) < 0)
		goto cleanup;
	if (!(entry = json_object_get(c->seen, kd_buf_cstr(&key)))) {
		entry = json_pack("{s:s, s:s, s:{}, s:{}}", "group", group, "kind", kind,
				  "namespaces", "names");
		if (!entry || json_object_set_new(c->seen, kd_buf_cstr(&key), entry) < 0) {
			rc = oom();
			goto cleanup;
		}
	}
	if ((rc = set_true(json_object_get(entry, "namespaces"), ns ? ns : "")) < 0 ||
	    (rc = set_true(json_object_get(entry, "names"), name)) < 0)
		goto cleanup;
cleanup:
	kd_buf_free(&key);
	return rc;
}

/* Renders app for cluster, through the cache when only its path and
 * namespace depend on the cluster. */
static int render(json_t **out, collect *c, kd_source *src, const kd_fleet *fleet,
		  const kd_cluster *cl, const kd_app *app)
{
	bool cacheable = app->kind == KD_APP_PATH && !app->substitute && !app->substitute_from;
	json_t *params = NULL;
	char *path = NULL, *ns = NULL;
	kd_buf key = KD_BUF_INIT;
	int rc = 0;

	*out = NULL;
	if (cacheable) {
		if ((rc = kd_cluster_params(&params, cl)) < 0 ||
		    (rc = kd_template_expand(&path, app->path, params)) < 0 ||
		    (app->namespace && (rc = kd_template_expand(&ns, app->namespace, params)) < 0) ||
		    (rc = kd_buf_printf(&key, "%s\x1f%s\x1f%s", app->name, path, ns ? ns : "")) < 0)
			goto cleanup;
		if ((*out = json_incref(json_object_get(c->renders, kd_buf_cstr(&key)))))
			goto cleanup;
	}
	/* Its errors name the cluster and the app already. */
	if ((rc = kd_render_app(out, src, fleet, cl, app)) < 0)
		goto cleanup;
	if (cacheable && json_object_set(c->renders, kd_buf_cstr(&key), *out) < 0)
		rc = oom();
cleanup:
	json_decref(params);
	free(path);
	free(ns);
	kd_buf_free(&key);
	return rc;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The values of `map` in the order of their keys, as a new array. */
static json_t *sorted_values(const json_t *map)
{
	size_t n = json_object_size(map), i = 0;
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	json_t *arr = json_array(), *v;
	const char *k;

	if (!keys || !arr)
		goto fail;
	json_object_foreach((json_t *)map, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 0; i < n; i++)
		if (json_array_append(arr, json_object_get(map, keys[i])) < 0)
			goto fail;
	free(keys);
	return arr;
fail:
	free(keys);
	json_decref(arr);
	return NULL;
}

/* The keys of a set, sorted, as a new array of strings. */
static json_t *sorted_keys(const json_t *set)
{
	json_t *map = json_object(), *arr = NULL, *v;
	const char *k;

	if (!map)
		return NULL;
	json_object_foreach((json_t *)set, k, v)
		if (json_object_set_new(map, k, json_string(k)) < 0)
			goto cleanup;
	arr = sorted_values(map);
cleanup:
	json_decref(map);
	return arr;
}

/* Resolves each kind seen (built in, a CRD from Git, or guessed) and files
 * it under kinds (namespaced) or objects (cluster-scoped, by name). */
static int resolve(kd_prevent_scope *s, collect *c, json_t *kinds, json_t *objects,
		   json_t *namespaces)
{
	kd_buf key = KD_BUF_INIT;
	const char *k, *name;
	json_t *entry, *v;
	int rc = 0;

	json_object_foreach(c->seen, k, entry) {
		const char *group = kd_json_str(entry, "group"), *kind = kd_json_str(entry, "kind");
		const kd_kind_info *info = kd_kind_lookup(group, kind);
		const json_t *crd = json_object_get(c->crds, k);
		char *guess = NULL;
		const char *resource;
		bool namespaced, guessed = false;

		if (info) {
			resource = info->resource;
			namespaced = info->namespaced;
		} else if (crd) {
			resource = kd_json_str(crd, "resource");
			namespaced = json_is_true(json_object_get(crd, "namespaced"));
		} else {
			if ((rc = kd_prevent_guess_plural(&guess, kind)) < 0)
				break;
			resource = guess;
			namespaced = true;   /* as everywhere in kdrift for unknown kinds */
			guessed = true;
			kd_buf_clear(&key);
			kd_buf_printf(&key, "%s%s%s: no CustomResourceDefinition in Git; its resource name is guessed as '%s'",
				      kind, *group ? "." : "", group, guess);
			if (json_array_append_new(s->notes, json_string(kd_buf_cstr(&key))) < 0)
				rc = oom();
		}
		if (rc == 0 && namespaced) {
			v = json_pack("{s:s, s:s, s:s, s:b}", "group", group, "kind", kind,
				      "resource", resource, "guessed", guessed);
			if (!v || json_object_set_new(kinds, k, v) < 0)
				rc = oom();
			json_object_foreach(json_object_get(entry, "namespaces"), name, v)
				if (rc == 0)
					rc = set_true(namespaces, *name ? name : "default");
		} else if (rc == 0) {
			bool is_ns = !*group && strcmp(kind, "Namespace") == 0;

			json_object_foreach(json_object_get(entry, "names"), name, v) {
				json_t *o;

				kd_buf_clear(&key);
				if ((rc = kd_buf_printf(&key, "%s\x1f%s", k, name)) < 0)
					break;
				o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "group", group, "kind", kind,
					      "resource", resource, "name", name, "guessed", guessed);
				if (!o || json_object_set_new(objects, kd_buf_cstr(&key), o) < 0 ||
				    (is_ns && set_true(namespaces, name) < 0)) {
					rc = oom();
					break;
				}
			}
		}
		free(guess);
		if (rc < 0)
			break;
	}
	kd_buf_free(&key);
	return rc;
}

static int add_names(json_t *list, const json_t *from, const char *const *more)
{
	size_t i, j;
	json_t *v;

	json_array_foreach(from, i, v) {
		bool seen = false;

		for (j = 0; j < json_array_size(list); j++)
			seen |= json_equal(json_array_get(list, j), v);
		if (!seen && json_array_append(list, v) < 0)
			return oom();
	}
	for (i = 0; more && more[i]; i++) {
		bool seen = false;

		for (j = 0; j < json_array_size(list); j++)
			seen |= strcmp(json_string_value(json_array_get(list, j)), more[i]) == 0;
		if (!seen && json_array_append_new(list, json_string(more[i])) < 0)
			return oom();
	}
	return 0;
}

static int identities(kd_prevent_scope *s, const kd_fleet *fleet)
{
	const char *bg[] = { fleet->breakglass_group, NULL };
	int rc;

	if ((rc = add_names(s->users, fleet->applier_users, NULL)) < 0 ||
	    (rc = add_names(s->users, NULL, system_users)) < 0 ||
	    (rc = add_names(s->groups, NULL, fleet->breakglass_group ? bg : NULL)) < 0 ||
	    (rc = add_names(s->groups, fleet->applier_groups, NULL)) < 0)
		return rc;
	return add_names(s->groups, NULL, system_groups);
}

void kd_prevent_scope_free(kd_prevent_scope *s)
{
	if (!s)
		return;
	json_decref(s->clusters);
	json_decref(s->namespaces);
	json_decref(s->kinds);
	json_decref(s->objects);
	json_decref(s->users);
	json_decref(s->groups);
	json_decref(s->notes);
	free(s->revision);
	free(s->fleet_file);
	free(s);
}

int kd_prevent_scope_new(kd_prevent_scope **out, kd_source *src,
			 const kd_fleet *fleet, const kd_selector *clusters)
{
	collect c = { json_object(), json_object(), json_object() };
	json_t *kinds = json_object(), *objects = json_object(), *namespaces = json_object();
	kd_prevent_scope *s = calloc(1, sizeof(*s));
	size_t i, j, k;
	json_t *o;
	int rc = 0;

	*out = NULL;
	if (!s || !c.seen || !c.crds || !c.renders || !kinds || !objects || !namespaces ||
	    !(s->clusters = json_array()) || !(s->users = json_array()) ||
	    !(s->groups = json_array()) || !(s->notes = json_array()) ||
	    !(s->revision = strdup(kd_source_revision(src))) ||
	    !(s->fleet_file = strdup(fleet->file ? fleet->file : "kdrift.yaml"))) {
		rc = oom();
		goto cleanup;
	}
	for (i = 0; i < fleet->nclusters && rc == 0; i++) {
		const kd_cluster *cl = &fleet->clusters[i];

		if (clusters && !kd_selector_matches(clusters, cl->labels))
			continue;
		if (json_array_append_new(s->clusters, json_string(cl->name)) < 0) {
			rc = oom();
			break;
		}
		for (j = 0; j < fleet->napps && rc == 0; j++) {
			json_t *objs = NULL;

			if (!kd_fleet_app_targets(&fleet->apps[j], cl))
				continue;
			if ((rc = render(&objs, &c, src, fleet, cl, &fleet->apps[j])) < 0)
				break;
			json_array_foreach(objs, k, o)
				if ((rc = add_object(&c, o)) < 0)
					break;
			json_decref(objs);
		}
	}
	if (rc < 0)
		goto cleanup;
	if (json_array_size(s->clusters) == 0) {
		rc = kd_error_set(KD_ENOTFOUND, "no cluster of %s matches the selection",
				  s->fleet_file);
		goto cleanup;
	}
	if ((rc = resolve(s, &c, kinds, objects, namespaces)) < 0)
		goto cleanup;
	if (json_object_size(kinds) == 0 && json_object_size(objects) == 0) {
		rc = kd_error_set(KD_ENOTFOUND,
				  "the apps of the selected clusters declare no objects: there is nothing to protect");
		goto cleanup;
	}
	if (!(s->kinds = sorted_values(kinds)) || !(s->objects = sorted_values(objects)) ||
	    !(s->namespaces = sorted_keys(namespaces))) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = identities(s, fleet)) < 0)
		goto cleanup;
	*out = s;
	s = NULL;
cleanup:
	kd_prevent_scope_free(s);
	json_decref(c.seen);
	json_decref(c.crds);
	json_decref(c.renders);
	json_decref(kinds);
	json_decref(objects);
	json_decref(namespaces);
	return rc;
}
