/*
 * audit — writing the audit log: paths, records, Secret masking and the
 * durable, locked append (see audit.h for the format and its guarantees).
 * Reading and filtering live in audit_read.c, verification in
 * audit_verify.c.
 */
#include "audit/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "base/base.h"
#include "data/data.h"

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"
/* The pointer form of the annotation above, for RFC 6902 paths. */
#define LAST_APPLIED_PTR "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration"

/* ---- paths ---- */

/* Appends the passwd entry's login name of the effective uid; `fallback`
 * when there is none. */
static int passwd_name(kd_buf *out, const char *fallback)
{
	struct passwd pw, *found = NULL;
	long size = sysconf(_SC_GETPW_R_SIZE_MAX);
	char *scratch;
	int rc;

	if (size <= 0)
		size = 16384;
	scratch = malloc((size_t)size);
	if (!scratch)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (getpwuid_r(geteuid(), &pw, scratch, (size_t)size, &found) == 0 && found)
		rc = kd_buf_puts(out, found->pw_name);
	else
		rc = kd_buf_puts(out, fallback);
	free(scratch);
	return rc;
}

int kd_audit_default_path(char **out)
{
	return kd_xdg_path(out, KD_XDG_STATE, "audit.jsonl");
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return kd_error_set(KD_EIO, "%s: %s", dir, strerror(errno));
	if (fsync(fd) < 0 && errno != EINVAL) {
		int err = errno;

		close(fd);
		return kd_error_set(KD_EIO, "%s: fsync: %s", dir, strerror(err));
	}
	close(fd);
	return 0;
}

/* Creates every missing directory above the file `path` with mode 0700, and
 * fsyncs the parent of each one created so the new entry survives a crash.
 * Existing directories keep their modes. */
static int make_parents(const char *path)
{
	char *copy = strdup(path);
	char *p;
	int rc = 0;

	if (!copy)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (p = strchr(copy + 1, '/'); p; p = strchr(p + 1, '/')) {
		struct stat st;

		*p = '\0';
		if (mkdir(copy, 0700) == 0) {
			char *slash = strrchr(copy, '/');

			if (slash == copy) {
				rc = fsync_dir("/");
			} else if (slash) {
				*slash = '\0';
				rc = fsync_dir(copy);
				*slash = '/';
			} else {
				rc = fsync_dir(".");
			}
			if (rc < 0)
				goto cleanup;
		} else if (errno != EEXIST || stat(copy, &st) < 0 || !S_ISDIR(st.st_mode)) {
			rc = kd_error_set(KD_EIO, "cannot create directory %s: %s", copy,
					  errno == EEXIST ? "a file is in the way" : strerror(errno));
			goto cleanup;
		}
		*p = '/';
	}
cleanup:
	free(copy);
	return rc;
}

/* ---- record fields ---- */

int64_t kd_audit_now_ms(void)
{
	return kd_time_now_ms();
}

/* A JSON string for s; null for NULL.  Invalid UTF-8 (an API server's error
 * text, a hostname) is kept readable with '?' for the bad bytes rather than
 * refusing to log the change. */
static json_t *jstr(const char *s)
{
	json_t *v;
	char *copy;
	size_t i;

	if (!s)
		return json_null();
	v = json_string(s);
	if (v)
		return v;
	copy = strdup(s);
	if (!copy)
		return NULL;
	for (i = 0; copy[i]; i++)
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

static int put(json_t *obj, const char *key, json_t *value)
{
	if (!value || json_object_set_new(obj, key, value) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory building an audit record");
	return 0;
}

static int login_name(kd_buf *out)
{
	char uid[32];

	snprintf(uid, sizeof(uid), "uid:%lu", (unsigned long)geteuid());
	return passwd_name(out, uid);
}

static const char *mode_name(enum kd_audit_mode mode)
{
	switch (mode) {
	case KD_AUDIT_MODE_NORMAL: return "normal";
	case KD_AUDIT_MODE_BREAK_GLASS: return "break-glass";
	case KD_AUDIT_MODE_SELF_HEAL: return "self-heal";
	}
	return NULL;
}

static int check_entry(const kd_audit_entry *e)
{
	const char *a = e->action;
	size_t i;

	if (!mode_name(e->mode))
		return kd_error_set(KD_EINVAL, "audit record: unknown mode %d", (int)e->mode);
	if (!a || !a[0])
		return kd_error_set(KD_EINVAL, "audit record: no action");
	for (i = 0; a[i]; i++)
		if (!((a[i] >= 'a' && a[i] <= 'z') || (a[i] >= '0' && a[i] <= '9') || a[i] == '-'))
			return kd_error_set(KD_EINVAL,
					    "audit record: action '%s' may only use a-z, 0-9 and '-'", a);
	if (e->phase == KD_AUDIT_PHASE_INTENT) {
		if (e->status != KD_AUDIT_STATUS_NONE)
			return kd_error_set(KD_EINVAL, "audit record: an intent has no outcome status");
	} else if (e->phase == KD_AUDIT_PHASE_OUTCOME) {
		if (e->status != KD_AUDIT_STATUS_SUCCESS && e->status != KD_AUDIT_STATUS_FAILURE)
			return kd_error_set(KD_EINVAL,
					    "audit record: an outcome needs status success or failure");
	} else {
		return kd_error_set(KD_EINVAL, "audit record: unknown phase %d", (int)e->phase);
	}
	return 0;
}

/* The record without seq/prev/id/time, which are filled in under the lock.
 * Keys are inserted in the documented order, so lines read well. */
static int build_body(json_t **out, const kd_audit_entry *e)
{
	json_t *rec = json_object(), *obj = NULL, *rv = NULL, *outcome = NULL, *patch = NULL;
	kd_buf user = KD_BUF_INIT;
	char host[256];
	int rc;

	*out = NULL;
	if (!rec)
		return kd_error_set(KD_ENOMEM, "out of memory building an audit record");
	if (!e->user) {
		rc = login_name(&user);
		if (rc < 0)
			goto cleanup;
	}
	if (!e->host) {
		if (gethostname(host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "unknown");
		host[sizeof(host) - 1] = '\0';
	}
	if ((rc = put(rec, "user", jstr(e->user ? e->user : kd_buf_cstr(&user)))) < 0 ||
	    (rc = put(rec, "host", jstr(e->host ? e->host : host))) < 0 ||
	    (rc = put(rec, "mode", json_string(mode_name(e->mode)))) < 0 ||
	    (rc = put(rec, "session", jstr(e->session))) < 0 ||
	    (rc = put(rec, "reason", jstr(e->reason))) < 0 ||
	    (rc = put(rec, "ticket", jstr(e->ticket))) < 0 ||
	    (rc = put(rec, "cluster", jstr(e->cluster))) < 0)
		goto cleanup;
	obj = json_object();
	if ((rc = put(rec, "object", obj)) < 0 ||
	    (rc = put(obj, "apiVersion", jstr(e->object.api_version))) < 0 ||
	    (rc = put(obj, "kind", jstr(e->object.kind))) < 0 ||
	    (rc = put(obj, "namespace", jstr(e->object.namespace_))) < 0 ||
	    (rc = put(obj, "name", jstr(e->object.name))) < 0 ||
	    (rc = put(obj, "uid", jstr(e->object.uid))) < 0 ||
	    (rc = put(rec, "action", json_string(e->action))) < 0 ||
	    (rc = put(rec, "phase", json_string(e->phase == KD_AUDIT_PHASE_INTENT ?
						  "intent" : "outcome"))) < 0 ||
	    (rc = put(rec, "intent", jstr(e->intent_id))) < 0)
		goto cleanup;
	if (e->patch) {
		rc = kd_audit_mask_secret(&patch, e->patch, e->object.kind);
		if (rc < 0)
			goto cleanup;
	} else {
		patch = json_null();
	}
	if ((rc = put(rec, "patch", patch)) < 0)
		goto cleanup;
	rv = json_object();
	if ((rc = put(rec, "resourceVersion", rv)) < 0 ||
	    (rc = put(rv, "before", jstr(e->rv_before))) < 0 ||
	    (rc = put(rv, "after", jstr(e->rv_after))) < 0)
		goto cleanup;
	if (e->status == KD_AUDIT_STATUS_NONE) {
		rc = put(rec, "outcome", json_null());
	} else {
		outcome = json_object();
		if ((rc = put(rec, "outcome", outcome)) < 0 ||
		    (rc = put(outcome, "status", json_string(e->status == KD_AUDIT_STATUS_SUCCESS ?
							       "success" : "failure"))) < 0)
			goto cleanup;
		rc = put(outcome, "message", jstr(e->message));
	}
	if (rc < 0)
		goto cleanup;
	*out = rec;
	rec = NULL;
cleanup:
	json_decref(rec);
	kd_buf_free(&user);
	return rc;
}

static int make_id(char id[KD_AUDIT_ID_SIZE], char stamp[KD_TIME_SIZE], int64_t now_ms)
{
	unsigned char rnd[8];
	char compact[KD_TIME_SIZE];
	size_t i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return kd_error_set(KD_ERROR, "no random bytes for an audit id");
	/* The id starts with the time it was made, so ids sort by time. */
	snprintf(id, KD_AUDIT_ID_SIZE, "%s-",
		 kd_time_format(compact, now_ms, KD_TIME_COMPACT | KD_TIME_MILLIS));
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(id + strlen(id), KD_AUDIT_ID_SIZE - strlen(id), "%02x", rnd[i]);
	kd_time_format(stamp, now_ms, KD_TIME_MILLIS);
	return 0;
}

/* ---- masking ---- */

static int mask_values(json_t *obj)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return 0;
	json_object_foreach(obj, key, v) {
		if (json_is_null(v))
			continue;
		if (json_object_set_new(obj, key, json_string(KD_AUDIT_MASK)) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory masking a Secret");
	}
	return 0;
}

static int mask_field(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (json_is_object(v))
		return mask_values(v);
	/* A scalar where a map belongs is still possibly a secret. */
	if (json_object_set_new(obj, key, json_string(KD_AUDIT_MASK)) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory masking a Secret");
	return 0;
}

/* Masks a Secret object or merge patch in place. */
static int mask_secret_object(json_t *obj)
{
	json_t *ann = kd_json_obj(kd_json_obj(obj, "metadata"), "annotations");
	int rc;

	if ((rc = mask_field(obj, "data")) < 0 || (rc = mask_field(obj, "stringData")) < 0)
		return rc;
	if (ann && json_object_get(ann, LAST_APPLIED) && !json_is_null(json_object_get(ann, LAST_APPLIED)) &&
	    json_object_set_new(ann, LAST_APPLIED, json_string(KD_AUDIT_MASK)) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory masking a Secret");
	return 0;
}

static bool path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Masks the values an RFC 6902 patch of a Secret would write. */
static int mask_secret_ops(json_t *ops)
{
	size_t i;
	json_t *op;
	int rc;

	json_array_foreach(ops, i, op) {
		const char *path = kd_json_str(op, "path");
		json_t *value = json_object_get(op, "value");

		if (!path || !value || json_is_null(value))
			continue;
		if (path[0] == '\0') {
			rc = json_is_object(value) ? mask_secret_object(value) : 0;
		} else if (strcmp(path, "/data") == 0 || strcmp(path, "/stringData") == 0) {
			rc = mask_field(op, "value");
		} else if (path_under(path, "/data") || path_under(path, "/stringData") ||
			   strcmp(path, LAST_APPLIED_PTR) == 0) {
			rc = json_object_set_new(op, "value", json_string(KD_AUDIT_MASK)) < 0 ?
				kd_error_set(KD_ENOMEM, "out of memory masking a Secret") : 0;
		} else if (strcmp(path, "/metadata") == 0 || strcmp(path, "/metadata/annotations") == 0) {
			json_t *ann = strcmp(path, "/metadata") == 0 ?
				kd_json_obj(value, "annotations") : value;
			json_t *la = json_object_get(ann, LAST_APPLIED);

			rc = la && !json_is_null(la) &&
				json_object_set_new(ann, LAST_APPLIED, json_string(KD_AUDIT_MASK)) < 0 ?
				kd_error_set(KD_ENOMEM, "out of memory masking a Secret") : 0;
		} else {
			rc = 0;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Masks in place; `secret` is what the caller knows about the kind. */
static int mask_in_place(json_t *v, bool secret, int depth)
{
	const char *kind;
	json_t *items, *item;
	size_t i;
	int rc;

	if (depth > 8)
		return 0;
	if (json_is_array(v))
		return secret ? mask_secret_ops(v) : 0;
	if (!json_is_object(v))
		return 0;
	kind = kd_json_str(v, "kind");
	if (secret || (kind && strcmp(kind, "Secret") == 0)) {
		rc = mask_secret_object(v);
		if (rc < 0)
			return rc;
	}
	/* A List (kubectl get -o json) carries whole objects in items. */
	items = kd_json_arr(v, "items");
	json_array_foreach(items, i, item) {
		rc = mask_in_place(item, false, depth + 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int kd_audit_mask_secret(json_t **out, const json_t *value, const char *kind)
{
	json_t *copy;
	int rc;

	*out = NULL;
	copy = json_deep_copy(value);
	if (!copy)
		return kd_error_set(KD_ENOMEM, "out of memory copying a patch");
	rc = mask_in_place(copy, kind && strcmp(kind, "Secret") == 0, 0);
	if (rc < 0) {
		json_decref(copy);
		return rc;
	}
	*out = copy;
	return 0;
}

/* ---- the append ---- */

/* Offset of the last '\n' strictly before `before`, or -1.  Reads backwards
 * in blocks so finding the tail of a large log costs one or two reads. */
static int find_newline_before(off_t *out, int fd, off_t before, const char *path)
{
	char block[4096];
	off_t end = before;

	while (end > 0) {
		off_t start = end > (off_t)sizeof(block) ? end - (off_t)sizeof(block) : 0;
		size_t want = (size_t)(end - start);
		ssize_t got = pread(fd, block, want, start);

		if (got != (ssize_t)want)
			return kd_error_set(KD_EIO, "%s: read: %s", path,
					    got < 0 ? strerror(errno) : "file shrank while locked");
		while (got-- > 0)
			if (block[got] == '\n') {
				*out = start + got;
				return 0;
			}
		end = start;
	}
	*out = -1;
	return 0;
}

static int read_range(kd_buf *out, int fd, off_t start, off_t end, const char *path)
{
	size_t len = (size_t)(end - start);
	int rc = kd_buf_grow(out, len);

	if (rc < 0)
		return rc;
	if (pread(fd, out->data, len, start) != (ssize_t)len)
		return kd_error_set(KD_EIO, "%s: read: %s", path, strerror(errno));
	out->len = len;
	out->data[len] = '\0';
	return 0;
}

/* The seq and prev of a line that is a record; false when it is not. */
static bool parse_link(int64_t *seq, char prev[65], const kd_buf *line)
{
	json_t *rec = json_loadb(line->data, line->len, JSON_REJECT_DUPLICATES, NULL);
	json_t *s = json_object_get(rec, "seq");
	const char *p = kd_json_str(rec, "prev");
	bool ok = json_is_integer(s) && json_integer_value(s) >= 1 && p && strlen(p) == 64;

	if (ok) {
		*seq = (int64_t)json_integer_value(s);
		memcpy(prev, p, 65);
	}
	json_decref(rec);
	return ok;
}

/* A record is far smaller than this; a longer partial line is not one. */
#define PARTIAL_MAX ((off_t)16 << 20)

/* Finds what the next record chains to: seq and hash of the last complete
 * line, and whether the file ends in a partial line that the new record
 * must start after. */
static int read_tail(int64_t *seq, char prev[65], bool *need_newline, int fd,
		     off_t size, const char *path)
{
	off_t end, nl;
	char last, link_prev[65];
	int64_t link_seq;
	kd_buf line = KD_BUF_INIT;
	int rc = 0;

	*seq = 0;
	memcpy(prev, KD_AUDIT_GENESIS, 65);
	*need_newline = false;
	if (size == 0)
		return 0;
	if (pread(fd, &last, 1, size - 1) != 1)
		return kd_error_set(KD_EIO, "%s: read: %s", path, strerror(errno));
	end = size - 1;
	if (last != '\n') {
		*need_newline = true;
		if ((rc = find_newline_before(&end, fd, size - 1, path)) < 0)
			return rc;
	}
	if (end >= 0) {  /* else only a partial first line: start afresh */
		if ((rc = find_newline_before(&nl, fd, end, path)) < 0 ||
		    (rc = read_range(&line, fd, nl + 1, end, path)) < 0)
			goto cleanup;
		if (!parse_link(seq, link_prev, &line)) {
			rc = kd_error_set(KD_ECONFLICT,
					  "%s: the last line is not a valid audit record, so a new "
					  "record cannot be chained to it; run 'kdrift audit verify'",
					  path);
			goto cleanup;
		}
		kd_sha256_hex(prev, line.data, line.len);
	}
	/* A crash can lose just the final '\n' of an otherwise whole record
	 * that links correctly; keep it in the chain rather than report a
	 * complete record as a break. */
	if (*need_newline && size - (end + 1) <= PARTIAL_MAX) {
		if ((rc = read_range(&line, fd, end + 1, size, path)) < 0)
			goto cleanup;
		if (parse_link(&link_seq, link_prev, &line) && link_seq == *seq + 1 &&
		    strcmp(link_prev, prev) == 0) {
			*seq = link_seq;
			kd_sha256_hex(prev, line.data, line.len);
		}
	}
cleanup:
	kd_buf_free(&line);
	return rc;
}

/* Opens the log for appending; *created says whether this call made it. */
static int open_log(int *out, bool *created, const char *path)
{
	int fd, tries;

	*created = false;
	for (tries = 0; tries < 8; tries++) {
		fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			*created = true;
			break;
		}
		if (errno != EEXIST)  /* EEXIST: another process won the race */
			break;
	}
	if (fd < 0)
		return kd_error_set(KD_EIO, "cannot open audit log %s: %s", path, strerror(errno));
	*out = fd;
	return 0;
}

/* Writes the complete line with one write(); a short write is undone so a
 * failed append leaves no partial record behind. */
static int write_line(int fd, off_t size, const kd_buf *b, const char *path)
{
	ssize_t n;

	do {
		n = write(fd, b->data, b->len);
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)b->len)
		return 0;
	{
		int err = n < 0 ? errno : ENOSPC;

		if (ftruncate(fd, size) < 0) {
			/* Leave it: the next append starts a new line after it. */
		}
		return kd_error_set(KD_EIO, "cannot write audit log %s: %s", path, strerror(err));
	}
}

int kd_audit_append(char id[KD_AUDIT_ID_SIZE], const char *path, const kd_audit_entry *entry)
{
	char *default_path = NULL;
	char new_id[KD_AUDIT_ID_SIZE], stamp[KD_TIME_SIZE], prev[65];
	json_t *body = NULL, *rec = NULL;
	kd_buf line = KD_BUF_INIT;
	char *text = NULL;
	struct stat st;
	bool created = false, need_newline;
	int64_t seq;
	int fd = -1;
	int rc;

	if (id)
		id[0] = '\0';
	if ((rc = check_entry(entry)) < 0)
		return rc;
	if (!path) {
		if ((rc = kd_audit_default_path(&default_path)) < 0)
			return rc;
		path = default_path;
	}
	/* Everything that can fail for reasons of the entry itself is done
	 * before the file is touched. */
	if ((rc = build_body(&body, entry)) < 0 || (rc = make_parents(path)) < 0 ||
	    (rc = open_log(&fd, &created, path)) < 0)
		goto cleanup;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			rc = kd_error_set(KD_EIO, "cannot lock audit log %s: %s", path, strerror(errno));
			goto cleanup;
		}
	}
	if (fstat(fd, &st) < 0) {
		rc = kd_error_set(KD_EIO, "%s: %s", path, strerror(errno));
		goto cleanup;
	}
	if ((rc = read_tail(&seq, prev, &need_newline, fd, st.st_size, path)) < 0 ||
	    (rc = make_id(new_id, stamp, kd_audit_now_ms())) < 0)
		goto cleanup;
	rec = json_object();
	if (!rec) {
		rc = kd_error_set(KD_ENOMEM, "out of memory building an audit record");
		goto cleanup;
	}
	if ((rc = put(rec, "seq", json_integer((json_int_t)seq + 1))) < 0 ||
	    (rc = put(rec, "prev", json_string(prev))) < 0 ||
	    (rc = put(rec, "id", json_string(new_id))) < 0 ||
	    (rc = put(rec, "time", json_string(stamp))) < 0 ||
	    json_object_update(rec, body) < 0) {
		rc = rc < 0 ? rc : kd_error_set(KD_ENOMEM, "out of memory building an audit record");
		goto cleanup;
	}
	text = json_dumps(rec, JSON_COMPACT);
	if (!text) {
		rc = kd_error_set(KD_ENOMEM, "out of memory serialising an audit record");
		goto cleanup;
	}
	/* Compact output escapes control characters, so the record is one line. */
	if (strchr(text, '\n')) {
		rc = kd_error_set(KD_ERROR, "audit record would span lines");
		goto cleanup;
	}
	if ((need_newline && (rc = kd_buf_putc(&line, '\n')) < 0) ||
	    (rc = kd_buf_puts(&line, text)) < 0 || (rc = kd_buf_putc(&line, '\n')) < 0 ||
	    (rc = write_line(fd, st.st_size, &line, path)) < 0)
		goto cleanup;
	/* The caller acts on the cluster only after this returns, so the
	 * record must be on disk first. */
	if (fsync(fd) < 0) {
		rc = kd_error_set(KD_EIO, "cannot fsync audit log %s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (created) {
		char *dir = strdup(path);
		char *slash = dir ? strrchr(dir, '/') : NULL;

		if (!dir) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
		if (slash == dir)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
		rc = fsync_dir(slash ? dir : ".");
		free(dir);
		if (rc < 0)
			goto cleanup;
	}
	if (id)
		memcpy(id, new_id, KD_AUDIT_ID_SIZE);
	rc = 0;
cleanup:
	if (fd >= 0)
		close(fd);  /* also releases the lock */
	free(text);
	kd_buf_free(&line);
	json_decref(rec);
	json_decref(body);
	free(default_path);
	return rc;
}
