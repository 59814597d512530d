/*
 * kube_util — the pure parts of the Kubernetes client: API paths, query
 * strings, Status decoding, backoff, the rate limiter and the watch line
 * splitter.  Nothing here touches the network, so all of it is unit-tested
 * with injected clocks and randomness.
 */
#include <stdio.h>
#include <string.h>

#include "data/data.h"
#include "kube/kube.h"

void kd_kube_options_init(kd_kube_options *o)
{
	memset(o, 0, sizeof(*o));
	o->connect_timeout_ms = 10000;
	o->request_timeout_ms = 30000;
	o->deadline_ms = 60000;
	o->backoff_base_ms = 250;
	o->backoff_max_ms = 8000;
	o->max_retries = 5;
	o->qps = 5;
	o->burst = 10;
	o->watch_idle_ms = 300000;
	o->watch_timeout_s = 290;
}

/* Unreserved characters of RFC 3986 pass; everything else is %XX, so a
 * name or selector can never change the shape of the URL. */
static int add_escaped(kd_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_' || ch == '~') {
			rc = kd_buf_putc(out, (char)ch);
		} else {
			char enc[3] = { '%', hex[ch >> 4], hex[ch & 15] };

			rc = kd_buf_add(out, enc, 3);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int add_segment(kd_buf *out, const char *seg)
{
	int rc = kd_buf_putc(out, '/');

	return rc < 0 ? rc : add_escaped(out, seg);
}

int kd_kube_path(kd_buf *out, const kd_kube_ref *ref)
{
	bool core = !ref->group || !ref->group[0];
	int rc;

	if (!ref->version || !ref->version[0] || !ref->resource || !ref->resource[0])
		return kd_error_set(KD_EINVAL, "resource reference without %s",
				    ref->resource && ref->resource[0] ? "version" : "resource");
	if (ref->name && !ref->name[0])
		return kd_error_set(KD_EINVAL, "%s: empty object name", ref->resource);
	if ((rc = kd_buf_puts(out, core ? "/api" : "/apis")) < 0)
		return rc;
	if (!core && (rc = add_segment(out, ref->group)) < 0)
		return rc;
	if ((rc = add_segment(out, ref->version)) < 0)
		return rc;
	if (ref->namespace && ref->namespace[0]) {
		if ((rc = add_segment(out, "namespaces")) < 0 ||
		    (rc = add_segment(out, ref->namespace)) < 0)
			return rc;
	}
	if ((rc = add_segment(out, ref->resource)) < 0)
		return rc;
	if (ref->name && (rc = add_segment(out, ref->name)) < 0)
		return rc;
	if (ref->name && ref->subresource && ref->subresource[0] &&
	    (rc = add_segment(out, ref->subresource)) < 0)
		return rc;
	return 0;
}

int kd_kube_query_add(kd_buf *out, const char *key, const char *value)
{
	int rc;

	if (out->len && (rc = kd_buf_putc(out, '&')) < 0)
		return rc;
	if ((rc = add_escaped(out, key)) < 0 || (rc = kd_buf_putc(out, '=')) < 0)
		return rc;
	return add_escaped(out, value ? value : "");
}

int kd_kube_ref_describe(kd_buf *out, const kd_kube_ref *ref)
{
	const char *res = ref->resource ? ref->resource : "?";
	int rc;

	if (ref->group && ref->group[0])
		rc = kd_buf_printf(out, "%s.%s", res, ref->group);
	else
		rc = kd_buf_puts(out, res);
	if (rc == 0 && ref->name)
		rc = kd_buf_printf(out, " %s", ref->name);
	if (rc == 0 && ref->name && ref->subresource)
		rc = kd_buf_printf(out, " (%s)", ref->subresource);
	if (rc == 0 && ref->namespace && ref->namespace[0])
		rc = kd_buf_printf(out, " in namespace %s", ref->namespace);
	return rc;
}

static const char *reason_for_status(int http_status)
{
	switch (http_status) {
	case 400: return "BadRequest";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "NotFound";
	case 405: return "MethodNotAllowed";
	case 406: return "NotAcceptable";
	case 409: return "Conflict";
	case 410: return "Expired";
	case 413: return "RequestEntityTooLarge";
	case 415: return "UnsupportedMediaType";
	case 422: return "Invalid";
	case 429: return "TooManyRequests";
	case 500: return "InternalError";
	case 503: return "ServiceUnavailable";
	case 504: return "Timeout";
	default: return http_status >= 500 ? "InternalError" : "Unknown";
	}
}

static int code_for(int http_status, const char *reason)
{
	if (http_status == 404 || !strcmp(reason, "NotFound"))
		return KD_ENOTFOUND;
	if (http_status == 409 || !strcmp(reason, "Conflict") ||
	    !strcmp(reason, "AlreadyExists"))
		return KD_ECONFLICT;
	if (http_status == 422 || http_status == 400 || !strcmp(reason, "Invalid") ||
	    !strcmp(reason, "BadRequest"))
		return KD_EINVAL;
	return KD_ERROR;
}

/* details.causes carry the per-field reasons of an Invalid or a Conflict
 * (field managers of an apply conflict); they are what a user needs to fix
 * the object, so they follow the message. */
static int add_causes(kd_buf *msg, const json_t *status, const char *message)
{
	json_t *causes = kd_json_arr(kd_json_obj(status, "details"), "causes");
	size_t i, shown = 0;
	json_t *cause;
	int rc = 0;

	json_array_foreach(causes, i, cause) {
		const char *field = kd_json_str(cause, "field");
		const char *cmsg = kd_json_str(cause, "message");

		if (!cmsg || (message && strstr(message, cmsg)))
			continue;
		if (shown++ == 8) {
			rc = kd_buf_puts(msg, "; ...");
			break;
		}
		rc = field && field[0] ? kd_buf_printf(msg, "; %s: %s", field, cmsg)
				       : kd_buf_printf(msg, "; %s", cmsg);
		if (rc < 0)
			break;
	}
	return rc;
}

int kd_kube_status_error(kd_buf *msg, const char **reason, int http_status,
			 const json_t *body, const char *cluster,
			 const char *what)
{
	const json_t *status = NULL;
	const char *r = NULL, *message = NULL;
	int code = http_status, rc;
	json_t *jc;

	if (body && json_is_object(body)) {
		const char *kind = kd_json_str(body, "kind");

		if (kind && !strcmp(kind, "Status"))
			status = body;
		/* A watch ERROR event wraps the Status in "object". */
		else if (kd_json_obj(body, "object") &&
			 (kind = kd_json_str(kd_json_obj(body, "object"), "kind")) &&
			 !strcmp(kind, "Status"))
			status = kd_json_obj(body, "object");
	}
	if (status) {
		r = kd_json_str(status, "reason");
		message = kd_json_str(status, "message");
		jc = json_object_get(status, "code");
		if (json_is_integer(jc) && json_integer_value(jc) > 0 && !http_status)
			code = (int)json_integer_value(jc);
	}
	if (!r || !r[0])
		r = reason_for_status(code);
	rc = kd_buf_printf(msg, "cluster %s: %s: ", cluster ? cluster : "?",
			   what ? what : "request");
	if (rc == 0)
		rc = message && message[0] ? kd_buf_puts(msg, message)
					   : kd_buf_printf(msg, "%s", r);
	if (rc == 0 && status)
		rc = add_causes(msg, status, message);
	if (rc == 0)
		rc = kd_buf_printf(msg, " (%s, HTTP %d)", r, code);
	if (rc < 0)
		return rc;
	if (reason)
		*reason = r;
	return code_for(code, r);
}

long kd_kube_backoff_ms(int attempt, long base_ms, long max_ms, double rnd)
{
	long d = base_ms > 0 ? base_ms : 1;

	while (attempt-- > 0 && d < max_ms)
		d *= 2;
	if (max_ms > 0 && d > max_ms)
		d = max_ms;
	if (rnd < 0)
		rnd = 0;
	if (rnd >= 1)
		rnd = 0.999999;
	/* "Equal jitter": at least half the delay so retries still back off,
	 * the rest random so a fleet of clients does not retry in lockstep. */
	return d / 2 + (long)((double)(d - d / 2) * rnd);
}

void kd_kube_bucket_init(kd_kube_bucket *b, double qps, int burst, int64_t now_ms)
{
	b->qps = qps;
	b->burst = burst > 0 ? burst : 1;
	b->tokens = b->burst;
	b->last_ms = now_ms;
}

int64_t kd_kube_bucket_take(kd_kube_bucket *b, int64_t now_ms)
{
	int64_t wait;

	if (b->qps <= 0)
		return 0;
	if (now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) * b->qps / 1000.0;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last_ms = now_ms;
	}
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return 0;
	}
	wait = (int64_t)((1.0 - b->tokens) * 1000.0 / b->qps) + 1;
	return wait > 0 ? wait : 1;
}

int kd_kube_lines_feed(kd_kube_lines *ls, const char *data, size_t len,
		       kd_kube_line_fn fn, void *ctx)
{
	size_t max = ls->max ? ls->max : (size_t)64 << 20;
	size_t start = 0, i;
	int rc;

	for (i = 0; i < len; i++) {
		const char *line;
		size_t n;

		if (data[i] != '\n')
			continue;
		if (ls->pending.len) {
			if ((rc = kd_buf_add(&ls->pending, data + start, i - start)) < 0)
				return rc;
			line = ls->pending.data;
			n = ls->pending.len;
		} else {
			line = data + start;
			n = i - start;
		}
		if (n > max)
			return kd_error_set(KD_ELIMIT, "watch event longer than %zu bytes", max);
		if (n && line[n - 1] == '\r')
			n--;
		rc = n ? fn(ctx, line, n) : 0;
		kd_buf_clear(&ls->pending);
		start = i + 1;
		if (rc)
			return rc;
	}
	if (start < len) {
		if (ls->pending.len + (len - start) > max)
			return kd_error_set(KD_ELIMIT, "watch event longer than %zu bytes", max);
		return kd_buf_add(&ls->pending, data + start, len - start);
	}
	return 0;
}

void kd_kube_lines_free(kd_kube_lines *ls)
{
	kd_buf_free(&ls->pending);
}
