/*
 * appset — Argo CD ApplicationSets as kdrift app generators.
 *
 * An `applicationSet: FILE` app names an ApplicationSet manifest in the
 * repository.  Its generators are evaluated against the fleet: the fleet's
 * clusters stand for Argo CD's cluster secrets (name, server, labels) and
 * `git` generators read this same repository (repoURL and revision are
 * ignored).  Supported generators: list, clusters (selector, values),
 * merge (mergeKeys), matrix (two children; the second may use the first's
 * parameters), git directories (with exclude) and git files (JSON/YAML).
 * Anything else (scmProvider, pullRequest, plugin, clusterDecisionResource,
 * per-generator templates, templatePatch, multi-source Applications, helm,
 * kustomize and plugin sources) fails with KD_EUNSUPPORTED naming it.
 *
 * Templates: fasttemplate exactly (kd_template_expand) on every string of
 * spec.template, or with goTemplate: true only `{{.a.b}}` paths and
 * `{{.a.b | normalize}}`; any other expression is refused, quoted in the
 * message.  A missing key prints "<no value>" as Go's templates do, or
 * fails with goTemplateOptions [missingkey=error].
 *
 * Mapping onto kdrift: each generated Application belongs to the fleet
 * cluster its spec.destination names (destination.name equal to the
 * cluster's name, or destination.server equal to the cluster's server);
 * when the destination names no fleet cluster, to the cluster whose
 * clusters-generator parameters produced it, if any.  Rendering the app
 * for a cluster renders all of that cluster's generated Applications, in
 * generation order; a single one can be chosen by its name.  Never prints.
 */
#ifndef KD_APPSET_H
#define KD_APPSET_H

#include <jansson.h>

#include "fleet.h"
#include "source.h"

/*
 * Evaluates the ApplicationSet in `file` into *out, a new array of
 * generated Applications, each an object:
 *   {"name": ..., "path": ..., "namespace": ... (or absent),
 *    "destination": {"name"?, "server"?}, "cluster": fleet cluster or absent,
 *    "directory": {"recurse": bool, "include": [...], "exclude": [...]}}
 * Errors name the file (and line for parse errors).
 */
int kd_appset_generate(json_t **out, kd_source *src, const kd_fleet *fleet,
		       const char *file);

/* The generated Applications of app that belong to cluster. */
int kd_appset_for_cluster(json_t **out, kd_source *src, const kd_fleet *fleet,
			  const kd_cluster *cluster, const kd_app *app);

/* Renders the cluster's generated Applications of app (concatenated), or,
 * when `only` is not NULL, the one named `only` (KD_ENOTFOUND when the
 * cluster has no generated Application of that name). */
int kd_appset_render(json_t **out, kd_source *src, const kd_fleet *fleet,
		     const kd_cluster *cluster, const kd_app *app,
		     const char *only);

/* Renders one generated Application (an element of kd_appset_generate). */
int kd_appset_render_one(json_t **out, kd_source *src, const json_t *gen);

#endif
