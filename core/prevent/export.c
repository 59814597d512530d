/*
 * export — the formats by name, what the three builders share, and the
 * YAML stream `kdrift policy export` writes (see prevent.h).
 */
#include "prevent_priv.h"

#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

static const char *const format_names[] = { "kyverno", "gatekeeper", "vap" };

int kd_prevent_format_parse(kd_prevent_format *out, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (name && strcmp(name, format_names[i]) == 0) {
			*out = (kd_prevent_format)i;
			return 0;
		}
	return kd_error_set(KD_EINVAL, "unknown policy format '%s' (want kyverno, gatekeeper or vap)",
			    name ? name : "");
}

const char *kd_prevent_format_name(kd_prevent_format f)
{
	return (unsigned)f < sizeof(format_names) / sizeof(format_names[0]) ?
		format_names[f] : "?";
}

int kd_prevent_message(char **out, const kd_prevent_scope *scope)
{
	kd_buf b = KD_BUF_INIT;
	const char *bg = json_string_value(json_array_get(scope->groups, 0));
	int rc;

	rc = kd_buf_printf(&b, "kdrift: this object is managed by GitOps; change it in Git "
			   "(or, in an emergency, under break-glass as a member of %s)",
			   bg ? bg : "the break-glass group");
	if (rc < 0 || !(*out = kd_buf_detach(&b))) {
		kd_buf_free(&b);
		return rc < 0 ? rc : kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

json_t *kd_prevent_metadata(const char *name)
{
	return json_pack("{s:s, s:{s:s}}", "name", name, "labels",
			 "app.kubernetes.io/managed-by", KD_PREVENT_MANAGED_BY);
}

const char *kd_prevent_str(const json_t *obj, const char *key)
{
	const char *s = kd_json_str(obj, key);

	return s ? s : "";
}

bool kd_prevent_push(json_t *arr, json_t *v)
{
	return v && json_array_append_new(arr, v) == 0;
}

int kd_prevent_documents(json_t **out, const kd_prevent_scope *scope,
			 kd_prevent_format format, bool audit)
{
	json_t *docs = json_array();
	int rc;

	*out = NULL;
	if (!docs)
		return kd_error_set(KD_ENOMEM, "out of memory");
	switch (format) {
	case KD_PREVENT_KYVERNO: rc = kd_prevent_kyverno(docs, scope, audit); break;
	case KD_PREVENT_GATEKEEPER: rc = kd_prevent_gatekeeper(docs, scope, audit); break;
	case KD_PREVENT_VAP: rc = kd_prevent_vap(docs, scope, audit); break;
	default: rc = kd_error_set(KD_EINVAL, "unknown policy format %d", (int)format);
	}
	if (rc < 0) {
		json_decref(docs);
		return rc;
	}
	*out = docs;
	return 0;
}

/* "# " lines of at most about 78 columns listing `items` after `lead`. */
static int comment_list(kd_buf *out, const char *lead, const json_t *items)
{
	size_t i, col;
	json_t *v;
	int rc;

	if ((rc = kd_buf_printf(out, "# %s (%zu):", lead, json_array_size(items))) < 0)
		return rc;
	col = strlen(lead) + 8;
	json_array_foreach(items, i, v) {
		const char *s = json_string_value(v);

		if (col + strlen(s) + 2 > 78) {
			if ((rc = kd_buf_puts(out, "\n#  ")) < 0)
				return rc;
			col = 3;
		}
		if ((rc = kd_buf_printf(out, " %s%s", s, i + 1 < json_array_size(items) ? "," : "")) < 0)
			return rc;
		col += strlen(s) + 2;
	}
	return kd_buf_putc(out, '\n');
}

int kd_prevent_export(kd_buf *out, const kd_prevent_scope *scope,
		      kd_prevent_format format, bool audit)
{
	json_t *docs = NULL;
	int rc;

	if ((rc = kd_prevent_documents(&docs, scope, format, audit)) < 0)
		return rc;
	/* Names here come from the validated fleet file (DNS names) and the
	 * source's revision; nothing that could break out of a comment. */
	if ((rc = kd_buf_printf(out,
			"# Admission policies written by `kdrift policy export --format %s%s`\n"
			"# from %s, revision %s.\n"
			"# Only the GitOps appliers, the break-glass group and Kubernetes' own\n"
			"# controllers may create, update or delete what the apps manage here;\n"
			"# %s.\n",
			kd_prevent_format_name(format), audit ? " --audit" : "",
			scope->fleet_file, scope->revision,
			audit ? "audit mode: what would be refused is reported, nothing is" :
				"enforced: other requests are refused")) < 0 ||
	    (rc = comment_list(out, "clusters", scope->clusters)) < 0 ||
	    (rc = comment_list(out, "namespaces", scope->namespaces)) < 0 ||
	    (rc = kd_buf_puts(out, "---\n")) < 0 ||
	    (rc = kd_yaml_emit_stream(out, docs)) < 0)
		goto cleanup;
cleanup:
	json_decref(docs);
	return rc;
}
