/*
 * template — fasttemplate expansion and cluster parameters (see fleet.h).
 *
 * The rules follow what Argo CD's ApplicationSet controller does with
 * valyala/fasttemplate, because fleet files and ApplicationSets written for
 * Argo CD must expand to the same paths here as there.
 */
#include "fleet/fleet.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"

/* Go's strings.TrimSpace for the ASCII white space a tag can hold. */
static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static const char *lookup(const json_t *params, const char *tag, size_t len)
{
	const json_t *v;

	while (len && is_space(*tag)) {
		tag++;
		len--;
	}
	while (len && is_space(tag[len - 1]))
		len--;
	if (!len || !params)
		return NULL;
	v = json_object_getn(params, tag, len);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int kd_template_expand(char **out, const char *tmpl, const json_t *params)
{
	kd_buf b = KD_BUF_INIT;
	const char *p = tmpl, *open, *close, *val;
	int rc = 0;

	*out = NULL;
	if (!tmpl)
		return kd_error_set(KD_EINVAL, "no template to expand");
	while ((open = strstr(p, "{{")) != NULL) {
		if ((rc = kd_buf_add(&b, p, (size_t)(open - p))) < 0)
			goto cleanup;
		close = strstr(open + 2, "}}");
		if (!close) {
			/* fasttemplate copies an unterminated tag through. */
			p = open;
			break;
		}
		val = lookup(params, open + 2, (size_t)(close - open - 2));
		if (val)
			rc = kd_buf_puts(&b, val);
		else
			rc = kd_buf_add(&b, open, (size_t)(close + 2 - open));
		if (rc < 0)
			goto cleanup;
		p = close + 2;
	}
	if ((rc = kd_buf_puts(&b, p)) < 0)
		goto cleanup;
	*out = kd_buf_detach(&b);
	if (!*out)
		rc = kd_error_set(KD_ENOMEM, "out of memory");
cleanup:
	kd_buf_free(&b);
	return rc;
}

int kd_template_normalize_name(char **out, const char *name)
{
	kd_buf b = KD_BUF_INIT;
	const unsigned char *p = (const unsigned char *)name;
	size_t start, end;
	char *s;
	int rc = 0;

	*out = NULL;
	while (*p) {
		unsigned char c = *p;
		char o;

		if (c >= 'A' && c <= 'Z')
			o = (char)(c - 'A' + 'a');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			 c == '-' || c == '.')
			o = (char)c;
		else
			o = '-';
		/* Go's regexp replaces a whole UTF-8 character at once. */
		if (c >= 0xC0) {
			p++;
			while ((*p & 0xC0) == 0x80)
				p++;
		} else {
			p++;
		}
		if ((rc = kd_buf_putc(&b, o)) < 0)
			goto cleanup;
	}
	if (b.len > 253)
		kd_buf_truncate(&b, 253);
	s = b.data ? b.data : "";
	start = 0;
	end = b.len;
	while (start < end && (s[start] == '-' || s[start] == '.'))
		start++;
	while (end > start && (s[end - 1] == '-' || s[end - 1] == '.'))
		end--;
	*out = malloc(end - start + 1);
	if (!*out) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	memcpy(*out, s + start, end - start);
	(*out)[end - start] = '\0';
cleanup:
	kd_buf_free(&b);
	return rc;
}

/* Adds PREFIX.K = V for every string member of obj. */
static int add_prefixed(json_t *params, const char *prefix, const json_t *obj)
{
	kd_buf key = KD_BUF_INIT;
	const char *k;
	json_t *v;
	int rc = 0;

	json_object_foreach((json_t *)obj, k, v) {
		if (!json_is_string(v))
			continue;
		kd_buf_clear(&key);
		if ((rc = kd_buf_printf(&key, "%s.%s", prefix, k)) < 0)
			break;
		if (json_object_set_new(params, key.data,
					json_string(json_string_value(v))) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			break;
		}
	}
	kd_buf_free(&key);
	return rc;
}

int kd_cluster_params(json_t **out, const kd_cluster *cluster)
{
	json_t *params;
	char *normalized = NULL;
	int rc;

	*out = NULL;
	params = json_object();
	if (!params)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if ((rc = kd_template_normalize_name(&normalized, cluster->name)) < 0)
		goto cleanup;
	if (json_object_set_new(params, "name", json_string(cluster->name)) < 0 ||
	    json_object_set_new(params, "nameNormalized",
				json_string(normalized)) < 0 ||
	    (cluster->server &&
	     json_object_set_new(params, "server",
				 json_string(cluster->server)) < 0)) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (cluster->labels &&
	    (rc = add_prefixed(params, "metadata.labels", cluster->labels)) < 0)
		goto cleanup;
	if (cluster->values &&
	    (rc = add_prefixed(params, "values", cluster->values)) < 0)
		goto cleanup;
	*out = params;
	params = NULL;
cleanup:
	json_decref(params);
	free(normalized);
	return rc;
}
