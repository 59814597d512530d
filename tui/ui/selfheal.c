/*
 * selfheal — the fleet's selfHeal policy applied while the UI runs, as a
 * controller would (see uiact.h).
 *
 * When the engine publishes a state with drift on a selfHeal cluster, the
 * revert runs on the worker through core's self-heal (kd_heal_plan and
 * kd_heal_execute, as `kdrift check --heal` does): logged to the audit log
 * as self-heal, objects awaiting break-glass follow-up left alone, and a
 * back-off per object so a controller that fights back does not make kdrift
 * write in a loop.  What it did goes to the status line and the message
 * log.  Never from a read-only view (--read-only, a state file,
 * --from-reports: the agents heal those clusters) and never while paused.
 *
 * The limiter belongs to the heal job while one runs: the UI thread reads
 * it only when the worker is idle.
 */
#include <stdlib.h>
#include <string.h>

#include "act/act.h"
#include "base/base.h"
#include "uiact.h"
#include "uiact_priv.h"

typedef struct heal_job {
	kd_job job;
	kd_cluster_state *st;            /* held */
	kd_fleet *fleet;                 /* held */
	const char *kubeconfig;
	kd_heal_limiter *lim;            /* the UI's, lent for the run */
	size_t slot;
	int64_t now_ms;
	kd_remedy_plan *plan;            /* planned and executed on the worker */
	int64_t retry_ms;
	int connect_rc;                  /* the plan was not run: why */
} heal_job;

bool kd_selfheal_enabled(const kd_ui *ui)
{
	return ui->engine && !ui->read_only && !ui->from_reports && ui->act;
}

bool kd_selfheal_fleet_has(const kd_ui *ui)
{
	size_t i, n = kd_store_cluster_count(ui->store);
	bool any = false;

	for (i = 0; i < n && !any; i++) {
		kd_cluster_state *st = kd_store_get(ui->store, i);

		any = st && st->remediation == KD_REMEDIATION_SELFHEAL;
		kd_cluster_state_unref(st);
	}
	return any;
}

static void heal_free(kd_job *j)
{
	heal_job *h = (heal_job *)j;

	kd_cluster_state_unref(h->st);
	kd_fleet_free(h->fleet);
	kd_remedy_plan_free(h->plan);
	kd_buf_free(&j->msg);
	free(h);
}

static void heal_run(kd_job *j)
{
	heal_job *h = (heal_job *)j;
	kd_heal_followup *fu = NULL;
	kd_heal_opts ho;
	int rc;

	memset(&ho, 0, sizeof(ho));
	ho.kubeconfig = h->kubeconfig;
	ho.revision = h->st->revision;
	/* The log decides what awaits follow-up; unreadable, the mark does. */
	if (kd_heal_followup_load(&fu, NULL) < 0)
		fu = NULL;
	rc = kd_heal_plan(&h->plan, &h->retry_ms, h->st, fu, h->lim, h->now_ms);
	kd_heal_followup_free(fu);
	if (rc < 0) {
		kd_job_error(j, rc);
		return;
	}
	rc = kd_heal_execute(h->plan, h->fleet, &ho, h->st->prune, h->lim, h->now_ms);
	if (rc < 0 && h->plan->nactions && !h->plan->actions[0].done) {
		h->connect_rc = rc;
		kd_job_error(j, rc);
	}
}

static void heal_done(kd_ui *ui, kd_job *j)
{
	heal_job *h = (heal_job *)j;
	kd_uiact *act = ui->act;
	const char *cluster = h->st->name;
	kd_buf what = KD_BUF_INIT;
	size_t i, written = 0;

	if (h->connect_rc || !h->plan) {
		int64_t wait = kd_heal_limiter_wait(act->heal_limiter, cluster, h->now_ms, NULL);

		kd_ui_message(ui, KD_LOG_ERROR, "self-heal of %s failed: %s", cluster,
			      kd_buf_cstr(&j->msg));
		if (h->slot < act->heal_nslots)
			act->heal_retry[h->slot] = wait > 0 ? h->now_ms + wait : 0;
		goto cleanup;
	}
	for (i = 0; i < h->plan->nactions; i++) {
		const kd_remedy_action *a = &h->plan->actions[i];

		kd_buf_clear(&what);
		kd_remedy_describe(&what, a->kind_name, a->namespace, a->name);
		if (a->done && a->error == 0) {
			written++;
			kd_ui_message(ui, KD_LOG_INFO, "self-heal %s %s on %s (policy selfHeal; "
				      "logged)", a->kind == KD_REMEDY_PRUNE ? "pruned" :
				      a->kind == KD_REMEDY_CREATE ? "created" : "reverted",
				      kd_buf_cstr(&what), cluster);
		} else {
			kd_ui_message(ui, KD_LOG_ERROR, "self-heal FAILED %s on %s: %s",
				      kd_buf_cstr(&what), cluster,
				      a->message ? a->message : "not attempted");
		}
	}
	for (i = 0; i < h->plan->nskipped; i++)
		if (strstr(h->plan->skipped[i].reason, "self-heal backs off"))
			kd_ui_message(ui, KD_LOG_WARN, "%s on %s: %s", h->plan->skipped[i].what,
				      cluster, h->plan->skipped[i].reason);
	if (h->slot < act->heal_nslots)
		act->heal_retry[h->slot] = h->retry_ms > 0 ? h->now_ms + h->retry_ms : 0;
	if (written && ui->refresh_fn)
		ui->refresh_fn(ui->engine, cluster);
cleanup:
	kd_buf_free(&what);
}

/* Something self-heal may change: drift, a missing object, a break-glass
 * object (its follow-up may be done), an extra one where prune is on. */
static bool needs_heal(const kd_cluster_state *st)
{
	size_t a, r;

	for (a = 0; a < st->napps; a++)
		for (r = 0; r < st->apps[a].nresources; r++) {
			kd_status s = st->apps[a].resources[r].status;

			if (s == KD_STATUS_DRIFTED || s == KD_STATUS_MISSING ||
			    s == KD_STATUS_BREAKGLASS || (s == KD_STATUS_EXTRA && st->prune))
				return true;
		}
	return false;
}

static int grow_slots(kd_uiact *act, size_t n)
{
	uint64_t *gen;
	int64_t *retry;

	if (n <= act->heal_nslots)
		return 0;
	gen = realloc(act->heal_gen, n * sizeof(*gen));
	if (gen)
		act->heal_gen = gen;
	retry = realloc(act->heal_retry, n * sizeof(*retry));
	if (retry)
		act->heal_retry = retry;
	if (!gen || !retry)
		return kd_error_set(KD_ENOMEM, "out of memory");
	memset(gen + act->heal_nslots, 0, (n - act->heal_nslots) * sizeof(*gen));
	memset(retry + act->heal_nslots, 0, (n - act->heal_nslots) * sizeof(*retry));
	act->heal_nslots = n;
	return 0;
}

static void submit(kd_ui *ui, kd_cluster_state *st, size_t slot, int64_t now)
{
	kd_uiact *act = ui->act;
	heal_job *h = calloc(1, sizeof(*h));

	if (!h) {
		kd_ui_message(ui, KD_LOG_ERROR, "self-heal: out of memory");
		return;
	}
	h->job.what = "self-heal";
	h->job.run = heal_run;
	h->job.done = heal_done;
	h->job.free = heal_free;
	h->st = kd_cluster_state_ref(st);
	h->fleet = st->fleet ? kd_fleet_ref(st->fleet) : kd_store_fleet(ui->store);
	h->kubeconfig = ui->kubeconfig;
	h->lim = act->heal_limiter;
	h->slot = slot;
	h->now_ms = now;
	if (!h->fleet) {
		heal_free(&h->job);
		return;
	}
	if (kd_worker_submit(ui, &h->job) < 0)
		kd_ui_message(ui, KD_LOG_ERROR, "self-heal: %s", kd_error_last());
}

void kd_selfheal_tick(kd_ui *ui)
{
	kd_uiact *act = ui->act;
	size_t i, n;
	int64_t now;

	if (!kd_selfheal_enabled(ui) || act->heal_paused || kd_worker_busy(ui) || act->dialog)
		return;
	n = kd_store_cluster_count(ui->store);
	if (!act->heal_limiter && kd_heal_limiter_new(&act->heal_limiter, 0, 0) < 0)
		return;
	if (grow_slots(act, n) < 0)
		return;
	now = kd_time_now_ms();
	for (i = 0; i < n; i++) {
		kd_cluster_state *st = kd_store_get(ui->store, i);
		bool retry = act->heal_retry[i] && now >= act->heal_retry[i];

		if (!st || st->remediation != KD_REMEDIATION_SELFHEAL || !st->reachable ||
		    st->reason || st->from_reports ||
		    (st->generation + 1 == act->heal_gen[i] && !retry)) {
			kd_cluster_state_unref(st);
			continue;
		}
		act->heal_gen[i] = st->generation + 1;   /* 0: never looked at */
		act->heal_retry[i] = 0;
		if (needs_heal(st)) {
			int64_t wait = kd_heal_limiter_wait(act->heal_limiter, st->name, now, NULL);

			if (wait > 0) {
				act->heal_retry[i] = now + wait;   /* a failing cluster waits */
			} else {
				submit(ui, st, i, now);
				kd_cluster_state_unref(st);
				return;   /* one job at a time */
			}
		}
		kd_cluster_state_unref(st);
	}
}

void kd_selfheal_toggle(kd_ui *ui)
{
	kd_uiact *act = ui->act;
	kd_buf key = KD_BUF_INIT;

	if (!kd_selfheal_enabled(ui)) {
		kd_ui_message(ui, KD_LOG_INFO, "self-heal: %s", ui->from_reports ?
			      "off here: each cluster's agent applies its policy (--from-reports)" :
			      "off in a read-only view");
		return;
	}
	act->heal_paused = !act->heal_paused;
	kd_ui_key_hint(&key, ui, KD_ACT_SELF_HEAL_PAUSE);
	if (act->heal_paused) {
		kd_ui_message(ui, KD_LOG_WARN, "self-heal paused: selfHeal clusters keep their "
			      "drift until %s resumes it", kd_buf_cstr(&key));
	} else {
		/* Look at every cluster again: drift that came while paused. */
		memset(act->heal_gen, 0, act->heal_nslots * sizeof(*act->heal_gen));
		kd_ui_message(ui, KD_LOG_INFO, "self-heal resumed: drift on selfHeal clusters is "
			      "reverted and logged (%s pauses)", kd_buf_cstr(&key));
	}
	kd_buf_free(&key);
}

void kd_selfheal_free(kd_uiact *act)
{
	kd_heal_limiter_free(act->heal_limiter);
	free(act->heal_gen);
	free(act->heal_retry);
}
