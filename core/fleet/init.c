/*
 * init — reading a repository's layout and a kubeconfig's contexts into the
 * model of a first fleet file (see fleet.h, `kdrift init`).
 *
 * Owns the walk over the source tree, the recognition of Flux roots, of
 * clusters/NAME/APP and overlays/ENV layouts and of Argo CD objects, and the
 * contexts that may be clusters.  The guesses (labels, contexts, servers)
 * live in init_guess.c, the text in init_emit.c.  Never writes, never prints.
 */
#include "fleet/fleet.h"
#include "fleet_priv.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"
#include "kube/kube.h"
#include "source/source.h"

/* Bounds on the walk: a repository bigger than this is examined in part
 * (and says so); a manifest bigger than this is not a fleet object. */
#define FI_MAX_ENTRIES 50000
#define FI_MAX_DEPTH 24
#define FI_MAX_FILE ((size_t)1 << 20)

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

int kd_finit_note(json_t *list, const char *fmt, ...)
{
	kd_buf b = KD_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = kd_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc < 0 || json_array_append_new(list, json_string(kd_buf_cstr(&b))) < 0)
		rc = oom();
	kd_buf_free(&b);
	return rc;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* True when d is root or lies below it ("" is the repository root). */
bool kd_finit_within(const char *d, const char *root)
{
	size_t n = strlen(root);

	if (!root[0])
		return true;
	return strncmp(d, root, n) == 0 && (d[n] == '\0' || d[n] == '/');
}

char *kd_finit_join(const char *dir, const char *name)
{
	kd_buf b = KD_BUF_INIT;

	if ((dir[0] && kd_buf_printf(&b, "%s/", dir) < 0) || kd_buf_puts(&b, name) < 0) {
		kd_buf_free(&b);
		return NULL;
	}
	return kd_buf_detach(&b);
}

/* ---- the walk ------------------------------------------------------------- */

static json_t *dir_info(kd_finit *c, const char *dir)
{
	json_t *d = json_object_get(c->dirs, dir);

	if (d)
		return d;
	d = json_pack("{s:b, s:i, s:i, s:[], s:[]}", "k", 0, "m", 0, "d", 0, "c", "f");
	if (!d || json_object_set_new(c->dirs, dir, d) < 0)
		return NULL;
	return d;
}

static int count_manifest(kd_finit *c, const char *dir, const char *name)
{
	json_t *d = dir_info(c, dir);
	char *up = NULL, *next;

	if (!d || json_object_set_new(d, "m", json_integer(json_integer_value(json_object_get(d, "m")) + 1)) < 0 ||
	    json_array_append_new(json_object_get(d, "f"), json_string(name)) < 0)
		return oom();
	/* "d" counts manifests below a directory, so an app directory whose
	 * files sit in sub-directories still counts as holding something. */
	if (!(up = strdup(dir)))
		return oom();
	for (;;) {
		d = dir_info(c, up);
		if (!d || json_object_set_new(d, "d", json_integer(json_integer_value(json_object_get(d, "d")) + 1)) < 0) {
			free(up);
			return oom();
		}
		if (!up[0])
			break;
		next = kd_path_dirname(up);
		free(up);
		if (!(up = next))
			return oom();
	}
	free(up);
	return 0;
}

static int record(json_t *list, json_t *obj)
{
	if (!obj || json_array_append_new(list, obj) < 0)
		return oom();
	return 0;
}

/* Keeps the objects init reasons about; everything else is just counted. */
static int classify(kd_finit *c, const char *file, json_t *doc, size_t *nsets)
{
	const char *api = kd_json_str(doc, "apiVersion");
	const char *kind = kd_json_str(doc, "kind");
	const json_t *meta = kd_json_obj(doc, "metadata");
	const json_t *spec = kd_json_obj(doc, "spec");
	const char *name = kd_json_str(meta, "name");

	if (!api || !kind)
		return 0;
	if (has_prefix(api, "kustomize.toolkit.fluxcd.io/") && strcmp(kind, "Kustomization") == 0) {
		const json_t *ref = kd_json_obj(spec, "sourceRef");
		const char *raw = kd_json_str(spec, "path");
		char *path = NULL;
		json_t *o;
		int rc;

		/* Flux needs a sourceRef: without one this is a patch or a
		 * fragment of a Kustomization, not one */
		if (!ref)
			return 0;

		/* Flux's path is relative to the source's root; absent means
		 * the root.  A path that leaves the root is kept as written
		 * so that it can be reported. */
		if (kd_path_normalize(&path, raw ? raw : "") < 0)
			kd_error_clear();
		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "file", file,
			      "name", name ? name : "", "namespace",
			      kd_json_str(meta, "namespace") ? kd_json_str(meta, "namespace") : "",
			      "sourceKind", kd_json_str(ref, "kind") ? kd_json_str(ref, "kind") : "",
			      "sourceName", kd_json_str(ref, "name") ? kd_json_str(ref, "name") : "",
			      "rawPath", raw ? raw : "");
		if (o && path && json_object_set_new(o, "path", json_string(path)) < 0) {
			json_decref(o);
			o = NULL;
		}
		free(path);
		rc = record(c->flux_ks, o);
		return rc;
	}
	if (has_prefix(api, "source.toolkit.fluxcd.io/") && strcmp(kind, "GitRepository") == 0)
		return record(c->gitrepos, json_pack("{s:s, s:s}", "file", file, "name", name ? name : ""));
	if (has_prefix(api, "argoproj.io/") && strcmp(kind, "ApplicationSet") == 0) {
		(*nsets)++;
		return record(c->appsets, json_pack("{s:s, s:O}", "file", file, "doc", doc));
	}
	if (has_prefix(api, "argoproj.io/") && strcmp(kind, "Application") == 0)
		return record(c->applications, json_pack("{s:s, s:s}", "file", file, "name", name ? name : ""));
	return 0;
}

static int scan_file(kd_finit *c, const char *dir, const char *path,
		     const char *name, bool kustomization)
{
	kd_buf data = KD_BUF_INIT;
	json_t *docs = NULL, *d;
	size_t i, nsets = 0, before = json_array_size(c->appsets);
	int rc = 0;

	if (kustomization) {
		json_t *info = dir_info(c, dir);

		if (!info || json_object_set_new(info, "k", json_true()) < 0)
			return oom();
	} else if ((rc = count_manifest(c, dir, name)) < 0) {
		return rc;
	}
	if (kd_source_read(&data, c->src, path) < 0 || data.len > FI_MAX_FILE) {
		kd_error_clear();
		goto cleanup;
	}
	if (kd_yaml_parse(&docs, NULL, kd_buf_cstr(&data), data.len, path, NULL) < 0) {
		kd_error_clear();
		rc = json_array_append_new(c->unparsed, json_string(path)) < 0 ? oom() : 0;
		goto cleanup;
	}
	if (kustomization && json_is_object(json_array_get(docs, 0)) &&
	    json_object_set(c->kust, dir, json_array_get(docs, 0)) < 0) {
		rc = oom();
		goto cleanup;
	}
	json_array_foreach(docs, i, d)
		if ((rc = classify(c, path, d, &nsets)) < 0)
			goto cleanup;
	/* kdrift takes one ApplicationSet per file: say how many share it. */
	for (i = before; i < json_array_size(c->appsets); i++)
		if (json_object_set_new(json_array_get(c->appsets, i), "count",
					json_integer((json_int_t)nsets)) < 0) {
			rc = oom();
			goto cleanup;
		}
cleanup:
	json_decref(docs);
	kd_buf_free(&data);
	return rc;
}

static bool kustomization_name(const char *name)
{
	return strcmp(name, "kustomization.yaml") == 0 ||
	       strcmp(name, "kustomization.yml") == 0 ||
	       strcmp(name, "Kustomization") == 0;
}

static int scan(kd_finit *c, const char *dir, int depth)
{
	kd_source_entry *e = NULL;
	size_t n = 0, i;
	json_t *info;
	int rc = 0;

	if (!(info = dir_info(c, dir)))
		return oom();
	if (kd_source_list(&e, &n, c->src, dir) < 0) {
		/* a submodule or an unreadable directory holds nothing init
		 * can use; the walk goes on */
		kd_error_clear();
		return 0;
	}
	for (i = 0; i < n && rc == 0; i++) {
		char *path;

		json_t *utf8;

		/* .git, .github and the like are no part of the fleet; a name
		 * that is not UTF-8 cannot be written into YAML */
		if (e[i].name[0] == '.' || !(utf8 = json_string(e[i].name)))
			continue;
		json_decref(utf8);
		if (++c->entries > FI_MAX_ENTRIES) {
			c->truncated = true;
			break;
		}
		if (!(path = kd_finit_join(dir, e[i].name))) {
			rc = oom();
			break;
		}
		if (e[i].type == KD_SOURCE_DIR) {
			if (json_array_append_new(json_object_get(info, "c"), json_string(e[i].name)) < 0)
				rc = oom();
			else if (depth < FI_MAX_DEPTH)
				rc = scan(c, path, depth + 1);
		} else if (kustomization_name(e[i].name)) {
			rc = scan_file(c, dir, path, e[i].name, true);
		} else if (kd_path_is_manifest(e[i].name)) {
			rc = scan_file(c, dir, path, e[i].name, false);
		}
		free(path);
	}
	kd_source_entries_free(e, n);
	return rc;
}

/* ---- contexts ------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The contexts that may stand for clusters: break-glass credentials and a
 * second context reaching an API server already seen are not clusters. */
static int read_contexts(kd_finit *c)
{
	json_t *names = c->kc ? kd_kubeconfig_contexts(c->kc) : json_array();
	json_t *n;
	size_t i, j;
	int rc = 0;

	if (!names)
		return oom();
	c->all_contexts = names;
	json_array_foreach(names, i, n) {
		const char *name = json_string_value(n);
		kd_kube_target *t = NULL;
		const char *same = NULL;
		json_t *o;

		if (!name)
			continue;
		if (ends_with(name, "-breakglass")) {
			if ((rc = kd_finit_note(c->found, "context %s: a break-glass credential (breakGlass.context), not a cluster", name)) < 0)
				return rc;
			continue;
		}
		if (kd_kube_target_new(&t, c->kc, name) < 0)
			kd_error_clear();
		for (j = 0; t && t->server && j < json_array_size(c->contexts); j++) {
			const json_t *k = json_array_get(c->contexts, j);

			if (str_eq(kd_json_str(k, "server"), t->server))
				same = kd_json_str(k, "name");
		}
		if (same) {
			rc = kd_finit_note(c->found, "context %s: reaches the same API server as %s, not a cluster of its own",
					   name, same);
			kd_kube_target_free(t);
			if (rc < 0)
				return rc;
			continue;
		}
		o = json_pack("{s:s, s:b}", "name", name, "used", 0);
		if (o && t && t->server && json_object_set_new(o, "server", json_string(t->server)) < 0) {
			json_decref(o);
			o = NULL;
		}
		kd_kube_target_free(t);
		if ((rc = record(c->contexts, o)) < 0)
			return rc;
	}
	return 0;
}

/* ---- clusters ------------------------------------------------------------- */

json_t *kd_finit_cluster(const kd_finit *c, const char *name)
{
	json_t *cl;
	size_t i;

	json_array_foreach(c->clusters, i, cl)
		if (str_eq(kd_json_str(cl, "name"), name))
			return cl;
	return NULL;
}

int kd_finit_cluster_add(json_t **out, kd_finit *c, const char *name,
			 const char *origin)
{
	json_t *cl = json_pack("{s:s, s:s, s:{}, s:[], s:{}, s:{}}", "name", name,
			       "origin", origin, "labels", "labelNotes", "values", "apps");

	*out = cl;
	if (!cl || json_array_append_new(c->clusters, cl) < 0) {
		*out = NULL;
		return oom();
	}
	return 0;
}

/* name, or name-2, name-3 ... when a cluster of that name exists. */
int kd_finit_unique_name(char **out, const kd_finit *c, const char *name)
{
	kd_buf b = KD_BUF_INIT;
	int n;

	*out = NULL;
	if (kd_buf_puts(&b, name) < 0)
		return oom();
	for (n = 2; kd_finit_cluster(c, kd_buf_cstr(&b)); n++) {
		kd_buf_clear(&b);
		if (kd_buf_printf(&b, "%s-%d", name, n) < 0) {
			kd_buf_free(&b);
			return oom();
		}
	}
	*out = kd_buf_detach(&b);
	return *out ? 0 : oom();
}

/* A cluster named after a directory (its last component), given the
 * kubeconfig context of that name when there is one. */
int kd_finit_dir_cluster(json_t **out, kd_finit *c, const char *dir, const char *origin)
{
	char *name = NULL, *unique = NULL;
	int rc;

	*out = NULL;
	if ((rc = kd_finit_cluster_name(&name, dir[0] ? kd_path_basename(dir) : "cluster")) < 0 ||
	    (rc = kd_finit_unique_name(&unique, c, name)) < 0)
		goto cleanup;
	if (strcmp(unique, name) != 0 &&
	    (rc = kd_finit_note(c->guessed, "%s: cluster named %s, as another cluster is named %s",
				dir[0] ? dir : "(the root)", unique, name)) < 0)
		goto cleanup;
	if ((rc = kd_finit_cluster_add(out, c, unique, origin)) < 0)
		goto cleanup;
	rc = kd_finit_match_context(c, *out);
cleanup:
	free(name);
	free(unique);
	return rc;
}

int kd_finit_sorted_keys(json_t **out, const json_t *obj)
{
	const char *key;
	json_t *v, *keys = json_array();
	size_t i, j, n;

	*out = NULL;
	if (!keys)
		return oom();
	json_object_foreach((json_t *)obj, key, v)
		if (json_array_append_new(keys, json_string(key)) < 0) {
			json_decref(keys);
			return oom();
		}
	/* insertion sort: these lists are short */
	n = json_array_size(keys);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(json_string_value(json_array_get(keys, j - 1)),
					    json_string_value(json_array_get(keys, j))) > 0; j--) {
			json_t *a = json_incref(json_array_get(keys, j - 1));

			json_array_set(keys, j - 1, json_array_get(keys, j));
			json_array_set_new(keys, j, a);
		}
	*out = keys;
	return 0;
}

int kd_finit_app_add(json_t **out, kd_finit *c, const char *name, const char *kind,
		   const char *value, const char *comment)
{
	kd_buf b = KD_BUF_INIT;
	json_t *a, *app;
	size_t i;
	int n = 2;
	bool taken;

	*out = NULL;
	if (kd_buf_puts(&b, name[0] ? name : kind) < 0)
		return oom();
	do {
		taken = false;
		json_array_foreach(c->apps, i, a)
			if (str_eq(kd_json_str(a, "name"), kd_buf_cstr(&b)))
				taken = true;
		if (taken) {
			kd_buf_clear(&b);
			if (kd_buf_printf(&b, "%s-%d", name, n++) < 0) {
				kd_buf_free(&b);
				return oom();
			}
		}
	} while (taken);
	app = json_pack("{s:s, s:s, s:s, s:s}", "name", kd_buf_cstr(&b), "kind", kind,
			"value", value, "comment", comment);
	kd_buf_free(&b);
	if (!app || json_array_append_new(c->apps, app) < 0)
		return oom();
	*out = app;
	return 0;
}

int kd_finit_word_add(json_t *words, const char *w)
{
	json_t *v;
	size_t i;

	json_array_foreach(words, i, v)
		if (str_eq(json_string_value(v), w))
			return 0;
	return json_array_append_new(words, json_string(w)) < 0 ? oom() : 0;
}

/* ---- the whole ------------------------------------------------------------ */

static void finit_free(kd_finit *c)
{
	json_decref(c->dirs);
	json_decref(c->kust);
	json_decref(c->flux_ks);
	json_decref(c->gitrepos);
	json_decref(c->appsets);
	json_decref(c->applications);
	json_decref(c->unparsed);
	json_decref(c->contexts);
	json_decref(c->all_contexts);
	json_decref(c->clusters);
	json_decref(c->apps);
	json_decref(c->env_words);
	json_decref(c->region_words);
	json_decref(c->found);
	json_decref(c->guessed);
	json_decref(c->unmapped);
}

static int finish_notes(kd_finit *c)
{
	json_t *k;
	size_t i, n = json_array_size(c->unparsed);
	int rc = 0;

	json_array_foreach(c->contexts, i, k)
		if (rc == 0 && !json_is_true(json_object_get(k, "used")))
			rc = kd_finit_note(c->unmapped, "context %s: no cluster in the repository for it (listed as a comment under clusters)",
					   kd_json_str(k, "name"));
	if (rc == 0 && n)
		rc = kd_finit_note(c->unmapped, "%zu file%s not YAML kdrift reads (Helm templates?), %s%s",
				   n, n == 1 ? " is" : "s are", json_string_value(json_array_get(c->unparsed, 0)),
				   n > 1 ? " and more" : "");
	if (rc == 0 && c->truncated)
		rc = kd_finit_note(c->unmapped, "the repository has more than %d files and folders: only the first were examined",
				   FI_MAX_ENTRIES);
	if (rc == 0 && !json_array_size(c->apps))
		rc = kd_finit_note(c->unmapped, "no layout recognised (Flux clusters, Argo CD ApplicationSets, clusters/NAME/APP or overlays/ENV): no apps written");
	if (rc == 0 && !json_array_size(c->clusters))
		rc = kd_finit_note(c->unmapped, "no clusters: neither cluster directories nor kubeconfig contexts");
	return rc;
}

int kd_fleet_init_new(kd_fleet_init **out, kd_source *src, const kd_kubeconfig *kc)
{
	kd_finit c;
	kd_fleet_init *r = NULL;
	json_t *plain_found = NULL;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.src = src;
	c.kc = kc;
	strcpy(c.env_key, "env");
	c.dirs = json_object();
	c.kust = json_object();
	c.flux_ks = json_array();
	c.gitrepos = json_array();
	c.appsets = json_array();
	c.applications = json_array();
	c.unparsed = json_array();
	c.contexts = json_array();
	c.clusters = json_array();
	c.apps = json_array();
	c.env_words = json_array();
	c.region_words = json_array();
	c.found = json_array();
	c.guessed = json_array();
	c.unmapped = json_array();
	plain_found = json_object();
	r = calloc(1, sizeof(*r));
	if (!c.dirs || !c.kust || !c.flux_ks || !c.gitrepos || !c.appsets || !c.applications ||
	    !c.unparsed || !c.contexts || !c.clusters || !c.apps || !c.env_words ||
	    !c.region_words || !c.found || !c.guessed || !c.unmapped || !plain_found || !r) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = scan(&c, "", 0)) < 0 || (rc = read_contexts(&c)) < 0 ||
	    (rc = kd_finit_selector_words(&c)) < 0 || (rc = kd_finit_flux(&c)) < 0)
		goto cleanup;
	if ((rc = kd_finit_plain(&c, plain_found)) < 0 || (rc = kd_finit_plain_apps(&c, plain_found)) < 0)
		goto cleanup;
	/* Without cluster directories and ApplicationSets, environment
	 * overlays are the apps; beside them they are layers. */
	if (!json_array_size(c.clusters) && !json_array_size(c.appsets) && (rc = kd_finit_overlays(&c)) < 0)
		goto cleanup;
	if ((rc = kd_finit_argocd(&c)) < 0)
		goto cleanup;
	/* ApplicationSets and overlays name no clusters: the kubeconfig does. */
	if ((json_array_size(c.appsets) || !json_array_size(c.clusters)) &&
	    (rc = kd_finit_context_clusters(&c)) < 0)
		goto cleanup;
	if ((rc = kd_finit_guess_labels(&c)) < 0 || (rc = kd_finit_plain_selectors(&c)) < 0 ||
	    (rc = kd_finit_map_appsets(&c)) < 0 || (rc = finish_notes(&c)) < 0 ||
	    (rc = kd_finit_emit(&r->yaml, &r->nclusters, &r->napps, &c)) < 0)
		goto cleanup;
	r->found = json_incref(c.found);
	r->guessed = json_incref(c.guessed);
	r->unmapped = json_incref(c.unmapped);
	*out = r;
	r = NULL;
cleanup:
	json_decref(plain_found);
	kd_fleet_init_free(r);
	finit_free(&c);
	return rc;
}

void kd_fleet_init_free(kd_fleet_init *init)
{
	if (!init)
		return;
	free(init->yaml);
	json_decref(init->found);
	json_decref(init->guessed);
	json_decref(init->unmapped);
	free(init);
}
