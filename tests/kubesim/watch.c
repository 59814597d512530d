/*
 * watch — streams of {"type":...,"object":...} lines over chunked HTTP.
 *
 * A watch never blocks a server thread: when it has nothing to send, its
 * content callback suspends the connection and parks it on the cluster's
 * waiter list.  A write to the cluster resumes every parked watch; the
 * server's timer resumes them when a bookmark or the timeout is due, and
 * at least every second to notice clients that went away.
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include "ks.h"

#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"

typedef struct watch_state {
	ks_cluster *c;
	const ks_type *type;
	char *prefix;
	char *label_sel;
	char *field_sel;
	bool bookmarks;
	bool table;
	bool exact;          /* a watch of one named object: the key must match */
	uint64_t cursor;     /* last rv sent */
	ks_blob **initial;   /* synthetic ADDED events still to send */
	size_t ninitial, initial_next;
	kd_buf out;
	size_t out_off;
	struct timespec deadline;
	bool has_deadline;
	uint64_t drop_epoch;
	uint64_t expire_epoch;
	struct timespec next_bookmark;
	bool done;
	struct MHD_Connection *conn;
	ks_waiter waiter;
} watch_state;

static void ts_add_ms(struct timespec *ts, long ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static bool ts_past(const struct timespec *now, const struct timespec *t)
{
	return now->tv_sec > t->tv_sec || (now->tv_sec == t->tv_sec && now->tv_nsec >= t->tv_nsec);
}

static bool matches(watch_state *w, const char *key, const ks_blob *blob)
{
	bool m = true;
	json_t *obj, *meta;

	if (w->exact ? strcmp(key, w->prefix) != 0 : strncmp(key, w->prefix, strlen(w->prefix)) != 0)
		return false;
	if (!w->label_sel && !w->field_sel)
		return true;
	obj = ks_blob_parse(blob);
	meta = json_object_get(obj, "metadata");
	if (w->label_sel && ks_label_selector_match(&m, w->label_sel, json_object_get(meta, "labels")) == 0 && !m)
		goto no;
	if (w->field_sel && ks_field_selector_match(&m, w->field_sel, obj) == 0 && !m)
		goto no;
	json_decref(obj);
	return true;
no:
	json_decref(obj);
	return false;
}

static int emit(watch_state *w, const char *type, json_t *obj)
{
	json_t *ev, *payload;
	char *s;
	int rc;

	if (w->table && strcmp(type, "BOOKMARK") && strcmp(type, "ERROR")) {
		json_t *one = json_pack("[O]", obj);
		payload = ks_table(w->type, one, false);
		json_decref(one);
	} else {
		payload = json_incref(obj);
	}
	ev = json_pack("{s:s, s:o}", "type", type, "object", payload);
	s = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
	json_decref(ev);
	if (!s)
		return KD_ENOMEM;
	rc = kd_buf_puts(&w->out, s);
	if (rc == 0)
		rc = kd_buf_putc(&w->out, '\n');
	free(s);
	return rc;
}

/* Stored objects go out as their stored text, unless a table is wanted. */
static int emit_blob(watch_state *w, const char *type, const ks_blob *blob)
{
	int rc;

	if (w->table) {
		json_t *o = ks_blob_parse(blob);
		rc = o ? emit(w, type, o) : KD_ENOMEM;
		json_decref(o);
		return rc;
	}
	rc = kd_buf_printf(&w->out, "{\"type\":\"%s\",\"object\":", type);
	if (rc == 0)
		rc = kd_buf_add(&w->out, blob->data, blob->len);
	if (rc == 0)
		rc = kd_buf_puts(&w->out, "}\n");
	return rc;
}

static int emit_bookmark(watch_state *w)
{
	char rv[32], api_version[160];
	json_t *o;
	int rc;

	snprintf(rv, sizeof(rv), "%llu", (unsigned long long)w->cursor);
	if (*w->type->group)
		snprintf(api_version, sizeof(api_version), "%s/%s", w->type->group, w->type->version);
	else
		snprintf(api_version, sizeof(api_version), "%s", w->type->version);
	o = json_pack("{s:s, s:s, s:{s:s}}", "kind", w->type->kind, "apiVersion", api_version,
		      "metadata", "resourceVersion", rv);
	rc = o ? emit(w, "BOOKMARK", o) : KD_ENOMEM;
	json_decref(o);
	return rc;
}

static int emit_expired(watch_state *w)
{
	json_t *st = ks_status(410, "Expired", "too old resource version", NULL);
	int rc = st ? emit(w, "ERROR", st) : KD_ENOMEM;

	json_decref(st);
	w->done = true;
	return rc;
}

static bool client_gone(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct pollfd pfd;

	if (!ci)
		return true;
	pfd.fd = ci->connect_fd;
	pfd.events = POLLRDHUP;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) < 0)
		return errno != EINTR;
	return (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

enum fill { FILL_DATA, FILL_WAIT, FILL_END, FILL_ERROR };

static void link_waiter(ks_cluster *c, ks_waiter *wt)
{
	wt->next = c->waiters;
	c->waiters = wt;
	wt->linked = true;
}

void ks_watch_wake_locked(ks_cluster *c, bool all)
{
	ks_waiter **pp = &c->waiters, *wt;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	while ((wt = *pp)) {
		if (all || ts_past(&now, &wt->wake)) {
			*pp = wt->next;
			wt->linked = false;
			wt->next = NULL;
			MHD_resume_connection(wt->conn);
		} else {
			pp = &wt->next;
		}
	}
}

/* Puts into w->out whatever is due, or parks the watch (FILL_WAIT). */
static int refill(watch_state *w)
{
	ks_cluster *c = w->c;
	struct timespec now;
	size_t i;

	while (w->initial_next < w->ninitial) {
		emit_blob(w, "ADDED", w->initial[w->initial_next++]);
		if (w->out.len > 64 * 1024)
			return FILL_DATA;
	}
	if (w->out.len)
		return FILL_DATA;
	if (w->done)
		return FILL_END;
	if (client_gone(w->conn))
		return FILL_ERROR;
	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&c->mu);
	if (ks_srv.stopping || c->faults.drop_epoch != w->drop_epoch) {
		pthread_mutex_unlock(&c->mu);
		return FILL_END;
	}
	if (w->cursor < c->compacted_rv || c->faults.expire_epoch != w->expire_epoch) {
		pthread_mutex_unlock(&c->mu);
		emit_expired(w);
		return FILL_DATA;
	}
	for (i = 0; i < c->ev_count; i++) {
		ks_event *e = &c->events[(c->ev_start + i) % c->ev_cap];
		if (e->rv <= w->cursor)
			continue;
		w->cursor = e->rv;
		if (matches(w, e->key, e->blob))
			emit_blob(w, e->type == KS_ADDED ? "ADDED" : e->type == KS_MODIFIED ? "MODIFIED" : "DELETED", e->blob);
	}
	if (!w->out.len && w->has_deadline && ts_past(&now, &w->deadline)) {
		pthread_mutex_unlock(&c->mu);
		w->done = true;
		return FILL_END;
	}
	if (w->bookmarks && ts_past(&now, &w->next_bookmark)) {
		w->next_bookmark = now;
		ts_add_ms(&w->next_bookmark, ks_srv.bookmark_ms);
		emit_bookmark(w);
	}
	if (w->out.len) {
		pthread_mutex_unlock(&c->mu);
		return FILL_DATA;
	}
	/* Nothing to send: park until a write, a bookmark, the timeout, or the
	 * next liveness check.  Suspending under the cluster lock means no
	 * write can slip in between the scan above and the parking. */
	w->waiter.wake = now;
	ts_add_ms(&w->waiter.wake, 1000);
	if (w->bookmarks && !ts_past(&w->next_bookmark, &w->waiter.wake))
		w->waiter.wake = w->next_bookmark;
	if (w->has_deadline && !ts_past(&w->deadline, &w->waiter.wake))
		w->waiter.wake = w->deadline;
	link_waiter(c, &w->waiter);
	MHD_suspend_connection(w->conn);
	pthread_mutex_unlock(&c->mu);
	return FILL_WAIT;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	watch_state *w = cls;
	size_t n;

	(void)pos;
	if (w->out_off >= w->out.len) {
		kd_buf_clear(&w->out);
		w->out_off = 0;
		switch (refill(w)) {
		case FILL_WAIT:
			return 0;
		case FILL_END:
			return MHD_CONTENT_READER_END_OF_STREAM;
		case FILL_ERROR:
			return MHD_CONTENT_READER_END_WITH_ERROR;
		default:
			break;
		}
	}
	n = w->out.len - w->out_off;
	if (n > max)
		n = max;
	memcpy(buf, w->out.data + w->out_off, n);
	w->out_off += n;
	return (ssize_t)n;
}

static void state_free(void *cls)
{
	watch_state *w = cls;

	if (!w)
		return;
	/* A parked watch is always resumed (and unlinked) before MHD can close
	 * its connection, so it is never on a waiter list here; unlink anyway
	 * should that ever change. */
	if (w->waiter.linked) {
		ks_waiter **pp;
		pthread_mutex_lock(&w->c->mu);
		for (pp = &w->c->waiters; *pp; pp = &(*pp)->next)
			if (*pp == &w->waiter) {
				*pp = w->waiter.next;
				break;
			}
		pthread_mutex_unlock(&w->c->mu);
	}
	free(w->prefix);
	free(w->label_sel);
	free(w->field_sel);
	for (size_t i = 0; i < w->ninitial; i++)
		ks_blob_unref(w->initial[i]);
	free(w->initial);
	kd_buf_free(&w->out);
	free(w);
}

void ks_api_watch(ks_cluster *c, ks_request *r, const ks_target *t,
		  ks_response *resp)
{
	watch_state *w = calloc(1, sizeof(*w));
	const char *rv = ks_query(r, "resourceVersion");
	const char *to = ks_query(r, "timeoutSeconds");
	const char *bm = ks_query(r, "allowWatchBookmarks");
	const char *ls = ks_query(r, "labelSelector"), *fs = ks_query(r, "fieldSelector");
	size_t i, j, plen;
	bool m;

	if (!w)
		goto oom;
	w->c = c;
	w->type = t->type;
	w->conn = r->conn;
	w->waiter.conn = r->conn;
	w->table = ks_table_wanted(r);
	w->prefix = ks_key(t->type, t->ns, t->name);
	if (!w->prefix)
		goto oom;
	if (!t->name && t->type->namespaced && !t->ns)
		w->prefix[strlen(w->prefix) - 1] = '\0';
	w->exact = t->name != NULL;
	if ((ls && *ls && !(w->label_sel = strdup(ls))) || (fs && *fs && !(w->field_sel = strdup(fs))))
		goto oom;
	if ((w->label_sel && ks_label_selector_match(&m, w->label_sel, NULL) < 0) ||
	    (w->field_sel && ks_field_selector_match(&m, w->field_sel, NULL) < 0)) {
		ks_respond_status(resp, 400, "BadRequest", kd_error_last(), NULL);
		state_free(w);
		return;
	}
	w->bookmarks = bm && !strcmp(bm, "true");
	clock_gettime(CLOCK_REALTIME, &w->next_bookmark);
	ts_add_ms(&w->next_bookmark, ks_srv.bookmark_ms);
	if (to && atol(to) > 0) {
		clock_gettime(CLOCK_REALTIME, &w->deadline);
		ts_add_ms(&w->deadline, atol(to) * 1000);
		w->has_deadline = true;
	}
	pthread_mutex_lock(&c->mu);
	w->drop_epoch = c->faults.drop_epoch;
	w->expire_epoch = c->faults.expire_epoch;
	if (rv && *rv && strcmp(rv, "0")) {
		char *end;
		unsigned long long v = strtoull(rv, &end, 10);
		if (*end) {
			pthread_mutex_unlock(&c->mu);
			ks_respond_status(resp, 400, "BadRequest", "invalid resourceVersion", NULL);
			state_free(w);
			return;
		}
		if (v < c->compacted_rv) {
			char msg[128];
			pthread_mutex_unlock(&c->mu);
			snprintf(msg, sizeof(msg), "too old resource version: %llu (%llu)", v,
				 (unsigned long long)c->compacted_rv + 1);
			ks_respond_status(resp, 410, "Expired", msg, NULL);
			state_free(w);
			return;
		}
		w->cursor = v;
	} else {
		/* No resourceVersion: the current state as ADDED events first. */
		plen = strlen(w->prefix);
		i = ks_store_lower_bound(c, w->prefix);
		for (j = i; j < c->nobjs && !strncmp(c->objs[j].key, w->prefix, plen); j++)
			;
		w->initial = calloc(j - i + 1, sizeof(*w->initial));
		if (!w->initial) {
			pthread_mutex_unlock(&c->mu);
			goto oom;
		}
		for (; i < j; i++)
			if (matches(w, c->objs[i].key, c->objs[i].blob))
				w->initial[w->ninitial++] = ks_blob_ref(c->objs[i].blob);
		w->cursor = c->rv;
	}
	pthread_mutex_unlock(&c->mu);
	resp->stream = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, reader, w, state_free);
	if (!resp->stream) {
		state_free(w);
		ks_respond_status(resp, 500, "InternalError", "cannot start the watch", NULL);
		return;
	}
	resp->code = 200;
	resp->content_type = "application/json";
	return;
oom:
	state_free(w);
	ks_respond_status(resp, 500, "InternalError", "out of memory", NULL);
}
