/*
 * kustomize — renders a kustomization the way `kubectl kustomize` (v5)
 * does, natively: resources (files, multi-document, directories, legacy
 * bases), components, namespace, namePrefix/nameSuffix with name reference
 * fix-ups, commonLabels/labels, commonAnnotations, images, patches
 * (strategic merge and JSON 6902, with target selectors),
 * patchesStrategicMerge, patchesJson6902, configMapGenerator /
 * secretGenerator with kustomize's exact name hash, replicas,
 * replacements, sortOptions and kustomize's legacy output order.
 *
 * Features it does not implement (remote resources, helmCharts, vars,
 * generators/transformers/validators plugins, openapi, crds,
 * configurations, buildMetadata, labels.fields, images.tagSuffix) fail with
 * KD_EUNSUPPORTED and the message
 * "unsupported kustomize feature 'NAME' (FILE:LINE)".  Every other error
 * names the kustomization file and line.  Reads only through the source;
 * never prints.  Kustomizations are read as strictly as kubectl reads them
 * (unknown fields and non-string labels are errors).
 */
#ifndef KD_KUSTOMIZE_H
#define KD_KUSTOMIZE_H

#include <jansson.h>
#include <stdbool.h>

#include "render.h"
#include "source.h"

typedef struct kd_kustomize_opts {
	/* KD_LOAD_ROOT_ONLY (kubectl, Argo CD): files a kustomization names
	 * must lie under its own directory (other kustomization directories
	 * may be anywhere in the repository).  KD_LOAD_NONE (Flux): anywhere
	 * in the repository. */
	kd_load_restrictor load_restrictor;
} kd_kustomize_opts;

/* True when dir holds kustomization.yaml, kustomization.yml or
 * Kustomization. */
bool kd_kustomize_present(kd_source *src, const char *dir);

/* Builds the kustomization in dir (repository-relative) into *out, a new
 * JSON array of objects in kustomize's output order.  opts may be NULL
 * (root-only load restriction). */
int kd_kustomize_build(json_t **out, kd_source *src, const char *dir,
		       const kd_kustomize_opts *opts);

/*
 * The same, with settings laid over the top kustomization (not nested
 * ones), the way Flux's kustomize-controller lays a Kustomization object's
 * spec over the file: "namespace", "namePrefix" and "nameSuffix" replace the
 * file's; "patches", "images" and "components" are appended to its lists.
 * `resources` (a list) builds a directory that has no kustomization file
 * as if it had one listing just those resources, as Flux generates it.
 * Other keys are refused with KD_EINVAL.  overrides may be NULL.
 */
int kd_kustomize_build_overlaid(json_t **out, kd_source *src, const char *dir,
				const kd_kustomize_opts *opts,
				const json_t *overrides);

/*
 * The same, and *origins (when not NULL) receives a new array parallel to
 * *out telling where each object's desired state comes from:
 *   {"file": "apps/base/deploy.yaml", "layers": ["apps/base", "clusters/eu"]}
 * "file" is the manifest it was loaded from (for generated ConfigMaps and
 * Secrets, the kustomization that generated them); "layers" are the
 * kustomization and component directories, innermost first, whose
 * generators, patches or transformers changed it.  An object changed by a
 * cluster's own overlay therefore names that overlay.  Costs a copy of each
 * object per step, so plain builds do not trace.
 */
int kd_kustomize_build_traced(json_t **out, json_t **origins, kd_source *src,
			      const char *dir, const kd_kustomize_opts *opts,
			      const json_t *overrides);

#endif
