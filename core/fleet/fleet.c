/*
 * fleet — parsing and validating kdrift.yaml (see fleet.h, DESIGN §4).
 *
 * Validation is strict: an unknown key or a value of the wrong type stops
 * the load with a message pointing at the line, because a silently ignored
 * typo in a fleet file (say "prnue: true") would change what kdrift does
 * to production clusters.
 */
#include "fleet/fleet.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "fleet_priv.h"
#include "data/data.h"

#define FLEET_API_VERSION "kdrift.dev/v1alpha1"
#define DEFAULT_BREAKGLASS_CONTEXT "{{name}}-breakglass"
#define DEFAULT_BREAKGLASS_SECONDS 3600L

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

static int dup_str(char **out, const char *s)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : oom();
}

/* DNS-1123 subdomain (cluster names) or label (namespaces). */
static bool dns_name_valid(const char *s, size_t max, bool dots)
{
	size_t i, len = strlen(s), start = 0;

	if (len == 0 || len > max)
		return false;
	for (i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';

		if (c == '.' && (dots || i == len)) {
			if (i == start || s[start] == '-' || s[i - 1] == '-')
				return false;
			start = i + 1;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			     c == '-')) {
			return false;
		}
	}
	return true;
}

static bool any_key(const char *s)
{
	return s[0] != '\0';
}

/* Flux substitution variables: letters, digits and '_', not starting with
 * a digit. */
static bool variable_name_valid(const char *s)
{
	const char *p;

	if ((*s >= '0' && *s <= '9') || *s == '\0')
		return false;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

static bool label_key_ok(const char *s)
{
	return kd_label_key_valid(s);
}

static bool label_value_ok(const char *s)
{
	return kd_label_value_valid(s);
}

/* A repository path (possibly a template): it may not leave the root. */
static int check_path(kd_fcheck *c, const char *key, const char *path)
{
	char *norm = NULL;
	int rc;

	if (path[0] == '\0')
		return kd_fcheck_fail_member(c, key, "%s.%s is empty",
					     kd_fcheck_where(c), key);
	rc = kd_path_normalize(&norm, path);
	free(norm);
	if (rc == KD_EPATH)
		return kd_fcheck_fail_member(c, key, "%s.%s: %s",
					     kd_fcheck_where(c), key,
					     kd_error_last());
	return rc;
}

static int parse_cluster(kd_fcheck *c, kd_cluster *cl, const json_t *node)
{
	static const char *const keys[] = { "name", "context", "server",
					    "labels", "values", NULL };
	const char *name, *context, *server;
	int rc;

	if ((rc = kd_fcheck_mapping(c, node, keys)) < 0 ||
	    (rc = kd_fcheck_string(c, &name, node, "name", true)) < 0 ||
	    (rc = kd_fcheck_string(c, &context, node, "context", false)) < 0 ||
	    (rc = kd_fcheck_string(c, &server, node, "server", false)) < 0)
		return rc;
	if (!dns_name_valid(name, 253, true))
		return kd_fcheck_fail_member(c, "name",
			"cluster name '%s' is not a DNS-1123 name (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit)",
			name);
	if (context && context[0] == '\0')
		return kd_fcheck_fail_member(c, "context",
			"%s.context is empty; leave it out to use the cluster name",
			kd_fcheck_where(c));
	/* The URL is not echoed: it may carry credentials. */
	if (server && strncmp(server, "https://", 8) != 0 &&
	    strncmp(server, "http://", 7) != 0)
		return kd_fcheck_fail_member(c, "server",
			"%s.server must be an https:// or http:// URL",
			kd_fcheck_where(c));
	if ((rc = dup_str(&cl->name, name)) < 0 ||
	    (rc = dup_str(&cl->context, context ? context : name)) < 0 ||
	    (rc = dup_str(&cl->server, server)) < 0 ||
	    (rc = kd_fcheck_member_string_map(c, &cl->labels, node, "labels",
			label_key_ok, kd_fcheck_label_key_rule,
			label_value_ok, kd_fcheck_label_value_rule)) < 0 ||
	    (rc = kd_fcheck_member_string_map(c, &cl->values, node, "values",
			any_key, "a non-empty name", NULL, NULL)) < 0)
		return rc;
	/* Never NULL, so that callers can look labels up directly. */
	if ((!cl->labels && !(cl->labels = json_object())) ||
	    (!cl->values && !(cl->values = json_object())))
		return oom();
	return 0;
}

/* Which of path / applicationSet / fluxKustomizations an entry has. */
static const char *const app_kinds[] = { "path", "applicationSet",
					 "fluxKustomizations" };

/* The pointer whose position stands for an app's name. */
static int app_name_pointer(kd_buf *out, size_t i, const kd_app *app)
{
	const char *key = json_object_get(app->raw, "name") ?
		"name" : app_kinds[app->kind];

	kd_buf_clear(out);
	return kd_buf_printf(out, "/apps/%zu/%s", i, key);
}

static int parse_substitute_from(kd_fcheck *c, json_t **out,
				 const json_t *node)
{
	static const char *const keys[] = { "path", "optional", NULL };
	json_t *list = NULL, *e;
	const char *path;
	bool optional;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = kd_fcheck_list(c, node)) < 0)
		return rc;
	if (!(list = json_array()))
		return oom();
	for (i = 0; i < json_array_size(node); i++) {
		const json_t *item = json_array_get(node, i);
		kd_fcheck_mark m;

		if ((rc = kd_fcheck_push_index(c, i, &m)) < 0 ||
		    (rc = kd_fcheck_mapping(c, item, keys)) < 0 ||
		    (rc = kd_fcheck_string(c, &path, item, "path", true)) < 0 ||
		    (rc = kd_fcheck_bool(c, &optional, item, "optional",
					 false)) < 0)
			goto cleanup;
		if ((rc = check_path(c, "path", path)) < 0)
			goto cleanup;
		e = json_pack("{s:s, s:b}", "path", path, "optional", optional);
		if (!e || json_array_append_new(list, e) < 0) {
			rc = oom();
			goto cleanup;
		}
		kd_fcheck_pop(c, &m);
	}
	*out = list;
	list = NULL;
cleanup:
	json_decref(list);
	return rc;
}

static int parse_directory(kd_fcheck *c, json_t **out, const json_t *node)
{
	static const char *const keys[] = { "recurse", "include", "exclude",
					    NULL };
	const char *include, *exclude;
	json_t *dir;
	bool recurse;
	int rc;

	*out = NULL;
	if ((rc = kd_fcheck_mapping(c, node, keys)) < 0 ||
	    (rc = kd_fcheck_bool(c, &recurse, node, "recurse", false)) < 0 ||
	    (rc = kd_fcheck_string(c, &include, node, "include", false)) < 0 ||
	    (rc = kd_fcheck_string(c, &exclude, node, "exclude", false)) < 0)
		return rc;
	if (!(dir = json_pack("{s:b}", "recurse", recurse)) ||
	    (include && json_object_set_new(dir, "include",
					    json_string(include)) < 0) ||
	    (exclude && json_object_set_new(dir, "exclude",
					    json_string(exclude)) < 0)) {
		json_decref(dir);
		return oom();
	}
	*out = dir;
	return 0;
}

static int parse_app(kd_fcheck *c, kd_app *app, const json_t *node)
{
	static const char *const keys[] = {
		"name", "clusters", "path", "applicationSet",
		"fluxKustomizations", "namespace", "substitute",
		"substituteFrom", "directory", NULL };
	static const char *const path_only[] = { "namespace", "substitute",
		"substituteFrom", "directory" };
	const char *name, *value = NULL, *ns;
	const json_t *v;
	kd_fcheck_mark m;
	size_t i, found = 0;
	int rc;

	app->raw = (json_t *)node;
	if ((rc = kd_fcheck_mapping(c, node, keys)) < 0)
		return rc;
	for (i = 0; i < 3; i++) {
		const char *s;

		if (!json_object_get(node, app_kinds[i]))
			continue;
		if ((rc = kd_fcheck_string(c, &s, node, app_kinds[i],
					   false)) < 0)
			return rc;
		if (found++)
			return kd_fcheck_fail_member(c, app_kinds[i],
				"%s has both '%s' and '%s'; an app has exactly one of path, applicationSet and fluxKustomizations",
				kd_fcheck_where(c), app_kinds[app->kind],
				app_kinds[i]);
		app->kind = (kd_app_kind)i;
		value = s;
	}
	if (!found)
		return kd_fcheck_fail(c,
			"%s needs one of path, applicationSet or fluxKustomizations",
			kd_fcheck_where(c));
	if (app->kind != KD_APP_PATH) {
		for (i = 0; i < sizeof(path_only) / sizeof(path_only[0]); i++)
			if (json_object_get(node, path_only[i]))
				return kd_fcheck_fail_member(c, path_only[i],
					"%s.%s applies only to path apps, not to %s entries",
					kd_fcheck_where(c), path_only[i],
					app_kinds[app->kind]);
	}
	if ((rc = check_path(c, app_kinds[app->kind], value)) < 0 ||
	    (rc = kd_fcheck_string(c, &name, node, "name",
				   app->kind == KD_APP_PATH)) < 0)
		return rc;
	if (name && name[0] == '\0')
		return kd_fcheck_fail_member(c, "name", "%s.name is empty",
					     kd_fcheck_where(c));
	if ((rc = dup_str(&app->name, name ? name : value)) < 0 ||
	    (rc = dup_str(&app->path, value)) < 0 ||
	    (rc = kd_fcheck_member_selector(c, &app->clusters, node,
					    "clusters")) < 0 ||
	    (rc = kd_fcheck_string(c, &ns, node, "namespace", false)) < 0)
		return rc;
	/* A templated namespace is checked once expanded, by render. */
	if (ns && !strstr(ns, "{{") && !dns_name_valid(ns, 63, false))
		return kd_fcheck_fail_member(c, "namespace",
			"%s.namespace: '%s' is not a DNS-1123 label (up to 63 lower-case letters, digits and '-', starting and ending with a letter or digit)",
			kd_fcheck_where(c), ns);
	if ((rc = dup_str(&app->namespace, ns)) < 0 ||
	    (rc = kd_fcheck_member_string_map(c, &app->substitute, node,
			"substitute", variable_name_valid,
			"a variable name (letters, digits and '_', not starting with a digit)",
			NULL, NULL)) < 0)
		return rc;
	if ((v = json_object_get(node, "substituteFrom")) != NULL) {
		if ((rc = kd_fcheck_push_key(c, "substituteFrom", &m)) < 0 ||
		    (rc = parse_substitute_from(c, &app->substitute_from,
						v)) < 0)
			return rc;
		kd_fcheck_pop(c, &m);
	}
	if ((v = json_object_get(node, "directory")) != NULL) {
		if ((rc = kd_fcheck_push_key(c, "directory", &m)) < 0 ||
		    (rc = parse_directory(c, &app->directory, v)) < 0)
			return rc;
		kd_fcheck_pop(c, &m);
	}
	return 0;
}

static int parse_policy(kd_fcheck *c, kd_policy *pol, const json_t *node)
{
	static const char *const keys[] = { "clusters", "remediation",
					    "prune", "webhook", NULL };
	const char *remediation, *webhook;
	int rc;

	if ((rc = kd_fcheck_mapping(c, node, keys)) < 0 ||
	    (rc = kd_fcheck_string(c, &remediation, node, "remediation",
				   false)) < 0 ||
	    (rc = kd_fcheck_bool(c, &pol->prune, node, "prune", false)) < 0 ||
	    (rc = kd_fcheck_string(c, &webhook, node, "webhook", false)) < 0)
		return rc;
	if (!remediation || strcmp(remediation, "alert") == 0)
		pol->remediation = KD_REMEDIATION_ALERT;
	else if (strcmp(remediation, "selfHeal") == 0)
		pol->remediation = KD_REMEDIATION_SELFHEAL;
	else
		return kd_fcheck_fail_member(c, "remediation",
			"%s.remediation: unknown remediation '%s' (want alert or selfHeal)",
			kd_fcheck_where(c), remediation);
	/* The URL is not echoed: it may carry a token. */
	if (webhook && strncmp(webhook, "https://", 8) != 0 &&
	    strncmp(webhook, "http://", 7) != 0)
		return kd_fcheck_fail_member(c, "webhook",
			"%s.webhook must be an https:// or http:// URL",
			kd_fcheck_where(c));
	if ((rc = dup_str(&pol->webhook, webhook)) < 0)
		return rc;
	return kd_fcheck_member_selector(c, &pol->clusters, node, "clusters");
}

/* A list of non-empty strings, copied; `pointers` checks RFC 6901. */
static int string_list(kd_fcheck *c, json_t **out, const json_t *node,
		       bool pointers)
{
	json_t *list;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = kd_fcheck_list(c, node)) < 0)
		return rc;
	if (!(list = json_array()))
		return oom();
	for (i = 0; i < json_array_size(node); i++) {
		const json_t *s = json_array_get(node, i);
		kd_fcheck_mark m;

		if ((rc = kd_fcheck_push_index(c, i, &m)) < 0)
			goto cleanup;
		if (!json_is_string(s)) {
			rc = kd_fcheck_fail(c, "%s must be a string, not %s",
					    kd_fcheck_where(c),
					    kd_fcheck_type_name(s));
			goto cleanup;
		}
		if (pointers &&
		    !kd_fcheck_json_pointer_valid(json_string_value(s))) {
			rc = kd_fcheck_fail(c,
				"%s: '%s' is not a JSON pointer (RFC 6901: '/a/b', with '~0' for '~' and '~1' for '/')",
				kd_fcheck_where(c), json_string_value(s));
			goto cleanup;
		}
		if (!pointers && json_string_length(s) == 0) {
			rc = kd_fcheck_fail(c, "%s is empty",
					    kd_fcheck_where(c));
			goto cleanup;
		}
		if (json_array_append(list, (json_t *)s) < 0) {
			rc = oom();
			goto cleanup;
		}
		kd_fcheck_pop(c, &m);
	}
	*out = list;
	return 0;
cleanup:
	json_decref(list);
	return rc;
}

static int parse_ignore(kd_fcheck *c, kd_ignore_rule *r, const json_t *node)
{
	static const char *const keys[] = { "group", "kind", "name",
		"namespace", "jsonPointers", "managedFieldsManagers",
		"jqPathExpressions", NULL };
	const char *group, *kind, *name, *ns;
	const json_t *v;
	kd_fcheck_mark m;
	int rc;

	if ((rc = kd_fcheck_mapping(c, node, keys)) < 0)
		return rc;
	if (json_object_get(node, "jqPathExpressions"))
		return kd_fcheck_fail_member(c, "jqPathExpressions",
			"%s.jqPathExpressions is not supported; use jsonPointers",
			kd_fcheck_where(c));
	if ((rc = kd_fcheck_string(c, &group, node, "group", false)) < 0 ||
	    (rc = kd_fcheck_string(c, &kind, node, "kind", false)) < 0 ||
	    (rc = kd_fcheck_string(c, &name, node, "name", false)) < 0 ||
	    (rc = kd_fcheck_string(c, &ns, node, "namespace", false)) < 0 ||
	    (rc = dup_str(&r->group, group)) < 0 ||
	    (rc = dup_str(&r->kind, kind)) < 0 ||
	    (rc = dup_str(&r->name, name)) < 0 ||
	    (rc = dup_str(&r->namespace, ns)) < 0)
		return rc;
	if ((v = json_object_get(node, "jsonPointers")) != NULL) {
		if ((rc = kd_fcheck_push_key(c, "jsonPointers", &m)) < 0 ||
		    (rc = string_list(c, &r->json_pointers, v, true)) < 0)
			return rc;
		kd_fcheck_pop(c, &m);
	}
	if ((v = json_object_get(node, "managedFieldsManagers")) != NULL) {
		if ((rc = kd_fcheck_push_key(c, "managedFieldsManagers",
					     &m)) < 0 ||
		    (rc = string_list(c, &r->managers, v, false)) < 0)
			return rc;
		kd_fcheck_pop(c, &m);
	}
	if (json_array_size(r->json_pointers) == 0 &&
	    json_array_size(r->managers) == 0)
		return kd_fcheck_fail(c,
			"%s ignores nothing: give jsonPointers or managedFieldsManagers",
			kd_fcheck_where(c));
	return 0;
}

/* Field manager names as the API server takes them (fieldManager: at most
 * 128 bytes, printable). */
static bool manager_name_valid(const char *s)
{
	size_t n = strlen(s);
	const unsigned char *p;

	if (n == 0 || n > 128)
		return false;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static bool listed(char *const *list, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

/* appliers: field managers, besides the defaults, whose server-side
 * applies stand for Git (DESIGN §6 rule 11).  Listing a default again, or
 * a name twice, changes nothing and is not an error. */
static int parse_appliers(kd_fcheck *c, kd_fleet *f, const json_t *root)
{
	const json_t *node = json_object_get(root, "appliers");
	size_t i, n = 0, ndef = 0;
	kd_fcheck_mark m, mi;
	int rc;

	while (kd_diff_default_appliers[ndef])
		ndef++;
	if (node && ((rc = kd_fcheck_push_key(c, "appliers", &m)) < 0 ||
		     (rc = kd_fcheck_list(c, node)) < 0))
		return rc;
	f->appliers = calloc(ndef + json_array_size(node) + 1, sizeof(*f->appliers));
	if (!f->appliers)
		return oom();
	for (i = 0; i < ndef; i++)
		if ((rc = dup_str(&f->appliers[n++], kd_diff_default_appliers[i])) < 0)
			return rc;
	for (i = 0; i < json_array_size(node); i++) {
		const json_t *s = json_array_get(node, i);

		if ((rc = kd_fcheck_push_index(c, i, &mi)) < 0)
			return rc;
		if (!json_is_string(s))
			return kd_fcheck_fail(c,
				"%s must be a field manager name (a string), not %s",
				kd_fcheck_where(c), kd_fcheck_type_name(s));
		if (!manager_name_valid(json_string_value(s)) ||
		    strlen(json_string_value(s)) != json_string_length(s))
			return kd_fcheck_fail(c,
				"%s: a field manager name is 1 to 128 printable characters",
				kd_fcheck_where(c));
		if (!listed(f->appliers, n, json_string_value(s)) &&
		    (rc = dup_str(&f->appliers[n++], json_string_value(s))) < 0)
			return rc;
		kd_fcheck_pop(c, &mi);
	}
	if (node)
		kd_fcheck_pop(c, &m);
	return 0;
}

static int parse_breakglass(kd_fcheck *c, kd_fleet *f, const json_t *node)
{
	static const char *const keys[] = { "context", "maxDuration", "group",
					    NULL };
	const char *context, *group;
	const json_t *d;
	kd_fcheck_mark m;
	int rc;

	if ((rc = kd_fcheck_mapping(c, node, keys)) < 0 ||
	    (rc = kd_fcheck_string(c, &context, node, "context", false)) < 0 ||
	    (rc = kd_fcheck_string(c, &group, node, "group", false)) < 0)
		return rc;
	if (group) {
		if ((rc = kd_fcheck_push_key(c, "group", &m)) < 0 ||
		    (rc = kd_fcheck_identity(c, group)) < 0)
			return rc;
		kd_fcheck_pop(c, &m);
		free(f->breakglass_group);
		if ((rc = dup_str(&f->breakglass_group, group)) < 0)
			return rc;
	}
	if (context) {
		if (context[0] == '\0')
			return kd_fcheck_fail_member(c, "context",
				"%s.context is empty", kd_fcheck_where(c));
		free(f->breakglass_context);
		if ((rc = dup_str(&f->breakglass_context, context)) < 0)
			return rc;
	}
	if (!(d = json_object_get(node, "maxDuration")))
		return 0;
	if (!json_is_string(d) && !json_is_number(d))
		return kd_fcheck_fail_member(c, "maxDuration",
			"%s.maxDuration must be a duration such as 1h, 30m or 1h30m, not %s",
			kd_fcheck_where(c), kd_fcheck_type_name(d));
	if ((rc = kd_fcheck_push_key(c, "maxDuration", &m)) < 0)
		return rc;
	if (json_is_string(d)) {
		rc = kd_fcheck_duration(c, &f->breakglass_max_seconds, json_string_value(d));
	} else {
		/* `maxDuration: 90` reads as a number: the grammar says why
		 * that is not a duration (no unit), as for any bare number. */
		kd_buf text = KD_BUF_INIT;

		rc = json_is_integer(d) ?
			kd_buf_printf(&text, "%" JSON_INTEGER_FORMAT, json_integer_value(d)) :
			kd_buf_printf(&text, "%g", json_real_value(d));
		if (rc == 0)
			rc = kd_fcheck_duration(c, &f->breakglass_max_seconds, kd_buf_cstr(&text));
		kd_buf_free(&text);
	}
	if (rc < 0)
		return rc;
	kd_fcheck_pop(c, &m);
	return 0;
}

static int parse_tracking(kd_fcheck *c, kd_tracking *out, const json_t *root)
{
	static const char *const names[] = { "auto", "argocd-annotation",
		"argocd-label", "flux", "kdrift" };
	const char *s;
	size_t i;
	int rc;

	*out = KD_TRACKING_AUTO;
	if ((rc = kd_fcheck_string(c, &s, root, "tracking", false)) < 0 || !s)
		return rc;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (kd_tracking)i;
			return 0;
		}
	return kd_fcheck_fail_member(c, "tracking",
		"unknown tracking '%s' (want auto, argocd-annotation, argocd-label, flux or kdrift)",
		s);
}

/* Duplicate names are reported at the second, naming the first's line. */
static int check_duplicates(kd_fcheck *c, const kd_fleet *f)
{
	kd_buf p1 = KD_BUF_INIT, p2 = KD_BUF_INIT;
	size_t i, j;
	int rc = 0;

	for (i = 1; i < f->nclusters && rc == 0; i++)
		for (j = 0; j < i; j++) {
			if (strcmp(f->clusters[i].name, f->clusters[j].name))
				continue;
			kd_buf_clear(&p1);
			kd_buf_clear(&p2);
			if ((rc = kd_buf_printf(&p1, "/clusters/%zu/name", j)) < 0 ||
			    (rc = kd_buf_printf(&p2, "/clusters/%zu/name", i)) < 0)
				break;
			rc = kd_fcheck_fail_at(c, p2.data,
				"duplicate cluster name '%s' in clusters[%zu]; clusters[%zu] at line %ld has the same name",
				f->clusters[i].name, i, j,
				kd_fcheck_line(c, p1.data));
			break;
		}
	for (i = 1; i < f->napps && rc == 0; i++)
		for (j = 0; j < i; j++) {
			if (strcmp(f->apps[i].name, f->apps[j].name))
				continue;
			if ((rc = app_name_pointer(&p1, j, &f->apps[j])) < 0 ||
			    (rc = app_name_pointer(&p2, i, &f->apps[i])) < 0)
				break;
			rc = kd_fcheck_fail_at(c, p2.data,
				"duplicate app name '%s' in apps[%zu]; apps[%zu] at line %ld has the same name",
				f->apps[i].name, i, j,
				kd_fcheck_line(c, p1.data));
			break;
		}
	kd_buf_free(&p1);
	kd_buf_free(&p2);
	return rc;
}

/* Parses the list at root[key] into an array of `size`-byte elements. */
typedef int (*parse_item_fn)(kd_fcheck *c, void *item, const json_t *node);

static int parse_list(kd_fcheck *c, void **out, size_t *count,
		      const json_t *root, const char *key, size_t size,
		      parse_item_fn fn)
{
	const json_t *list = json_object_get(root, key);
	kd_fcheck_mark m, mi;
	size_t i;
	int rc;

	*out = NULL;
	*count = 0;
	if (!list)
		return 0;
	if ((rc = kd_fcheck_push_key(c, key, &m)) < 0 ||
	    (rc = kd_fcheck_list(c, list)) < 0)
		return rc;
	if (json_array_size(list) == 0)
		goto done;
	if (!(*out = calloc(json_array_size(list), size)))
		return oom();
	for (i = 0; i < json_array_size(list); i++) {
		/* Counted first, so the caller frees a half-built item. */
		*count = i + 1;
		if ((rc = kd_fcheck_push_index(c, i, &mi)) < 0 ||
		    (rc = fn(c, (char *)*out + i * size,
			     json_array_get(list, i))) < 0)
			return rc;
		kd_fcheck_pop(c, &mi);
	}
done:
	kd_fcheck_pop(c, &m);
	return 0;
}

static int cluster_item(kd_fcheck *c, void *item, const json_t *node)
{
	return parse_cluster(c, item, node);
}

static int app_item(kd_fcheck *c, void *item, const json_t *node)
{
	return parse_app(c, item, node);
}

static int policy_item(kd_fcheck *c, void *item, const json_t *node)
{
	return parse_policy(c, item, node);
}

static int ignore_item(kd_fcheck *c, void *item, const json_t *node)
{
	return parse_ignore(c, item, node);
}

static int check_header(kd_fcheck *c, const json_t *root)
{
	const char *api, *kind;
	int rc;

	if ((rc = kd_fcheck_string(c, &api, root, "apiVersion", true)) < 0)
		return rc;
	if (strcmp(api, FLEET_API_VERSION) != 0)
		return kd_fcheck_fail_member(c, "apiVersion",
			"apiVersion is '%s'; this kdrift reads %s", api,
			FLEET_API_VERSION);
	if ((rc = kd_fcheck_string(c, &kind, root, "kind", true)) < 0)
		return rc;
	if (strcmp(kind, "Fleet") != 0)
		return kd_fcheck_fail_member(c, "kind",
			"kind is '%s'; a fleet file has kind Fleet", kind);
	return 0;
}

static int parse_root(kd_fcheck *c, kd_fleet *f, const json_t *root)
{
	static const char *const keys[] = { "apiVersion", "kind", "clusters",
		"apps", "tracking", "policy", "ignoreDifferences",
		"appliers", "breakGlass", "prevention", NULL };
	const json_t *v;
	kd_fcheck_mark m;
	void *items;
	int rc;

	if (json_is_null(root))
		return kd_error_set(KD_EINVAL, "%s: the fleet file is empty",
				    c->file);
	if ((rc = kd_fcheck_mapping(c, root, keys)) < 0 ||
	    (rc = check_header(c, root)) < 0)
		return rc;
	rc = parse_list(c, &items, &f->nclusters, root, "clusters",
			sizeof(kd_cluster), cluster_item);
	f->clusters = items;
	if (rc < 0)
		return rc;
	rc = parse_list(c, &items, &f->napps, root, "apps", sizeof(kd_app),
			app_item);
	f->apps = items;
	if (rc < 0)
		return rc;
	rc = parse_list(c, &items, &f->npolicies, root, "policy",
			sizeof(kd_policy), policy_item);
	f->policies = items;
	if (rc < 0)
		return rc;
	rc = parse_list(c, &items, &f->nignores, root, "ignoreDifferences",
			sizeof(kd_ignore_rule), ignore_item);
	f->ignores = items;
	if (rc < 0 || (rc = parse_appliers(c, f, root)) < 0 ||
	    (rc = parse_tracking(c, &f->tracking, root)) < 0)
		return rc;
	if ((v = json_object_get(root, "breakGlass")) != NULL) {
		if ((rc = kd_fcheck_push_key(c, "breakGlass", &m)) < 0 ||
		    (rc = parse_breakglass(c, f, v)) < 0)
			return rc;
		kd_fcheck_pop(c, &m);
	}
	if ((v = json_object_get(root, "prevention")) != NULL) {
		if ((rc = kd_fcheck_push_key(c, "prevention", &m)) < 0 ||
		    (rc = kd_fleet_parse_prevention(c, f, v)) < 0)
			return rc;
		kd_fcheck_pop(c, &m);
	}
	return check_duplicates(c, f);
}

int kd_fleet_parse(kd_fleet **out, const char *data, size_t len,
		   const char *name)
{
	kd_fleet *f = NULL;
	json_t *positions = NULL;
	const json_t *pos;
	kd_fcheck c;
	bool walking = false;
	int rc;

	*out = NULL;
	if (!name)
		name = "kdrift.yaml";
	if (!(f = calloc(1, sizeof(*f))))
		return oom();
	f->refs_ = 1;
	if ((rc = dup_str(&f->file, name)) < 0 ||
	    (rc = dup_str(&f->breakglass_context,
			  DEFAULT_BREAKGLASS_CONTEXT)) < 0) {
		rc = oom();
		goto cleanup;
	}
	f->breakglass_max_seconds = DEFAULT_BREAKGLASS_SECONDS;
	if ((rc = kd_fleet_prevention_defaults(f)) < 0)
		goto cleanup;
	if ((rc = kd_yaml_parse_one(&f->doc, &positions, data, len, name,
				    NULL)) < 0)
		goto cleanup;
	/* Positions of a single document: accept the object itself or a
	 * one-element array of it. */
	pos = json_is_array(positions) ? json_array_get(positions, 0) :
		positions;
	if ((rc = kd_fcheck_init(&c, f->file, pos, "")) < 0)
		goto cleanup;
	walking = true;
	if ((rc = parse_root(&c, f, f->doc)) < 0)
		goto cleanup;
	f->positions = json_incref((json_t *)pos);
	*out = f;
	f = NULL;
cleanup:
	if (walking)
		kd_fcheck_free(&c);
	json_decref(positions);
	kd_fleet_free(f);
	return rc;
}
