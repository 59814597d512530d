/*
 * init_layout — the directory layouts `kdrift init` recognises (see
 * fleet.h): Flux roots and the Kustomizations they follow,
 * clusters/NAME/APP and overlays/ENV directories.  Works on the model
 * init.c gathered; never writes, never prints.
 */
#include "fleet/fleet.h"
#include "fleet_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* ---- Flux ----------------------------------------------------------------- */

/* The Kustomization `flux bootstrap` writes: it syncs the directory that
 * holds it. */
static bool is_sync(const json_t *k, const char *dir)
{
	const char *file = kd_json_str(k, "file");

	return str_eq(kd_json_str(k, "name"), "flux-system") ||
	       strcmp(kd_path_basename(dir), "flux-system") == 0 ||
	       strcmp(kd_path_basename(file), "gotk-sync.yaml") == 0;
}

static int add_root(json_t *roots, const char *root, const char *why,
		    const char *source, const char *sync)
{
	if (json_object_get(roots, root))
		return 0;
	if (json_object_set_new(roots, root, json_pack("{s:s, s:s?, s:s?}", "why", why,
						       "source", source, "sync", sync)) < 0)
		return oom();
	return 0;
}

/* The ancestor of dir (or dir) that sits right below a clusters/ folder. */
static int clusters_ancestor(char **out, const char *dir)
{
	char *x = strdup(dir), *up;

	*out = NULL;
	if (!x)
		return oom();
	while (x[0]) {
		if (!(up = kd_path_dirname(x))) {
			free(x);
			return oom();
		}
		if (strcmp(kd_path_basename(up), "clusters") == 0) {
			free(up);
			*out = x;
			return 0;
		}
		free(x);
		x = up;
	}
	free(x);
	return 0;
}

static int flux_roots(kd_finit *c, json_t *roots)
{
	kd_buf why = KD_BUF_INIT;
	json_t *k, *v, *v2;
	const char *r, *r2;
	void *tmp;
	size_t i;
	int rc = 0;

	json_array_foreach(c->flux_ks, i, k) {
		const char *path = kd_json_str(k, "path");
		char *dir = kd_path_dirname(kd_json_str(k, "file"));

		if (!dir)
			return oom();
		if (path && str_eq(kd_json_str(k, "sourceKind"), "GitRepository") &&
		    kd_finit_within(dir, path) && is_sync(k, dir)) {
			kd_buf_clear(&why);
			if (kd_buf_printf(&why, "synced by Kustomization %s/%s in %s",
					  kd_json_str(k, "namespace"), kd_json_str(k, "name"),
					  kd_json_str(k, "file")) < 0)
				rc = oom();
			else
				rc = add_root(roots, path, kd_buf_cstr(&why),
					      kd_json_str(k, "sourceName"), kd_json_str(k, "name"));
		}
		free(dir);
		if (rc < 0)
			goto cleanup;
	}
	json_array_foreach(c->gitrepos, i, k) {
		char *dir = kd_path_dirname(kd_json_str(k, "file")), *up = NULL;

		if (!dir || !(up = kd_path_dirname(dir))) {
			free(dir);
			rc = oom();
			goto cleanup;
		}
		if (str_eq(kd_json_str(k, "name"), "flux-system") &&
		    strcmp(kd_path_basename(dir), "flux-system") == 0) {
			kd_buf_clear(&why);
			if (kd_buf_printf(&why, "holds the flux-system GitRepository in %s",
					  kd_json_str(k, "file")) < 0)
				rc = oom();
			else
				rc = add_root(roots, up, kd_buf_cstr(&why), "flux-system", NULL);
		}
		free(dir);
		free(up);
		if (rc < 0)
			goto cleanup;
	}
	json_array_foreach(c->flux_ks, i, k) {
		char *dir = kd_path_dirname(kd_json_str(k, "file")), *a = NULL;

		if (!dir || (rc = clusters_ancestor(&a, dir)) < 0) {
			free(dir);
			rc = rc < 0 ? rc : oom();
			goto cleanup;
		}
		if (a)
			rc = add_root(roots, a, "holds Flux Kustomizations", NULL, NULL);
		free(a);
		free(dir);
		if (rc < 0)
			goto cleanup;
	}
	/* A root inside another is followed from the outer one already. */
	json_object_foreach_safe(roots, tmp, r, v) {
		bool nested = false;

		json_object_foreach(roots, r2, v2)
			if (strcmp(r, r2) != 0 && kd_finit_within(r, r2))
				nested = true;
		if (nested)
			json_object_del(roots, r);
	}
cleanup:
	kd_buf_free(&why);
	return rc;
}

/* Is Kustomization k built from this repository, as the root's sync says? */
static bool flux_followed(const json_t *k, const char *source)
{
	return str_eq(kd_json_str(k, "sourceKind"), "GitRepository") &&
	       (!source || str_eq(kd_json_str(k, "sourceName"), source));
}

int kd_finit_flux(kd_finit *c)
{
	json_t *roots = json_object(), *keys = NULL, *key, *k, *cl, *app;
	kd_buf b = KD_BUF_INIT, tmpl = KD_BUF_INIT;
	const char *sync = NULL, *prefix = NULL;
	bool same_sync = true, same_prefix = true;
	size_t i, j;
	int rc;

	if (!roots)
		return oom();
	if ((rc = flux_roots(c, roots)) < 0 || (rc = kd_finit_sorted_keys(&keys, roots)) < 0)
		goto cleanup;
	json_array_foreach(keys, i, key) {
		const char *root = json_string_value(key);
		const json_t *info = json_object_get(roots, root);
		const char *source = kd_json_str(info, "source");
		const char *s = kd_json_str(info, "sync");
		const char *name;
		size_t rl, nl;

		kd_buf_clear(&b);
		if (kd_buf_printf(&b, "Flux: %s, %s", root[0] ? root : "the repository root",
				  kd_json_str(info, "why")) < 0) {
			rc = oom();
			goto cleanup;
		}
		if ((rc = kd_finit_dir_cluster(&cl, c, root, kd_buf_cstr(&b))) < 0)
			goto cleanup;
		name = kd_json_str(cl, "name");
		if (json_object_set_new(cl, "fluxRoot", json_string(root)) < 0) {
			rc = oom();
			goto cleanup;
		}
		if ((rc = kd_finit_note(c->found, "%s: Flux cluster %s (%s)", root[0] ? root : ".",
					name, kd_json_str(info, "why"))) < 0)
			goto cleanup;
		json_array_foreach(c->flux_ks, j, k) {
			const char *path = kd_json_str(k, "path");

			if (!kd_finit_within(kd_json_str(k, "file"), root) || !flux_followed(k, source) ||
			    (path && strcmp(path, root) == 0))
				continue;
			if ((rc = kd_finit_note(c->found, "%s: Flux Kustomization %s/%s -> %s",
						kd_json_str(k, "file"), kd_json_str(k, "namespace"),
						kd_json_str(k, "name"),
						kd_json_str(k, "rawPath")[0] ? kd_json_str(k, "rawPath") : "./")) < 0)
				goto cleanup;
		}
		/* one app for every root: "clusters/{{name}}" when each root is
		 * a common folder and the cluster's name */
		if (!s || (sync && strcmp(s, sync) != 0))
			same_sync = false;
		if (s && !sync)
			sync = s;
		rl = strlen(root);
		nl = strlen(name);
		if (rl < nl || strcmp(root + rl - nl, name) != 0 ||
		    (rl > nl && root[rl - nl - 1] != '/')) {
			same_prefix = false;
		} else {
			kd_buf_clear(&b);
			if (kd_buf_add(&b, root, rl - nl) < 0) {
				rc = oom();
				goto cleanup;
			}
			if (!prefix) {
				if (kd_buf_puts(&tmpl, kd_buf_cstr(&b)) < 0) {
					rc = oom();
					goto cleanup;
				}
				prefix = kd_buf_cstr(&tmpl);
			} else if (strcmp(prefix, kd_buf_cstr(&b)) != 0) {
				same_prefix = false;
			}
		}
	}
	/* Kustomizations that build from elsewhere are never rendered. */
	json_array_foreach(c->flux_ks, j, k) {
		const char *path = kd_json_str(k, "path");
		bool ours = false, inside = false, named = false;

		/* Inside a root, the root's sync names this repository's
		 * GitRepository; elsewhere, any root's sync does (and with
		 * no sync anywhere, any GitRepository is taken for it). */
		json_array_foreach(keys, i, key) {
			const json_t *info = json_object_get(roots, json_string_value(key));

			if (kd_finit_within(kd_json_str(k, "file"), json_string_value(key))) {
				inside = true;
				ours = flux_followed(k, kd_json_str(info, "source"));
			}
		}
		json_array_foreach(keys, i, key) {
			const char *source = kd_json_str(json_object_get(roots, json_string_value(key)), "source");

			if (inside)
				break;
			named = named || source;
			if (source && flux_followed(k, source))
				ours = true;
		}
		if (!inside && !named && str_eq(kd_json_str(k, "sourceKind"), "GitRepository"))
			ours = true;
		if (!ours)
			rc = kd_finit_note(c->unmapped, "%s: Flux Kustomization %s/%s builds from %s %s, not from this repository: not followed",
					   kd_json_str(k, "file"), kd_json_str(k, "namespace"),
					   kd_json_str(k, "name"), kd_json_str(k, "sourceKind")[0] ? kd_json_str(k, "sourceKind") : "an unnamed source",
					   kd_json_str(k, "sourceName"));
		else if (!path)
			rc = kd_finit_note(c->unmapped, "%s: Flux Kustomization %s/%s: its path %s leaves the repository",
					   kd_json_str(k, "file"), kd_json_str(k, "namespace"),
					   kd_json_str(k, "name"), kd_json_str(k, "rawPath"));
		else if (!json_object_get(c->dirs, path))
			rc = kd_finit_note(c->unmapped, "%s: Flux Kustomization %s/%s: its path %s is not in the repository",
					   kd_json_str(k, "file"), kd_json_str(k, "namespace"),
					   kd_json_str(k, "name"), kd_json_str(k, "rawPath"));
		if (rc < 0)
			goto cleanup;
	}
	if (!json_array_size(keys))
		goto cleanup;
	kd_buf_clear(&b);
	if (same_prefix) {
		rc = kd_buf_printf(&b, "%s{{name}}", prefix ? prefix : "");
	} else {
		/* irregular roots: each cluster names its own */
		json_array_foreach(c->clusters, i, cl)
			if (kd_json_str(cl, "fluxRoot") &&
			    json_object_set(kd_json_obj(cl, "values"), "fluxRoot",
					    json_object_get(cl, "fluxRoot")) < 0)
				rc = oom();
		if (rc == 0)
			rc = kd_buf_puts(&b, "{{values.fluxRoot}}");
	}
	if (rc < 0 || (rc = kd_finit_app_add(&app, c, same_sync && sync ? sync : "flux", "fluxKustomizations",
				    kd_buf_cstr(&b),
				    "Flux: every Kustomization each cluster's root holds, followed as the controllers apply them")) < 0)
		goto cleanup;
	json_array_foreach(c->clusters, i, cl)
		if (kd_json_str(cl, "fluxRoot") &&
		    json_object_set_new(kd_json_obj(cl, "apps"), kd_json_str(app, "name"), json_true()) < 0)
			rc = oom();
cleanup:
	kd_buf_free(&b);
	kd_buf_free(&tmpl);
	json_decref(keys);
	json_decref(roots);
	return rc;
}

static bool in_flux_root(const kd_finit *c, const char *dir)
{
	json_t *cl;
	size_t i;

	json_array_foreach(c->clusters, i, cl)
		if (kd_json_str(cl, "fluxRoot") && kd_finit_within(dir, kd_json_str(cl, "fluxRoot")))
			return true;
	return false;
}

/* ---- Kustomize: clusters/NAME/APP and overlays/ENV ------------------------ */

static bool overlay_folder(const char *name)
{
	return strcmp(name, "overlays") == 0 || strcmp(name, "environments") == 0 ||
	       strcmp(name, "envs") == 0;
}

static bool has_content(const kd_finit *c, const char *dir)
{
	const json_t *d = json_object_get(c->dirs, dir);

	return json_is_true(json_object_get(d, "k")) ||
	       json_integer_value(json_object_get(d, "d")) > 0;
}

/* The environment an app directory builds on: ENV of the first
 * overlays/ENV its kustomization refers to. */
static int overlay_env(char **out, const kd_finit *c, const char *appdir)
{
	static const char *const lists[] = { "resources", "bases", "components", NULL };
	const json_t *doc = json_object_get(c->kust, appdir), *ref;
	size_t i, j;

	*out = NULL;
	for (i = 0; lists[i] && !*out; i++)
		json_array_foreach(kd_json_arr(doc, lists[i]), j, ref) {
			const char *s = json_string_value(ref), *p, *slash;
			char *path = NULL;

			if (!s || kd_path_join(&path, appdir, s) < 0) {
				kd_error_clear();
				continue;
			}
			for (p = path; p && *p; p = slash ? slash + 1 : NULL) {
				size_t n;

				slash = strchr(p, '/');
				n = slash ? (size_t)(slash - p) : strlen(p);
				if (slash && ((n == 8 && strncmp(p, "overlays", 8) == 0) ||
					      (n == 12 && strncmp(p, "environments", 12) == 0) ||
					      (n == 4 && strncmp(p, "envs", 4) == 0))) {
					const char *e = slash + 1, *end = strchr(e, '/');

					*out = end ? strndup(e, (size_t)(end - e)) : strdup(e);
					break;
				}
			}
			free(path);
			if (*out)
				break;
		}
	return 0;
}


/* apps: template -> {"name", "members": [cluster names]} */
static int plain_cluster(kd_finit *c, const char *d, json_t *apps, json_t *loose)
{
	const json_t *info = json_object_get(c->dirs, d), *ch;
	char *parent = kd_path_dirname(d), *env = NULL, *first_env = NULL;
	kd_buf b = KD_BUF_INIT;
	bool mixed = false;
	json_t *cl = NULL;
	size_t i, napps = 0;
	int rc = 0;

	if (!parent)
		return oom();
	json_array_foreach(kd_json_arr(info, "c"), i, ch) {
		char *p = kd_finit_join(d, json_string_value(ch));

		if (!p) {
			rc = oom();
			goto cleanup;
		}
		if (has_content(c, p))
			napps++;
		free(p);
	}
	if (!napps && !json_is_true(json_object_get(info, "k")) &&
	    !json_integer_value(json_object_get(info, "m")))
		goto cleanup;
	if (kd_buf_printf(&b, "Kustomize: %s", d) < 0 ||
	    (rc = kd_finit_dir_cluster(&cl, c, d, kd_buf_cstr(&b))) < 0) {
		rc = rc < 0 ? rc : oom();
		goto cleanup;
	}
	if (strcmp(kd_json_str(cl, "name"), kd_path_basename(d)) != 0 &&
	    json_object_set_new(kd_json_obj(cl, "values"), "dir", json_string(kd_path_basename(d))) < 0) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = kd_finit_note(c->found, "%s: cluster %s", d, kd_json_str(cl, "name"))) < 0)
		goto cleanup;
	json_array_foreach(kd_json_arr(info, "c"), i, ch) {
		const char *a = json_string_value(ch);
		char *p = kd_finit_join(d, a);
		json_t *entry;

		kd_buf_clear(&b);
		if (!p || kd_buf_printf(&b, "%s/%%s/%s", parent, a) < 0) {
			free(p);
			rc = oom();
			goto cleanup;
		}
		if (!has_content(c, p)) {
			free(p);
			continue;
		}
		free(env);
		if ((rc = overlay_env(&env, c, p)) < 0) {
			free(p);
			goto cleanup;
		}
		free(p);
		if (env && !first_env && !(first_env = strdup(env))) {
			rc = oom();
			goto cleanup;
		}
		if (!env || (first_env && strcmp(env, first_env) != 0))
			mixed = true;
		entry = json_object_get(apps, kd_buf_cstr(&b));
		if (!entry) {
			entry = json_pack("{s:s, s:[]}", "name", a, "members");
			if (!entry || json_object_set_new(apps, kd_buf_cstr(&b), entry) < 0) {
				rc = oom();
				goto cleanup;
			}
		}
		if (json_array_append_new(json_object_get(entry, "members"),
					  json_string(kd_json_str(cl, "name"))) < 0) {
			rc = oom();
			goto cleanup;
		}
	}
	/* A cluster directory that is itself the kustomization is one app. */
	if (!napps) {
		json_t *entry;

		kd_buf_clear(&b);
		if (kd_buf_printf(&b, "%s/%%s", parent) < 0) {
			rc = oom();
			goto cleanup;
		}
		entry = json_object_get(apps, kd_buf_cstr(&b));
		if (!entry) {
			entry = json_pack("{s:s, s:[]}", "name", kd_path_basename(parent)[0] ?
					  kd_path_basename(parent) : "cluster", "members");
			if (!entry || json_object_set_new(apps, kd_buf_cstr(&b), entry) < 0) {
				rc = oom();
				goto cleanup;
			}
		}
		if (json_array_append_new(json_object_get(entry, "members"),
					  json_string(kd_json_str(cl, "name"))) < 0)
			rc = oom();
		goto cleanup;
	}
	json_array_foreach(kd_json_arr(info, "f"), i, ch) {
		const char *f = json_string_value(ch);

		if (json_object_set_new(loose, f, json_integer(json_integer_value(json_object_get(loose, f)) + 1)) < 0) {
			rc = oom();
			goto cleanup;
		}
	}
	if (first_env && !mixed) {
		if (json_object_set_new(kd_json_obj(cl, "labels"), c->env_key, json_string(first_env)) < 0 ||
		    kd_finit_note(kd_json_arr(cl, "labelNotes"), "%s from the overlays its apps build on", c->env_key) < 0 ||
		    (rc = kd_finit_word_add(c->env_words, first_env)) < 0) {
			rc = rc < 0 ? rc : oom();
			goto cleanup;
		}
		rc = kd_finit_note(c->found, "%s: %s %s, from the overlays/%s its apps build on",
				   d, c->env_key, first_env, first_env);
	}
cleanup:
	kd_buf_free(&b);
	free(parent);
	free(env);
	free(first_env);
	return rc;
}

int kd_finit_plain(kd_finit *c, json_t *apps)
{
	json_t *keys = NULL, *key, *loose = json_object();
	const char *f;
	json_t *n;
	size_t i;
	int rc;

	if (!loose)
		return oom();
	if ((rc = kd_finit_sorted_keys(&keys, c->dirs)) < 0)
		goto cleanup;
	json_array_foreach(keys, i, key) {
		const char *d = json_string_value(key);
		char *parent = kd_path_dirname(d);
		bool candidate = parent && d[0] && strcmp(kd_path_basename(parent), "clusters") == 0;

		free(parent);
		if (!candidate || in_flux_root(c, d))
			continue;
		if ((rc = plain_cluster(c, d, apps, loose)) < 0)
			goto cleanup;
	}
	json_object_foreach(loose, f, n)
		if ((rc = kd_finit_note(c->unmapped, "%s in %lld cluster director%s: beside the apps, in none of them (a ConfigMap there can feed an app's substituteFrom)",
					f, (long long)json_integer_value(n),
					json_integer_value(n) == 1 ? "y" : "ies")) < 0)
			goto cleanup;
cleanup:
	json_decref(keys);
	json_decref(loose);
	return rc;
}

/* Turns the collected path apps into app entries: "%s" in each template
 * stands for the cluster's directory. */
int kd_finit_plain_apps(kd_finit *c, json_t *apps)
{
	json_t *keys = NULL, *key, *cl, *app, *m;
	bool by_values = false;
	kd_buf b = KD_BUF_INIT;
	size_t i, j;
	int rc;

	if ((rc = kd_finit_sorted_keys(&keys, apps)) < 0)
		return rc;
	json_array_foreach(c->clusters, i, cl)
		if (kd_json_str(kd_json_obj(cl, "values"), "dir"))
			by_values = true;
	json_array_foreach(keys, i, key) {
		const char *tmpl = json_string_value(key);
		const json_t *e = json_object_get(apps, tmpl);
		const char *pct = strstr(tmpl, "%s");

		kd_buf_clear(&b);
		if (kd_buf_add(&b, tmpl, (size_t)(pct - tmpl)) < 0 ||
		    kd_buf_puts(&b, by_values ? "{{values.dir}}" : "{{name}}") < 0 ||
		    kd_buf_puts(&b, pct + 2) < 0) {
			rc = oom();
			goto cleanup;
		}
		if ((rc = kd_finit_app_add(&app, c, kd_json_str(e, "name"), "path", kd_buf_cstr(&b),
				  "Kustomize: the cluster's own directory of the app")) < 0)
			goto cleanup;
		if (json_object_set(app, "members", json_object_get(e, "members")) < 0) {
			rc = oom();
			goto cleanup;
		}
		json_array_foreach(kd_json_arr(e, "members"), j, m)
			if (json_object_set_new(kd_json_obj(kd_finit_cluster(c, json_string_value(m)), "apps"),
						kd_json_str(app, "name"), json_true()) < 0)
				rc = oom();
		if (rc < 0 || (rc = kd_finit_note(c->found, "%s: app %s in %zu cluster%s", kd_buf_cstr(&b),
						  kd_json_str(app, "name"), json_array_size(kd_json_arr(e, "members")),
						  json_array_size(kd_json_arr(e, "members")) == 1 ? "" : "s")) < 0)
			goto cleanup;
	}
	if (by_values) {
		json_array_foreach(c->clusters, i, cl)
			if (!kd_json_str(kd_json_obj(cl, "values"), "dir") && json_object_size(kd_json_obj(cl, "apps")) &&
			    !kd_json_str(cl, "fluxRoot") &&
			    json_object_set_new(kd_json_obj(cl, "values"), "dir", json_string(kd_json_str(cl, "name"))) < 0)
				rc = oom();
	}
cleanup:
	kd_buf_free(&b);
	json_decref(keys);
	return rc;
}

/* overlays/ENV (one app) or overlays/ENV/APP (an app each), for clusters
 * that come from the kubeconfig with an env label. */
int kd_finit_overlays(kd_finit *c)
{
	json_t *keys = NULL, *key, *ch, *app, *sub = NULL;
	kd_buf b = KD_BUF_INIT, v = KD_BUF_INIT;
	size_t i, j, k;
	int rc;

	if ((rc = kd_finit_sorted_keys(&keys, c->dirs)) < 0)
		return rc;
	json_array_foreach(keys, i, key) {
		const char *d = json_string_value(key);
		const json_t *info = json_object_get(c->dirs, d);
		char *parent;
		json_t *envs = json_array();
		const char *appname;

		json_decref(sub);
		sub = json_object();   /* APP -> [envs] */
		if (!envs || !sub) {
			json_decref(envs);
			rc = oom();
			goto cleanup;
		}
		if (!overlay_folder(kd_path_basename(d))) {
			json_decref(envs);
			continue;
		}
		json_array_foreach(kd_json_arr(info, "c"), j, ch) {
			char *p = kd_finit_join(d, json_string_value(ch));
			const json_t *pi = p ? json_object_get(c->dirs, p) : NULL;

			if (!p) {
				rc = oom();
				break;
			}
			if (json_is_true(json_object_get(pi, "k"))) {
				rc = json_array_append(envs, ch) < 0 ? oom() : 0;
			} else {
				json_t *a;

				json_array_foreach(kd_json_arr(pi, "c"), k, a) {
					char *q = kd_finit_join(p, json_string_value(a));
					json_t *list;

					if (!q) {
						rc = oom();
						break;
					}
					if (has_content(c, q)) {
						list = json_object_get(sub, json_string_value(a));
						if (!list && json_object_set_new(sub, json_string_value(a),
										 list = json_array()) < 0)
							rc = oom();
						if (rc == 0 && json_array_append(list, ch) < 0)
							rc = oom();
					}
					free(q);
				}
			}
			free(p);
			if (rc < 0)
				break;
		}
		if (rc < 0) {
			json_decref(envs);
			goto cleanup;
		}
		json_array_foreach(envs, j, ch)
			rc = rc < 0 ? rc : kd_finit_word_add(c->env_words, json_string_value(ch));
		{
			const char *a;
			json_t *list;

			json_object_foreach(sub, a, list)
				json_array_foreach(list, j, ch)
					rc = rc < 0 ? rc : kd_finit_word_add(c->env_words, json_string_value(ch));
		}
		if (rc < 0) {
			json_decref(envs);
			goto cleanup;
		}
		parent = kd_path_dirname(d);
		if (!parent) {
			json_decref(envs);
			rc = oom();
			goto cleanup;
		}
		appname = parent[0] ? kd_path_basename(parent) : "app";
		if (json_array_size(envs)) {
			kd_buf_clear(&b);
			if (kd_buf_printf(&b, "%s/{{metadata.labels.%s}}", d, c->env_key) < 0 ||
			    (rc = kd_finit_app_add(&app, c, appname, "path", kd_buf_cstr(&b),
					  "Kustomize: the overlay of the cluster's environment")) < 0 ||
			    json_object_set(app, "envs", envs) < 0) {
				rc = rc < 0 ? rc : oom();
			} else {
				kd_buf_clear(&v);
				json_array_foreach(envs, j, ch)
					if (kd_buf_printf(&v, "%s%s", j ? ", " : "", json_string_value(ch)) < 0)
						rc = oom();
				if (rc == 0)
					rc = kd_finit_note(c->found, "%s: app %s, overlays for %s", d,
							   kd_json_str(app, "name"), kd_buf_cstr(&v));
				if (rc == 0 && !parent[0])
					rc = kd_finit_note(c->guessed, "%s: app named %s (rename it as you like)",
							   d, kd_json_str(app, "name"));
			}
		} else {
			const char *a;
			json_t *list;

			json_object_foreach(sub, a, list) {
				kd_buf_clear(&b);
				if (kd_buf_printf(&b, "%s/{{metadata.labels.%s}}/%s", d, c->env_key, a) < 0 ||
				    (rc = kd_finit_app_add(&app, c, a, "path", kd_buf_cstr(&b),
						  "Kustomize: the app's overlay for the cluster's environment")) < 0 ||
				    json_object_set(app, "envs", list) < 0) {
					rc = rc < 0 ? rc : oom();
					break;
				}
				kd_buf_clear(&v);
				json_array_foreach(list, j, ch)
					if (kd_buf_printf(&v, "%s%s", j ? ", " : "", json_string_value(ch)) < 0)
						rc = oom();
				if (rc == 0)
					rc = kd_finit_note(c->found, "%s/*/%s: app %s, overlays for %s", d, a,
							   kd_json_str(app, "name"), kd_buf_cstr(&v));
				if (rc < 0)
					break;
			}
		}
		free(parent);
		json_decref(envs);
		if (rc < 0)
			goto cleanup;
	}
cleanup:
	json_decref(sub);
	kd_buf_free(&b);
	kd_buf_free(&v);
	json_decref(keys);
	return rc;
}
