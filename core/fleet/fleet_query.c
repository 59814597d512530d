/*
 * fleet_query — questions asked of a parsed fleet, and its references
 * (see fleet.h).  Parsing is in fleet.c.
 */
#include "fleet/fleet.h"

#include <stdlib.h>
#include <string.h>

static void app_free(kd_app *a)
{
	free(a->name);
	free(a->path);
	free(a->namespace);
	kd_selector_free(&a->clusters);
	json_decref(a->substitute);
	json_decref(a->substitute_from);
	json_decref(a->directory);
}

kd_fleet *kd_fleet_ref(kd_fleet *f)
{
	if (f)
		__atomic_add_fetch(&f->refs_, 1, __ATOMIC_RELAXED);
	return f;
}

void kd_fleet_free(kd_fleet *f)
{
	size_t i;

	if (!f || __atomic_sub_fetch(&f->refs_, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (i = 0; i < f->nclusters; i++) {
		free(f->clusters[i].name);
		free(f->clusters[i].context);
		free(f->clusters[i].server);
		json_decref(f->clusters[i].labels);
		json_decref(f->clusters[i].values);
	}
	for (i = 0; i < f->napps; i++)
		app_free(&f->apps[i]);
	for (i = 0; i < f->npolicies; i++) {
		kd_selector_free(&f->policies[i].clusters);
		free(f->policies[i].webhook);
	}
	for (i = 0; i < f->nignores; i++) {
		free(f->ignores[i].group);
		free(f->ignores[i].kind);
		free(f->ignores[i].name);
		free(f->ignores[i].namespace);
		json_decref(f->ignores[i].json_pointers);
		json_decref(f->ignores[i].managers);
	}
	free(f->clusters);
	free(f->apps);
	free(f->policies);
	free(f->ignores);
	for (i = 0; f->appliers && f->appliers[i]; i++)
		free(f->appliers[i]);
	free(f->appliers);
	free(f->file);
	free(f->breakglass_context);
	free(f->breakglass_group);
	json_decref(f->applier_users);
	json_decref(f->applier_groups);
	json_decref(f->doc);
	json_decref(f->positions);
	free(f);
}

const kd_cluster *kd_fleet_cluster(const kd_fleet *fleet, const char *name)
{
	size_t i;

	for (i = 0; fleet && name && i < fleet->nclusters; i++)
		if (strcmp(fleet->clusters[i].name, name) == 0)
			return &fleet->clusters[i];
	return NULL;
}

const kd_app *kd_fleet_app(const kd_fleet *fleet, const char *name)
{
	size_t i;

	for (i = 0; fleet && name && i < fleet->napps; i++)
		if (strcmp(fleet->apps[i].name, name) == 0)
			return &fleet->apps[i];
	return NULL;
}

bool kd_fleet_app_targets(const kd_app *app, const kd_cluster *cluster)
{
	return kd_selector_matches(&app->clusters, cluster->labels);
}

const kd_policy *kd_fleet_policy(const kd_fleet *fleet,
				 const kd_cluster *cluster)
{
	size_t i;

	for (i = 0; i < fleet->npolicies; i++)
		if (kd_selector_matches(&fleet->policies[i].clusters,
					cluster->labels))
			return &fleet->policies[i];
	return NULL;
}

void kd_fleet_diff_opts(kd_diff_opts *out, const kd_fleet *fleet)
{
	memset(out, 0, sizeof(*out));
	out->appliers = kd_diff_default_appliers;
	if (!fleet)
		return;
	out->ignores = fleet->ignores;
	out->nignores = fleet->nignores;
	if (fleet->appliers)
		out->appliers = (const char *const *)fleet->appliers;
}
