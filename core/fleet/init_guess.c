/*
 * init_guess — the guesses `kdrift init` makes (see fleet.h): cluster names
 * from contexts and directories, the context of a cluster directory, env
 * and region labels from names, and how ApplicationSet generators land on
 * the clusters (selectors, list elements and servers).
 *
 * Every guess leaves a note in the model (labelNotes, contextNote,
 * serverNote) and a line in `guessed`; what cannot be placed goes to
 * `unmapped`.  Never writes, never prints.
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

static bool in_list(const char *w, const char *const *list)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (strcmp(w, list[i]) == 0)
			return true;
	return false;
}

/* ---- names and contexts ---------------------------------------------------- */

static bool dns_name(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		char ch = s[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');

		if (!alnum && ch != '-' && ch != '.')
			return false;
		/* every dot-separated label starts and ends alphanumeric */
		if (!alnum && (i == 0 || i == n - 1 || s[i - 1] == '.' || s[i + 1] == '.'))
			return false;
	}
	return true;
}

int kd_finit_cluster_name(char **out, const char *text)
{
	const char *p = text, *s;
	kd_buf b = KD_BUF_INIT;
	bool dash = false;

	*out = NULL;
	if (dns_name(text))
		return (*out = strdup(text)) ? 0 : oom();
	/* "arn:...:cluster/NAME", "gke_PROJECT_ZONE_NAME", "user@NAME":
	 * the cluster's own name comes last */
	for (s = text; *s; s++)
		if ((*s == '/' || *s == ':' || *s == '_' || *s == '@') && s[1])
			p = s + 1;
	for (; *p && b.len < 63; p++) {
		char ch = *p;

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
			if (dash && b.len && kd_buf_putc(&b, '-') < 0)
				goto fail;
			dash = false;
			if (kd_buf_putc(&b, ch) < 0)
				goto fail;
		} else {
			dash = true;
		}
	}
	if (!b.len && kd_buf_puts(&b, "cluster") < 0)
		goto fail;
	*out = kd_buf_detach(&b);
	return 0;
fail:
	kd_buf_free(&b);
	return oom();
}

static bool context_names(const char *ctx, const char *name)
{
	size_t a = strlen(ctx), n = strlen(name);
	char *derived = NULL;
	bool r;

	if (a > n && strcmp(ctx + a - n, name) == 0 && strchr("-_/:@.", ctx[a - n - 1]))
		return true;
	if (kd_finit_cluster_name(&derived, ctx) < 0) {
		kd_error_clear();
		return false;
	}
	r = strcmp(derived, name) == 0;
	free(derived);
	return r;
}

int kd_finit_match_context(kd_finit *c, json_t *cluster)
{
	const char *name = kd_json_str(cluster, "name");
	json_t *k, *hit = NULL;
	kd_buf b = KD_BUF_INIT;
	size_t i, nhits = 0;
	int rc;

	json_array_foreach(c->contexts, i, k)
		if (str_eq(kd_json_str(k, "name"), name))
			return json_object_set_new(k, "used", json_true()) < 0 ? oom() : 0;
	json_array_foreach(c->all_contexts, i, k)
		if (str_eq(json_string_value(k), name))
			return 0;
	json_array_foreach(c->contexts, i, k)
		if (!json_is_true(json_object_get(k, "used")) && context_names(kd_json_str(k, "name"), name)) {
			hit = k;
			nhits++;
		}
	if (nhits == 1) {
		const char *ctx = kd_json_str(hit, "name");

		if (json_object_set_new(hit, "used", json_true()) < 0 ||
		    json_object_set_new(cluster, "context", json_string(ctx)) < 0 ||
		    json_object_set_new(cluster, "contextNote", json_string("guessed: the only context that names this cluster")) < 0)
			return oom();
		return kd_finit_note(c->guessed, "cluster %s: context %s (no context has the cluster's name)",
				     name, ctx);
	}
	if (nhits > 1) {
		json_array_foreach(c->contexts, i, k)
			if (!json_is_true(json_object_get(k, "used")) && context_names(kd_json_str(k, "name"), name) &&
			    kd_buf_printf(&b, "%s%s", b.len ? ", " : "", kd_json_str(k, "name")) < 0) {
				kd_buf_free(&b);
				return oom();
			}
	}
	rc = kd_finit_note(c->unmapped, "cluster %s: no kubeconfig context of that name%s%s%s",
			   name, nhits ? " (it could be any of " : "", kd_buf_cstr(&b), nhits ? ")" : "");
	if (rc == 0 && json_object_set_new(cluster, "contextNote",
					   json_string("no kubeconfig context has this name: set context: to the one that reaches it")) < 0)
		rc = oom();
	kd_buf_free(&b);
	return rc;
}

/* ---- label words --------------------------------------------------------- */

typedef struct env_class {
	const char *canon;
	const char *const words[5];
} env_class;

static const env_class env_classes[] = {
	{ "production", { "production", "prod", "prd", NULL } },
	{ "staging", { "staging", "stage", "stg", NULL } },
	{ "development", { "development", "dev", NULL } },
	{ "qa", { "qa", "test", NULL } },
};
#define NENV (sizeof(env_classes) / sizeof(env_classes[0]))

static int env_class_of(const char *w)
{
	size_t i;

	for (i = 0; i < NENV; i++)
		if (in_list(w, env_classes[i].words))
			return (int)i;
	return -1;
}


/* Calls fn for every clusters generator's selector (NULL when it has
 * none), at any depth of matrix and merge. */
typedef int (*selector_fn)(kd_finit *c, const json_t *app, const json_t *selector);

static int each_selector(kd_finit *c, const json_t *app, const json_t *gens, selector_fn fn)
{
	const json_t *g;
	size_t i;
	int rc = 0;

	json_array_foreach(gens, i, g) {
		const json_t *cg = json_object_get(g, "clusters");

		if (json_is_object(cg) && (rc = fn(c, app, kd_json_obj(cg, "selector"))) < 0)
			return rc;
		if ((rc = each_selector(c, app, kd_json_arr(kd_json_obj(g, "matrix"), "generators"), fn)) < 0 ||
		    (rc = each_selector(c, app, kd_json_arr(kd_json_obj(g, "merge"), "generators"), fn)) < 0)
			return rc;
	}
	return 0;
}

static int words_of(kd_finit *c, const char *key, const json_t *value)
{
	json_t *list = NULL;

	if (strcmp(key, c->env_key) == 0)
		list = c->env_words;
	else if (strcmp(key, "region") == 0)
		list = c->region_words;
	if (!list || !json_is_string(value))
		return 0;
	return kd_finit_word_add(list, json_string_value(value));
}

static int collect_keys(kd_finit *c, const json_t *app, const json_t *sel)
{
	const json_t *e, *v;
	const char *key;
	size_t i, j;
	int rc = 0;

	(void)app;
	json_object_foreach((json_t *)kd_json_obj(sel, "matchLabels"), key, v)
		if (strcmp(key, "environment") == 0 && strcmp(c->env_key, "env") == 0)
			strcpy(c->env_key, "environment");
	json_array_foreach(kd_json_arr(sel, "matchExpressions"), i, e)
		if (str_eq(kd_json_str(e, "key"), "environment") && strcmp(c->env_key, "env") == 0)
			strcpy(c->env_key, "environment");
	json_object_foreach((json_t *)kd_json_obj(sel, "matchLabels"), key, v)
		if ((rc = words_of(c, key, v)) < 0)
			return rc;
	json_array_foreach(kd_json_arr(sel, "matchExpressions"), i, e)
		json_array_foreach(kd_json_arr(e, "values"), j, v)
			if (kd_json_str(e, "key") && (rc = words_of(c, kd_json_str(e, "key"), v)) < 0)
				return rc;
	return 0;
}

int kd_finit_selector_words(kd_finit *c)
{
	const json_t *a;
	size_t i;
	int rc = 0;

	/* the key first (env or environment), then the values under it */
	for (int pass = 0; pass < 2; pass++)
		json_array_foreach(c->appsets, i, a)
			if ((rc = each_selector(c, a, kd_json_arr(kd_json_obj(json_object_get(a, "doc"), "spec"), "generators"),
						collect_keys)) < 0)
				return rc;
	return 0;
}

/* ---- guessing labels ------------------------------------------------------- */

static const char *const region_first[] = {
	"us", "eu", "ap", "ca", "sa", "me", "af", "il", "mx", "cn", "uk",
	"europe", "asia", "australia", "northamerica", "southamerica", "africa", NULL
};
static const char *const directions[] = {
	"east", "west", "north", "south", "central", "northeast", "southeast",
	"northwest", "southwest", NULL
};
static const char *const region_words[] = {
	"eastus", "eastus2", "westus", "westus2", "westus3", "centralus",
	"northcentralus", "southcentralus", "westeurope", "northeurope",
	"uksouth", "ukwest", "southeastasia", "eastasia", "japaneast",
	"japanwest", "australiaeast", "canadacentral", "francecentral",
	"germanywestcentral", "swedencentral", "brazilsouth", "koreacentral",
	"centralindia", NULL
};
static const char *const region_bare[] = {
	"eu", "us", "uk", "apac", "emea", "amer", "latam", "asia", "europe", NULL
};

/* "west", "west1", "west2" */
static bool direction(const char *w)
{
	size_t n = strlen(w);

	while (n && w[n - 1] >= '0' && w[n - 1] <= '9')
		n--;
	for (size_t i = 0; directions[i]; i++)
		if (strlen(directions[i]) == n && strncmp(w, directions[i], n) == 0)
			return true;
	return false;
}

static int split_words(json_t **out, const char *name)
{
	json_t *t = json_array();
	const char *p = name;

	*out = NULL;
	if (!t)
		return oom();
	while (*p) {
		size_t n = strcspn(p, "-_.");

		if (n && json_array_append_new(t, json_stringn(p, n)) < 0) {
			json_decref(t);
			return oom();
		}
		p += n;
		if (*p)
			p++;
	}
	*out = t;
	return 0;
}

static int guess_env(kd_finit *c, json_t *cl, const json_t *words)
{
	json_t *w, *v;
	size_t i, j;

	json_array_foreach(words, i, w) {
		int k = env_class_of(json_string_value(w));
		const char *value;

		if (k < 0)
			continue;
		value = env_classes[k].canon;
		json_array_foreach(c->env_words, j, v)
			if (env_class_of(json_string_value(v)) == k) {
				value = json_string_value(v);
				break;
			}
		if (json_object_set_new(kd_json_obj(cl, "labels"), c->env_key, json_string(value)) < 0 ||
		    kd_finit_note(kd_json_arr(cl, "labelNotes"), "%s guessed from \"%s\" in the name",
				  c->env_key, json_string_value(w)) < 0)
			return oom();
		return kd_finit_note(c->guessed, "cluster %s: %s=%s, from \"%s\" in its name",
				     kd_json_str(cl, "name"), c->env_key, value, json_string_value(w));
	}
	return 0;
}

static int guess_region(kd_finit *c, json_t *cl, const json_t *words)
{
	size_t i, n = json_array_size(words);
	kd_buf r = KD_BUF_INIT;
	int rc;

	for (i = 0; i < n && !r.len; i++) {
		const char *w = json_string_value(json_array_get(words, i));
		const char *next = i + 1 < n ? json_string_value(json_array_get(words, i + 1)) : NULL;

		if (next && in_list(w, region_first) && direction(next)) {
			if (kd_buf_printf(&r, "%s-%s", w, next) < 0)
				return oom();
		} else if (in_list(w, region_words) && kd_buf_puts(&r, w) < 0) {
			return oom();
		}
	}
	for (i = 0; i < n && !r.len; i++) {
		const char *w = json_string_value(json_array_get(words, i));

		if (in_list(w, region_bare) && kd_buf_puts(&r, w) < 0)
			return oom();
	}
	if (!r.len)
		return 0;
	rc = 0;
	if (json_object_set_new(kd_json_obj(cl, "labels"), "region", json_string(kd_buf_cstr(&r))) < 0 ||
	    kd_finit_note(kd_json_arr(cl, "labelNotes"), "region guessed from the name") < 0)
		rc = oom();
	if (rc == 0)
		rc = kd_finit_note(c->guessed, "cluster %s: region=%s, from its name",
				   kd_json_str(cl, "name"), kd_buf_cstr(&r));
	kd_buf_free(&r);
	return rc;
}

int kd_finit_guess_labels(kd_finit *c)
{
	json_t *cl, *words = NULL;
	size_t i;
	int rc = 0;

	json_array_foreach(c->clusters, i, cl) {
		const json_t *labels = kd_json_obj(cl, "labels");

		if ((rc = split_words(&words, kd_json_str(cl, "name"))) < 0)
			return rc;
		if (!json_object_get(labels, c->env_key))
			rc = guess_env(c, cl, words);
		if (rc == 0 && !json_object_get(labels, "region"))
			rc = guess_region(c, cl, words);
		json_decref(words);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- ApplicationSets against the clusters ---------------------------------- */

/* fasttemplate (or a goTemplate's plain {{.a.b}}) over one list element;
 * a tag it cannot fill stays as written. */
static int expand(kd_buf *out, const char *tmpl, const json_t *params, bool go)
{
	const char *p = tmpl;

	while (*p) {
		const char *open = strstr(p, "{{"), *close, *k, *e;
		json_t *v;
		char *key;

		if (!open || !(close = strstr(open + 2, "}}")))
			return kd_buf_puts(out, p) < 0 ? oom() : 0;
		if (kd_buf_add(out, p, (size_t)(open - p)) < 0)
			return oom();
		for (k = open + 2; k < close && *k == ' '; k++)
			;
		for (e = close; e > k && e[-1] == ' '; e--)
			;
		if (go && k < e && *k == '.')
			k++;
		if (!(key = strndup(k, (size_t)(e - k))))
			return oom();
		v = json_object_get(params, key);
		if (!v && strchr(key, '.')) {
			/* goTemplate paths go down nested objects */
			char *save = NULL, *t;

			v = (json_t *)params;
			for (t = strtok_r(key, ".", &save); t && v; t = strtok_r(NULL, ".", &save))
				v = json_object_get(v, t);
		}
		free(key);
		if (json_is_string(v)) {
			if (kd_buf_puts(out, json_string_value(v)) < 0)
				return oom();
		} else if (json_is_integer(v)) {
			if (kd_buf_printf(out, "%lld", (long long)json_integer_value(v)) < 0)
				return oom();
		} else if (json_is_boolean(v)) {
			if (kd_buf_puts(out, json_is_true(v) ? "true" : "false") < 0)
				return oom();
		} else if (kd_buf_add(out, open, (size_t)(close + 2 - open)) < 0) {
			return oom();
		}
		p = close + 2;
	}
	return 0;
}

static json_t *cluster_by_server(const kd_finit *c, const char *server)
{
	json_t *cl;
	size_t i;

	json_array_foreach(c->clusters, i, cl)
		if (str_eq(kd_json_str(cl, "server"), server))
			return cl;
	return NULL;
}

/* The cluster a list element stands for: one of its values is the
 * cluster's name or context. */
static json_t *cluster_named_in(const kd_finit *c, const json_t *element)
{
	const char *key;
	json_t *v, *cl;
	size_t i;

	json_object_foreach((json_t *)element, key, v) {
		if (!json_is_string(v))
			continue;
		json_array_foreach(c->clusters, i, cl)
			if (str_eq(kd_json_str(cl, "name"), json_string_value(v)) ||
			    str_eq(kd_json_str(cl, "context"), json_string_value(v)))
				return cl;
	}
	return NULL;
}

static int map_element(kd_finit *c, const char *set, const json_t *dest,
		       const json_t *element, bool go)
{
	kd_buf name = KD_BUF_INIT, server = KD_BUF_INIT;
	const char *tn = kd_json_str(dest, "name"), *ts = kd_json_str(dest, "server");
	json_t *cl;
	int rc = 0;

	if ((tn && (rc = expand(&name, tn, element, go)) < 0) ||
	    (ts && (rc = expand(&server, ts, element, go)) < 0))
		goto cleanup;
	if (tn && !strstr(kd_buf_cstr(&name), "{{")) {
		if (!kd_finit_cluster(c, kd_buf_cstr(&name)))
			rc = kd_finit_note(c->unmapped, "ApplicationSet %s: a list element's destination name %s is no cluster",
					   set, kd_buf_cstr(&name));
		goto cleanup;
	}
	if (!ts || strstr(kd_buf_cstr(&server), "{{") || cluster_by_server(c, kd_buf_cstr(&server)))
		goto cleanup;
	cl = cluster_named_in(c, element);
	if (cl && !kd_json_str(cl, "server") &&
	    (strncmp(kd_buf_cstr(&server), "https://", 8) == 0 ||
	     strncmp(kd_buf_cstr(&server), "http://", 7) == 0)) {
		kd_buf note = KD_BUF_INIT;

		if (kd_buf_printf(&note, "guessed: ApplicationSet %s's list gives this cluster this server", set) < 0 ||
		    json_object_set_new(cl, "server", json_string(kd_buf_cstr(&server))) < 0 ||
		    json_object_set_new(cl, "serverNote", json_string(kd_buf_cstr(&note))) < 0)
			rc = oom();
		kd_buf_free(&note);
		if (rc == 0)
			rc = kd_finit_note(c->guessed, "cluster %s: server %s, as ApplicationSet %s's list names it with that server",
					   kd_json_str(cl, "name"), kd_buf_cstr(&server), set);
		goto cleanup;
	}
	rc = kd_finit_note(c->unmapped, "ApplicationSet %s: a list element's destination server %s matches no cluster%s",
			   set, kd_buf_cstr(&server),
			   cl ? " (the cluster it names has another server)" : ": give the cluster it means that server");
cleanup:
	kd_buf_free(&name);
	kd_buf_free(&server);
	return rc;
}

static int check_selector(kd_finit *c, const json_t *app, const json_t *selobj)
{
	const char *set = kd_json_str(app, "name");
	kd_selector sel = { NULL, NULL };
	json_t *cl, *v, *keys = json_array();
	const json_t *e;
	const char *key;
	size_t i, n = 0;
	int rc;

	if (!keys)
		return oom();
	json_object_foreach((json_t *)kd_json_obj(selobj, "matchLabels"), key, v)
		if (json_array_append_new(keys, json_string(key)) < 0) {
			json_decref(keys);
			return oom();
		}
	json_array_foreach(kd_json_arr(selobj, "matchExpressions"), i, e)
		if (kd_json_str(e, "key") && json_array_append_new(keys, json_string(kd_json_str(e, "key"))) < 0) {
			json_decref(keys);
			return oom();
		}
	json_array_foreach(keys, i, v) {
		bool anyone = false;
		size_t j;

		json_array_foreach(c->clusters, j, cl)
			if (json_object_get(kd_json_obj(cl, "labels"), json_string_value(v)))
				anyone = true;
		if (!anyone && (rc = kd_finit_note(c->unmapped, "ApplicationSet %s selects clusters by the label %s, which no cluster was given: add it to the clusters it means",
						   set, json_string_value(v))) < 0) {
			json_decref(keys);
			return rc;
		}
	}
	json_decref(keys);
	if (selobj && kd_selector_parse(&sel, selobj, set) < 0) {
		rc = kd_finit_note(c->unmapped, "ApplicationSet %s: %s", set, kd_error_last());
		kd_error_clear();
		return rc;
	}
	json_array_foreach(c->clusters, i, cl)
		if (kd_selector_matches(&sel, kd_json_obj(cl, "labels")))
			n++;
	kd_selector_free(&sel);
	if (!n)
		return kd_finit_note(c->unmapped, "ApplicationSet %s: its clusters generator selects no cluster", set);
	return kd_finit_note(c->found, "ApplicationSet %s: its clusters generator selects %zu cluster%s",
			     set, n, n == 1 ? "" : "s");
}

int kd_finit_map_appsets(kd_finit *c)
{
	const json_t *app, *a, *g, *el;
	size_t i, j, k;
	int rc = 0;

	json_array_foreach(c->apps, i, app) {
		const json_t *doc = NULL, *spec, *dest;
		bool go;

		if (!str_eq(kd_json_str(app, "kind"), "applicationSet") || json_object_get(app, "disabled"))
			continue;
		json_array_foreach(c->appsets, j, a)
			if (str_eq(kd_json_str(a, "file"), kd_json_str(app, "value"))) {
				doc = json_object_get(a, "doc");
				break;
			}
		spec = kd_json_obj(doc, "spec");
		go = json_is_true(json_object_get(spec, "goTemplate"));
		dest = kd_json_obj(kd_json_obj(kd_json_obj(spec, "template"), "spec"), "destination");
		if ((rc = each_selector(c, app, kd_json_arr(spec, "generators"), check_selector)) < 0)
			return rc;
		/* list elements are parameters on their own only at the top:
		 * inside a matrix they combine with another generator's */
		json_array_foreach(kd_json_arr(spec, "generators"), j, g)
			json_array_foreach(kd_json_arr(kd_json_obj(g, "list"), "elements"), k, el)
				if (json_is_object(el) &&
				    (rc = map_element(c, kd_json_str(app, "name"), dest, el, go)) < 0)
					return rc;
	}
	return 0;
}
