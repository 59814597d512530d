/*
 * render — desired state: the objects Git says a cluster should have.
 *
 * A directory is rendered as Kustomize would when it holds a kustomization
 * (kustomize.h), else as plain manifests: every .yaml/.yml/.json below it
 * (recursively unless told otherwise), multi-document, in path order.  The
 * app's namespace is applied to namespaced objects that have none.
 * Rendering only reads the source; errors name the file and line.
 */
#ifndef KD_RENDER_H
#define KD_RENDER_H

#include <jansson.h>
#include <stdbool.h>

#include "fleet.h"
#include "source.h"

typedef enum kd_load_restrictor {
	KD_LOAD_ROOT_ONLY = 0,  /* kubectl and Argo CD: files under the kustomization's root */
	KD_LOAD_NONE,           /* Flux: anywhere in the repository */
} kd_load_restrictor;

typedef struct kd_render_opts {
	const char *namespace;       /* applied to namespaced objects lacking one; may be NULL */
	bool no_recurse;             /* plain directories: only the top level */
	const json_t *include;       /* plain directories: a glob string ("{a,b}" alternatives) or an array of them, or NULL */
	const json_t *exclude;       /* likewise */
	kd_load_restrictor load_restrictor;
} kd_render_opts;

/* Renders one directory of a source into *out, a new JSON array of objects. */
int kd_render_dir(json_t **out, kd_source *src, const char *path,
		  const kd_render_opts *opts);

/* Renders plain manifests only (no kustomization handling). */
int kd_render_plain(json_t **out, kd_source *src, const char *path,
		    const kd_render_opts *opts);

/* Renders an app for a cluster: expands the app's path template with the
 * cluster's parameters and renders it, then applies the app's substitute /
 * substituteFrom as Flux's postBuild does (flux.h).  fluxKustomizations
 * apps are rendered by kd_flux_render, applicationSet apps by
 * kd_appset_render (all of the cluster's generated Applications). */
int kd_render_app(json_t **out, kd_source *src, const kd_fleet *fleet,
		  const kd_cluster *cluster, const kd_app *app);

/* Sets metadata.namespace on namespaced objects in `objs` that lack one. */
int kd_render_apply_namespace(json_t *objs, const char *namespace);

#endif
