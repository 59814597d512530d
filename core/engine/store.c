/*
 * store — published cluster states, the fleet, fleet facts, the event log
 * and the wake fd (see engine.h).
 *
 * One mutex guards the slots, the fleet, the facts and the log; it is held
 * only to swap pointers, take references or copy small strings, never while
 * building a state or freeing one.  The wake fd is a non-blocking pipe: any
 * write makes it readable, and the reader drains it before reading, so no
 * wake-up is lost.
 */
#include "engine/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"

struct kd_store {
	pthread_mutex_t lock;
	char **names;
	kd_cluster_state **slots;
	size_t n;
	uint64_t next_generation;
	kd_fleet *fleet;        /* current, held; or NULL */
	char *source_label;
	char *revision;
	char *pending;          /* a revision seen, not rendered yet; or NULL */
	time_t fetched_at;
	kd_log_entry *log;      /* ring of KD_STORE_LOG_MAX */
	uint64_t log_seq;       /* seq of the newest entry */
	uint64_t version;
	int busy;
	int wake[2];
};

static const char *const status_names[KD_STATUS_COUNT] = {
	"synced", "extra", "missing", "drifted", "break-glass", "unknown",
};

const char *kd_status_name(kd_status s)
{
	return (unsigned)s < KD_STATUS_COUNT ? status_names[s] : "unknown";
}

int kd_status_parse(const char *name)
{
	int i;

	for (i = 0; i < KD_STATUS_COUNT; i++)
		if (strcmp(name, status_names[i]) == 0)
			return i;
	if (strcmp(name, "breakglass") == 0)
		return KD_STATUS_BREAKGLASS;
	return -1;
}

const char *kd_status_glyph(kd_status s, bool ascii)
{
	switch (s) {
	case KD_STATUS_SYNCED: return ascii ? "=" : "\xe2\x9c\x93";  /* ✓ */
	case KD_STATUS_EXTRA: return "-";
	case KD_STATUS_MISSING: return "+";
	case KD_STATUS_DRIFTED: return "~";
	case KD_STATUS_BREAKGLASS: return "!";
	default: return "?";
	}
}

/* --- cluster states ------------------------------------------------------ */

kd_cluster_state *kd_cluster_state_new(const char *name)
{
	kd_cluster_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->refs_ = 1;
	st->name = strdup(name);
	st->labels = json_object();
	if (!st->name || !st->labels) {
		kd_cluster_state_unref(st);
		return NULL;
	}
	return st;
}

kd_cluster_state *kd_cluster_state_ref(kd_cluster_state *st)
{
	if (st)
		__atomic_add_fetch(&st->refs_, 1, __ATOMIC_RELAXED);
	return st;
}

static void resource_clear(kd_resource *r)
{
	free(r->api_version);
	free(r->kind);
	free(r->namespace);
	free(r->name);
	free(r->reason);
	kd_diff_result_free(r->diff);
	json_decref(r->desired);
	json_decref(r->provenance);
	json_decref(r->live);
	free(r->uid);
	free(r->resource_version);
	free(r->helm_release);
}

static void app_clear(kd_app_state *app)
{
	size_t i;

	for (i = 0; i < app->nresources; i++)
		resource_clear(&app->resources[i]);
	free(app->resources);
	free(app->name);
	free(app->reason);
	free(app->path);
}

void kd_cluster_state_unref(kd_cluster_state *st)
{
	size_t i;

	if (!st || __atomic_sub_fetch(&st->refs_, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (i = 0; i < st->napps; i++)
		app_clear(&st->apps[i]);
	free(st->apps);
	kd_cluster_state_clear_unmanaged(st);
	free(st->name);
	json_decref(st->labels);
	free(st->reason);
	free(st->revision);
	kd_fleet_free(st->fleet);
	free(st);
}

kd_app_state *kd_cluster_state_add_app(kd_cluster_state *st, const char *name)
{
	kd_app_state *apps = realloc(st->apps, (st->napps + 1) * sizeof(*apps));
	kd_app_state *app;

	if (!apps)
		return NULL;
	st->apps = apps;
	app = &apps[st->napps];
	memset(app, 0, sizeof(*app));
	if (!(app->name = strdup(name)))
		return NULL;
	st->napps++;
	return app;
}

kd_resource *kd_app_state_add_resource(kd_app_state *app,
				       const char *api_version, const char *kind,
				       const char *namespace, const char *name)
{
	kd_resource *res, *r;

	if (app->nresources % 16 == 0) {
		res = realloc(app->resources, (app->nresources + 16) * sizeof(*res));
		if (!res)
			return NULL;
		app->resources = res;
	}
	r = &app->resources[app->nresources];
	memset(r, 0, sizeof(*r));
	r->api_version = strdup(api_version ? api_version : "");
	r->kind = strdup(kind ? kind : "");
	r->namespace = strdup(namespace ? namespace : "");
	r->name = strdup(name ? name : "");
	if (!r->api_version || !r->kind || !r->namespace || !r->name) {
		resource_clear(r);
		return NULL;
	}
	app->nresources++;
	return r;
}

static int resource_cmp(const void *a, const void *b)
{
	const kd_resource *x = a, *y = b;
	int c = strcmp(x->kind, y->kind);

	if (c == 0)
		c = strcmp(x->namespace, y->namespace);
	if (c == 0)
		c = strcmp(x->name, y->name);
	if (c == 0)
		c = strcmp(x->api_version, y->api_version);
	return c;
}

void kd_counts_add_cluster(kd_counts *sum, const kd_cluster_state *st)
{
	size_t i;
	int k;

	for (k = 0; k < KD_STATUS_COUNT; k++)
		sum->n[k] += st->counts.n[k];
	/* An app or a cluster that could not be read at all is one unknown. */
	for (i = 0; i < st->napps; i++)
		if (st->apps[i].reason && st->apps[i].nresources == 0)
			sum->n[KD_STATUS_UNKNOWN]++;
	if (st->reason && st->counts.n[KD_STATUS_UNKNOWN] == 0)
		sum->n[KD_STATUS_UNKNOWN]++;
}

void kd_cluster_state_finish(kd_cluster_state *st)
{
	size_t i, j;
	int k;

	memset(&st->counts, 0, sizeof(st->counts));
	st->status = KD_STATUS_SYNCED;
	for (i = 0; i < st->napps; i++) {
		kd_app_state *app = &st->apps[i];

		if (app->nresources > 1)
			qsort(app->resources, app->nresources,
			      sizeof(*app->resources), resource_cmp);
		memset(&app->counts, 0, sizeof(app->counts));
		app->status = KD_STATUS_SYNCED;
		for (j = 0; j < app->nresources; j++) {
			kd_status s = app->resources[j].status;

			app->counts.n[s]++;
			if (s > app->status)
				app->status = s;
		}
		if (app->reason)
			app->status = KD_STATUS_UNKNOWN;
		for (k = 0; k < KD_STATUS_COUNT; k++)
			st->counts.n[k] += app->counts.n[k];
		if (app->status > st->status)
			st->status = app->status;
	}
	if (st->reason)
		st->status = KD_STATUS_UNKNOWN;
}

const kd_app_state *kd_cluster_state_app(const kd_cluster_state *st, const char *app)
{
	size_t i;

	for (i = 0; st && i < st->napps; i++)
		if (strcmp(st->apps[i].name, app) == 0)
			return &st->apps[i];
	return NULL;
}

const kd_resource *kd_app_state_resource(const kd_app_state *app, const char *kind,
					 const char *namespace, const char *name)
{
	size_t i;

	for (i = 0; app && i < app->nresources; i++) {
		const kd_resource *r = &app->resources[i];

		if (strcmp(r->kind, kind) == 0 && strcmp(r->name, name) == 0 &&
		    strcmp(r->namespace, namespace ? namespace : "") == 0)
			return r;
	}
	return NULL;
}

/* --- the store ----------------------------------------------------------- */

static void wake(kd_store *s)
{
	ssize_t r;

	s->version++;
	do
		r = write(s->wake[1], "", 1);
	while (r < 0 && errno == EINTR);
	/* EAGAIN: the pipe is full, so it is readable already. */
}

int kd_store_new(kd_store **out, const char *const *clusters, size_t n)
{
	kd_store *s = calloc(1, sizeof(*s));
	size_t i;

	*out = NULL;
	if (!s)
		return kd_error_set(KD_ENOMEM, "out of memory");
	s->wake[0] = s->wake[1] = -1;
	pthread_mutex_init(&s->lock, NULL);
	s->names = calloc(n + 1, sizeof(*s->names));
	s->slots = calloc(n + 1, sizeof(*s->slots));
	s->log = calloc(KD_STORE_LOG_MAX, sizeof(*s->log));
	if (!s->names || !s->slots || !s->log)
		goto nomem;
	s->n = n;
	for (i = 0; i < n; i++)
		if (!(s->names[i] = strdup(clusters[i])))
			goto nomem;
	if (pipe(s->wake) < 0) {
		kd_store_free(s);
		return kd_error_set(KD_EIO, "pipe: %s", strerror(errno));
	}
	for (i = 0; i < 2; i++) {
		fcntl(s->wake[i], F_SETFL, fcntl(s->wake[i], F_GETFL) | O_NONBLOCK);
		fcntl(s->wake[i], F_SETFD, FD_CLOEXEC);
	}
	*out = s;
	return 0;
nomem:
	kd_store_free(s);
	return kd_error_set(KD_ENOMEM, "out of memory");
}

void kd_store_free(kd_store *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		kd_cluster_state_unref(s->slots[i]);
		free(s->names[i]);
	}
	if (s->log)
		for (i = 0; i < KD_STORE_LOG_MAX; i++) {
			free(s->log[i].cluster);
			free(s->log[i].message);
		}
	free(s->log);
	free(s->names);
	free(s->slots);
	free(s->source_label);
	free(s->revision);
	free(s->pending);
	kd_fleet_free(s->fleet);
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

size_t kd_store_cluster_count(const kd_store *s)
{
	return s->n;
}

const char *kd_store_cluster_name(const kd_store *s, size_t index)
{
	return index < s->n ? s->names[index] : NULL;
}

long kd_store_cluster_index(const kd_store *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return (long)i;
	return -1;
}

void kd_store_publish(kd_store *s, size_t index, kd_cluster_state *st)
{
	kd_cluster_state *old;
	kd_fleet *fleet;

	if (index >= s->n) {
		kd_cluster_state_unref(st);
		return;
	}
	pthread_mutex_lock(&s->lock);
	st->generation = ++s->next_generation;
	fleet = st->fleet;
	st->fleet = kd_fleet_ref(s->fleet);
	old = s->slots[index];
	s->slots[index] = st;
	wake(s);
	pthread_mutex_unlock(&s->lock);
	kd_fleet_free(fleet);
	kd_cluster_state_unref(old);
}

kd_cluster_state *kd_store_get(kd_store *s, size_t index)
{
	kd_cluster_state *st = NULL;

	if (index >= s->n)
		return NULL;
	pthread_mutex_lock(&s->lock);
	st = kd_cluster_state_ref(s->slots[index]);
	pthread_mutex_unlock(&s->lock);
	return st;
}

void kd_store_set_fleet(kd_store *s, kd_fleet *fleet)
{
	kd_fleet *old;

	kd_fleet_ref(fleet);
	pthread_mutex_lock(&s->lock);
	old = s->fleet;
	s->fleet = fleet;
	wake(s);
	pthread_mutex_unlock(&s->lock);
	kd_fleet_free(old);
}

kd_fleet *kd_store_fleet(kd_store *s)
{
	kd_fleet *f;

	pthread_mutex_lock(&s->lock);
	f = kd_fleet_ref(s->fleet);
	pthread_mutex_unlock(&s->lock);
	return f;
}

void kd_store_set_source(kd_store *s, const char *label, const char *revision,
			 time_t fetched_at)
{
	char *l = label ? strdup(label) : NULL;
	char *r = revision ? strdup(revision) : NULL;

	pthread_mutex_lock(&s->lock);
	free(s->source_label);
	free(s->revision);
	s->source_label = l;
	s->revision = r;
	s->fetched_at = fetched_at;
	/* the pending revision has landed: both change at once for readers */
	if (s->pending && r && strcmp(s->pending, r) == 0) {
		free(s->pending);
		s->pending = NULL;
	}
	wake(s);
	pthread_mutex_unlock(&s->lock);
}

void kd_store_source(kd_store *s, char **label, char **revision, time_t *fetched_at)
{
	pthread_mutex_lock(&s->lock);
	if (label)
		*label = s->source_label ? strdup(s->source_label) : NULL;
	if (revision)
		*revision = s->revision ? strdup(s->revision) : NULL;
	if (fetched_at)
		*fetched_at = s->fetched_at;
	pthread_mutex_unlock(&s->lock);
}

void kd_store_set_pending(kd_store *s, const char *revision)
{
	char *r = revision ? strdup(revision) : NULL;

	pthread_mutex_lock(&s->lock);
	free(s->pending);
	s->pending = r;
	wake(s);
	pthread_mutex_unlock(&s->lock);
}

void kd_store_pending(kd_store *s, char **revision)
{
	pthread_mutex_lock(&s->lock);
	*revision = s->pending ? strdup(s->pending) : NULL;
	pthread_mutex_unlock(&s->lock);
}

void kd_store_log(kd_store *s, kd_log_level level, const char *cluster,
		  const char *fmt, ...)
{
	kd_buf msg = KD_BUF_INIT;
	kd_log_entry *e;
	char *c = cluster ? strdup(cluster) : NULL;
	va_list ap;

	va_start(ap, fmt);
	kd_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&s->lock);
	e = &s->log[s->log_seq % KD_STORE_LOG_MAX];
	free(e->cluster);
	free(e->message);
	e->seq = ++s->log_seq;
	e->time = time(NULL);
	e->level = level;
	e->cluster = c;
	e->message = kd_buf_detach(&msg);
	wake(s);
	pthread_mutex_unlock(&s->lock);
}

size_t kd_store_log_read(kd_store *s, uint64_t since, kd_log_entry **out)
{
	uint64_t first, seq;
	size_t n = 0;
	kd_log_entry *copy;

	*out = NULL;
	pthread_mutex_lock(&s->lock);
	first = s->log_seq > KD_STORE_LOG_MAX ? s->log_seq - KD_STORE_LOG_MAX + 1 : 1;
	if (since + 1 > first)
		first = since + 1;
	if (first > s->log_seq ||
	    !(copy = calloc((size_t)(s->log_seq - first + 1), sizeof(*copy)))) {
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	for (seq = first; seq <= s->log_seq; seq++) {
		const kd_log_entry *e = &s->log[(seq - 1) % KD_STORE_LOG_MAX];

		copy[n] = *e;
		copy[n].cluster = e->cluster ? strdup(e->cluster) : NULL;
		copy[n].message = strdup(e->message ? e->message : "");
		n++;
	}
	pthread_mutex_unlock(&s->lock);
	*out = copy;
	return n;
}

void kd_store_log_free(kd_log_entry *entries, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(entries[i].cluster);
		free(entries[i].message);
	}
	free(entries);
}

uint64_t kd_store_version(kd_store *s)
{
	uint64_t v;

	pthread_mutex_lock(&s->lock);
	v = s->version;
	pthread_mutex_unlock(&s->lock);
	return v;
}

int kd_store_wake_fd(const kd_store *s)
{
	return s->wake[0];
}

void kd_store_wake_drain(kd_store *s)
{
	char buf[256];

	while (read(s->wake[0], buf, sizeof(buf)) > 0)
		;
}

void kd_store_busy(kd_store *s, int delta)
{
	pthread_mutex_lock(&s->lock);
	s->busy += delta;
	if (s->busy < 0)
		s->busy = 0;
	wake(s);
	pthread_mutex_unlock(&s->lock);
}

bool kd_store_idle(kd_store *s)
{
	bool idle;

	pthread_mutex_lock(&s->lock);
	idle = s->busy == 0;
	pthread_mutex_unlock(&s->lock);
	return idle;
}
