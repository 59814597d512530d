/*
 * userconf — reading the user's settings file (see userconf.h): the YAML
 * comes from the data part, each key is checked here against the table
 * below, and every problem names the file, line and column of its key.
 */
#include "userconf/userconf.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

/* A settings file is a few lines; anything larger is a mistake. */
#define USERCONF_MAX_BYTES (64u << 10)

typedef enum key_type { KEY_NAME, KEY_PATH, KEY_BOOL } key_type;

static const struct key {
	const char *name;
	key_type type;
	size_t field;   /* offset of the char * (or int for KEY_BOOL) */
} keys[] = {
	{ "theme", KEY_NAME, offsetof(kd_userconf, theme) },
	{ "keymap", KEY_NAME, offsetof(kd_userconf, keymap) },
	{ "mouse", KEY_BOOL, offsetof(kd_userconf, mouse) },
	{ "repo", KEY_PATH, offsetof(kd_userconf, repo) },
	{ "kubeconfig", KEY_PATH, offsetof(kd_userconf, kubeconfig) },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

typedef struct reader {
	const char *name;
	const json_t *positions;
	kd_userconf_warn_fn warn;
	void *warn_ctx;
} reader;

/* "FILE:LINE:COLUMN: message" for the key `key` (its position from the
 * parser; the file alone when it has none). */
static void warn_at(const reader *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn_at(const reader *r, const char *key, const char *fmt, ...)
{
	kd_buf msg = KD_BUF_INIT, ptr = KD_BUF_INIT, text = KD_BUF_INIT;
	const json_t *pos;
	va_list ap;

	if (!r->warn)
		return;
	kd_json_pointer_append(&ptr, key);
	pos = r->positions ? json_object_get(r->positions, kd_buf_cstr(&ptr)) : NULL;
	if (json_is_array(pos) && json_array_size(pos) == 2)
		kd_buf_printf(&msg, "%s:%lld:%lld: ", r->name,
			      (long long)json_integer_value(json_array_get(pos, 0)),
			      (long long)json_integer_value(json_array_get(pos, 1)));
	else
		kd_buf_printf(&msg, "%s: ", r->name);
	va_start(ap, fmt);
	kd_buf_vprintf(&text, fmt, ap);
	va_end(ap);
	kd_buf_puts(&msg, kd_buf_cstr(&text));
	r->warn(r->warn_ctx, kd_buf_cstr(&msg));
	kd_buf_free(&msg);
	kd_buf_free(&ptr);
	kd_buf_free(&text);
}

/* A theme or keymap: a name of letters, digits, '-', '_' and '.', or a
 * path to a file (holding a '/'); no control characters either way. */
static bool name_ok(const char *s)
{
	const unsigned char *p;
	bool path = strchr(s, '/') != NULL;

	if (!*s)
		return false;
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		if (!path && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			       (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return false;
	}
	return true;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* "~/x" with HOME, anything else as written; NULL (and *why) when it
 * cannot be used: empty, control characters, or "~" without a HOME. */
static char *expand_path(const char *s, const char **why)
{
	const char *home = getenv("HOME");
	char *out;

	if (!*s || has_control(s)) {
		*why = "an empty value or one with control characters";
		return NULL;
	}
	if (s[0] != '~')
		return strdup(s);
	if (s[1] != '\0' && s[1] != '/') {
		*why = "only ~/ is expanded, not ~USER";
		return NULL;
	}
	if (!home || home[0] != '/') {
		*why = "~ needs HOME set to an absolute path";
		return NULL;
	}
	if (!(out = malloc(strlen(home) + strlen(s))))
		return NULL;
	strcpy(out, home);
	strcat(out, s + 1);
	return out;
}

/* Closest known key, for "did you mean". */
static const char *closest_key(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strncmp(keys[i].name, name, 3) == 0 || strstr(name, keys[i].name))
			return keys[i].name;
	if (strcmp(name, "repository") == 0)
		return "repo";
	return NULL;
}

static int read_key(kd_userconf *c, const reader *r, const char *name, const json_t *v)
{
	const struct key *k = NULL;
	const char *why = NULL, *hint;
	char *s = NULL;
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			k = &keys[i];
	if (!k) {
		hint = closest_key(name);
		if (hint)
			warn_at(r, name, "unknown key '%s'; did you mean '%s'?", name, hint);
		else
			warn_at(r, name, "unknown key '%s' (known: theme, keymap, mouse, repo, "
				"kubeconfig)", name);
		return 0;
	}
	if (k->type == KEY_BOOL) {
		if (!json_is_boolean(v)) {
			warn_at(r, name, "%s: expected true or false", name);
			return 0;
		}
		*(int *)((char *)c + k->field) = json_is_true(v);
		return 0;
	}
	if (!json_is_string(v)) {
		warn_at(r, name, "%s: expected a string", name);
		return 0;
	}
	if (k->type == KEY_NAME) {
		if (!name_ok(json_string_value(v))) {
			warn_at(r, name, "%s: '%s' is not a name (letters, digits, '-', '_', '.') "
				"or a file path", name, json_string_value(v));
			return 0;
		}
		s = strdup(json_string_value(v));
	} else if (!(s = expand_path(json_string_value(v), &why)) && why) {
		warn_at(r, name, "%s: %s", name, why);
		return 0;
	}
	if (!s)
		return kd_error_set(KD_ENOMEM, "out of memory");
	free(*(char **)((char *)c + k->field));
	*(char **)((char *)c + k->field) = s;
	return 0;
}

int kd_userconf_parse(kd_userconf **out, const char *text, size_t len, const char *name,
		      kd_userconf_warn_fn warn, void *warn_ctx)
{
	json_t *doc = NULL, *positions = NULL, *v;
	kd_userconf *c;
	reader r = { .name = name, .warn = warn, .warn_ctx = warn_ctx };
	const char *key;
	int rc;

	*out = NULL;
	if (!(c = calloc(1, sizeof(*c))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	c->mouse = -1;
	if (!(c->file = strdup(name))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	if ((rc = kd_yaml_parse_one(&doc, &positions, text, len, name, NULL)) < 0)
		goto cleanup;
	if (json_is_null(doc))   /* an empty file (or only comments) sets nothing */
		goto cleanup;
	if (!json_is_object(doc)) {
		rc = kd_error_set(KD_EINVAL, "%s:1:1: expected a mapping of settings "
				  "(theme, keymap, mouse, repo, kubeconfig)", name);
		goto cleanup;
	}
	r.positions = positions;
	json_object_foreach(doc, key, v)
		if ((rc = read_key(c, &r, key, v)) < 0)
			goto cleanup;
cleanup:
	json_decref(doc);
	json_decref(positions);
	if (rc < 0)
		kd_userconf_free(c);
	else
		*out = c;
	return rc;
}

int kd_userconf_path(char **out)
{
	return kd_xdg_path(out, KD_XDG_CONFIG, "config");
}

int kd_userconf_load(kd_userconf **out, const char *path, kd_userconf_warn_fn warn,
		     void *warn_ctx)
{
	kd_buf text = KD_BUF_INIT;
	char *own = NULL;
	int rc;

	*out = NULL;
	if (!path) {
		if ((rc = kd_userconf_path(&own)) < 0)
			return rc;
		path = own;
	}
	rc = kd_buf_read_file(&text, path, USERCONF_MAX_BYTES);
	if (rc == KD_ENOTFOUND) {
		if (!(*out = calloc(1, sizeof(**out)))) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		(*out)->mouse = -1;
		rc = 0;
		goto cleanup;
	}
	if (rc < 0)
		goto cleanup;
	rc = kd_userconf_parse(out, kd_buf_cstr(&text), text.len, path, warn, warn_ctx);
cleanup:
	kd_buf_free(&text);
	free(own);
	return rc;
}

void kd_userconf_free(kd_userconf *c)
{
	if (!c)
		return;
	free(c->file);
	free(c->theme);
	free(c->keymap);
	free(c->repo);
	free(c->kubeconfig);
	free(c);
}
