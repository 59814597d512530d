/*
 * breakglass — sessions (state file, start, status, end) and the
 * break-glass credential.  Changes live in breakglass_change.c.
 */
#include "act/act.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "base/base.h"
#include "data/data.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

int kd_breakglass_default_path(char **out)
{
	return kd_xdg_path(out, KD_XDG_STATE, "breakglass.json");
}

void kd_breakglass_session_free(kd_breakglass_session *s)
{
	if (!s)
		return;
	free(s->id);
	free(s->user);
	free(s->reason);
	free(s->ticket);
	free(s);
}

static int state_path_of(char **out, const char *given)
{
	if (given) {
		if (!(*out = strdup(given)))
			return oom();
		return 0;
	}
	return kd_breakglass_default_path(out);
}

static int save(const char *path, const kd_breakglass_session *s)
{
	char start[KD_TIME_SIZE], end[KD_TIME_SIZE];
	json_t *j;
	char *text;
	int rc;

	kd_time_format(start, s->start_ms, 0);
	kd_time_format(end, s->end_ms, 0);
	j = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:I, s:I, s:b}",
		      "session", s->id, "user", s->user, "reason", s->reason,
		      "ticket", s->ticket, "start", start, "end", end,
		      "startMs", (json_int_t)s->start_ms, "endMs", (json_int_t)s->end_ms,
		      "capped", s->capped);
	text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!text)
		return oom();
	rc = kd_fs_write_atomic(path, text, strlen(text));
	free(text);
	return rc;
}

int kd_breakglass_load(kd_breakglass_session **out, const char *state_path)
{
	kd_breakglass_session *s = NULL;
	char *path = NULL;
	json_error_t err;
	json_t *j = NULL;
	int rc;

	*out = NULL;
	if ((rc = state_path_of(&path, state_path)) < 0)
		return rc;
	if (access(path, F_OK) < 0) {
		rc = kd_error_set(KD_ENOTFOUND, "no break-glass session (%s does not exist)", path);
		goto cleanup;
	}
	if (!(j = json_load_file(path, 0, &err))) {
		rc = kd_error_set(KD_EINVAL, "%s:%d:%d: %s", path, err.line, err.column, err.text);
		goto cleanup;
	}
	if (!kd_json_str(j, "session") || !kd_json_str(j, "user") || !kd_json_str(j, "reason") ||
	    !json_is_integer(json_object_get(j, "startMs")) ||
	    !json_is_integer(json_object_get(j, "endMs"))) {
		rc = kd_error_set(KD_EINVAL, "%s: not a break-glass session (session, user, "
				  "reason, startMs and endMs are required)", path);
		goto cleanup;
	}
	if (!(s = calloc(1, sizeof(*s))) ||
	    !(s->id = strdup(kd_json_str(j, "session"))) ||
	    !(s->user = strdup(kd_json_str(j, "user"))) ||
	    !(s->reason = strdup(kd_json_str(j, "reason"))) ||
	    (kd_json_str(j, "ticket") && !(s->ticket = strdup(kd_json_str(j, "ticket"))))) {
		rc = oom();
		goto cleanup;
	}
	s->start_ms = json_integer_value(json_object_get(j, "startMs"));
	s->end_ms = json_integer_value(json_object_get(j, "endMs"));
	s->capped = json_is_true(json_object_get(j, "capped"));
	*out = s;
	s = NULL;
cleanup:
	kd_breakglass_session_free(s);
	json_decref(j);
	free(path);
	return rc;
}

bool kd_breakglass_active(const kd_breakglass_session *s, int64_t now_ms)
{
	return s && now_ms >= s->start_ms && now_ms < s->end_ms;
}

int64_t kd_breakglass_remaining_ms(const kd_breakglass_session *s, int64_t now_ms)
{
	return kd_breakglass_active(s, now_ms) ? s->end_ms - now_ms : 0;
}

int kd_breakglass_require(kd_breakglass_session **out, const char *state_path,
			  int64_t now_ms)
{
	kd_breakglass_session *s = NULL;
	char end[KD_TIME_SIZE];
	int rc = kd_breakglass_load(&s, state_path);

	*out = NULL;
	if (rc == KD_ENOTFOUND)
		return kd_error_set(KD_EINVAL, "break-glass changes need an active session: "
				    "start one with a reason (kdrift breakglass start)");
	if (rc < 0)
		return rc;
	if (!kd_breakglass_active(s, now_ms)) {
		kd_time_format(end, s->end_ms, 0);
		rc = kd_error_set(KD_EINVAL, "break-glass changes need an active session: "
				  "session %s %s at %s; start a new one",
				  s->id, now_ms >= s->end_ms ? "expired" : "starts", end);
		kd_breakglass_session_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

static int log_session(const kd_breakglass_opts *o, const kd_breakglass_session *s,
		       const char *action)
{
	kd_audit_entry e = { 0 };
	char id[KD_AUDIT_ID_SIZE];

	e.mode = KD_AUDIT_MODE_BREAK_GLASS;
	e.phase = KD_AUDIT_PHASE_OUTCOME;
	e.status = KD_AUDIT_STATUS_SUCCESS;
	e.action = action;
	e.user = s->user;
	e.session = s->id;
	e.reason = s->reason;
	e.ticket = s->ticket;
	return kd_audit_append(id, o->audit_path, &e);
}

/* The login name of the effective uid, as the audit log records it. */
static int login_user(char **out, const char *given)
{
	struct passwd pw, *found = NULL;
	char scratch[4096];

	if (!given && getpwuid_r(geteuid(), &pw, scratch, sizeof(scratch), &found) == 0 &&
	    found)
		given = found->pw_name;
	if (!(*out = strdup(given ? given : "unknown")))
		return oom();
	return 0;
}

static bool blank(const char *s)
{
	if (!s)
		return true;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

int kd_breakglass_start(kd_breakglass_session **out, kd_audit_list **open,
			const kd_breakglass_opts *o, const char *reason,
			const char *ticket, long duration_s, long max_s,
			int64_t now_ms)
{
	kd_breakglass_opts none = { 0 };
	kd_breakglass_session *s = NULL, *old = NULL;
	unsigned char rnd[4];
	char *path = NULL, stamp[KD_TIME_SIZE];
	kd_buf id = KD_BUF_INIT;
	int rc;

	*out = NULL;
	if (open)
		*open = NULL;
	if (!o)
		o = &none;
	if (blank(reason))
		return kd_error_set(KD_EINVAL, "a break-glass session needs a reason");
	if (max_s <= 0)
		max_s = 3600;
	if ((rc = state_path_of(&path, o->state_path)) < 0)
		return rc;
	rc = kd_breakglass_load(&old, path);
	if (rc == 0 && kd_breakglass_active(old, now_ms)) {
		kd_time_format(stamp, old->end_ms, 0);
		rc = kd_error_set(KD_ECONFLICT, "break-glass session %s of %s is already active "
				  "until %s; end it first", old->id, old->user, stamp);
		goto cleanup;
	}
	if (rc < 0 && rc != KD_ENOTFOUND)
		goto cleanup;
	if (!(s = calloc(1, sizeof(*s))) || !(s->reason = strdup(reason)) ||
	    (ticket && *ticket && !(s->ticket = strdup(ticket)))) {
		rc = oom();
		goto cleanup;
	}
	if ((rc = login_user(&s->user, o->user)) < 0)
		goto cleanup;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		rc = kd_error_set(KD_ERROR, "no random bytes for a session id");
		goto cleanup;
	}
	kd_time_format(stamp, now_ms, KD_TIME_COMPACT);
	if ((rc = kd_buf_printf(&id, "bg-%s-%02x%02x%02x%02x", stamp, rnd[0], rnd[1],
				rnd[2], rnd[3])) < 0)
		goto cleanup;
	s->id = kd_buf_detach(&id);
	s->start_ms = now_ms;
	if (duration_s <= 0)
		duration_s = max_s;
	if (duration_s > max_s) {
		duration_s = max_s;
		s->capped = true;
	}
	s->end_ms = now_ms + (int64_t)duration_s * 1000;
	/* Logged first: a session nobody can find in the log never starts. */
	if ((rc = log_session(o, s, KD_AUDIT_ACTION_BREAK_GLASS_START)) < 0 ||
	    (rc = save(path, s)) < 0)
		goto cleanup;
	if (open && (rc = kd_audit_open_breakglass(open, o->audit_path)) < 0)
		goto cleanup;
	*out = s;
	s = NULL;
cleanup:
	kd_buf_free(&id);
	kd_breakglass_session_free(s);
	kd_breakglass_session_free(old);
	free(path);
	return rc;
}

int kd_breakglass_end(kd_audit_list **open, const kd_breakglass_opts *o)
{
	kd_breakglass_opts none = { 0 };
	kd_breakglass_session *s = NULL;
	char *path = NULL;
	int rc;

	if (open)
		*open = NULL;
	if (!o)
		o = &none;
	if ((rc = state_path_of(&path, o->state_path)) < 0)
		return rc;
	if ((rc = kd_breakglass_load(&s, path)) < 0)
		goto cleanup;
	if ((rc = log_session(o, s, KD_AUDIT_ACTION_BREAK_GLASS_END)) < 0)
		goto cleanup;
	if (unlink(path) < 0 && errno != ENOENT) {
		rc = kd_error_set(KD_EIO, "%s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (open)
		rc = kd_audit_open_breakglass(open, o->audit_path);
cleanup:
	kd_breakglass_session_free(s);
	free(path);
	return rc;
}

/* ---- the credential ------------------------------------------------------ */

int kd_breakglass_context(char **out, const kd_fleet *fleet,
			  const kd_cluster *cluster, const kd_kubeconfig *kc)
{
	json_t *params = NULL, *contexts = NULL, *v;
	const char *tmpl;
	char *name = NULL;
	bool found = false;
	size_t i;
	int rc;

	*out = NULL;
	if (!cluster || !kc)
		return kd_error_set(KD_EINVAL, "no cluster or kubeconfig");
	tmpl = fleet && fleet->breakglass_context ? fleet->breakglass_context
						  : "{{name}}-breakglass";
	if ((rc = kd_cluster_params(&params, cluster)) < 0 ||
	    (rc = kd_template_expand(&name, tmpl, params)) < 0)
		goto cleanup;
	if (!(contexts = kd_kubeconfig_contexts(kc))) {
		rc = oom();
		goto cleanup;
	}
	json_array_foreach(contexts, i, v)
		if (strcmp(json_string_value(v), name) == 0)
			found = true;
	if (!found) {
		rc = kd_error_set(KD_ENOTFOUND, "cluster %s has no break-glass credential: the "
				  "kubeconfig has no context '%s' (breakGlass.context '%s' in "
				  "the fleet file); add a context with write rights under that "
				  "name or change breakGlass.context", cluster->name, name, tmpl);
		goto cleanup;
	}
	*out = name;
	name = NULL;
cleanup:
	free(name);
	json_decref(params);
	json_decref(contexts);
	return rc;
}

int kd_breakglass_conn_new(kd_kube_conn **out, kd_kube_driver *d,
			   const kd_fleet *fleet, const kd_cluster *cluster,
			   const kd_kubeconfig *kc)
{
	kd_kube_target *t = NULL;
	char *ctx = NULL;
	int rc;

	*out = NULL;
	if ((rc = kd_breakglass_context(&ctx, fleet, cluster, kc)) < 0)
		return rc;
	rc = kd_kube_target_new(&t, kc, ctx);
	free(ctx);
	if (rc < 0)
		return rc;
	return kd_kube_conn_new(out, d, t, cluster->name, NULL);
}
