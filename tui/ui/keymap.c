/*
 * keymap — key names, `bind` lines and lookups (see keymap.h).
 */
#include "keymap.h"

#include <ctype.h>
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static const char *const context_names[KD_CTX_COUNT] = {
#define KD_X(id, name) name,
	KD_CONTEXTS(KD_X)
#undef KD_X
};

const char *kd_context_name(kd_context c)
{
	return c < KD_CTX_COUNT ? context_names[c] : "";
}

static int context_parse(const char *name)
{
	int c;

	for (c = 0; c < KD_CTX_COUNT; c++)
		if (strcmp(context_names[c], name) == 0)
			return c;
	return -1;
}

/* Named keys; the first name of a key is the one help screens show. */
static const struct {
	const char *name;
	int key;
} named_keys[] = {
	{ "Enter", KD_KEY_ENTER },
	{ "Space", ' ' },
	{ "Tab", KD_KEY_TAB },
	{ "Esc", KD_KEY_ESC },
	{ "Hash", '#' },
	{ "LessThan", '<' },
	{ "BackTab", KD_KEY_FN + KEY_BTAB },
	{ "Backspace", KD_KEY_FN + KEY_BACKSPACE },
	{ "Delete", KD_KEY_FN + KEY_DC },
	{ "Insert", KD_KEY_FN + KEY_IC },
	{ "Up", KD_KEY_FN + KEY_UP },
	{ "Down", KD_KEY_FN + KEY_DOWN },
	{ "Left", KD_KEY_FN + KEY_LEFT },
	{ "Right", KD_KEY_FN + KEY_RIGHT },
	{ "PageUp", KD_KEY_FN + KEY_PPAGE },
	{ "PageDown", KD_KEY_FN + KEY_NPAGE },
	{ "PgUp", KD_KEY_FN + KEY_PPAGE },
	{ "PgDown", KD_KEY_FN + KEY_NPAGE },
	{ "Home", KD_KEY_FN + KEY_HOME },
	{ "End", KD_KEY_FN + KEY_END },
};

#define NNAMED (sizeof(named_keys) / sizeof(named_keys[0]))

/* Decodes one UTF-8 code point; returns its length or 0 when invalid. */
static size_t utf8_decode(int *cp, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, i;
	int c;

	if (u[0] < 0x80) { *cp = u[0]; return u[0] ? 1 : 0; }
	if ((u[0] & 0xe0) == 0xc0) { n = 2; c = u[0] & 0x1f; }
	else if ((u[0] & 0xf0) == 0xe0) { n = 3; c = u[0] & 0x0f; }
	else if ((u[0] & 0xf8) == 0xf0) { n = 4; c = u[0] & 0x07; }
	else return 0;
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (u[i] & 0x3f);
	}
	*cp = c;
	return n;
}

int kd_key_parse(const char *name)
{
	size_t len = strlen(name), i;
	int cp;

	if (len == 0)
		return -1;
	if (name[0] != '<' || len == 1) {
		if (utf8_decode(&cp, name) != len || cp <= ' ' || cp == 127)
			return -1;
		return cp;
	}
	if (name[len - 1] != '>')
		return -1;
	if (len == 5 && (name[1] == 'C' || name[1] == 'c') && name[2] == '-' &&
	    isalpha((unsigned char)name[3]))
		return toupper((unsigned char)name[3]) - '@';
	if ((name[1] == 'F' || name[1] == 'f') && len >= 4 && len <= 5 &&
	    isdigit((unsigned char)name[2])) {
		int n = atoi(name + 2);

		if (n >= 1 && n <= 12 && (len == 4 || isdigit((unsigned char)name[3])))
			return KD_KEY_FN + KEY_F(n);
		return -1;
	}
	for (i = 0; i < NNAMED; i++)
		if (strlen(named_keys[i].name) == len - 2 &&
		    strncasecmp(named_keys[i].name, name + 1, len - 2) == 0)
			return named_keys[i].key;
	return -1;
}

int kd_key_format(kd_buf *out, int key)
{
	size_t i;
	char u[5];
	int n = 0;

	for (i = 0; i < NNAMED; i++)
		if (named_keys[i].key == key)
			return kd_buf_printf(out, "<%s>", named_keys[i].name);
	if (key >= 1 && key <= 26)
		return kd_buf_printf(out, "<C-%c>", '@' + key);
	if (key >= KD_KEY_FN + KEY_F(1) && key <= KD_KEY_FN + KEY_F(12))
		return kd_buf_printf(out, "<F%d>", key - KD_KEY_FN - KEY_F(0));
	if (key >= KD_KEY_FN)
		return kd_buf_printf(out, "<key-%d>", key - KD_KEY_FN);
	if (key < 0x80) {
		u[n++] = (char)key;
	} else if (key < 0x800) {
		u[n++] = (char)(0xc0 | (key >> 6));
		u[n++] = (char)(0x80 | (key & 0x3f));
	} else if (key < 0x10000) {
		u[n++] = (char)(0xe0 | (key >> 12));
		u[n++] = (char)(0x80 | ((key >> 6) & 0x3f));
		u[n++] = (char)(0x80 | (key & 0x3f));
	} else {
		u[n++] = (char)(0xf0 | (key >> 18));
		u[n++] = (char)(0x80 | ((key >> 12) & 0x3f));
		u[n++] = (char)(0x80 | ((key >> 6) & 0x3f));
		u[n++] = (char)(0x80 | (key & 0x3f));
	}
	return kd_buf_add(out, u, (size_t)n);
}

void kd_keymap_clear(kd_keymap *km)
{
	free(km->b);
	km->b = NULL;
	km->n = km->cap = 0;
}

static int keymap_set(kd_keymap *km, kd_context ctx, int key, kd_action a)
{
	size_t i;

	for (i = 0; i < km->n; i++)
		if (km->b[i].ctx == ctx && km->b[i].key == key) {
			km->b[i].action = a;
			return 0;
		}
	if (km->n == km->cap) {
		size_t cap = km->cap ? km->cap * 2 : 64;
		kd_binding *b = realloc(km->b, cap * sizeof(*b));

		if (!b)
			return kd_error_set(KD_ENOMEM, "out of memory");
		km->b = b;
		km->cap = cap;
	}
	km->b[km->n].ctx = ctx;
	km->b[km->n].key = key;
	km->b[km->n].action = a;
	km->n++;
	return 0;
}

static void warn_at(kd_warn_fn warn, void *ctx, const char *file, size_t line,
		    const char *fmt, const char *arg)
{
	kd_buf b = KD_BUF_INIT;

	if (!warn)
		return;
	if (kd_buf_printf(&b, "%s:%zu: ", file, line) == 0 &&
	    kd_buf_printf(&b, fmt, arg) == 0)
		warn(ctx, kd_buf_cstr(&b));
	kd_buf_free(&b);
}

/* Splits a line into at most `max` whitespace-separated words, stopping at
 * a '#' that starts a word (a comment).  Returns the count. */
static size_t split_words(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			break;
		if (n == max)
			return max + 1;
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

int kd_keymap_load(kd_keymap *km, const char *text, const char *file,
		   kd_warn_fn warn, void *warn_ctx)
{
	char *copy = strdup(text), *line, *next;
	size_t lineno = 0;
	int warnings = 0, rc = 0;

	if (!copy)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (line = copy; line; line = next) {
		char *w[5];
		size_t n;
		int ctx, key;
		kd_action a;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		n = split_words(line, w, 4);
		if (n == 0)
			continue;
		if (strcmp(w[0], "bind") != 0) {
			warn_at(warn, warn_ctx, file, lineno, "unknown command '%s' (expected 'bind')", w[0]);
			warnings++;
			continue;
		}
		if (n != 4) {
			warn_at(warn, warn_ctx, file, lineno, "%s", "usage: bind CONTEXT KEY ACTION");
			warnings++;
			continue;
		}
		if ((ctx = context_parse(w[1])) < 0) {
			warn_at(warn, warn_ctx, file, lineno, "unknown context '%s'", w[1]);
			warnings++;
			continue;
		}
		if ((key = kd_key_parse(w[2])) < 0) {
			warn_at(warn, warn_ctx, file, lineno, "unknown key name '%s'", w[2]);
			warnings++;
			continue;
		}
		a = kd_action_parse(w[3]);
		if (a == KD_ACT_NONE && strcmp(w[3], "none") != 0) {
			warn_at(warn, warn_ctx, file, lineno, "unknown action '%s'", w[3]);
			warnings++;
			continue;
		}
		if ((rc = keymap_set(km, (kd_context)ctx, key, a)) < 0)
			goto cleanup;
	}
	rc = warnings;
cleanup:
	free(copy);
	return rc;
}

int kd_keymap_select(kd_keymap *km, const char *name, kd_warn_fn warn, void *warn_ctx)
{
	const char *text;
	kd_buf file = KD_BUF_INIT, label = KD_BUF_INIT;
	int rc;

	km->n = 0;
	rc = kd_keymap_load(km, kd_keymap_builtin("default"), "keymaps/default.keys",
			    warn, warn_ctx);
	if (rc < 0 || !name || strcmp(name, "default") == 0)
		return rc < 0 ? rc : 0;
	if ((text = kd_keymap_builtin(name))) {
		if ((rc = kd_buf_printf(&label, "keymaps/%s.keys", name)) == 0)
			rc = kd_keymap_load(km, text, kd_buf_cstr(&label), warn, warn_ctx);
	} else if (strchr(name, '/')) {
		if ((rc = kd_buf_read_file(&file, name, 1 << 20)) == 0)
			rc = kd_keymap_load(km, kd_buf_cstr(&file), name, warn, warn_ctx);
	} else {
		rc = kd_error_set(KD_ENOTFOUND, "no keymap named '%s' (default, vim, emacs, or a path)", name);
	}
	kd_buf_free(&file);
	kd_buf_free(&label);
	return rc < 0 ? rc : 0;
}

kd_action kd_keymap_lookup(const kd_keymap *km, kd_context ctx, int key)
{
	size_t i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		kd_context c = pass == 0 ? ctx : KD_CTX_GENERIC;

		for (i = 0; i < km->n; i++)
			if (km->b[i].ctx == c && km->b[i].key == key)
				return km->b[i].action;
	}
	return KD_ACT_NONE;
}

static bool bound_in(const kd_keymap *km, kd_context ctx, int key)
{
	size_t i;

	for (i = 0; i < km->n; i++)
		if (km->b[i].ctx == ctx && km->b[i].key == key)
			return true;
	return false;
}

/* Appends a key's name to the list begun at `start`, unless it is there
 * already: a keymap loaded over another binds some keys twice, and help
 * showed "<Enter> <Enter> o". */
static int put_key_once(kd_buf *out, size_t start, int key)
{
	kd_buf name = KD_BUF_INIT;
	const char *p, *list;
	size_t n;
	int rc;

	if ((rc = kd_key_format(&name, key)) < 0)
		goto cleanup;
	n = name.len;
	list = out->data ? out->data + start : "";
	for (p = list; p && *p; p = strchr(p, ' '), p = p ? p + 1 : NULL)
		if (strncmp(p, name.data, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			goto cleanup;
	if (out->len > start && (rc = kd_buf_putc(out, ' ')) < 0)
		goto cleanup;
	rc = kd_buf_add(out, name.data, n);
cleanup:
	kd_buf_free(&name);
	return rc < 0 ? rc : 0;
}

int kd_keymap_keys_of(kd_buf *out, const kd_keymap *km, kd_context ctx, kd_action a)
{
	size_t i, start = out->len;
	int rc;

	for (i = 0; i < km->n; i++) {
		const kd_binding *b = &km->b[i];

		if (b->action != a || (b->ctx != ctx && b->ctx != KD_CTX_GENERIC))
			continue;
		/* A generic binding the context rebinds is listed with the context. */
		if (b->ctx == KD_CTX_GENERIC && ctx != KD_CTX_GENERIC && bound_in(km, ctx, b->key))
			continue;
		/* A generic binding that the context overrides does not run a. */
		if (kd_keymap_lookup(km, ctx, b->key) != a)
			continue;
		if ((rc = put_key_once(out, start, b->key)) < 0)
			return rc;
	}
	return 0;
}
