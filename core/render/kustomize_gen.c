/*
 * kustomize_gen — configMapGenerator and secretGenerator, and the content
 * hash kustomize appends to generated names.
 *
 * The hash is kustomize's: SHA-256 over Go's json.Marshal of
 * {"data", "kind", "name"} (ConfigMap, plus "binaryData" when present) or
 * {"data", "kind", "name", "type"} (Secret, plus "stringData"), where
 * "name" is always "" (kustomize looks the name up under a path that never
 * matches) and an absent data is "".  The first ten hex digits are then
 * spelled without vowels-like digits: 0->g 1->h 3->k a->m e->t.
 */
#include "render_priv.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* ---- Go's encoding/json, for hashing ---------------------------------- */

static int go_string(kd_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	int rc = kd_buf_putc(b, '"');

	for (; rc == 0 && *p; p++) {
		unsigned char ch = *p;

		switch (ch) {
		case '"': rc = kd_buf_puts(b, "\\\""); break;
		case '\\': rc = kd_buf_puts(b, "\\\\"); break;
		case '\n': rc = kd_buf_puts(b, "\\n"); break;
		case '\r': rc = kd_buf_puts(b, "\\r"); break;
		case '\t': rc = kd_buf_puts(b, "\\t"); break;
		case '\b': rc = kd_buf_puts(b, "\\b"); break;
		case '\f': rc = kd_buf_puts(b, "\\f"); break;
		case '<': case '>': case '&':
			rc = kd_buf_printf(b, "\\u00%c%c", hex[ch >> 4], hex[ch & 15]);
			break;
		default:
			if (ch < 0x20) {
				rc = kd_buf_printf(b, "\\u00%c%c", hex[ch >> 4], hex[ch & 15]);
			} else if (ch == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
				/* U+2028 and U+2029 are escaped by Go */
				rc = kd_buf_puts(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
				p += 2;
			} else {
				rc = kd_buf_putc(b, (char)ch);
			}
		}
	}
	return rc ? rc : kd_buf_putc(b, '"');
}

static int compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int go_json(kd_buf *b, const json_t *v)
{
	const char **keys = NULL;
	const char *key;
	json_t *item;
	size_t i, n = 0;
	int rc = 0;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		keys = calloc(json_object_size(v) + 1, sizeof(*keys));
		if (!keys)
			return kd_error_set(KD_ENOMEM, "out of memory");
		json_object_foreach((json_t *)v, key, item)
			keys[n++] = key;
		qsort(keys, n, sizeof(*keys), compare_keys);
		rc = kd_buf_putc(b, '{');
		for (i = 0; i < n && rc == 0; i++) {
			if (i)
				rc = kd_buf_putc(b, ',');
			if (rc == 0)
				rc = go_string(b, keys[i]);
			if (rc == 0)
				rc = kd_buf_putc(b, ':');
			if (rc == 0)
				rc = go_json(b, json_object_get(v, keys[i]));
		}
		free(keys);
		return rc ? rc : kd_buf_putc(b, '}');
	case JSON_ARRAY:
		rc = kd_buf_putc(b, '[');
		for (i = 0; i < json_array_size(v) && rc == 0; i++) {
			if (i)
				rc = kd_buf_putc(b, ',');
			if (rc == 0)
				rc = go_json(b, json_array_get(v, i));
		}
		return rc ? rc : kd_buf_putc(b, ']');
	case JSON_STRING:
		return go_string(b, json_string_value(v));
	case JSON_INTEGER:
		return kd_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL:
		return kd_buf_printf(b, "%.17g", json_real_value(v));
	case JSON_TRUE:
		return kd_buf_puts(b, "true");
	case JSON_FALSE:
		return kd_buf_puts(b, "false");
	default:
		return kd_buf_puts(b, "null");
	}
}

int kd_kz_hash_object(char out[11], const json_t *obj)
{
	static const char hexd[] = "0123456789abcdef";
	const char *kind = kd_kz_kind(obj);
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	kd_buf b = KD_BUF_INIT;
	json_t *m;
	int rc = 0;
	size_t i;

	if (strcmp(kind, "Secret") == 0) {
		json_t *type = json_object_get(obj, "type");

		m = json_pack("{s:s, s:s}", "kind", "Secret", "name", "");
		if (m && json_object_set_new(m, "type", type && !json_is_null(type)
					     ? json_incref(type) : json_string("")) < 0) {
			json_decref(m);
			m = NULL;
		}
		if (m && json_is_object(json_object_get(obj, "stringData")))
			json_object_set(m, "stringData", json_object_get(obj, "stringData"));
	} else if (strcmp(kind, "ConfigMap") == 0) {
		m = json_pack("{s:s, s:s}", "kind", "ConfigMap", "name", "");
		if (m && json_is_object(json_object_get(obj, "binaryData")))
			json_object_set(m, "binaryData", json_object_get(obj, "binaryData"));
	} else {
		m = json_deep_copy(obj);
	}
	if (!m)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (strcmp(kind, "Secret") == 0 || strcmp(kind, "ConfigMap") == 0) {
		json_t *data = json_object_get(obj, "data");

		if (json_object_set_new(m, "data", data && !json_is_null(data)
					? json_incref(data) : json_string("")) < 0) {
			json_decref(m);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
	}
	rc = go_json(&b, m);
	json_decref(m);
	if (rc < 0)
		goto cleanup;
	if (!EVP_Digest(b.data, b.len, digest, &dlen, EVP_sha256(), NULL)) {
		rc = kd_error_set(KD_ERROR, "SHA-256 failed");
		goto cleanup;
	}
	for (i = 0; i < 10; i++) {
		char ch = hexd[(digest[i / 2] >> (i % 2 ? 0 : 4)) & 15];

		switch (ch) {
		case '0': ch = 'g'; break;
		case '1': ch = 'h'; break;
		case '3': ch = 'k'; break;
		case 'a': ch = 'm'; break;
		case 'e': ch = 't'; break;
		default: break;
		}
		out[i] = ch;
	}
	out[10] = '\0';
cleanup:
	kd_buf_free(&b);
	return rc;
}

int kd_kz_apply_hashes(kd_kz_list *l)
{
	size_t i;
	int rc;

	for (i = 0; i < l->n; i++) {
		kd_kz_res *r = &l->v[i];
		char hash[11];
		kd_buf name = KD_BUF_INIT;

		if (!r->hashed)
			continue;
		if ((rc = kd_kz_remember_id(r)) < 0)
			return rc;
		rc = kd_kz_hash_object(hash, r->obj);
		if (rc < 0)
			return rc;
		if (kd_buf_printf(&name, "%s-%s", r->base_name, hash) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
		rc = kd_kz_set_str(json_object_get(r->obj, "metadata"), "name", kd_buf_cstr(&name));
		kd_buf_free(&name);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- generator sources ------------------------------------------------ */

static int base64(kd_buf *out, const unsigned char *p, size_t n)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	int rc = 0;

	for (i = 0; i + 2 < n && rc == 0; i += 3) {
		char q[4] = { tbl[p[i] >> 2], tbl[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
			      tbl[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)], tbl[p[i + 2] & 63] };

		rc = kd_buf_add(out, q, 4);
	}
	if (rc == 0 && n - i == 1) {
		char q[4] = { tbl[p[i] >> 2], tbl[(p[i] & 3) << 4], '=', '=' };

		rc = kd_buf_add(out, q, 4);
	} else if (rc == 0 && n - i == 2) {
		char q[4] = { tbl[p[i] >> 2], tbl[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
			      tbl[(p[i + 1] & 15) << 2], '=' };

		rc = kd_buf_add(out, q, 4);
	}
	if (rc == 0 && !out->data)
		rc = kd_buf_puts(out, "");
	return rc;
}

/* kustomize wraps encoded values of 70 characters or more into lines of
 * 70, each ending in a newline. */
static int wrap70(kd_buf *enc)
{
	kd_buf out = KD_BUF_INIT;
	size_t i;
	int rc = 0;

	if (enc->len < 70)
		return 0;
	for (i = 0; i < enc->len && rc == 0; i += 70) {
		size_t n = enc->len - i < 70 ? enc->len - i : 70;

		rc = kd_buf_add(&out, enc->data + i, n);
		if (rc == 0)
			rc = kd_buf_putc(&out, '\n');
	}
	if (rc == 0) {
		kd_buf_free(enc);
		*enc = out;
	} else {
		kd_buf_free(&out);
	}
	return rc;
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len, k;

		if (c < 0x80) {
			if (c == 0)
				return false;
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0 && c >= 0xc2)
			len = 2;
		else if ((c & 0xf0) == 0xe0)
			len = 3;
		else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
			len = 4;
		else
			return false;
		if (i + len > n)
			return false;
		for (k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += len;
	}
	return true;
}

typedef struct gen_data {
	json_t *data;
	json_t *binary;
} gen_data;

static int put_key(const kd_kz_file *f, const char *ptr, gen_data *g,
		   const char *key, json_t *value, bool binary)
{
	if (!value)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (!key[0]) {
		json_decref(value);
		return kd_kz_fail(f, ptr, KD_EINVAL, "a generator key may not be empty");
	}
	if (json_object_get(g->data, key) || json_object_get(g->binary, key)) {
		json_decref(value);
		return kd_kz_fail(f, ptr, KD_EINVAL, "generator key '%s' is given more than once", key);
	}
	if (json_object_set_new(binary ? g->binary : g->data, key, value) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

static int env_file(kd_kz_ctx *c, const kd_kz_file *f, const char *ptr, gen_data *g,
		    const char *rel)
{
	kd_buf data = KD_BUF_INIT;
	const char *p;
	int rc = kd_kz_read_file(&data, NULL, c, f, rel, ptr);

	if (rc < 0)
		return rc;
	p = kd_buf_cstr(&data);
	if (strncmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (*p && rc == 0) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *line = strndup(p, len);
		char *k, *eq;

		if (!line)
			return kd_error_set(KD_ENOMEM, "out of memory");
		if (len && line[len - 1] == '\r')
			line[len - 1] = '\0';
		k = line;
		while (*k == ' ' || *k == '\t')
			k++;
		if (*k && *k != '#') {
			eq = strchr(k, '=');
			if (!eq)
				rc = kd_kz_fail(f, ptr, KD_EINVAL,
					     "%s: line '%s' is not KEY=VALUE (values from the environment are not read)",
					     rel, k);
			else {
				*eq = '\0';
				rc = put_key(f, ptr, g, k, json_string(eq + 1), false);
			}
		}
		free(line);
		p += len;
		if (*p == '\n')
			p++;
	}
	kd_buf_free(&data);
	return rc;
}

static int literal(const kd_kz_file *f, const char *ptr, gen_data *g, const char *s)
{
	const char *eq = strchr(s, '=');
	char *key;
	const char *v;
	size_t vlen;
	int rc;

	if (!eq || eq == s)
		return kd_kz_fail(f, ptr, KD_EINVAL, "literal '%s' is not KEY=VALUE", s);
	key = strndup(s, (size_t)(eq - s));
	if (!key)
		return kd_error_set(KD_ENOMEM, "out of memory");
	v = eq + 1;
	vlen = strlen(v);
	if (vlen >= 2 && (v[0] == '"' || v[0] == '\'') && v[vlen - 1] == v[0]) {
		v++;
		vlen -= 2;
	}
	rc = put_key(f, ptr, g, key, json_stringn(v, vlen), false);
	free(key);
	return rc;
}

static int file_source(kd_kz_ctx *c, const kd_kz_file *f, const char *ptr, gen_data *g,
		       const char *spec)
{
	const char *eq = strchr(spec, '=');
	const char *rel = eq ? eq + 1 : spec;
	kd_buf data = KD_BUF_INIT;
	char *key;
	int rc;

	key = eq ? strndup(spec, (size_t)(eq - spec)) : strdup(kd_path_basename(rel));
	if (!key)
		return kd_error_set(KD_ENOMEM, "out of memory");
	rc = kd_kz_read_file(&data, NULL, c, f, rel, ptr);
	if (rc == 0) {
		if (valid_utf8((const unsigned char *)kd_buf_cstr(&data), data.len)) {
			rc = put_key(f, ptr, g, key, json_stringn(kd_buf_cstr(&data), data.len), false);
		} else {
			kd_buf enc = KD_BUF_INIT;

			rc = base64(&enc, (const unsigned char *)data.data, data.len);
			if (rc == 0)
				rc = wrap70(&enc);
			if (rc == 0)
				rc = put_key(f, ptr, g, key, json_string(kd_buf_cstr(&enc)), true);
			kd_buf_free(&enc);
		}
	}
	kd_buf_free(&data);
	free(key);
	return rc;
}

static int string_list(const kd_kz_file *f, const json_t *e, const char *field,
		       const char *ptr, json_t **out)
{
	json_t *v = json_object_get(e, field);
	size_t i;

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return kd_kz_fail(f, ptr, KD_EINVAL, "generator '%s' must be a list of strings", field);
	for (i = 0; i < json_array_size(v); i++)
		if (!json_is_string(json_array_get(v, i)))
			return kd_kz_fail(f, ptr, KD_EINVAL,
				       "generator '%s' must be a list of strings", field);
	*out = v;
	return 0;
}

static int collect(kd_kz_ctx *c, const kd_kz_file *f, const json_t *e, const char *ptr,
		   gen_data *g)
{
	json_t *envs, *lits, *files;
	const char *env = json_string_value(json_object_get(e, "env"));
	size_t i;
	int rc;

	if ((rc = string_list(f, e, "envs", ptr, &envs)) < 0 ||
	    (rc = string_list(f, e, "literals", ptr, &lits)) < 0 ||
	    (rc = string_list(f, e, "files", ptr, &files)) < 0)
		return rc;
	if (env && (rc = env_file(c, f, ptr, g, env)) < 0)
		return rc;
	for (i = 0; i < json_array_size(envs); i++)
		if ((rc = env_file(c, f, ptr, g, json_string_value(json_array_get(envs, i)))) < 0)
			return rc;
	for (i = 0; i < json_array_size(lits); i++)
		if ((rc = literal(f, ptr, g, json_string_value(json_array_get(lits, i)))) < 0)
			return rc;
	for (i = 0; i < json_array_size(files); i++)
		if ((rc = file_source(c, f, ptr, g, json_string_value(json_array_get(files, i)))) < 0)
			return rc;
	return 0;
}

/* Secret values are stored base64-encoded. */
static int encode_secret(json_t *data)
{
	const char *key;
	json_t *v;

	json_object_foreach(data, key, v) {
		kd_buf enc = KD_BUF_INIT;
		const char *s = json_string_value(v);
		int rc = base64(&enc, (const unsigned char *)s, strlen(s));

		if (rc == 0)
			rc = wrap70(&enc);
		if (rc == 0 && json_string_set(v, kd_buf_cstr(&enc)) < 0)
			rc = kd_error_set(KD_ENOMEM, "out of memory");
		kd_buf_free(&enc);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int merge_strmap(json_t *meta, const char *field, const json_t *add)
{
	json_t *m;

	if (!json_is_object(add) || json_object_size(add) == 0)
		return 0;
	m = json_object_get(meta, field);
	if (!json_is_object(m)) {
		m = json_object();
		if (!m || json_object_set_new(meta, field, m) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return json_object_update(m, (json_t *)add) < 0
		? kd_error_set(KD_ENOMEM, "out of memory") : 0;
}

/* The options that apply: generatorOptions overlaid with the entry's own. */
typedef struct gen_opts {
	json_t *labels, *annotations;  /* borrowed; entry's override global's per key */
	json_t *labels2, *annotations2;
	bool no_hash;
	bool immutable;
} gen_opts;

static void read_opts(gen_opts *o, const json_t *global, const json_t *local)
{
	json_t *v;

	memset(o, 0, sizeof(*o));
	o->labels = json_object_get(global, "labels");
	o->annotations = json_object_get(global, "annotations");
	o->labels2 = json_object_get(local, "labels");
	o->annotations2 = json_object_get(local, "annotations");
	o->no_hash = kd_kz_true(json_object_get(global, "disableNameSuffixHash"));
	if ((v = json_object_get(local, "disableNameSuffixHash")) && kd_kz_is_bool(v))
		o->no_hash = kd_kz_true(v);
	o->immutable = kd_kz_true(json_object_get(global, "immutable"));
	if ((v = json_object_get(local, "immutable")) && kd_kz_is_bool(v))
		o->immutable = kd_kz_true(v);
}

static const char *const configmap_keys[] = { "name", "namespace", "behavior", "literals",
					      "files", "envs", "env", "options", NULL };
static const char *const secret_keys[] = { "name", "namespace", "behavior", "literals",
					   "files", "envs", "env", "options", "type", NULL };
static const char *const option_keys[] = { "labels", "annotations", "disableNameSuffixHash",
					   "immutable", NULL };

/* kubectl refuses anything but strings in these fields. */
static int check_strings(const kd_kz_file *f, const char *ptr, const json_t *e,
			 const char *field)
{
	json_t *v = json_object_get(e, field);

	if (v && !json_is_string(v) && !json_is_null(v))
		return kd_kz_fail(f, ptr, KD_EINVAL, "generator '%s' must be a string", field);
	return 0;
}

static int check_string_map(const kd_kz_file *f, const char *ptr, const json_t *m)
{
	const char *key;
	json_t *v;

	if (!m || json_is_null(m))
		return 0;
	if (!json_is_object(m))
		return kd_kz_fail(f, ptr, KD_EINVAL, "generator labels and annotations must be mappings");
	json_object_foreach((json_t *)m, key, v)
		if (!json_is_string(v))
			return kd_kz_fail(f, ptr, KD_EINVAL,
				       "value of '%s' must be a string (quote it)", key);
	return 0;
}

static kd_kz_res *find_generated(kd_kz_list *l, const char *kind, const char *name,
			      const char *ns)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		kd_kz_res *r = &l->v[i];
		const char *cur = kd_kz_name(r->obj);

		if (strcmp(kd_kz_kind(r->obj), kind) != 0)
			continue;
		if (ns && strcmp(kd_kz_ns(r->obj), ns) != 0)
			continue;
		if (strcmp(r->orig_name, name) == 0 ||
		    (r->base_name && strcmp(r->base_name, name) == 0) ||
		    (cur && strcmp(cur, name) == 0))
			return r;
	}
	return NULL;
}

static int gen_one(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, const json_t *e,
		   const char *ptr, bool secret)
{
	const char *kind = secret ? "Secret" : "ConfigMap";
	const char *name = json_string_value(json_object_get(e, "name"));
	const char *ns = json_string_value(json_object_get(e, "namespace"));
	const char *behavior = json_string_value(json_object_get(e, "behavior"));
	const char *type = json_string_value(json_object_get(e, "type"));
	const json_t *global = json_object_get(f->doc, "generatorOptions");
	const json_t *local = json_object_get(e, "options");
	gen_data g = { json_object(), json_object() };
	json_t *obj = NULL, *meta;
	gen_opts o;
	kd_kz_res *old;
	int rc = 0;

	if (!g.data || !g.binary) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (!json_is_object(e)) {
		rc = kd_kz_fail(f, ptr, KD_EINVAL, "a generator must be a mapping");
		goto cleanup;
	}
	if (!name || !name[0]) {
		rc = kd_kz_fail(f, ptr, KD_EINVAL, "a %s generator needs a name", kind);
		goto cleanup;
	}
	/* kustomize creates for any behavior it does not know */
	if (!behavior || (strcmp(behavior, "merge") != 0 && strcmp(behavior, "replace") != 0))
		behavior = "create";
	if ((rc = kd_kz_check_keys(f, ptr, e, secret ? secret_keys : configmap_keys)) < 0 ||
	    (rc = kd_kz_check_keys(f, ptr, json_object_get(e, "options"), option_keys)) < 0 ||
	    (rc = kd_kz_check_keys(f, "/generatorOptions",
				json_object_get(f->doc, "generatorOptions"), option_keys)) < 0 ||
	    (rc = check_strings(f, ptr, e, "namespace")) < 0 ||
	    (rc = check_strings(f, ptr, e, "behavior")) < 0 ||
	    (rc = check_strings(f, ptr, e, "type")) < 0 ||
	    (rc = check_string_map(f, "/generatorOptions", json_object_get(global, "labels"))) < 0 ||
	    (rc = check_string_map(f, "/generatorOptions",
				   json_object_get(global, "annotations"))) < 0 ||
	    (rc = check_string_map(f, ptr, json_object_get(local, "labels"))) < 0 ||
	    (rc = check_string_map(f, ptr, json_object_get(local, "annotations"))) < 0)
		goto cleanup;
	read_opts(&o, json_object_get(f->doc, "generatorOptions"),
		  json_object_get(e, "options"));
	rc = collect(c, f, e, ptr, &g);
	if (rc < 0)
		goto cleanup;
	if (secret && (rc = encode_secret(g.data)) < 0)
		goto cleanup;

	if (strcmp(behavior, "create") != 0) {
		old = find_generated(l, kind, name, ns);
		if (!old) {
			rc = kd_kz_fail(f, ptr, KD_ENOTFOUND,
				     "%s '%s' does not exist; cannot %s it", kind, name, behavior);
			goto cleanup;
		}
		meta = json_object_get(old->obj, "metadata");
		if (strcmp(behavior, "replace") == 0) {
			json_object_del(old->obj, "data");
			json_object_del(old->obj, "binaryData");
		}
		if (json_object_size(g.data)) {
			json_t *d = json_object_get(old->obj, "data");

			if (!json_is_object(d))
				rc = json_object_set(old->obj, "data", g.data);
			else
				rc = json_object_update(d, g.data);
		}
		if (rc == 0 && json_object_size(g.binary)) {
			json_t *d = json_object_get(old->obj, "binaryData");

			if (!json_is_object(d))
				rc = json_object_set(old->obj, "binaryData", g.binary);
			else
				rc = json_object_update(d, g.binary);
		}
		if (rc < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		if ((rc = merge_strmap(meta, "labels", o.labels)) < 0 ||
		    (rc = merge_strmap(meta, "labels", o.labels2)) < 0 ||
		    (rc = merge_strmap(meta, "annotations", o.annotations)) < 0 ||
		    (rc = merge_strmap(meta, "annotations", o.annotations2)) < 0)
			goto cleanup;
		if (o.no_hash && old->hashed) {
			old->hashed = false;
			rc = kd_kz_set_str(meta, "name", old->base_name);
		}
		goto cleanup;
	}

	obj = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", kind,
			"metadata", "name", name);
	if (!obj) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	meta = json_object_get(obj, "metadata");
	if (ns && (rc = kd_kz_set_str(meta, "namespace", ns)) < 0)
		goto cleanup;
	if ((rc = merge_strmap(meta, "labels", o.labels)) < 0 ||
	    (rc = merge_strmap(meta, "labels", o.labels2)) < 0 ||
	    (rc = merge_strmap(meta, "annotations", o.annotations)) < 0 ||
	    (rc = merge_strmap(meta, "annotations", o.annotations2)) < 0)
		goto cleanup;
	if ((json_object_size(g.data) && json_object_set(obj, "data", g.data) < 0) ||
	    (json_object_size(g.binary) && json_object_set(obj, "binaryData", g.binary) < 0) ||
	    (secret && json_object_set_new(obj, "type", json_string(type ? type : "Opaque")) < 0) ||
	    (o.immutable && json_object_set_new(obj, "immutable", json_true()) < 0)) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (find_generated(l, kind, name, ns ? ns : "")) {
		rc = kd_kz_fail(f, ptr, KD_EINVAL,
			     "%s '%s' already exists; use behavior merge or replace", kind, name);
		goto cleanup;
	}
	rc = kd_kz_list_add(l, obj, name);
	obj = NULL;
	if (rc == 0 && c->trace)
		rc = kd_kz_set_file(&l->v[l->n - 1], f->path);
	if (rc == 0)
		rc = kd_kz_prov_generated(c, f, &l->v[l->n - 1], e, ptr, secret);
	if (rc < 0)
		goto cleanup;
	if (!o.no_hash) {
		kd_kz_res *r = &l->v[l->n - 1];

		r->hashed = true;
		r->base_name = strdup(name);
		if (!r->base_name)
			rc = kd_error_set(KD_ENOMEM, "out of memory");
	}
cleanup:
	json_decref(obj);
	json_decref(g.data);
	json_decref(g.binary);
	return rc;
}

int kd_kz_generators(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l)
{
	static const char *const fields[] = { "configMapGenerator", "secretGenerator" };
	size_t k, i;
	int rc;

	for (k = 0; k < 2; k++) {
		json_t *list = json_object_get(f->doc, fields[k]);
		char ptr[64];

		if (!list)
			continue;
		snprintf(ptr, sizeof(ptr), "/%s", fields[k]);
		if (!json_is_array(list))
			return kd_kz_fail(f, ptr, KD_EINVAL, "'%s' must be a list", fields[k]);
		for (i = 0; i < json_array_size(list); i++) {
			snprintf(ptr, sizeof(ptr), "/%s/%zu", fields[k], i);
			rc = gen_one(c, f, l, json_array_get(list, i), ptr, k == 1);
			if (rc == 0)
				rc = kd_kz_step_generator(c, f, l, json_array_get(list, i), ptr, k == 1);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}
