/*
 * kubeconfig — loading and merging kubeconfig files (see kube.h).
 *
 * The merged view keeps, per name, the first definition of each cluster,
 * user and context together with the directory of the file it came from,
 * because relative paths inside a kubeconfig are relative to that file.
 */
#include "kube/kube.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "data/data.h"

struct kd_kubeconfig {
	json_t *clusters;   /* name -> {"def": {...}, "dir": "...", "file": "..."} */
	json_t *users;
	json_t *contexts;
	json_t *order;      /* context names in file order */
	char *current;
};

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* "FILE:LINE:COLUMN" for a node, or "FILE" when its position is unknown. */
static void where(char *out, size_t size, const char *name,
		  const json_t *pos, const char *pointer)
{
	const json_t *lc = json_object_get(pos, pointer);

	if (json_is_array(lc))
		snprintf(out, size, "%s:%lld:%lld", name,
			 (long long)json_integer_value(json_array_get(lc, 0)),
			 (long long)json_integer_value(json_array_get(lc, 1)));
	else
		snprintf(out, size, "%s", name);
}

/* The typed fields of each section's definitions: kubectl decodes a
 * kubeconfig into typed structures, so a list where a string belongs is an
 * error, never a value quietly ignored.  null is left alone (it means
 * unset there too). */
typedef struct field_type {
	const char *section, *field;
	json_type type;
} field_type;

static const field_type field_types[] = {
	{ "clusters", "server", JSON_STRING },
	{ "clusters", "certificate-authority", JSON_STRING },
	{ "clusters", "certificate-authority-data", JSON_STRING },
	{ "clusters", "tls-server-name", JSON_STRING },
	{ "clusters", "proxy-url", JSON_STRING },
	{ "clusters", "insecure-skip-tls-verify", JSON_TRUE },
	{ "clusters", "disable-compression", JSON_TRUE },
	{ "users", "token", JSON_STRING },
	{ "users", "tokenFile", JSON_STRING },
	{ "users", "client-certificate", JSON_STRING },
	{ "users", "client-certificate-data", JSON_STRING },
	{ "users", "client-key", JSON_STRING },
	{ "users", "client-key-data", JSON_STRING },
	{ "users", "username", JSON_STRING },
	{ "users", "password", JSON_STRING },
	{ "users", "exec", JSON_OBJECT },
	{ "users", "auth-provider", JSON_OBJECT },
	{ "contexts", "cluster", JSON_STRING },
	{ "contexts", "user", JSON_STRING },
	{ "contexts", "namespace", JSON_STRING },
};

static const char *type_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT: return "a mapping";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int check_types(const json_t *def, const json_t *pos, const char *file,
		       const char *section, size_t index, const char *inner,
		       const char *entry)
{
	char ptr[256], at[512];
	size_t i;

	for (i = 0; i < sizeof(field_types) / sizeof(field_types[0]); i++) {
		const field_type *ft = &field_types[i];
		const json_t *v;
		json_type t;

		if (strcmp(ft->section, section) != 0 ||
		    !(v = json_object_get(def, ft->field)) || json_is_null(v))
			continue;
		t = json_typeof(v) == JSON_FALSE ? JSON_TRUE : json_typeof(v);
		if (t == ft->type)
			continue;
		snprintf(ptr, sizeof(ptr), "/%s/%zu/%s/%s", section, index, inner, ft->field);
		where(at, sizeof(at), file, pos, ptr);
		return kd_error_set(KD_EINVAL, "%s: %s '%s': '%s' must be %s, not %s", at,
				    section, entry, ft->field, type_name(ft->type),
				    type_name(json_typeof(v)));
	}
	return 0;
}

/* Adds the named entries of one section ("clusters", "users", "contexts")
 * of one file; an existing name keeps its first definition. */
static int merge_section(kd_kubeconfig *kc, json_t *dest, const json_t *doc,
			 const json_t *pos, const char *section,
			 const char *inner, const char *name, const char *dir)
{
	const json_t *list = json_object_get(doc, section);
	char ptr[128], at[512];
	size_t i;
	json_t *item;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list)) {
		snprintf(ptr, sizeof(ptr), "/%s", section);
		where(at, sizeof(at), name, pos, ptr);
		return kd_error_set(KD_EINVAL, "%s: '%s' must be a list", at, section);
	}
	json_array_foreach(list, i, item) {
		const char *n = json_string_value(json_object_get(item, "name"));
		json_t *def = json_object_get(item, inner), *entry;

		snprintf(ptr, sizeof(ptr), "/%s/%zu", section, i);
		where(at, sizeof(at), name, pos, ptr);
		if (!json_is_object(item) || !n || !n[0])
			return kd_error_set(KD_EINVAL, "%s: %s[%zu] has no name",
					    at, section, i);
		if (def && !json_is_object(def) && !json_is_null(def))
			return kd_error_set(KD_EINVAL, "%s: %s '%s': '%s' must be a mapping",
					    at, section, n, inner);
		if (json_is_object(def) && check_types(def, pos, name, section, i, inner, n) < 0)
			return KD_EINVAL;
		if (json_object_get(dest, n))
			continue;
		entry = json_pack("{s:O?,s:s,s:s}", "def", json_is_object(def) ? def : NULL,
				  "dir", dir, "file", name);
		if (!entry || json_object_set_new(dest, n, entry) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
		if (dest == kc->contexts &&
		    json_array_append_new(kc->order, json_string(n)) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

static int merge_document(kd_kubeconfig *kc, const char *data, size_t len,
			  const char *name, const char *dir)
{
	json_t *doc = NULL, *pos = NULL;
	const char *cur;
	int rc;

	if ((rc = kd_yaml_parse_one(&doc, &pos, data, len, name, NULL)) < 0)
		return rc;
	if (json_is_null(doc))
		goto cleanup;
	if (!json_is_object(doc)) {
		rc = kd_error_set(KD_EINVAL, "%s: a kubeconfig must be a mapping", name);
		goto cleanup;
	}
	if ((rc = merge_section(kc, kc->clusters, doc, pos,
				"clusters", "cluster", name, dir)) < 0 ||
	    (rc = merge_section(kc, kc->users, doc, pos,
				"users", "user", name, dir)) < 0 ||
	    (rc = merge_section(kc, kc->contexts, doc, pos,
				"contexts", "context", name, dir)) < 0)
		goto cleanup;
	cur = json_string_value(json_object_get(doc, "current-context"));
	if (!kc->current && cur && cur[0] && !(kc->current = strdup(cur)))
		rc = kd_error_set(KD_ENOMEM, "out of memory");
cleanup:
	json_decref(doc);
	json_decref(pos);
	return rc;
}

static kd_kubeconfig *kubeconfig_alloc(void)
{
	kd_kubeconfig *kc = calloc(1, sizeof(*kc));

	if (!kc)
		return NULL;
	kc->clusters = json_object();
	kc->users = json_object();
	kc->contexts = json_object();
	kc->order = json_array();
	if (!kc->clusters || !kc->users || !kc->contexts || !kc->order) {
		kd_kubeconfig_free(kc);
		return NULL;
	}
	return kc;
}

static int merge_file(kd_kubeconfig *kc, const char *path, bool must_exist)
{
	kd_buf data = KD_BUF_INIT;
	char *dir = NULL, *slash;
	int rc;

	rc = kd_buf_read_file(&data, path, 16u << 20);
	if (rc == KD_ENOTFOUND && !must_exist) {
		rc = 0;
		goto cleanup;
	}
	if (rc < 0) {
		kd_error_set(rc, "kubeconfig %s: %s", path,
			     rc == KD_ENOTFOUND ? "no such file" : kd_error_last());
		goto cleanup;
	}
	if (!(dir = strdup(path))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	slash = strrchr(dir, '/');
	if (slash)
		slash == dir ? (void)(dir[1] = '\0') : (void)(*slash = '\0');
	else
		strcpy(dir, ".");
	rc = merge_document(kc, kd_buf_cstr(&data), data.len, path, dir);
cleanup:
	free(dir);
	kd_buf_free(&data);
	return rc;
}

int kd_kubeconfig_load(kd_kubeconfig **out, const char *path)
{
	kd_kubeconfig *kc = kubeconfig_alloc();
	const char *env = getenv("KUBECONFIG");
	kd_buf home = KD_BUF_INIT;
	int rc = 0;

	*out = NULL;
	if (!kc)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (path && path[0]) {
		rc = merge_file(kc, path, true);
	} else if (env && env[0]) {
		char *list = strdup(env), *save = NULL, *p;

		if (!list) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		for (p = strtok_r(list, ":", &save); p && rc == 0;
		     p = strtok_r(NULL, ":", &save))
			rc = merge_file(kc, p, false);
		free(list);
	} else {
		const char *h = getenv("HOME");

		kd_buf_printf(&home, "%s/.kube/config", h ? h : "");
		rc = merge_file(kc, kd_buf_cstr(&home), false);
	}
cleanup:
	kd_buf_free(&home);
	if (rc < 0)
		kd_kubeconfig_free(kc);
	else
		*out = kc;
	return rc;
}

int kd_kubeconfig_require(const char *path)
{
	const char *env = getenv("KUBECONFIG"), *h = getenv("HOME");
	kd_buf home = KD_BUF_INIT;
	char *list = NULL, *save = NULL, *p;
	int rc = 0;

	if (path && path[0])   /* named: kd_kubeconfig_load says if it is missing */
		return 0;
	if (env && env[0]) {
		if (!(list = strdup(env)))
			return kd_error_set(KD_ENOMEM, "out of memory");
		for (p = strtok_r(list, ":", &save); p; p = strtok_r(NULL, ":", &save))
			if (access(p, F_OK) == 0)
				goto cleanup;
		rc = kd_error_set(KD_ENOTFOUND, "no kubeconfig: none of the files $KUBECONFIG "
				  "names exists (%s); name one with --kubeconfig FILE", env);
		goto cleanup;
	}
	if (kd_buf_printf(&home, "%s/.kube/config", h ? h : "") < 0) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (access(kd_buf_cstr(&home), F_OK) != 0)
		rc = kd_error_set(KD_ENOTFOUND, "no kubeconfig: --kubeconfig not given, $KUBECONFIG "
				  "not set and %s does not exist", kd_buf_cstr(&home));
cleanup:
	free(list);
	kd_buf_free(&home);
	return rc;
}

int kd_kubeconfig_parse(kd_kubeconfig **out, const char *data, size_t len,
			const char *name, const char *dir)
{
	kd_kubeconfig *kc = kubeconfig_alloc();
	int rc;

	*out = NULL;
	if (!kc)
		return kd_error_set(KD_ENOMEM, "out of memory");
	rc = merge_document(kc, data, len, name, dir ? dir : ".");
	if (rc < 0)
		kd_kubeconfig_free(kc);
	else
		*out = kc;
	return rc;
}

void kd_kubeconfig_free(kd_kubeconfig *kc)
{
	if (!kc)
		return;
	json_decref(kc->clusters);
	json_decref(kc->users);
	json_decref(kc->contexts);
	json_decref(kc->order);
	free(kc->current);
	free(kc);
}

const char *kd_kubeconfig_current_context(const kd_kubeconfig *kc)
{
	return kc->current;
}

json_t *kd_kubeconfig_contexts(const kd_kubeconfig *kc)
{
	return json_deep_copy(kc->order);
}

/* A path from a kubeconfig, made absolute against the file's directory. */
static char *resolve_path(const char *dir, const char *p)
{
	kd_buf b = KD_BUF_INIT;

	if (p[0] == '/' || !dir || !dir[0])
		return strdup(p);
	if (p[0] == '~' && p[1] == '/' && getenv("HOME")) {
		kd_buf_printf(&b, "%s%s", getenv("HOME"), p + 1);
		return kd_buf_detach(&b);
	}
	kd_buf_printf(&b, "%s/%s", dir, p);
	return kd_buf_detach(&b);
}

/* Loads PEM material from "<key>-data" (base64) or "<key>" (a file). */
static int load_material(kd_buf *out, const json_t *def, const char *dir,
			 const char *key, const char *what, const char *owner)
{
	char data_key[64];
	const char *data, *file;
	char *path;
	int rc;

	snprintf(data_key, sizeof(data_key), "%s-data", key);
	data = json_string_value(json_object_get(def, data_key));
	file = json_string_value(json_object_get(def, key));
	if (data && data[0]) {
		if ((rc = kd_base64_decode(out, data, strlen(data))) < 0)
			return kd_error_set(rc, "%s: %s is not valid base64", owner,
					    data_key);
		return 0;
	}
	if (!file || !file[0])
		return 0;
	if (!(path = resolve_path(dir, file)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	rc = kd_buf_read_file(out, path, 1u << 20);
	if (rc < 0)
		kd_error_set(rc, "%s: cannot read %s file %s", owner, what, path);
	free(path);
	return rc;
}

static char **string_list(const json_t *arr)
{
	size_t i, n = json_array_size(arr);
	char **list = calloc(n + 1, sizeof(*list));

	if (!list)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(arr, i));

		if (!(list[i] = strdup(s ? s : ""))) {
			while (i--)
				free(list[i]);
			free(list);
			return NULL;
		}
	}
	return list;
}

static void free_list(char **list)
{
	size_t i;

	for (i = 0; list && list[i]; i++)
		free(list[i]);
	free(list);
}

static int load_exec(kd_kube_target *t, const json_t *exec, const char *dir)
{
	const char *cmd = json_string_value(json_object_get(exec, "command"));
	const char *api = json_string_value(json_object_get(exec, "apiVersion"));
	const char *mode = json_string_value(json_object_get(exec, "interactiveMode"));
	const json_t *env = json_object_get(exec, "env");
	kd_kube_exec *e;
	size_t i, n = json_array_size(env);

	if (!cmd || !cmd[0])
		return kd_error_set(KD_EINVAL, "user '%s': exec has no command", t->user);
	if (!api || (strcmp(api, "client.authentication.k8s.io/v1") != 0 &&
		     strcmp(api, "client.authentication.k8s.io/v1beta1") != 0))
		return kd_error_set(KD_EUNSUPPORTED,
				    "user '%s': exec apiVersion '%s' is not supported (use client.authentication.k8s.io/v1 or v1beta1)",
				    t->user, api ? api : "");
	if (mode && strcmp(mode, "Always") == 0)
		return kd_error_set(KD_EUNSUPPORTED,
				    "user '%s': exec plugin '%s' needs an interactive terminal (interactiveMode: Always)",
				    t->user, cmd);
	if (!(e = calloc(1, sizeof(*e))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	t->exec = e;
	e->api_version = strdup(api);
	e->command = strchr(cmd, '/') ? resolve_path(dir, cmd) : strdup(cmd);
	e->args = string_list(json_object_get(exec, "args"));
	e->env = calloc(n + 1, sizeof(*e->env));
	e->provide_cluster_info = json_is_true(json_object_get(exec, "provideClusterInfo"));
	if (!e->api_version || !e->command || !e->args || !e->env)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		const json_t *item = json_array_get(env, i);
		const char *name = json_string_value(json_object_get(item, "name"));
		const char *value = json_string_value(json_object_get(item, "value"));
		kd_buf b = KD_BUF_INIT;

		if (!name || !name[0] || strchr(name, '='))
			return kd_error_set(KD_EINVAL, "user '%s': exec env[%zu] has no valid name",
					    t->user, i);
		if (kd_buf_printf(&b, "%s=%s", name, value ? value : "") < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
		e->env[i] = kd_buf_detach(&b);
	}
	return 0;
}

static int load_cluster(kd_kube_target *t, const json_t *entry)
{
	const json_t *def = json_object_get(entry, "def");
	const char *dir = json_string_value(json_object_get(entry, "dir"));
	const char *server = json_string_value(json_object_get(def, "server"));
	char owner[300];
	size_t n;
	int rc;

	snprintf(owner, sizeof(owner), "cluster '%s'", t->cluster);
	if (!server || !server[0])
		return kd_error_set(KD_EINVAL, "%s has no server", owner);
	if (strncmp(server, "https://", 8) != 0 && strncmp(server, "http://", 7) != 0)
		return kd_error_set(KD_EINVAL, "%s: server '%s' is not an http(s) URL",
				    owner, server);
	if (!(t->server = strdup(server)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	n = strlen(t->server);
	while (n > 8 && t->server[n - 1] == '/')
		t->server[--n] = '\0';
	t->insecure = json_is_true(json_object_get(def, "insecure-skip-tls-verify"));
	t->tls_server_name = xstrdup(json_string_value(json_object_get(def, "tls-server-name")));
	t->proxy_url = xstrdup(json_string_value(json_object_get(def, "proxy-url")));
	if ((rc = load_material(&t->ca_pem, def, dir, "certificate-authority",
				"certificate authority", owner)) < 0)
		return rc;
	return 0;
}

static int load_user(kd_kube_target *t, const json_t *entry)
{
	const json_t *def = json_object_get(entry, "def");
	const char *dir = json_string_value(json_object_get(entry, "dir"));
	const char *token = json_string_value(json_object_get(def, "token"));
	const char *token_file = json_string_value(json_object_get(def, "tokenFile"));
	const json_t *exec = json_object_get(def, "exec");
	char owner[300];
	int rc;

	snprintf(owner, sizeof(owner), "user '%s'", t->user);
	if (json_object_get(def, "auth-provider"))
		return kd_error_set(KD_EUNSUPPORTED,
				    "%s: auth-provider plugins are not supported; use an exec plugin",
				    owner);
	if ((rc = load_material(&t->client_cert_pem, def, dir, "client-certificate",
				"client certificate", owner)) < 0 ||
	    (rc = load_material(&t->client_key_pem, def, dir, "client-key",
				"client key", owner)) < 0)
		return rc;
	if ((t->client_cert_pem.len > 0) != (t->client_key_pem.len > 0))
		return kd_error_set(KD_EINVAL,
				    "%s: a client certificate needs a client key and the other way round",
				    owner);
	if (token && token[0] && !(t->token = strdup(token)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (token_file && token_file[0] && !(t->token_file = resolve_path(dir, token_file)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (json_is_object(exec))
		return load_exec(t, exec, dir);
	return 0;
}

int kd_kube_target_new(kd_kube_target **out, const kd_kubeconfig *kc,
		       const char *context)
{
	const json_t *ctx, *def, *cluster, *user;
	const char *cname, *uname, *ns;
	kd_kube_target *t;
	int rc;

	*out = NULL;
	if (!context)
		context = kc->current;
	if (!context)
		return kd_error_set(KD_ENOTFOUND,
				    "no context given and the kubeconfig has no current-context");
	ctx = json_object_get(kc->contexts, context);
	if (!ctx)
		return kd_error_set(KD_ENOTFOUND, "kubeconfig has no context '%s'", context);
	def = json_object_get(ctx, "def");
	cname = json_string_value(json_object_get(def, "cluster"));
	uname = json_string_value(json_object_get(def, "user"));
	ns = json_string_value(json_object_get(def, "namespace"));
	if (!cname || !(cluster = json_object_get(kc->clusters, cname)))
		return kd_error_set(KD_ENOTFOUND,
				    "context '%s' refers to cluster '%s', which the kubeconfig does not define",
				    context, cname ? cname : "");
	user = uname ? json_object_get(kc->users, uname) : NULL;
	if (uname && uname[0] && !user)
		return kd_error_set(KD_ENOTFOUND,
				    "context '%s' refers to user '%s', which the kubeconfig does not define",
				    context, uname);
	if (!(t = calloc(1, sizeof(*t))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	t->context = strdup(context);
	t->cluster = strdup(cname);
	t->user = strdup(uname ? uname : "");
	t->namespace = ns && ns[0] ? strdup(ns) : NULL;
	t->source_file = xstrdup(json_string_value(json_object_get(ctx, "file")));
	if (!t->context || !t->cluster || !t->user) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = load_cluster(t, cluster)) < 0 ||
	    (user && (rc = load_user(t, user)) < 0))
		goto fail;
	*out = t;
	return 0;
fail:
	kd_error_wrap(rc, "context '%s': ", context);
	kd_kube_target_free(t);
	return rc;
}

static void free_exec(kd_kube_exec *e)
{
	if (!e)
		return;
	free(e->api_version);
	free(e->command);
	free_list(e->args);
	free_list(e->env);
	free(e);
}

/* Overwrites secret text before it is freed. */
static void wipe(char *s)
{
	if (s) {
		volatile char *p = s;

		while (*p)
			*p++ = '\0';
	}
	free(s);
}

static void wipe_buf(kd_buf *b)
{
	if (b->data) {
		volatile char *p = b->data;
		size_t i;

		for (i = 0; i < b->len; i++)
			p[i] = '\0';
	}
	kd_buf_free(b);
}

void kd_kube_target_free(kd_kube_target *t)
{
	if (!t)
		return;
	free(t->context);
	free(t->cluster);
	free(t->user);
	free(t->namespace);
	free(t->server);
	free(t->source_file);
	kd_buf_free(&t->ca_pem);
	free(t->tls_server_name);
	free(t->proxy_url);
	wipe_buf(&t->client_cert_pem);
	wipe_buf(&t->client_key_pem);
	wipe(t->token);
	free(t->token_file);
	free_exec(t->exec);
	free(t);
}

static int refresh_token_file(kd_kube_target *t)
{
	kd_buf data = KD_BUF_INIT;
	size_t n;
	int rc;

	rc = kd_buf_read_file(&data, t->token_file, 64u << 10);
	if (rc < 0)
		return kd_error_set(rc, "user '%s': cannot read tokenFile %s", t->user,
				    t->token_file);
	n = data.len;
	while (n && (data.data[n - 1] == '\n' || data.data[n - 1] == '\r' ||
		     data.data[n - 1] == ' '))
		n--;
	kd_buf_truncate(&data, n);
	wipe(t->token);
	t->token = kd_buf_detach(&data);
	return t->token ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
}

int kd_kube_target_refresh(kd_kube_target *t, time_t now)
{
	kd_exec_credential cred = { 0 };
	int rc;

	if (t->token_file && !t->exec)
		return refresh_token_file(t);
	if (!t->exec)
		return 0;
	if (t->have_exec_credential &&
	    (t->credential_expiry == 0 || t->credential_expiry > now + 10))
		return 0;
	if ((rc = kd_exec_credential_run(&cred, t)) < 0)
		return rc;
	if (cred.token) {
		wipe(t->token);
		t->token = cred.token;
		cred.token = NULL;
	}
	if (cred.client_cert.len) {
		wipe_buf(&t->client_cert_pem);
		wipe_buf(&t->client_key_pem);
		t->client_cert_pem = cred.client_cert;
		t->client_key_pem = cred.client_key;
		memset(&cred.client_cert, 0, sizeof(cred.client_cert));
		memset(&cred.client_key, 0, sizeof(cred.client_key));
	}
	t->credential_expiry = cred.expiry;
	t->have_exec_credential = true;
	kd_exec_credential_clear(&cred);
	return 0;
}

void kd_kube_target_invalidate(kd_kube_target *t)
{
	t->have_exec_credential = false;
}

