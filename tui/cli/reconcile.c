/*
 * reconcile — reading clusters for a command: one cluster (and app) once,
 * for the commands that change it (revert, accept), every selected cluster
 * with provenance for the commands between clusters (compare, topology),
 * every cluster of one app for a promote (accept --to),
 * and the exit status the statuses found add up to (check, diff).
 */
#include "cli.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "engine/engine.h"

int kd_cli_exit_for(const kd_counts *c, bool errors)
{
	if (errors || c->n[KD_STATUS_UNKNOWN])
		return KD_EXIT_ERROR;
	if (c->n[KD_STATUS_DRIFTED] || c->n[KD_STATUS_MISSING] || c->n[KD_STATUS_EXTRA] ||
	    c->n[KD_STATUS_BREAKGLASS])
		return KD_EXIT_DRIFT;
	return KD_EXIT_OK;
}

/* Adds a state's counts, counting an app that did not render and a cluster
 * that has no apps to show but a reason as one unknown each. */
void kd_cli_count(kd_counts *sum, const kd_cluster_state *st)
{
	kd_counts_add_cluster(sum, st);
}

int kd_cli_reconcile(kd_engine **out, kd_cluster_state **st, kd_engine_opts *opts,
		     const char *cmd, const char *cluster, const char *app)
{
	const char *names[2] = { cluster, NULL };
	kd_engine *e = NULL;

	*out = NULL;
	*st = NULL;
	opts->clusters = names;
	opts->app = app;
	opts->statuses_only = false;
	kd_cli_engine_defaults(opts);
	if (kd_engine_new(&e, opts) < 0 || kd_cli_run_once(e) < 0) {
		kd_engine_free(e);
		opts->clusters = NULL;
		return kd_cli_fail(cmd);
	}
	opts->clusters = NULL;
	if (kd_store_cluster_count(kd_engine_store(e)) == 0) {
		kd_engine_free(e);
		if (app)
			kd_error_set(KD_ENOTFOUND, "app '%s' is not deployed to cluster '%s'",
				     app, cluster);
		else
			kd_error_set(KD_ENOTFOUND, "the fleet has no cluster '%s'", cluster);
		return kd_cli_fail(cmd);
	}
	*st = kd_store_get(kd_engine_store(e), 0);
	if (!*st) {
		kd_engine_free(e);
		kd_error_set(KD_ERROR, "no result for cluster %s", cluster);
		return kd_cli_fail(cmd);
	}
	if ((*st)->reason) {
		fprintf(stderr, "kdrift: %s: cluster ", cmd);
		kd_cli_print_safe(stderr, (*st)->name);
		fprintf(stderr, " is unknown: ");
		kd_cli_print_safe(stderr, (*st)->reason);
		fprintf(stderr, "\n");
		kd_cluster_state_unref(*st);
		*st = NULL;
		kd_engine_free(e);
		return KD_EXIT_ERROR;
	}
	*out = e;
	return KD_EXIT_OK;
}

/* Reconciles the selected clusters once with provenance; *states (one per
 * store slot that published) for compare and topology.  Compare needs the
 * desired objects, the diffs and extra objects' live state, not every live
 * object: the engine lets go of those as check does. */
int kd_cli_states(kd_engine **engine, kd_cluster_state ***states, size_t *n,
		  kd_engine_opts *opts, const char *cmd)
{
	kd_store *s;
	size_t i;

	*engine = NULL;
	*states = NULL;
	*n = 0;
	opts->provenance = true;
	opts->statuses_only = true;
	kd_cli_engine_defaults(opts);
	if (kd_engine_new(engine, opts) < 0 || kd_cli_run_once(*engine) < 0) {
		kd_engine_free(*engine);
		*engine = NULL;
		return kd_cli_fail(cmd);
	}
	s = kd_engine_store(*engine);
	if (!(*states = calloc(kd_store_cluster_count(s) + 1, sizeof(**states)))) {
		kd_engine_free(*engine);
		*engine = NULL;
		kd_error_set(KD_ENOMEM, "out of memory");
		return kd_cli_fail(cmd);
	}
	for (i = 0; i < kd_store_cluster_count(s); i++)
		if (((*states)[*n] = kd_store_get(s, i)))
			(*n)++;
	return KD_EXIT_OK;
}

void kd_cli_states_free(kd_cluster_state **states, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		kd_cluster_state_unref(states[i]);
	free(states);
}

/* Prints that a cluster could not be read, as kd_cli_reconcile does. */
static int unknown_cluster(const char *cmd, const kd_cluster_state *st)
{
	fprintf(stderr, "kdrift: %s: cluster ", cmd);
	kd_cli_print_safe(stderr, st->name);
	fprintf(stderr, " is unknown: ");
	kd_cli_print_safe(stderr, st->reason);
	fprintf(stderr, "\n");
	return KD_EXIT_ERROR;
}

int kd_cli_states_app(kd_engine **engine, kd_cluster_state ***states, size_t *n,
		      kd_cluster_state **state, kd_engine_opts *opts, const char *cmd,
		      const char *cluster, const char *app)
{
	kd_store *s;
	size_t i;
	int rc;

	*state = NULL;
	opts->app = app;
	opts->statuses_only = false;
	opts->provenance = false;
	kd_cli_engine_defaults(opts);
	if (kd_engine_new(engine, opts) < 0 || kd_cli_run_once(*engine) < 0) {
		kd_engine_free(*engine);
		*engine = NULL;
		*states = NULL;
		*n = 0;
		return kd_cli_fail(cmd);
	}
	s = kd_engine_store(*engine);
	*n = 0;
	if (!(*states = calloc(kd_store_cluster_count(s) + 1, sizeof(**states)))) {
		kd_error_set(KD_ENOMEM, "out of memory");
		rc = kd_cli_fail(cmd);
		goto fail;
	}
	for (i = 0; i < kd_store_cluster_count(s); i++)
		if (((*states)[*n] = kd_store_get(s, i)))
			(*n)++;
	for (i = 0; i < *n; i++)
		if (strcmp((*states)[i]->name, cluster) == 0)
			*state = (*states)[i];
	if (!*state) {
		kd_error_set(KD_ENOTFOUND, "app '%s' is not deployed to cluster '%s'", app, cluster);
		rc = kd_cli_fail(cmd);
		goto fail;
	}
	if ((*state)->reason) {
		rc = unknown_cluster(cmd, *state);
		goto fail;
	}
	return KD_EXIT_OK;
fail:
	kd_cli_states_free(*states, *n);
	*states = NULL;
	*n = 0;
	*state = NULL;
	kd_engine_free(*engine);
	*engine = NULL;
	return rc;
}
