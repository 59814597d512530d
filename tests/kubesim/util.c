/*
 * util — timestamps, identifiers, Status objects and selectors.
 */
#include "ks.h"

#include <ctype.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

void ks_now_rfc3339(char out[32])
{
	kd_time_format(out, kd_time_now_ms(), 0);
}

void ks_random_hex(char *out, size_t nbytes)
{
	unsigned char b[64];
	size_t i;

	if (nbytes > sizeof(b))
		nbytes = sizeof(b);
	if (RAND_bytes(b, (int)nbytes) != 1)
		for (i = 0; i < nbytes; i++)
			b[i] = (unsigned char)rand();
	for (i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	out[2 * nbytes] = '\0';
}

void ks_uuid(char out[37])
{
	char h[33];

	ks_random_hex(h, 16);
	h[12] = '4';
	h[16] = "89ab"[h[16] % 4];
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

json_t *ks_status(int code, const char *reason, const char *message,
		  const json_t *details)
{
	json_t *s = json_pack("{s:s, s:s, s:{}, s:s, s:s, s:s, s:i}", "kind", "Status",
			      "apiVersion", "v1", "metadata", "status",
			      code < 300 ? "Success" : "Failure", "message", message,
			      "reason", reason, "code", code);

	if (s && details)
		json_object_set(s, "details", (json_t *)details);
	return s;
}

/* ---- label selectors ---- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

static size_t token_len(const char *p)
{
	size_t n = 0;

	while (p[n] && !strchr(" ,=!()", p[n]))
		n++;
	return n;
}

static const char *label_value(const json_t *labels, const char *key, size_t klen)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)labels, k, v)
		if (strlen(k) == klen && !strncmp(k, key, klen) && json_is_string(v))
			return json_string_value(v);
	return NULL;
}

static bool in_set(const char *val, const char **pp, int *err)
{
	const char *p = skip_ws(*pp);
	bool found = false;
	size_t n;

	if (*p != '(') {
		*err = 1;
		return false;
	}
	p++;
	for (;;) {
		p = skip_ws(p);
		n = token_len(p);
		if (val && strlen(val) == n && !strncmp(val, p, n))
			found = true;
		p = skip_ws(p + n);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == ')') {
			p++;
			break;
		}
		*err = 1;
		return false;
	}
	*pp = p;
	return found;
}

int ks_label_selector_match(bool *out, const char *sel, const json_t *labels)
{
	const char *p = sel, *key, *val;
	size_t klen, vlen;
	bool match = true, neg;
	int err = 0;

	while (*(p = skip_ws(p))) {
		neg = false;
		if (*p == '!') {
			neg = true;
			p = skip_ws(p + 1);
		}
		key = p;
		klen = token_len(p);
		if (!klen)
			goto bad;
		p = skip_ws(p + klen);
		val = label_value(labels, key, klen);
		if (neg) {
			if (val)
				match = false;
		} else if (*p == '=' || (*p == '!' && p[1] == '=')) {
			bool ne = *p == '!';
			p += ne ? 2 : (p[1] == '=' ? 2 : 1);
			p = skip_ws(p);
			vlen = token_len(p);
			if (ne ? (val && strlen(val) == vlen && !strncmp(val, p, vlen))
			       : !(val && strlen(val) == vlen && !strncmp(val, p, vlen)))
				match = false;
			p += vlen;
		} else if (!strncmp(p, "in", 2) && (p[2] == ' ' || p[2] == '(')) {
			p += 2;
			if (!in_set(val, &p, &err))
				match = false;
		} else if (!strncmp(p, "notin", 5) && (p[5] == ' ' || p[5] == '(')) {
			p += 5;
			if (in_set(val, &p, &err))
				match = false;
		} else if (!val) {
			match = false;
		}
		if (err)
			goto bad;
		p = skip_ws(p);
		if (*p == ',')
			p++;
		else if (*p)
			goto bad;
	}
	*out = match;
	return 0;
bad:
	return kd_error_set(KD_EINVAL, "unable to parse requirement: found '%s'", p);
}

/* Field selectors: metadata.name, metadata.namespace and a few status
 * fields, with =, == and !=. */
int ks_field_selector_match(bool *out, const char *sel, const json_t *obj)
{
	const char *p = sel, *end, *op;
	bool match = true;
	char field[128], want[256];
	const char *have;

	while (*p) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		op = strstr(p, "!=");
		if (!op || op > end) {
			op = strchr(p, '=');
			if (!op || op > end)
				return kd_error_set(KD_EINVAL, "invalid field selector: '%s'", sel);
		}
		if ((size_t)(op - p) >= sizeof(field))
			return kd_error_set(KD_EINVAL, "invalid field selector: '%s'", sel);
		memcpy(field, p, (size_t)(op - p));
		field[op - p] = '\0';
		{
			bool ne = *op == '!';
			const char *v = op + (ne ? 2 : (op[1] == '=' ? 2 : 1));
			size_t vlen = (size_t)(end - v);

			if (vlen >= sizeof(want))
				vlen = sizeof(want) - 1;
			memcpy(want, v, vlen);
			want[vlen] = '\0';
			if (!strcmp(field, "metadata.name"))
				have = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
			else if (!strcmp(field, "metadata.namespace"))
				have = json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace"));
			else if (!strcmp(field, "status.phase"))
				have = json_string_value(json_object_get(json_object_get(obj, "status"), "phase"));
			else if (!strcmp(field, "spec.nodeName"))
				have = json_string_value(json_object_get(json_object_get(obj, "spec"), "nodeName"));
			else
				return kd_error_set(KD_EINVAL,
						    "field label not supported: %s", field);
			if (!have)
				have = "";
			if (ne == !strcmp(have, want))
				match = false;
		}
		p = *end ? end + 1 : end;
	}
	*out = match;
	return 0;
}

char *ks_url_decode(const char *s)
{
	size_t n = strlen(s), i, j = 0;
	char *out = malloc(n + 1);

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '%' && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = {s[i + 1], s[i + 2], 0};
			out[j++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	return out;
}
