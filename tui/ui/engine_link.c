/*
 * engine_link — see engine_link.h.
 */
#include "engine_link.h"

#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "base/base.h"

struct kd_ui_engine {
	kd_engine *engine;
	const char *clusters[KD_UI_MAX_CLUSTER_ARGS + 1];
};

static void engine_refresh(void *engine, const char *cluster)
{
	kd_engine_refresh(engine, cluster);
}

static void engine_git_changed(void *engine)
{
	kd_engine_nudge(engine);
}

int kd_ui_engine_start(kd_ui_engine **out, const kd_ui_engine_opts *opts)
{
	kd_ui_engine *e = calloc(1, sizeof(*e));
	kd_engine_opts eo;
	int rc;

	*out = NULL;
	if (!e)
		return kd_error_set(KD_ENOMEM, "out of memory");
	memset(&eo, 0, sizeof(eo));
	eo.repo = opts->repo;
	eo.revision = opts->revision;
	eo.worktree = opts->worktree;
	eo.fleet_file = opts->fleet_file;
	eo.kubeconfig = opts->kubeconfig;
	eo.cluster_selector = opts->selector;
	eo.app = opts->app;
	eo.timeout_s = opts->timeout_s;
	eo.from_reports = opts->from_reports;
	eo.reports_namespace = opts->reports_namespace;
	eo.unmanaged = opts->unmanaged;
	if (opts->nclusters) {
		memcpy(e->clusters, opts->clusters, opts->nclusters * sizeof(*e->clusters));
		eo.clusters = e->clusters;
	}
	/* The UI keeps watching: drift shows up while the tree is open. */
	eo.watch = true;
	/* The compare view and the diff pane's provenance line read what
	 * render recorded; the engine keeps it with each desired object. */
	eo.provenance = true;
	if ((rc = kd_engine_new(&e->engine, &eo)) < 0 || (rc = kd_engine_start(e->engine)) < 0) {
		kd_ui_engine_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

void kd_ui_engine_attach(kd_ui_engine *e, kd_ui *ui)
{
	ui->store = kd_engine_store(e->engine);
	ui->engine = e->engine;
	ui->refresh_fn = engine_refresh;
	ui->read_live_fn = kd_ui_engine_read_live;
	ui->git_changed_fn = engine_git_changed;
}

void kd_ui_engine_read_live(void *engine, const char *cluster)
{
	if (engine)
		kd_engine_read_live(engine, cluster);
}

void kd_ui_engine_free(kd_ui_engine *e)
{
	if (!e)
		return;
	kd_engine_free(e->engine);
	free(e);
}
