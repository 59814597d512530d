/*
 * heal_policy — self-heal of one cluster as every face runs it (see "heal"
 * in act.h): the audit log's follow-up state for objects changed under
 * break-glass, the back-off that keeps a fighting controller from making
 * kdrift write in a loop, planning and execution.
 *
 * Owns no thread and no clock: callers pass the time in.  Never prints.
 */
#include "act/act.h"
#include "act_priv.h"

#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/base.h"

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

/* ---- follow-up state ------------------------------------------------------------ */

/* The audit part decides (kd_audit_followup_of): the engine's `!` and
 * self-heal give the same answer. */
struct kd_heal_followup {
	kd_audit_followup *f;
};

int kd_heal_followup_load(kd_heal_followup **out, const char *audit_path)
{
	kd_heal_followup *h = calloc(1, sizeof(*h));
	int rc;

	*out = NULL;
	if (!h)
		return oom();
	if ((rc = kd_audit_followup_load(&h->f, audit_path)) < 0) {
		free(h);
		return rc;
	}
	*out = h;
	return 0;
}

void kd_heal_followup_free(kd_heal_followup *h)
{
	if (!h)
		return;
	kd_audit_followup_free(h->f);
	free(h);
}

bool kd_heal_followup_holds(const kd_heal_followup *h, const char *cluster,
			    const kd_resource *res, kd_buf *why)
{
	kd_object_id id = { res->api_version, res->kind, res->namespace, res->name };
	const kd_audit_record *r;
	const char *mark = kd_json_str(kd_json_obj(kd_json_obj(res->live, "metadata"), "annotations"),
				       KD_REMEDY_BREAKGLASS_ANNOTATION);

	switch (kd_audit_followup_of(h ? h->f : NULL, cluster, &id, mark, &r)) {
	case KD_FOLLOWUP_OPEN:
		if (why)
			kd_buf_printf(why, "changed under break-glass (audit id %s) and awaiting "
				      "follow-up: self-heal leaves it alone",
				      r->intent_id ? r->intent_id : r->id);
		return true;
	case KD_FOLLOWUP_UNKNOWN:
		if (why)
			kd_buf_printf(why, "changed under break-glass (audit id %s, which this audit log "
				      "does not know: made elsewhere?): self-heal leaves it alone until "
				      "someone follows up", mark);
		return true;
	default:
		return false;   /* no mark, or the log has the change followed up */
	}
}

/* ---- back-off --------------------------------------------------------------------- */

typedef struct limit_entry {
	char *key;
	int64_t last_ms;
	unsigned count;
} limit_entry;

struct kd_heal_limiter {
	int64_t base_ms, max_ms;
	limit_entry *e;
	size_t n, cap;
};

int kd_heal_limiter_new(kd_heal_limiter **out, int64_t base_ms, int64_t max_ms)
{
	kd_heal_limiter *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l)
		return oom();
	l->base_ms = base_ms > 0 ? base_ms : KD_HEAL_BACKOFF_BASE_MS;
	l->max_ms = max_ms > 0 ? max_ms : KD_HEAL_BACKOFF_MAX_MS;
	if (l->max_ms < l->base_ms)
		l->max_ms = l->base_ms;
	*out = l;
	return 0;
}

void kd_heal_limiter_free(kd_heal_limiter *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->e[i].key);
	free(l->e);
	free(l);
}

static limit_entry *find(const kd_heal_limiter *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->e[i].key, key) == 0)
			return &l->e[i];
	return NULL;
}

/* The wait after `count` heals in a row: none for the first two, then
 * base, 2 x base, ... up to max. */
static int64_t delay(const kd_heal_limiter *l, unsigned count)
{
	int64_t d = l->base_ms;
	unsigned i;

	if (count < 2)
		return 0;
	for (i = 2; i < count && d < l->max_ms; i++)
		d *= 2;
	return d < l->max_ms ? d : l->max_ms;
}

/* The run of heals is over once the object stayed put for 2 x max. */
static unsigned run_length(const kd_heal_limiter *l, const limit_entry *e, int64_t now_ms)
{
	return now_ms - e->last_ms > 2 * l->max_ms ? 0 : e->count;
}

int64_t kd_heal_limiter_wait(const kd_heal_limiter *l, const char *key, int64_t now_ms,
			     unsigned *count)
{
	const limit_entry *e = l ? find(l, key) : NULL;
	unsigned n = e ? run_length(l, e, now_ms) : 0;
	int64_t left;

	if (count)
		*count = n;
	if (!e || n == 0)
		return 0;
	left = e->last_ms + delay(l, n) - now_ms;
	return left > 0 ? left : 0;
}

int kd_heal_limiter_note(kd_heal_limiter *l, const char *key, int64_t now_ms)
{
	limit_entry *e;

	if (!l)
		return 0;
	if ((e = find(l, key))) {
		e->count = run_length(l, e, now_ms) + 1;
		e->last_ms = now_ms;
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		limit_entry *g = realloc(l->e, cap * sizeof(*g));

		if (!g)
			return oom();
		l->e = g;
		l->cap = cap;
	}
	e = &l->e[l->n];
	if (!(e->key = strdup(key)))
		return oom();
	e->last_ms = now_ms;
	e->count = 1;
	l->n++;
	return 0;
}

int kd_heal_object_key(kd_buf *out, const char *cluster, const char *api_version,
		       const char *kind, const char *namespace, const char *name)
{
	kd_object_id id = { api_version, kind, namespace, name };
	int rc = kd_buf_printf(out, "%s/", cluster);

	return rc < 0 ? rc : kd_object_id_format(out, &id);
}

/* ---- planning and execution ----------------------------------------------------------- */

static int hold_back(kd_remedy_plan *plan, size_t i, int64_t wait_ms, unsigned count)
{
	kd_buf why = KD_BUF_INIT;
	int rc = kd_buf_printf(&why, "self-heal backs off: healed %u times in a row (something "
			       "changes it back); next try in ", count);

	if (rc == 0)
		rc = kd_duration_format(&why, wait_ms, KD_DURATION_SPAN);
	if (rc == 0)
		rc = kd_remedy_plan_drop(plan, i, kd_buf_cstr(&why));
	kd_buf_free(&why);
	return rc;
}

int kd_heal_plan(kd_remedy_plan **out, int64_t *retry_ms, const kd_cluster_state *st,
		 const kd_heal_followup *f, const kd_heal_limiter *lim, int64_t now_ms)
{
	kd_remedy_plan_opts po = { .prune = true, .self_heal = true, .followup = f };
	kd_remedy_plan *plan = NULL;
	kd_buf key = KD_BUF_INIT;
	int64_t first = 0;
	size_t i = 0;
	int rc;

	*out = NULL;
	if (retry_ms)
		*retry_ms = 0;
	if ((rc = kd_act_plan_with(&plan, st, NULL, &po)) < 0)
		return rc;
	while (lim && i < plan->nactions) {
		const kd_remedy_action *a = &plan->actions[i];
		unsigned count = 0;
		int64_t wait;

		kd_buf_clear(&key);
		if ((rc = kd_heal_object_key(&key, st->name, a->api_version, a->kind_name,
					     a->namespace, a->name)) < 0)
			goto cleanup;
		wait = kd_heal_limiter_wait(lim, kd_buf_cstr(&key), now_ms, &count);
		if (wait == 0) {
			i++;
			continue;
		}
		if ((rc = hold_back(plan, i, wait, count)) < 0)
			goto cleanup;
		if (first == 0 || wait < first)
			first = wait;
	}
	if (retry_ms)
		*retry_ms = first;
	*out = plan;
	plan = NULL;
cleanup:
	kd_buf_free(&key);
	kd_remedy_plan_free(plan);
	return rc;
}

int kd_heal_execute(kd_remedy_plan *plan, const kd_fleet *fleet, const kd_heal_opts *o,
		    bool prune, kd_heal_limiter *lim, int64_t now_ms)
{
	static const kd_heal_opts none;
	kd_act_opts ao;
	kd_act_revert_opts ro = { .self_heal = true, .confirm_prune = prune,
				  .reason = "self-heal: the cluster's policy reverts drift" };
	kd_buf key = KD_BUF_INIT;
	kd_act *act = NULL;
	size_t i;
	int rc;

	if (!o)
		o = &none;
	memset(&ao, 0, sizeof(ao));
	ao.kubeconfig = o->kubeconfig;
	ao.audit_path = o->audit_path;
	ao.kubeconfig_loaded = o->kubeconfig_loaded;
	ao.context = o->context;
	ro.revision = o->revision;
	if (plan->nactions == 0)
		return 0;
	if ((rc = kd_act_open(&act, fleet, plan->cluster, &ao)) < 0) {
		/* Keep the message: noting must not replace it. */
		char *msg = strdup(kd_error_last());

		(void)kd_heal_limiter_note(lim, plan->cluster, now_ms);
		kd_error_set(rc, "%s", msg ? msg : "cannot connect");
		free(msg);
		return rc;
	}
	rc = kd_act_revert(act, plan, &ro);
	kd_act_close(act);
	for (i = 0; lim && i < plan->nactions; i++) {
		const kd_remedy_action *a = &plan->actions[i];

		if (!a->done)
			continue;
		kd_buf_clear(&key);
		if (kd_heal_object_key(&key, plan->cluster, a->api_version, a->kind_name,
				       a->namespace, a->name) == 0)
			(void)kd_heal_limiter_note(lim, kd_buf_cstr(&key), now_ms);
	}
	kd_buf_free(&key);
	return rc;
}
