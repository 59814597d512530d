/*
 * heal — `kdrift check --heal`: applies the fleet's policy over the states
 * check has just read (kd_heal_run in core/act/act.h: self-heal reverts
 * drift, alert reports new drift and posts it to a webhook) and says on
 * stderr what it did; check then reports the fleet as healing left it.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act/act.h"
#include "base/base.h"
#include "engine/engine.h"

static void print_heal_cluster(const kd_heal_cluster *hc)
{
	kd_buf what = KD_BUF_INIT;
	size_t i, n = 0;

	if (hc->error) {
		fprintf(stderr, "heal: cluster ");
		kd_cli_print_safe(stderr, hc->name);
		fprintf(stderr, ": not healed: ");
		kd_cli_print_safe(stderr, hc->message ? hc->message : "unknown");
		fprintf(stderr, "\n");
		return;
	}
	if (hc->remediation == KD_REMEDIATION_SELFHEAL) {
		for (i = 0; hc->plan && i < hc->plan->nactions; i++) {
			const kd_remedy_action *a = &hc->plan->actions[i];

			kd_buf_clear(&what);
			kd_remedy_describe(&what, a->kind_name, a->namespace, a->name);
			fprintf(stderr, "heal: %s: ", hc->name);
			if (a->done && a->error == 0) {
				fprintf(stderr, "self-heal %s ", a->kind == KD_REMEDY_PRUNE ? "pruned" :
					a->kind == KD_REMEDY_CREATE ? "created" : "reverted");
				kd_cli_print_safe(stderr, kd_buf_cstr(&what));
				fprintf(stderr, "\n");
			} else {
				fprintf(stderr, "self-heal FAILED ");
				kd_cli_print_safe(stderr, kd_buf_cstr(&what));
				fprintf(stderr, ": ");
				kd_cli_print_safe(stderr, a->message ? a->message : "not attempted");
				fprintf(stderr, "\n");
			}
		}
		for (i = 0; hc->plan && i < hc->plan->nskipped; i++) {
			if (strstr(hc->plan->skipped[i].reason, "already synced"))
				continue;
			fprintf(stderr, "heal: %s: left alone ", hc->name);
			kd_cli_print_safe(stderr, hc->plan->skipped[i].what);
			fprintf(stderr, ": ");
			kd_cli_print_safe(stderr, hc->plan->skipped[i].reason);
			fprintf(stderr, "\n");
		}
		kd_buf_free(&what);
		return;
	}
	for (i = 0; i < hc->nalerts; i++)
		n += hc->alerts[i].is_new;
	fprintf(stderr, "heal: %s: alert only: %zu object%s drifted, %zu new\n", hc->name,
		hc->nalerts, hc->nalerts == 1 ? "" : "s", n);
	for (i = 0; i < hc->nalerts; i++) {
		const kd_heal_alert *a = &hc->alerts[i];

		if (!a->is_new)
			continue;
		kd_buf_clear(&what);
		kd_remedy_describe(&what, a->kind, a->namespace, a->name);
		fprintf(stderr, "heal: %s: new: %s ", hc->name,
			kd_status_glyph(a->status, kd_cli_ascii()));
		kd_cli_print_safe(stderr, a->app);
		fputc('/', stderr);
		kd_cli_print_safe(stderr, kd_buf_cstr(&what));
		fprintf(stderr, " %s\n", kd_status_name(a->status));
	}
	kd_buf_free(&what);
}

int kd_cli_heal(kd_engine *e, const char *kubeconfig, const char *webhook)
{
	kd_heal_opts ho = { .kubeconfig = kubeconfig, .webhook = webhook };
	kd_store *store = kd_engine_store(e);
	kd_fleet *fleet = kd_store_fleet(store);
	kd_heal_report *r = NULL;
	char *label = NULL, *rev = NULL;
	size_t i;
	int rc;

	kd_store_source(store, &label, &rev, NULL);
	ho.revision = rev;
	rc = kd_heal_run(&r, store, fleet, &ho);
	kd_fleet_free(fleet);
	free(label);
	free(rev);
	if (rc < 0)
		return kd_cli_fail("check --heal");
	for (i = 0; i < r->nclusters; i++)
		print_heal_cluster(&r->clusters[i]);
	if (r->webhooks_sent)
		fprintf(stderr, "heal: webhook: sent %zu summar%s of new drift\n", r->webhooks_sent,
			r->webhooks_sent == 1 ? "y" : "ies");
	if (r->webhook_error) {
		fprintf(stderr, "heal: ");
		kd_cli_print_safe(stderr, r->webhook_error);
		fprintf(stderr, " (the drift will be sent again next time)\n");
	}
	rc = r->failed || r->webhook_error ? KD_EXIT_ERROR : KD_EXIT_OK;
	/* What the report below shows is the fleet after healing. */
	if (r->healed && kd_cli_run_once(e) < 0)
		rc = kd_cli_fail("check --heal");
	kd_heal_report_free(r);
	return rc;
}
