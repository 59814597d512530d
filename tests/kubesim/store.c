/*
 * store — per-cluster objects, resourceVersion counter and event history.
 *
 * Objects live in a sorted array per cluster (binary search; lists come out
 * in namespace/name order as from a real server).  Events share the stored
 * object values by reference, so history costs little beyond the ring.
 */
#include "ks.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static int cluster_cmp(const void *a, const void *b)
{
	return strcmp((*(ks_cluster *const *)a)->name, (*(ks_cluster *const *)b)->name);
}

static ks_cluster *cluster_new(const char *name)
{
	ks_cluster *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->name = strdup(name);
	if (!c->name) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	c->rand_state = 1;
	for (const char *p = name; *p; p++)
		c->rand_state = c->rand_state * 31 + (unsigned char)*p;
	return c;
}

static void cluster_free(ks_cluster *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nobjs; i++) {
		free(c->objs[i].key);
		ks_blob_unref(c->objs[i].blob);
	}
	free(c->objs);
	for (i = 0; i < c->ev_count; i++) {
		ks_event *e = &c->events[(c->ev_start + i) % c->ev_cap];
		free(e->key);
		ks_blob_unref(e->blob);
	}
	free(c->events);
	for (i = 0; i < c->ncrds; i++)
		ks_type_free(c->crds[i]);
	free(c->crds);
	pthread_mutex_destroy(&c->mu);
	free(c->name);
	free(c);
}

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) > 63)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-')
			return false;
	return true;
}

static int add_cluster(ks_server *s, const char *name)
{
	ks_cluster **grown;

	if (!valid_name(name))
		return kd_error_set(KD_EINVAL, "invalid cluster name '%s' (lower-case letters, digits, '-')", name);
	grown = realloc(s->clusters, (s->nclusters + 1) * sizeof(*grown));
	if (!grown)
		return kd_error_set(KD_ENOMEM, "out of memory");
	s->clusters = grown;
	s->clusters[s->nclusters] = cluster_new(name);
	if (!s->clusters[s->nclusters])
		return kd_error_set(KD_ENOMEM, "out of memory");
	s->nclusters++;
	return 0;
}

int ks_store_init(ks_server *s, const char *list)
{
	char *copy = NULL, *tok, *save = NULL, *end;
	char name[64];
	long n, i;
	int rc = 0;

	n = strtol(list, &end, 10);
	if (*list && !*end) {
		if (n < 1 || n > 100000)
			return kd_error_set(KD_EINVAL, "--clusters count must be 1..100000");
		for (i = 1; i <= n && rc == 0; i++) {
			snprintf(name, sizeof(name), "cluster-%04ld", i);
			rc = add_cluster(s, name);
		}
	} else {
		copy = strdup(list);
		if (!copy)
			return kd_error_set(KD_ENOMEM, "out of memory");
		for (tok = strtok_r(copy, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save))
			rc = add_cluster(s, tok);
		free(copy);
	}
	if (rc == 0 && s->nclusters == 0)
		rc = kd_error_set(KD_EINVAL, "--clusters names no cluster");
	if (rc < 0)
		return rc;
	qsort(s->clusters, s->nclusters, sizeof(*s->clusters), cluster_cmp);
	for (size_t k = 1; k < s->nclusters; k++)
		if (!strcmp(s->clusters[k]->name, s->clusters[k - 1]->name))
			return kd_error_set(KD_EINVAL, "cluster '%s' named twice", s->clusters[k]->name);
	return 0;
}

void ks_store_free(ks_server *s)
{
	size_t i;

	for (i = 0; i < s->nclusters; i++)
		cluster_free(s->clusters[i]);
	free(s->clusters);
	s->clusters = NULL;
	s->nclusters = 0;
}

ks_cluster *ks_cluster_find(ks_server *s, const char *name)
{
	size_t lo = 0, hi = s->nclusters, mid;
	int cmp;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		cmp = strcmp(s->clusters[mid]->name, name);
		if (!cmp)
			return s->clusters[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t ks_store_lower_bound(ks_cluster *c, const char *key)
{
	size_t lo = 0, hi = c->nobjs, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (strcmp(c->objs[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

ks_obj *ks_store_get(ks_cluster *c, const char *key)
{
	size_t i = ks_store_lower_bound(c, key);

	return i < c->nobjs && !strcmp(c->objs[i].key, key) ? &c->objs[i] : NULL;
}

char *ks_key(const ks_type *t, const char *ns, const char *name)
{
	kd_buf b = KD_BUF_INIT;

	if (kd_buf_printf(&b, "%s/%s/%s/%s", t->group, t->plural,
			  t->namespaced ? (ns ? ns : "") : "", name ? name : "") < 0)
		return NULL;
	return kd_buf_detach(&b);
}

ks_blob *ks_blob_from_json(const json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT);
	size_t n;
	ks_blob *b;

	if (!text)
		return NULL;
	n = strlen(text);
	b = malloc(sizeof(*b) + n + 1);
	if (b) {
		atomic_init(&b->refs, 1);
		b->len = n;
		memcpy(b->data, text, n + 1);
	}
	free(text);
	return b;
}

ks_blob *ks_blob_ref(ks_blob *b)
{
	if (b)
		atomic_fetch_add(&b->refs, 1);
	return b;
}

void ks_blob_unref(ks_blob *b)
{
	if (b && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

json_t *ks_blob_parse(const ks_blob *b)
{
	return b ? json_loadb(b->data, b->len, JSON_ALLOW_NUL, NULL) : NULL;
}

json_t *ks_obj_json(const ks_obj *o)
{
	return ks_blob_parse(o->blob);
}

/* Takes over the caller's reference to blob. */
static int record_event(ks_cluster *c, int type, const char *key, ks_blob *blob)
{
	ks_event *e;
	size_t cap = ks_srv.history ? ks_srv.history : 256;

	if (!c->events) {
		c->events = calloc(cap, sizeof(*c->events));
		if (!c->events) {
			ks_blob_unref(blob);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
		c->ev_cap = cap;
	}
	if (c->ev_count == c->ev_cap) {
		e = &c->events[c->ev_start];
		c->compacted_rv = e->rv;
		free(e->key);
		ks_blob_unref(e->blob);
		c->ev_start = (c->ev_start + 1) % c->ev_cap;
		c->ev_count--;
	}
	e = &c->events[(c->ev_start + c->ev_count) % c->ev_cap];
	e->key = strdup(key);
	if (!e->key) {
		ks_blob_unref(blob);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	e->rv = c->rv;
	e->type = type;
	e->blob = blob;
	c->ev_count++;
	ks_watch_wake_locked(c, true);
	return 0;
}

static void set_rv(json_t *obj, uint64_t rv)
{
	char s[32];
	json_t *meta = json_object_get(obj, "metadata");

	snprintf(s, sizeof(s), "%llu", (unsigned long long)rv);
	if (meta)
		json_object_set_new(meta, "resourceVersion", json_string(s));
}

int ks_store_put(ks_cluster *c, const char *key, json_t *obj, bool created)
{
	size_t i = ks_store_lower_bound(c, key);
	bool exists = i < c->nobjs && !strcmp(c->objs[i].key, key);
	ks_obj *grown;
	ks_blob *blob;
	char *k;

	set_rv(obj, c->rv + 1);
	blob = ks_blob_from_json(obj);
	if (!blob)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (exists) {
		ks_blob_unref(c->objs[i].blob);
		c->objs[i].blob = blob;
	} else {
		if (c->nobjs == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 16;
			grown = realloc(c->objs, cap * sizeof(*grown));
			if (!grown) {
				ks_blob_unref(blob);
				return kd_error_set(KD_ENOMEM, "out of memory");
			}
			c->objs = grown;
			c->cap = cap;
		}
		k = strdup(key);
		if (!k) {
			ks_blob_unref(blob);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
		memmove(&c->objs[i + 1], &c->objs[i], (c->nobjs - i) * sizeof(*c->objs));
		c->objs[i].key = k;
		c->objs[i].blob = blob;
		c->nobjs++;
	}
	c->rv++;
	return record_event(c, created && !exists ? KS_ADDED : KS_MODIFIED, key, ks_blob_ref(blob));
}

int ks_store_delete(ks_cluster *c, const char *key, json_t *final_obj)
{
	size_t i = ks_store_lower_bound(c, key);
	ks_blob *blob;
	int rc;

	if (!(i < c->nobjs && !strcmp(c->objs[i].key, key)))
		return kd_error_set(KD_ENOTFOUND, "not found");
	c->rv++;
	if (final_obj) {
		set_rv(final_obj, c->rv);
		blob = ks_blob_from_json(final_obj);
		if (!blob)
			return kd_error_set(KD_ENOMEM, "out of memory");
	} else {
		blob = ks_blob_ref(c->objs[i].blob);
	}
	/* the event first: key may be the stored key freed below */
	rc = record_event(c, KS_DELETED, key, blob);
	free(c->objs[i].key);
	ks_blob_unref(c->objs[i].blob);
	memmove(&c->objs[i], &c->objs[i + 1], (c->nobjs - i - 1) * sizeof(*c->objs));
	c->nobjs--;
	return rc;
}

void ks_cluster_compact(ks_cluster *c)
{
	size_t i;

	for (i = 0; i < c->ev_count; i++) {
		ks_event *e = &c->events[(c->ev_start + i) % c->ev_cap];
		free(e->key);
		ks_blob_unref(e->blob);
	}
	c->ev_start = c->ev_count = 0;
	c->compacted_rv = c->rv;
	c->faults.expire_epoch++;
	ks_watch_wake_locked(c, true);
}
