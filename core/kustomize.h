/*
 * kustomize — renders a kustomization the way `kubectl kustomize` (v5)
 * does, natively: resources (files, multi-document, directories, legacy
 * bases), components, namespace, namePrefix/nameSuffix with name reference
 * fix-ups, commonLabels/labels, commonAnnotations, images, patches
 * (strategic merge and JSON 6902, with target selectors),
 * patchesStrategicMerge, patchesJson6902, configMapGenerator /
 * secretGenerator with kustomize's exact name hash, replicas, and
 * kustomize's legacy output order.
 *
 * Features it does not implement (remote resources, helmCharts,
 * replacements, plugins, ...) fail with KD_EUNSUPPORTED and the message
 * "unsupported kustomize feature 'NAME' (FILE:LINE)".  Every other error
 * names the kustomization file and line.  Reads only through the source;
 * never prints.
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

#endif
