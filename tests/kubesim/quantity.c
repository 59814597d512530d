/*
 * quantity — the API server's canonical form of resource quantities and
 * its handling of Secret stringData, both of which make live objects differ
 * textually from what was applied ("0.5" comes back as "500m", "1024Mi" as
 * "1Gi", stringData as base64 data).  kdrift must not call that drift.
 *
 * Quantities are kept as exact integers of milli-units (decimal) or bytes
 * (binary suffixes); anything that does not fit, and exponent forms, are
 * left as written.
 */
#include "ks.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *dec_suffix[] = {"", "k", "M", "G", "T", "P", "E"};
static const char *bin_suffix[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

/* Parses "1.5", "500m", "2Gi"; false when not a form handled here. */
static bool parse_quantity(const char *s, bool *binary, long long *milli, long long *bytes)
{
	long long ip = 0, frac = 0, fscale = 1;
	const char *p = s, *suf;
	int i, sign = 1;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (!isdigit((unsigned char)*p) && *p != '.')
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		if (ip > 100000000000000LL)
			return false;
		ip = ip * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			if (fscale > 100000000000LL)
				return false;
			frac = frac * 10 + (*p - '0');
			fscale *= 10;
		}
	}
	suf = p;
	*binary = false;
	if (!strcmp(suf, "m")) {
		/* milli: the fraction must vanish */
		if (frac)
			return false;
		*milli = sign * ip;
		return true;
	}
	for (i = 1; i < 7; i++)
		if (!strcmp(suf, bin_suffix[i])) {
			long long unit = 1LL << (10 * i);
			if (i > 4 && ip)
				return false;
			if ((frac * unit) % fscale)
				return false; /* not a whole number of bytes */
			*bytes = sign * (ip * unit + frac * unit / fscale);
			*binary = true;
			return true;
		}
	for (i = 0; i < 7; i++)
		if (!strcmp(suf, dec_suffix[i])) {
			long long unit = 1000, k;
			for (k = 0; k < i; k++) {
				if (unit > 1000000000000000LL)
					return false;
				unit *= 1000;
			}
			if ((frac * unit) % fscale || ip > 9000000000000000LL / unit)
				return false;
			*milli = sign * (ip * unit + frac * unit / fscale);
			return true;
		}
	return false;
}

static json_t *canonical(const json_t *v)
{
	char in[64], out[64];
	bool binary;
	long long milli = 0, bytes = 0, a;
	int i;

	if (json_is_integer(v))
		snprintf(in, sizeof(in), "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(in, sizeof(in), "%.9g", json_real_value(v));
	else if (json_is_string(v) && strlen(json_string_value(v)) < sizeof(in))
		snprintf(in, sizeof(in), "%s", json_string_value(v));
	else
		return NULL;
	if (!parse_quantity(in, &binary, &milli, &bytes))
		return json_is_string(v) ? NULL : json_string(in);
	if (binary) {
		a = bytes < 0 ? -bytes : bytes;
		for (i = 6; i > 0; i--)
			if (a && a % (1LL << (10 * i)) == 0)
				break;
		if (i == 0 && a % 1000 == 0 && a) {
			/* a byte count that is no whole KiB: decimal form */
			milli = bytes * 1000;
			binary = false;
		} else {
			snprintf(out, sizeof(out), "%lld%s", bytes / (1LL << (10 * i)), bin_suffix[i]);
			return json_string(out);
		}
	}
	if (milli % 1000) {
		snprintf(out, sizeof(out), "%lldm", milli);
		return json_string(out);
	}
	a = milli / 1000;
	for (i = 0; i < 6 && a && a % 1000 == 0; i++)
		a /= 1000;
	snprintf(out, sizeof(out), "%lld%s", a, dec_suffix[i]);
	return json_string(out);
}

static void canonical_map(json_t *m)
{
	const char *k;
	json_t *v, *c;

	json_object_foreach(m, k, v) {
		c = canonical(v);
		if (c)
			json_object_set_new(m, k, c);
	}
}

static void container_resources(json_t *containers)
{
	size_t i;
	json_t *c, *r;

	json_array_foreach(containers, i, c) {
		r = json_object_get(c, "resources");
		canonical_map(json_object_get(r, "limits"));
		canonical_map(json_object_get(r, "requests"));
	}
}

static void pod_spec(json_t *spec)
{
	container_resources(json_object_get(spec, "containers"));
	container_resources(json_object_get(spec, "initContainers"));
	canonical_map(json_object_get(spec, "overhead"));
}

static int base64(kd_buf *out, const unsigned char *s, size_t n)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
			     (i + 2 < n ? s[i + 2] : 0);
		rc |= kd_buf_putc(out, tbl[v >> 18 & 63]);
		rc |= kd_buf_putc(out, tbl[v >> 12 & 63]);
		rc |= kd_buf_putc(out, i + 1 < n ? tbl[v >> 6 & 63] : '=');
		rc |= kd_buf_putc(out, i + 2 < n ? tbl[v & 63] : '=');
	}
	return rc;
}

void ks_server_forms(const ks_type *t, json_t *obj)
{
	json_t *spec = json_object_get(obj, "spec"), *tmpl;

	if (!strcmp(t->kind, "Secret") && !*t->group) {
		/* stringData is write-only: merged into data, base64-encoded */
		json_t *sd = json_object_get(obj, "stringData"), *data, *v;
		const char *k;

		if (json_is_object(sd)) {
			data = json_object_get(obj, "data");
			if (!json_is_object(data)) {
				data = json_object();
				json_object_set_new(obj, "data", data);
			}
			json_object_foreach(sd, k, v) {
				kd_buf b = KD_BUF_INIT;
				const char *s = json_string_value(v) ? json_string_value(v) : "";
				if (base64(&b, (const unsigned char *)s, strlen(s)) == 0)
					json_object_set_new(data, k, json_string(kd_buf_cstr(&b)));
				kd_buf_free(&b);
			}
		}
		json_object_del(obj, "stringData");
		return;
	}
	if (*t->group && strcmp(t->group, "apps") && strcmp(t->group, "batch"))
		return;
	if (!strcmp(t->kind, "Pod")) {
		pod_spec(spec);
	} else if (!strcmp(t->kind, "PersistentVolumeClaim")) {
		canonical_map(json_object_get(json_object_get(spec, "resources"), "requests"));
		canonical_map(json_object_get(json_object_get(spec, "resources"), "limits"));
	} else if (!strcmp(t->kind, "ResourceQuota")) {
		canonical_map(json_object_get(spec, "hard"));
	} else {
		if (!strcmp(t->kind, "CronJob"))
			spec = json_object_get(json_object_get(spec, "jobTemplate"), "spec");
		tmpl = json_object_get(spec, "template");
		pod_spec(json_object_get(tmpl, "spec"));
	}
}
