/*
 * breakglass_edit — what a break-glass edit shows the operator's editor and
 * how the edited text comes back: server fields left out, Secret values
 * masked (and restored from live when their masks come back unchanged),
 * the private file the editor works on.  Never runs the editor (the faces
 * do, each with its own terminal) and never writes to a cluster (planning
 * is kd_breakglass_plan_edit, applying kd_breakglass_apply).
 */
#include "act/act.h"
#include "act_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "data/data.h"

#define LAST_APPLIED KD_REMEDY_LAST_APPLIED
#define EDIT_MAX_BYTES ((size_t)16 << 20)

static const char *const secret_parts[] = { "data", "stringData" };

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

/* Masking follows the kind alone, whatever the apiVersion says: a value
 * shown by mistake cannot be taken back. */
static bool is_secret(const json_t *obj)
{
	const char *kind = kd_json_str(obj, "kind");

	return kind && strcmp(kind, "Secret") == 0;
}

static json_t *last_applied(const json_t *obj)
{
	return json_object_get(kd_json_obj(kd_json_obj(obj, "metadata"), "annotations"),
			       LAST_APPLIED);
}

/* ---- preparing ------------------------------------------------------------- */

/* Every value of data and stringData becomes its mask (values that are no
 * value, null and "", stay: there is nothing to hide); the last-applied
 * annotation becomes the mask of its text. */
static int mask_secret(json_t *shown)
{
	json_t *ann = kd_json_obj(kd_json_obj(shown, "metadata"), "annotations");
	json_t *la = json_object_get(ann, LAST_APPLIED), *v, *m;
	char mask[KD_DIFF_MASK_SIZE];
	const char *key;
	size_t p;
	int rc;

	for (p = 0; p < 2; p++) {
		json_t *part = json_object_get(shown, secret_parts[p]);

		if (part && !json_is_object(part) && !json_is_null(part)) {
			/* Not a map: the server would refuse it, but it is still
			 * never shown. */
			if ((rc = kd_diff_mask_secret_value(&m, part, false)) < 0)
				return rc;
			if (m && json_object_set_new(shown, secret_parts[p], m) < 0)
				return oom();
			continue;
		}
		json_object_foreach(part, key, v) {
			if ((rc = kd_diff_mask_secret_value(&m, v, p == 0)) < 0)
				return rc;
			if (m && json_object_set_new(part, key, m) < 0)
				return oom();
		}
	}
	if (la && !json_is_null(la)) {
		if (json_is_string(la)) {
			kd_diff_mask(mask, json_string_value(la), json_string_length(la));
			m = json_string(mask);
		} else if ((rc = kd_diff_mask_secret_value(&m, la, false)) < 0) {
			return rc;
		}
		if (!m || json_object_set_new(ann, LAST_APPLIED, m) < 0)
			return oom();
	}
	return 0;
}

/* Appends text for a comment line, made inert by kd_sanitize: nothing can
 * end the line, move the terminal's cursor when the editor shows it, or
 * read differently than it is (bidi controls). */
static int comment_text(kd_buf *b, const char *s)
{
	return s ? kd_sanitize(b, s, strlen(s), 0) : 0;
}

static int make_text(kd_buf *b, const kd_breakglass_edit *e)
{
	const json_t *meta = kd_json_obj(e->live, "metadata");
	const char *ns = kd_json_str(meta, "namespace");
	kd_buf what = KD_BUF_INIT;
	int rc;

	rc = kd_remedy_describe(&what, kd_json_str(e->live, "kind"), ns && *ns ? ns : NULL,
				kd_json_str(meta, "name"));
	if (rc == 0)
		rc = kd_buf_puts(b, "# Break-glass edit of ");
	if (rc == 0)
		rc = comment_text(b, kd_buf_cstr(&what));
	if (rc == 0)
		rc = kd_buf_puts(b, " on cluster ");
	if (rc == 0)
		rc = comment_text(b, e->cluster);
	if (rc == 0)
		rc = kd_buf_puts(b, ".\n"
				 "# Save to apply (the change is shown as a patch and confirmed first);\n"
				 "# quit without saving to change nothing.  Status and the server's\n"
				 "# bookkeeping (uid, resourceVersion, managedFields, ...) are left out.\n");
	if (rc == 0 && is_secret(e->live))
		rc = kd_buf_puts(b, "# Secret values are masked: they cannot be changed here, and the\n"
				 "# masks must stay as they are.\n");
	if (rc == 0)
		rc = kd_yaml_emit(b, e->shown);
	kd_buf_free(&what);
	return rc;
}

void kd_breakglass_edit_free(kd_breakglass_edit *e)
{
	DIR *d;
	struct dirent *de;

	if (!e)
		return;
	if (e->path)
		unlink(e->path);
	/* Editors leave swap and backup files beside the file; they hold what
	 * the editor held, masks included, and go with it. */
	if (e->dir_ && (d = opendir(e->dir_))) {
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	if (e->dir_)
		rmdir(e->dir_);
	free(e->cluster);
	json_decref(e->live);
	json_decref(e->shown);
	free(e->text);
	free(e->path);
	free(e->dir_);
	free(e);
}

int kd_breakglass_edit_new(kd_breakglass_edit **out, const char *cluster,
			   const json_t *live)
{
	kd_breakglass_edit *e = NULL;
	kd_buf text = KD_BUF_INIT;
	int rc = 0;

	*out = NULL;
	if (!json_is_object(live) || !kd_json_str(live, "apiVersion") ||
	    !kd_json_str(live, "kind") || !kd_json_str(kd_json_obj(live, "metadata"), "name"))
		return kd_error_set(KD_EINVAL, "a break-glass edit needs the live object "
				    "(apiVersion, kind and metadata.name)");
	if (!(e = calloc(1, sizeof(*e))) || !(e->cluster = strdup(cluster ? cluster : "")) ||
	    !(e->shown = kd_breakglass_editable(live))) {
		rc = oom();
		goto cleanup;
	}
	e->live = json_incref((json_t *)live);
	if (is_secret(live) && (rc = mask_secret(e->shown)) < 0)
		goto cleanup;
	if ((rc = make_text(&text, e)) < 0)
		goto cleanup;
	if (!(e->text = kd_buf_detach(&text)))
		rc = oom();
cleanup:
	kd_buf_free(&text);
	if (rc < 0)
		kd_breakglass_edit_free(e);
	else
		*out = e;
	return rc;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int kd_breakglass_edit_file(kd_breakglass_edit *e)
{
	const char *tmp = getenv("TMPDIR");
	kd_buf dir = KD_BUF_INIT;
	char *name = NULL, *path = NULL;
	int fd = -1, rc;

	if (!e || !e->text)
		return kd_error_set(KD_EINVAL, "no edit to write");
	if (e->dir_)
		return kd_error_set(KD_EINVAL, "the file to edit was made already (%s)", e->path);
	if ((rc = kd_buf_printf(&dir, "%s/kdrift-edit-XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp")) < 0)
		goto cleanup;
	/* mkdtemp makes the directory 0700. */
	if (!mkdtemp(dir.data)) {
		rc = kd_error_set(KD_EIO, "cannot make a private directory for the edit in %s: %s",
				  tmp && tmp[0] == '/' ? tmp : "/tmp", strerror(errno));
		goto cleanup;
	}
	if (!(e->dir_ = kd_buf_detach(&dir))) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = kd_accept_file_name(&name, e->live)) < 0 ||
	    (rc = kd_buf_printf(&dir, "%s/%s", e->dir_, name)) < 0)
		goto cleanup;
	if (!(path = kd_buf_detach(&dir))) {
		rc = oom();
		goto cleanup;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, e->text, strlen(e->text)) < 0) {
		rc = kd_error_set(KD_EIO, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			unlink(path);
		goto cleanup;
	}
	if (close(fd) < 0) {
		fd = -1;
		unlink(path);
		rc = kd_error_set(KD_EIO, "cannot write %s: %s", path, strerror(errno));
		goto cleanup;
	}
	fd = -1;
	e->path = path;
	path = NULL;
cleanup:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && e->dir_) {
		rmdir(e->dir_);
		free(e->dir_);
		e->dir_ = NULL;
	}
	kd_buf_free(&dir);
	free(name);
	free(path);
	return rc;
}

/* ---- reading back ---------------------------------------------------------- */

static int refused(const char *what, const char *part, const char *key)
{
	return kd_error_set(KD_EINVAL, "Secret values cannot be edited in break-glass (they "
			    "were masked): the edit %s %s%s%s; change them with a tool that sees "
			    "them; nothing was changed", what, part, key ? "." : "", key ? key : "");
}

/* A part as a map: absent, null and {} alike hold no value. */
static const json_t *part_map(const json_t *obj, const char *part)
{
	const json_t *v = json_object_get(obj, part);

	return json_is_object(v) && json_object_size(v) > 0 ? v : NULL;
}

/* data or stringData of `edited` must hold exactly the keys shown, each
 * with the value shown; then each takes its live value back. */
static int restore_part(json_t *edited, const json_t *shown, const json_t *live,
			const char *part)
{
	const json_t *want = json_object_get(shown, part), *want_map = part_map(shown, part);
	json_t *got = json_object_get(edited, part), *v, *copy;
	const char *key;

	if (!want || json_is_null(want) || (json_is_object(want) && !want_map)) {
		/* Nothing was shown: nothing may appear. */
		if (got && !json_is_null(got) && !(json_is_object(got) && json_object_size(got) == 0))
			return json_is_object(got) ? refused("adds", part, json_object_iter_key(
							     json_object_iter(got)))
						   : refused("adds", part, NULL);
	} else if (!want_map) {
		/* A value that is not a map was shown as one mask. */
		if (!got || !json_equal(got, want))
			return refused("changes", part, NULL);
	} else {
		if (!json_is_object(got))
			return refused(got ? "changes" : "removes", part, NULL);
		json_object_foreach((json_t *)want_map, key, v) {
			json_t *g = json_object_get(got, key);

			if (!g)
				return refused("removes", part, key);
			if (!json_equal(g, v))
				return refused("changes", part, key);
		}
		json_object_foreach(got, key, v)
			if (!json_object_get(want_map, key))
				return refused("adds", part, key);
	}
	if (!json_object_get(live, part)) {
		json_object_del(edited, part);
		return 0;
	}
	if (!(copy = json_deep_copy(json_object_get(live, part))) ||
	    json_object_set_new(edited, part, copy) < 0)
		return oom();
	return 0;
}

/* The last-applied annotation of a Secret may stay as it was shown (it
 * takes the live text back) or go; nothing else. */
static int restore_last_applied(json_t *edited, const json_t *shown, const json_t *live)
{
	json_t *ann = kd_json_obj(kd_json_obj(edited, "metadata"), "annotations");
	json_t *got = json_object_get(ann, LAST_APPLIED);
	const json_t *want = last_applied(shown);
	json_t *copy;

	if (!got)
		return 0;
	if (!want || !json_equal(got, want))
		return kd_error_set(KD_EINVAL, "Secret values cannot be edited in break-glass (they "
				    "were masked): the edit %s the %s annotation, which holds a copy "
				    "of them; it may stay as it is or go; nothing was changed",
				    want ? "changes" : "adds", LAST_APPLIED);
	if (!(copy = json_deep_copy(last_applied(live))) ||
	    json_object_set_new(ann, LAST_APPLIED, copy) < 0)
		return oom();
	return 0;
}

int kd_breakglass_edit_restore(json_t **out, const kd_breakglass_edit *e,
			       const char *text, size_t len)
{
	const char *name = e && e->path ? e->path : "the edited text";
	json_t *edited = NULL;
	size_t p;
	int rc;

	*out = NULL;
	if (!e || !text)
		return kd_error_set(KD_EINVAL, "no edit to read back");
	if (len == strlen(e->text) && memcmp(text, e->text, len) == 0)
		return 0;
	if ((rc = kd_yaml_parse_one(&edited, NULL, text, len, name, NULL)) < 0)
		return rc;
	if (!json_is_object(edited)) {
		rc = kd_error_set(KD_EINVAL, "the edited text is not one object; nothing was "
				  "changed");
		goto cleanup;
	}
	if ((rc = kd_breakglass_same_identity(e->live, edited)) < 0)
		goto cleanup;
	for (p = 0; is_secret(e->live) && p < 2; p++)
		if ((rc = restore_part(edited, e->shown, e->live, secret_parts[p])) < 0)
			goto cleanup;
	if (is_secret(e->live) && (rc = restore_last_applied(edited, e->shown, e->live)) < 0)
		goto cleanup;
	*out = edited;
	edited = NULL;
cleanup:
	json_decref(edited);
	return rc;
}

int kd_breakglass_plan_edit_text(kd_breakglass_change **out,
				 const kd_breakglass_edit *e, const char *text,
				 size_t len)
{
	json_t *obj = NULL;
	int rc;

	*out = NULL;
	if ((rc = kd_breakglass_edit_restore(&obj, e, text, len)) < 0 || !obj)
		return rc;
	rc = kd_breakglass_plan_edit(out, e->cluster, e->live, obj);
	json_decref(obj);
	return rc;
}

int kd_breakglass_plan_edit_file(kd_breakglass_change **out,
				 const kd_breakglass_edit *e)
{
	kd_buf text = KD_BUF_INIT;
	int rc;

	*out = NULL;
	if (!e || !e->path)
		return kd_error_set(KD_EINVAL, "the edit has no file to read back");
	if ((rc = kd_buf_read_file(&text, e->path, EDIT_MAX_BYTES)) == 0)
		rc = kd_breakglass_plan_edit_text(out, e, kd_buf_cstr(&text), text.len);
	kd_buf_free(&text);
	return rc;
}
