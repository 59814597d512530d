/*
 * flux_subst — postBuild variable substitution with the grammar of Flux's
 * envsubst fork (see render.h).
 *
 * The parser mirrors the controller's scanner where it matters to users:
 * in text, "$$" is written as "$" and never starts an expression, a lone
 * "$" or "$VAR" is copied, and "${" opens an expression that must close.
 * Inside an expression the name is [A-Za-z0-9_]+; what follows picks the
 * operator.  Default arguments are expanded before the variable is looked
 * up, as the controller does, so a strict error inside an unused default
 * still fails.
 */
#include "render/render.h"
#include "render_priv.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

typedef struct scan {
	const char *text;   /* the whole input, for offsets in messages */
	const char *p;
	const json_t *vars;
	bool strict;
} scan;

/* Checked while expanding, so a large variable referenced many times (or
 * replaced into itself) fails early instead of building gigabytes first. */
static int too_big(const kd_buf *b)
{
	if (b->len <= KD_FLUX_MAX_OUTPUT)
		return 0;
	return kd_error_set(KD_ELIMIT, "postBuild substitution: the result passes %zu MiB",
			    KD_FLUX_MAX_OUTPUT >> 20);
}

bool kd_flux_var_name_valid(const char *name)
{
	const char *c;

	if (!name || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return false;
	for (c = name + 1; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_')
			return false;
	return true;
}

static int bad(const scan *s, const char *what)
{
	return kd_error_set(KD_EINVAL, "bad substitution at offset %zu: %s",
			    (size_t)(s->p - s->text), what);
}

static int expression(kd_buf *out, scan *s);

static int lookup(const char **value, bool *found, const scan *s,
		  const char *name)
{
	const char *v = json_string_value(json_object_get(s->vars, name));

	*found = v != NULL;
	*value = v ? v : "";
	return 0;
}

/* Reads one argument of a function: text until a delimiter in `stops`
 * (or '}'), with nested ${...} expanded. */
static int read_arg(kd_buf *out, scan *s, const char *stops)
{
	int rc;

	while (*s->p && *s->p != '}' && !strchr(stops, *s->p)) {
		if (s->p[0] == '$' && s->p[1] == '$')
			s->p++;
		else if (s->p[0] == '$' && s->p[1] == '{') {
			s->p += 2;
			if ((rc = expression(out, s)) < 0 || (rc = too_big(out)) < 0)
				return rc;
			continue;
		} else if (s->p[0] == '\\' && (s->p[1] == '/' || s->p[1] == '\\'))
			s->p++;
		if (kd_buf_putc(out, *s->p++) < 0)
			return KD_ENOMEM;
	}
	return 0;
}

static bool parse_int(long *out, const char *text)
{
	char *end;

	if (!text[0])
		return false;
	*out = strtol(text, &end, 10);
	return *end == '\0';
}

/* Removes the shortest or longest prefix/suffix matching a shell glob. */
static int trim(kd_buf *out, const char *v, const char *pat, bool prefix,
		bool longest)
{
	size_t n = strlen(v), i, cut = 0;
	bool hit = false;
	char *tmp = malloc(n + 1);

	if (!tmp)
		return KD_ENOMEM;
	for (i = 0; i <= n; i++) {
		size_t len = longest ? n - i : i;

		if (prefix) {
			memcpy(tmp, v, len);
			tmp[len] = '\0';
		} else {
			memcpy(tmp, v + n - len, len);
			tmp[len] = '\0';
		}
		if (fnmatch(pat, tmp, 0) == 0) {
			cut = len;
			hit = true;
			break;
		}
	}
	free(tmp);
	if (!hit)
		return kd_buf_puts(out, v);
	return prefix ? kd_buf_puts(out, v + cut) : kd_buf_add(out, v, n - cut);
}

static int replace(kd_buf *out, const char *v, const char *pat,
		   const char *with, const char *op)
{
	size_t pl = strlen(pat), vl = strlen(v);
	const char *hit;
	int rc = 0;

	if (strcmp(op, "/#") == 0) {
		if (strncmp(v, pat, pl) == 0)
			return kd_buf_puts(out, with) < 0 ? KD_ENOMEM : kd_buf_puts(out, v + pl);
		return kd_buf_puts(out, v);
	}
	if (strcmp(op, "/%") == 0) {
		if (vl >= pl && strcmp(v + vl - pl, pat) == 0)
			return kd_buf_add(out, v, vl - pl) < 0 ? KD_ENOMEM : kd_buf_puts(out, with);
		return kd_buf_puts(out, v);
	}
	if (!pl)
		return kd_buf_puts(out, v);
	while ((hit = strstr(v, pat)) != NULL) {
		if ((rc = kd_buf_add(out, v, (size_t)(hit - v))) < 0 ||
		    (rc = kd_buf_puts(out, with)) < 0 || (rc = too_big(out)) < 0)
			return rc;
		v = hit + pl;
		if (strcmp(op, "/") == 0)
			break;
	}
	return kd_buf_puts(out, v);
}

static int casing(kd_buf *out, const char *v, const char *op)
{
	size_t i, n = strlen(v);
	bool all = op[1] != '\0', upper = op[0] == '^';
	int rc;

	if ((rc = kd_buf_puts(out, v)) < 0)
		return rc;
	for (i = out->len - n; i < out->len && (all || i == out->len - n); i++)
		out->data[i] = (char)(upper ? toupper((unsigned char)out->data[i])
					    : tolower((unsigned char)out->data[i]));
	return 0;
}

static int substr(kd_buf *out, const char *v, const char *a1, const char *a2)
{
	long off, len;
	long n = (long)strlen(v);

	if (!parse_int(&off, a1))
		return kd_buf_puts(out, v);
	if (off < 0)
		off = 0;
	if (off > n)
		off = n;
	/* A length past the end (however large) gives the rest. */
	if (a2 && parse_int(&len, a2) && len >= 0 && len < n - off)
		return kd_buf_add(out, v + off, (size_t)len);
	return kd_buf_add(out, v + off, (size_t)(n - off));
}

/* Called with s->p just after "${"; leaves s->p after the closing '}'. */
static int expression(kd_buf *out, scan *s)
{
	kd_buf name = KD_BUF_INIT, a1 = KD_BUF_INIT, a2 = KD_BUF_INIT;
	char op[3] = "";
	bool length = false, found, has_a2 = false;
	const char *v;
	int rc = 0;

	if (*s->p == '#') {
		length = true;
		s->p++;
	}
	while (isalnum((unsigned char)*s->p) || *s->p == '_')
		if ((rc = kd_buf_putc(&name, *s->p++)) < 0)
			goto cleanup;
	if (!name.len) {
		rc = bad(s, "unable to parse variable name");
		goto cleanup;
	}
	if (length) {
		if (*s->p != '}') {
			rc = bad(s, "missing closing brace");
			goto cleanup;
		}
	} else if (*s->p == ':' && strchr("=-?+", s->p[1]) && s->p[1]) {
		op[0] = ':';
		op[1] = s->p[1];
		s->p += 2;
		rc = read_arg(&a1, s, "");
	} else if (*s->p == '=') {
		op[0] = '=';
		s->p++;
		rc = read_arg(&a1, s, "");
	} else if (*s->p == ':') {
		op[0] = ':';
		s->p++;
		if ((rc = read_arg(&a1, s, ":")) == 0 && *s->p == ':') {
			s->p++;
			has_a2 = true;
			rc = read_arg(&a2, s, "");
		}
	} else if (*s->p == '^' || *s->p == ',') {
		op[0] = *s->p++;
		if (*s->p == op[0])
			op[1] = *s->p++;
	} else if (*s->p == '#' || *s->p == '%') {
		op[0] = *s->p++;
		if (*s->p == op[0])
			op[1] = *s->p++;
		rc = read_arg(&a1, s, "");
	} else if (*s->p == '/') {
		op[0] = *s->p++;
		if (*s->p == '/' || *s->p == '#' || *s->p == '%')
			op[1] = *s->p++;
		if ((rc = read_arg(&a1, s, "/")) == 0) {
			if (*s->p != '/') {
				rc = bad(s, "expected '/' in replacement");
				goto cleanup;
			}
			s->p++;
			has_a2 = true;
			rc = read_arg(&a2, s, "");
		}
	}
	if (rc < 0)
		goto cleanup;
	if (*s->p != '}') {
		rc = bad(s, "missing closing brace");
		goto cleanup;
	}
	s->p++;
	lookup(&v, &found, s, kd_buf_cstr(&name));
	if (!found && s->strict &&
	    !(op[0] == '=' || (op[0] == ':' && op[1] && strchr("=-?+", op[1])))) {
		rc = kd_error_set(KD_EINVAL, "variable not set (strict mode): \"%s\"",
				  kd_buf_cstr(&name));
		goto cleanup;
	}
	if (length)
		rc = kd_buf_printf(out, "%zu", strlen(v));
	else if (!op[0])
		rc = kd_buf_puts(out, v);
	else if (op[0] == '=' || (op[0] == ':' && op[1]))
		rc = kd_buf_puts(out, v[0] ? v : kd_buf_cstr(&a1));
	else if (op[0] == ':')
		rc = substr(out, v, kd_buf_cstr(&a1), has_a2 ? kd_buf_cstr(&a2) : NULL);
	else if (op[0] == '^' || op[0] == ',')
		rc = casing(out, v, op);
	else if (op[0] == '#' || op[0] == '%')
		rc = trim(out, v, kd_buf_cstr(&a1), op[0] == '#', op[1] != '\0');
	else
		rc = replace(out, v, kd_buf_cstr(&a1), kd_buf_cstr(&a2), op);
cleanup:
	kd_buf_free(&name);
	kd_buf_free(&a1);
	kd_buf_free(&a2);
	return rc == KD_ENOMEM ? kd_error_set(KD_ENOMEM, "out of memory") : rc;
}

static int expand_text(kd_buf *out, scan *s)
{
	int rc;

	while (*s->p) {
		if (s->p[0] == '$' && s->p[1] == '$') {
			/* The escape: "$$" is "$", and the second '$' can no
			 * longer open an expression. */
			s->p++;
			if ((rc = kd_buf_putc(out, '$')) < 0)
				return rc;
			s->p++;
			continue;
		}
		if (s->p[0] == '$' && s->p[1] == '{') {
			s->p += 2;
			if ((rc = expression(out, s)) < 0 || (rc = too_big(out)) < 0)
				return rc;
			continue;
		}
		if ((rc = kd_buf_putc(out, *s->p++)) < 0)
			return rc;
	}
	return 0;
}

int kd_flux_envsubst(kd_buf *out, const char *text, const json_t *vars,
		     bool strict)
{
	scan s = { text, text, vars, strict };
	int rc;

	rc = expand_text(out, &s);
	if (rc == KD_ENOMEM)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return rc;
}

int kd_flux_vars_add_object(json_t *vars, const json_t *obj, const char *where)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	bool secret = kind && strcmp(kind, "Secret") == 0;
	static const char *const fields[] = { "data", "stringData", NULL };
	kd_buf dec = KD_BUF_INIT;
	size_t f;
	int rc = 0;

	for (f = 0; fields[f] && rc == 0; f++) {
		json_t *data = json_object_get(obj, fields[f]), *v;
		const char *key;

		if (f == 1 && !secret)
			break;
		if (data && !json_is_object(data))
			return kd_error_set(KD_EINVAL, "%s: %s is not a mapping",
					    where, fields[f]);
		json_object_foreach(data, key, v) {
			const char *text = json_string_value(v);

			if (!kd_flux_var_name_valid(key)) {
				rc = kd_error_set(KD_EINVAL,
						  "%s: '%s' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'",
						  where, key);
				break;
			}
			if (!text) {
				rc = kd_error_set(KD_EINVAL, "%s: %s.%s is not a string",
						  where, fields[f], key);
				break;
			}
			if (secret && f == 0) {
				kd_buf_clear(&dec);
				if (kd_base64_decode(&dec, text, strlen(text)) < 0) {
					/* Never echo a secret's value. */
					rc = kd_error_set(KD_EINVAL,
							  "%s: data.%s is not valid base64",
							  where, key);
					break;
				}
				text = kd_buf_cstr(&dec);
			}
			if (json_object_set_new(vars, key, json_string(text)) < 0) {
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				break;
			}
		}
	}
	kd_buf_free(&dec);
	return rc;
}

static bool opted_out(const json_t *obj)
{
	static const char *const where[] = { "annotations", "labels", NULL };
	const json_t *meta = json_object_get(obj, "metadata");
	size_t i;

	for (i = 0; where[i]; i++) {
		const char *v = json_string_value(json_object_get(
			json_object_get(meta, where[i]),
			"kustomize.toolkit.fluxcd.io/substitute"));

		if (v && strcmp(v, "disabled") == 0)
			return true;
	}
	return false;
}

/* The controller removes line breaks from every value. */
static int one_line_vars(json_t **out, const json_t *vars)
{
	json_t *copy = json_object(), *v;
	kd_buf b = KD_BUF_INIT;
	const char *key, *c;

	*out = NULL;
	if (!copy)
		return kd_error_set(KD_ENOMEM, "out of memory");
	json_object_foreach((json_t *)vars, key, v) {
		if (!kd_flux_var_name_valid(key)) {
			json_decref(copy);
			kd_buf_free(&b);
			return kd_error_set(KD_EINVAL,
					    "'%s' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'",
					    key);
		}
		kd_buf_clear(&b);
		for (c = json_string_value(v) ? json_string_value(v) : ""; *c; c++)
			if (*c != '\n' && kd_buf_putc(&b, *c) < 0)
				break;
		if (json_object_set_new(copy, key, json_string(kd_buf_cstr(&b))) < 0) {
			json_decref(copy);
			kd_buf_free(&b);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
	}
	kd_buf_free(&b);
	*out = copy;
	return 0;
}

/* The variables a value refers to, in order ("${A}-${B:=x}" -> A, B). */
static int referenced(json_t *names, const char *text)
{
	const char *p = text;

	while ((p = strstr(p, "${"))) {
		const char *q = p + 2;

		if (p > text && p[-1] == '$') {   /* $${ is an escape */
			p += 2;
			continue;
		}
		while (*q && (isalnum((unsigned char)*q) || *q == '_'))
			q++;
		if (q > p + 2) {
			json_t *n = json_stringn(p + 2, (size_t)(q - p - 2));

			if (!n || json_array_append_new(names, n) < 0)
				return kd_error_set(KD_ENOMEM, "out of memory");
		}
		p = q;
	}
	return 0;
}

typedef struct subst_arg {
	const json_t *vars;
	const json_t *origins;
} subst_arg;

/* A substituted value: the variable it came from and where that was set;
 * a default taken because the variable is unset stays with the manifest
 * that wrote it. */
static int locate_subst(json_t **extra, const kd_prov_at *at, const char *pointer,
			const json_t *before, const json_t *after, int line,
			const json_t *chain)
{
	const subst_arg *s = at->arg;
	json_t *names = json_array(), *n;
	const json_t *last = json_array_get(chain, json_array_size(chain) ? json_array_size(chain) - 1 : 0);
	size_t i;
	int rc;

	(void)pointer;
	(void)after;
	(void)line;
	if (!names)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (json_is_string(before) && (rc = referenced(names, json_string_value(before))) < 0) {
		json_decref(names);
		return rc;
	}
	json_array_foreach(names, i, n) {
		const json_t *o = json_object_get(s->origins, json_string_value(n));

		if (!json_object_get(s->vars, json_string_value(n)))
			continue;
		*extra = json_pack("{s:O}", "variable", n);
		if (!*extra || (o && json_object_update(*extra, (json_t *)o) < 0)) {
			json_decref(names);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
		json_decref(names);
		return 0;
	}
	if (json_array_size(names) == 0) {
		/* no variable: "$${X}" written as "${X}" */
		json_decref(names);
		*extra = json_pack("{s:s, s:O?, s:O?}", "step", "postBuild substitution",
				   "file", last ? json_object_get(last, "file") : NULL,
				   "line", last ? json_object_get(last, "line") : NULL);
		return *extra ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
	}
	/* every variable unset: the value is the expression's default */
	*extra = json_pack("{s:s, s:O?, s:O?, s:O?}", "step", "postBuild default",
			   "variable", json_array_get(names, 0),
			   "file", last ? json_object_get(last, "file") : NULL,
			   "line", last ? json_object_get(last, "line") : NULL);
	json_decref(names);
	return *extra ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
}

int kd_flux_substitute_prov(json_t *objs, json_t *provs, const json_t *vars_in,
			    const json_t *origins, bool strict)
{
	kd_buf yaml = KD_BUF_INIT, done = KD_BUF_INIT;
	json_t *vars = NULL, *obj;
	subst_arg sa = { NULL, origins };
	kd_prov_at at = { .step = "postBuild variable", .locate = locate_subst, .arg = &sa };
	size_t i;
	int rc = 0;

	/* With no variable at all the controller leaves objects alone, "$$"
	 * included (unless strict, where a reference must fail). */
	if (json_object_size(vars_in) == 0 && !strict)
		return 0;
	if ((rc = one_line_vars(&vars, vars_in)) < 0)
		return rc;
	sa.vars = vars;
	json_array_foreach(objs, i, obj) {
		json_t *parsed = NULL;
		const json_t *meta = json_object_get(obj, "metadata");

		if (opted_out(obj))
			continue;
		kd_buf_clear(&yaml);
		kd_buf_clear(&done);
		if ((rc = kd_yaml_emit(&yaml, obj)) < 0)
			break;
		if (!strchr(kd_buf_cstr(&yaml), '$'))
			continue;
		if ((rc = kd_flux_envsubst(&done, kd_buf_cstr(&yaml), vars, strict)) < 0 ||
		    (rc = kd_yaml_parse_one(&parsed, NULL, kd_buf_cstr(&done),
					    done.len, "substituted object", NULL)) < 0) {
			kd_error_wrap(rc, "%s/%s: postBuild substitution: ",
				      json_string_value(json_object_get(obj, "kind")),
				      json_string_value(json_object_get(meta, "name")));
			break;
		}
		if (!json_is_object(parsed)) {
			json_decref(parsed);
			rc = kd_error_set(KD_EINVAL,
					  "%s/%s: postBuild substitution did not leave a mapping",
					  json_string_value(json_object_get(obj, "kind")),
					  json_string_value(json_object_get(meta, "name")));
			break;
		}
		if (provs) {
			/* the map may be shared: record into a copy */
			json_t *map = json_copy(json_array_get(provs, i));

			rc = kd_prov_record(&map, obj, parsed, &at);
			if (rc == 0 && json_array_set_new(provs, i, map) < 0)
				rc = kd_error_set(KD_ENOMEM, "out of memory");
			else if (rc < 0)
				json_decref(map);
			if (rc < 0) {
				json_decref(parsed);
				break;
			}
		}
		if (json_array_set_new(objs, i, parsed) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			break;
		}
	}
	kd_buf_free(&yaml);
	kd_buf_free(&done);
	json_decref(vars);
	return rc;
}

int kd_flux_substitute(json_t *objs, const json_t *vars_in, bool strict)
{
	return kd_flux_substitute_prov(objs, NULL, vars_in, NULL, strict);
}
