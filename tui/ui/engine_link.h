/*
 * engine_link — the UI's one link to the engine: starts it with the options
 * of `kdrift ui`, hands the UI its store (which publishes the fleet with the
 * snapshots) and forwards refresh requests.
 */
#ifndef KD_UI_ENGINE_LINK_H
#define KD_UI_ENGINE_LINK_H

#include <stdbool.h>
#include <stddef.h>

#include "ui.h"

#define KD_UI_MAX_CLUSTER_ARGS 64

typedef struct kd_ui_engine_opts {
	const char *repo, *revision, *fleet_file, *kubeconfig, *selector, *app;
	bool worktree;
	bool from_reports;          /* read the agents' DriftReports */
	const char *reports_namespace;
	bool unmanaged;          /* also list objects made by hand (--unmanaged) */
	int timeout_s;
	const char *clusters[KD_UI_MAX_CLUSTER_ARGS + 1];
	size_t nclusters;
} kd_ui_engine_opts;

typedef struct kd_ui_engine kd_ui_engine;

/* Loads the fleet and starts the engine thread (errors are fatal). */
int kd_ui_engine_start(kd_ui_engine **out, const kd_ui_engine_opts *opts);
/* Sets ui->store, ui->engine and ui->refresh_fn. */
void kd_ui_engine_attach(kd_ui_engine *e, kd_ui *ui);
/* Asks the engine to read a cluster directly from now on (a cluster shown
 * from its agent's reports, before acting on it). */
void kd_ui_engine_read_live(void *engine, const char *cluster);
/* Stops the thread and frees the engine and its store. */
void kd_ui_engine_free(kd_ui_engine *e);

#endif
