/*
 * audit_text — one audit record as a person reads it, for every face: a
 * headline ("scale Deployment shop/web on delta") and labelled lines for
 * who, when, why, what changed (the patch as `path: value` lines) and how
 * it ended.  Absent and null fields are left out rather than shown as
 * null; nothing is interpreted beyond the record itself.  Never sanitises
 * (the face does, as it draws) and never reads the log.
 */
#include "audit/audit.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static const char *str_at(const json_t *o, const char *key)
{
	const char *s = kd_json_str(o, key);

	return s && *s ? s : NULL;
}

/* `label` padded to a column, then the value, when there is one. */
static int field(kd_buf *out, const char *label, const char *value)
{
	if (!value)
		return 0;
	return kd_buf_printf(out, "%-10s %s\n", label, value);
}

/* One scalar as YAML would show it. */
static int scalar(kd_buf *out, const json_t *v)
{
	char *s;
	int rc;

	if (json_is_string(v))
		return kd_buf_puts(out, json_string_value(v));
	if (!(s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	rc = kd_buf_puts(out, s);
	free(s);
	return rc;
}

/* The patch as one `path: value` line per leaf; a list of scalars on one
 * line, a null as "(removed)", as a merge patch means it. */
static int patch_lines(kd_buf *out, const json_t *v, kd_buf *path)
{
	size_t mark = path->len, i;
	const char *key;
	json_t *sub;
	int rc = 0;

	if (json_is_object(v) && json_object_size(v)) {
		json_object_foreach((json_t *)v, key, sub) {
			/* A write's precondition, shown as the version line. */
			if (strcmp(key, "resourceVersion") == 0 && strcmp(kd_buf_cstr(path), "metadata") == 0)
				continue;
			kd_buf_truncate(path, mark);
			if ((rc = kd_buf_printf(path, "%s%s", mark ? "." : "", key)) < 0 ||
			    (rc = patch_lines(out, sub, path)) < 0)
				break;
		}
		kd_buf_truncate(path, mark);
		return rc;
	}
	if (json_is_array(v)) {
		bool flat = true;

		for (i = 0; i < json_array_size(v); i++)
			flat = flat && !json_is_object(json_array_get(v, i)) &&
			       !json_is_array(json_array_get(v, i));
		if (!flat) {
			for (i = 0; i < json_array_size(v) && rc == 0; i++) {
				kd_buf_truncate(path, mark);
				if ((rc = kd_buf_printf(path, "[%zu]", i)) == 0)
					rc = patch_lines(out, json_array_get(v, i), path);
			}
			kd_buf_truncate(path, mark);
			return rc;
		}
	}
	if ((rc = kd_buf_printf(out, "  %s: ", mark ? kd_buf_cstr(path) : "(whole object)")) < 0)
		return rc;
	if (json_is_null(v))
		rc = kd_buf_puts(out, "(removed)");
	else if (json_is_array(v)) {
		rc = kd_buf_puts(out, "[");
		for (i = 0; i < json_array_size(v) && rc >= 0; i++) {
			if (i)
				kd_buf_puts(out, ", ");
			rc = scalar(out, json_array_get(v, i));
		}
		if (rc >= 0)
			rc = kd_buf_puts(out, "]");
	} else {
		rc = scalar(out, v);
	}
	return rc < 0 ? rc : kd_buf_putc(out, '\n');
}

int kd_audit_record_headline(kd_buf *out, const kd_audit_record *rec)
{
	json_t *obj = kd_json_obj(rec->json, "object");
	const char *kind = str_at(obj, "kind"), *ns = str_at(obj, "namespace");
	const char *name = str_at(obj, "name");
	int rc = kd_buf_puts(out, rec->action ? rec->action : "(no action)");

	if (rc >= 0 && kind)
		rc = kd_buf_printf(out, " %s %s%s%s", kind, ns ? ns : "", ns ? "/" : "", name ? name : "");
	if (rc >= 0 && rec->cluster)
		rc = kd_buf_printf(out, " on %s", rec->cluster);
	return rc < 0 ? rc : 0;
}

int kd_audit_record_text(kd_buf *out, const kd_audit_record *rec)
{
	json_t *j = rec->json, *outcome = kd_json_obj(j, "outcome"), *patch = json_object_get(j, "patch");
	json_t *rv = kd_json_obj(j, "resourceVersion");
	const char *status = str_at(outcome, "status");
	kd_buf line = KD_BUF_INIT, path = KD_BUF_INIT;
	int rc;

	if ((rc = kd_audit_record_headline(out, rec)) < 0 || (rc = kd_buf_putc(out, '\n')) < 0)
		goto cleanup;
	kd_buf_printf(&line, "%s, %s", rec->mode ? rec->mode : "normal",
		      rec->phase && strcmp(rec->phase, "intent") == 0 ?
		      "intent (what was about to be done)" : "outcome");
	if (status)
		kd_buf_printf(&line, ": %s", status);
	field(out, "mode", kd_buf_cstr(&line));
	field(out, "message", str_at(outcome, "message"));
	field(out, "time", rec->time);
	kd_buf_clear(&line);
	if (str_at(j, "user"))
		kd_buf_printf(&line, "%s%s%s", str_at(j, "user"), str_at(j, "host") ? " on " : "",
			      str_at(j, "host") ? str_at(j, "host") : "");
	field(out, "who", line.len ? kd_buf_cstr(&line) : NULL);
	field(out, "reason", str_at(j, "reason"));
	field(out, "ticket", str_at(j, "ticket"));
	kd_buf_clear(&line);
	if (str_at(rv, "before") || str_at(rv, "after"))
		kd_buf_printf(&line, "%s -> %s", str_at(rv, "before") ? str_at(rv, "before") : "?",
			      str_at(rv, "after") ? str_at(rv, "after") : "?");
	field(out, "version", line.len ? kd_buf_cstr(&line) : NULL);
	if (patch && !json_is_null(patch)) {
		kd_buf_puts(out, "change\n");
		if ((rc = patch_lines(out, patch, &path)) < 0)
			goto cleanup;
	}
	field(out, "session", str_at(j, "session"));
	field(out, "intent", rec->intent_id);
	rc = field(out, "id", rec->id);
cleanup:
	kd_buf_free(&line);
	kd_buf_free(&path);
	return rc < 0 ? rc : 0;
}

int kd_audit_record_line(kd_buf *out, const kd_audit_record *rec)
{
	json_t *j = rec->json, *patch = json_object_get(j, "patch");
	kd_buf change = KD_BUF_INIT, path = KD_BUF_INIT;
	const char *p;
	bool first = true;
	int rc;

	if ((rc = kd_audit_record_headline(out, rec)) < 0)
		goto cleanup;
	if (patch && !json_is_null(patch) && (rc = patch_lines(&change, patch, &path)) < 0)
		goto cleanup;
	/* "  a.b: 1\n  c: 2\n" as "a.b: 1, c: 2" */
	for (p = kd_buf_cstr(&change); *p; ) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		while (len && *p == ' ') {
			p++;
			len--;
		}
		kd_buf_puts(out, first ? ": " : ", ");
		first = false;
		kd_buf_add(out, p, len);
		p += len + (nl ? 1 : 0);
	}
	if (str_at(j, "reason"))
		kd_buf_printf(out, " · %s", str_at(j, "reason"));
	if (str_at(j, "ticket"))
		kd_buf_printf(out, " [%s]", str_at(j, "ticket"));
	if (str_at(j, "user"))
		kd_buf_printf(out, " · %s", str_at(j, "user"));
	if (rec->time)
		rc = kd_buf_printf(out, " · %s", rec->time);
cleanup:
	kd_buf_free(&change);
	kd_buf_free(&path);
	return rc < 0 ? rc : 0;
}
