/*
 * init_emit — the text of the fleet file `kdrift init` writes (see
 * fleet.h): the model of init.c as commented YAML, every value quoted
 * unless it reads back as the same plain string, every comment cut to one
 * line of printable text, and the result loaded with kd_fleet_parse before
 * anyone sees it.  Never writes files, never prints.
 */
#include "fleet/fleet.h"
#include "fleet_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

/* A plain scalar only when YAML reads it back as this very string and it
 * holds nothing a flow collection would take for syntax. */
static bool plain_ok(const char *s)
{
	json_t *v = NULL;
	const char *p;
	bool ok;

	if (!s[0])
		return false;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
		      *p == '/'))
			return false;
	if (s[0] == '-' || s[0] == '.')
		return false;
	if (kd_yaml_plain_scalar(&v, s, strlen(s)) < 0) {
		kd_error_clear();
		return false;
	}
	ok = json_is_string(v) && strcmp(json_string_value(v), s) == 0;
	json_decref(v);
	return ok;
}

static int scalar(kd_buf *b, const char *s)
{
	json_t *v;
	char *q;
	int rc;

	if (plain_ok(s))
		return kd_buf_puts(b, s) < 0 ? oom() : 0;
	/* A JSON string is a YAML double-quoted scalar; in ASCII, so that no
	 * control character, C1 included, reaches a terminal printing it. */
	if (!(v = json_string(s)))
		return kd_error_set(KD_EINVAL, "a name or path is not UTF-8");
	q = json_dumps(v, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
	json_decref(v);
	if (!q)
		return oom();
	rc = kd_buf_puts(b, q) < 0 ? oom() : 0;
	free(q);
	return rc;
}

/* Flow style: {k: v}, [a, b]. */
static int flow(kd_buf *b, const json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;
	int rc = 0;

	if (json_is_object(v)) {
		bool first = true;

		if (kd_buf_putc(b, '{') < 0)
			return oom();
		json_object_foreach((json_t *)v, key, x) {
			if ((!first && kd_buf_puts(b, ", ") < 0) ||
			    (rc = scalar(b, key)) < 0 || kd_buf_puts(b, ": ") < 0 ||
			    (rc = flow(b, x)) < 0)
				return rc < 0 ? rc : oom();
			first = false;
		}
		return kd_buf_putc(b, '}') < 0 ? oom() : 0;
	}
	if (json_is_array(v)) {
		if (kd_buf_putc(b, '[') < 0)
			return oom();
		json_array_foreach(v, i, x)
			if ((i && kd_buf_puts(b, ", ") < 0) || (rc = flow(b, x)) < 0)
				return rc < 0 ? rc : oom();
		return kd_buf_putc(b, ']') < 0 ? oom() : 0;
	}
	return scalar(b, json_is_string(v) ? json_string_value(v) : "");
}

/* "  # TEXT\n" with TEXT on one line: kd_sanitize makes a repository's
 * names inert, so they never end the comment nor reach a terminal as
 * controls. */
static int comment(kd_buf *b, const char *indent, const char *text)
{
	if (kd_buf_puts(b, indent) < 0 || kd_buf_puts(b, "# ") < 0 ||
	    kd_sanitize(b, text, strlen(text), 0) < 0)
		return oom();
	return kd_buf_putc(b, '\n') < 0 ? oom() : 0;
}

/* "   # TEXT" at the end of a line, then the newline. */
static int trailing(kd_buf *b, const char *text)
{
	if (!text || !text[0])
		return kd_buf_putc(b, '\n') < 0 ? oom() : 0;
	if (kd_buf_puts(b, "   ") < 0)
		return oom();
	return comment(b, "", text);
}

static int emit_cluster(kd_buf *b, const json_t *cl)
{
	const json_t *labels = kd_json_obj(cl, "labels");
	const json_t *values = kd_json_obj(cl, "values");
	const json_t *n;
	kd_buf notes = KD_BUF_INIT;
	size_t i;
	int rc;

	if ((rc = comment(b, "  ", kd_json_str(cl, "origin"))) < 0 ||
	    kd_buf_puts(b, "  - name: ") < 0 || (rc = scalar(b, kd_json_str(cl, "name"))) < 0 ||
	    kd_buf_putc(b, '\n') < 0)
		return rc < 0 ? rc : oom();
	if (kd_json_str(cl, "context")) {
		if (kd_buf_puts(b, "    context: ") < 0 || (rc = scalar(b, kd_json_str(cl, "context"))) < 0 ||
		    (rc = trailing(b, kd_json_str(cl, "contextNote"))) < 0)
			return rc < 0 ? rc : oom();
	} else if (kd_json_str(cl, "contextNote") &&
		   (rc = comment(b, "    ", kd_json_str(cl, "contextNote"))) < 0) {
		return rc;
	}
	if (kd_json_str(cl, "server") &&
	    (kd_buf_puts(b, "    server: ") < 0 || (rc = scalar(b, kd_json_str(cl, "server"))) < 0 ||
	     (rc = trailing(b, kd_json_str(cl, "serverNote"))) < 0))
		return rc < 0 ? rc : oom();
	if (json_object_size(labels)) {
		json_array_foreach(kd_json_arr(cl, "labelNotes"), i, n)
			if (kd_buf_printf(&notes, "%s%s", i ? "; " : "", json_string_value(n)) < 0) {
				kd_buf_free(&notes);
				return oom();
			}
		if (kd_buf_puts(b, "    labels: ") < 0 || (rc = flow(b, labels)) < 0 ||
		    (rc = trailing(b, kd_buf_cstr(&notes))) < 0) {
			kd_buf_free(&notes);
			return rc < 0 ? rc : oom();
		}
		kd_buf_free(&notes);
	}
	if (json_object_size(values) &&
	    (kd_buf_puts(b, "    values: ") < 0 || (rc = flow(b, values)) < 0 ||
	     kd_buf_putc(b, '\n') < 0))
		return rc < 0 ? rc : oom();
	return 0;
}

static int emit_app(kd_buf *b, const json_t *app)
{
	const char *disabled = kd_json_str(app, "disabled");
	kd_buf line = KD_BUF_INIT;
	int rc;

	if ((rc = comment(b, "  ", kd_json_str(app, "comment"))) < 0)
		return rc;
	if (disabled) {
		kd_buf why = KD_BUF_INIT;

		rc = kd_buf_printf(&why, "not mapped: %s", disabled) < 0 ? oom() : comment(b, "  ", kd_buf_cstr(&why));
		kd_buf_free(&why);
		if (rc < 0)
			return rc;
	}
	/* A commented-out entry goes through the same quoting, then loses
	 * its line breaks to the comment. */
	if (kd_buf_puts(&line, "- name: ") < 0 || (rc = scalar(&line, kd_json_str(app, "name"))) < 0)
		goto cleanup;
	if (disabled) {
		if ((rc = comment(b, "  ", kd_buf_cstr(&line))) < 0)
			goto cleanup;
	} else if (kd_buf_puts(b, "  ") < 0 || kd_buf_puts(b, kd_buf_cstr(&line)) < 0 ||
		   kd_buf_putc(b, '\n') < 0) {
		rc = oom();
		goto cleanup;
	}
	if (json_object_get(app, "selector")) {
		kd_buf_clear(&line);
		if (kd_buf_puts(&line, "  clusters: ") < 0 || (rc = flow(&line, json_object_get(app, "selector"))) < 0)
			goto cleanup;
		if ((rc = disabled ? comment(b, "  ", kd_buf_cstr(&line)) :
		     (kd_buf_puts(b, "  ") < 0 || kd_buf_puts(b, kd_buf_cstr(&line)) < 0 ||
		      kd_buf_putc(b, '\n') < 0) ? oom() : 0) < 0)
			goto cleanup;
	}
	kd_buf_clear(&line);
	if (kd_buf_printf(&line, "  %s: ", kd_json_str(app, "kind")) < 0 ||
	    (rc = scalar(&line, kd_json_str(app, "value"))) < 0)
		goto cleanup;
	rc = disabled ? comment(b, "  ", kd_buf_cstr(&line)) :
	     (kd_buf_puts(b, "  ") < 0 || kd_buf_puts(b, kd_buf_cstr(&line)) < 0 ||
	      kd_buf_putc(b, '\n') < 0) ? oom() : 0;
cleanup:
	kd_buf_free(&line);
	return rc;
}

static const char header[] =
	"# The fleet: the clusters kdrift compares with this repository and the\n"
	"# apps deployed to them (see kdrift.yaml(5)).  Written by `kdrift init`\n"
	"# from the repository's layout and the kubeconfig's contexts: check what\n"
	"# is marked \"guessed\", and what it reported as not mapped.\n"
	"apiVersion: kdrift.dev/v1alpha1\n"
	"kind: Fleet\n";

static const char footer[] =
	"tracking: auto\n"
	"# What to do about drift, per cluster selector (the default is alert,\n"
	"# no prune), for example:\n"
	"# policy:\n"
	"#   - clusters: {matchLabels: {env: production}}\n"
	"#     remediation: alert\n"
	"#     prune: false\n"
	"#   - clusters: {matchExpressions: [{key: env, operator: In, values: [development, staging]}]}\n"
	"#     remediation: selfHeal\n"
	"#     prune: true\n";

int kd_finit_emit(char **out, size_t *nclusters, size_t *napps, const kd_finit *c)
{
	kd_buf b = KD_BUF_INIT;
	kd_fleet *fleet = NULL;
	const json_t *cl, *app, *k;
	size_t i, enabled = 0;
	bool listed = false;
	int rc = 0;

	*out = NULL;
	if (kd_buf_puts(&b, header) < 0 ||
	    kd_buf_puts(&b, json_array_size(c->clusters) ? "clusters:\n" : "clusters: []\n") < 0) {
		rc = oom();
		goto cleanup;
	}
	json_array_foreach(c->clusters, i, cl)
		if ((rc = emit_cluster(&b, cl)) < 0)
			goto cleanup;
	json_array_foreach(c->contexts, i, k) {
		kd_buf line = KD_BUF_INIT;

		if (json_is_true(json_object_get(k, "used")))
			continue;
		if (!listed && (rc = comment(&b, "  ", "Kubeconfig contexts with no cluster in the repository:")) < 0)
			goto cleanup;
		listed = true;
		if (kd_buf_puts(&line, "- name: ") < 0 || (rc = scalar(&line, kd_json_str(k, "name"))) < 0 ||
		    (rc = comment(&b, "  ", kd_buf_cstr(&line))) < 0) {
			kd_buf_free(&line);
			rc = rc < 0 ? rc : oom();
			goto cleanup;
		}
		kd_buf_free(&line);
	}
	json_array_foreach(c->apps, i, app)
		if (!json_object_get(app, "disabled"))
			enabled++;
	if (kd_buf_puts(&b, enabled ? "apps:\n" : "apps: []\n") < 0) {
		rc = oom();
		goto cleanup;
	}
	json_array_foreach(c->apps, i, app)
		if ((rc = emit_app(&b, app)) < 0)
			goto cleanup;
	if (kd_buf_puts(&b, footer) < 0) {
		rc = oom();
		goto cleanup;
	}
	/* What init writes must load: a failure here is kdrift's own bug. */
	if ((rc = kd_fleet_parse(&fleet, kd_buf_cstr(&b), b.len, "kdrift.yaml")) < 0) {
		rc = kd_error_wrap(rc, "kdrift init made a fleet file that does not load: ");
		goto cleanup;
	}
	*nclusters = fleet->nclusters;
	*napps = fleet->napps;
	*out = kd_buf_detach(&b);
	if (!*out)
		rc = oom();
cleanup:
	kd_fleet_free(fleet);
	kd_buf_free(&b);
	return rc;
}
