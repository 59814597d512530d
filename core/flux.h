/*
 * flux — Flux CD sources: postBuild variable substitution and the walk of a
 * tree of Flux Kustomization objects (kustomize.toolkit.fluxcd.io v1 and
 * v1beta2).
 *
 * Substitution follows the kustomize-controller: each object is turned into
 * YAML text, ${...} expressions are replaced with the grammar of Flux's
 * envsubst fork, and the text is parsed back (so "replicas: ${n}" becomes a
 * number once substituted).  `$VAR` is left alone, `$$` is written as `$`
 * (so `$${VAR}` stays `${VAR}`), and an object whose annotation or label
 * kustomize.toolkit.fluxcd.io/substitute is "disabled" is not touched.
 *
 * The tree walk renders a root directory, keeps the Flux Kustomization
 * objects whose sourceRef is this repository (see kd_flux_opts), orders
 * them by dependsOn and builds each one the way the controller does.
 * Reads only through the source; never prints.
 */
#ifndef KD_FLUX_H
#define KD_FLUX_H

#include <jansson.h>
#include <stdbool.h>

#include "buf.h"
#include "source.h"

/* ^[_[:alpha:]][_[:alpha:][:digit:]]*$ (ASCII), as the controller checks. */
bool kd_flux_var_name_valid(const char *name);

/*
 * Expands text into out (appended).  vars is an object of string values.
 * Supported: ${V}; defaults ${V:=d} ${V:-d} ${V=d} ${V:+d} ${V:?d} (all
 * use d when V is unset or empty; d may hold further ${...}); ${#V};
 * ${V^} ${V^^} ${V,} ${V,,}; ${V:off} ${V:off:len}; ${V#p} ${V##p} ${V%p}
 * ${V%%p} (shell globs); ${V/p/r} ${V//p/r} ${V/#p/r} ${V/%p/r} (literal
 * patterns).  A missing variable without a default expands to "" or, when
 * strict, fails with KD_EINVAL "variable not set (strict mode): \"V\"".
 * Malformed expressions fail with KD_EINVAL naming the offset.
 */
int kd_flux_envsubst(kd_buf *out, const char *text, const json_t *vars,
		     bool strict);

/* Adds the variables a ConfigMap (data) or Secret (data, base64-decoded,
 * and stringData) holds to vars, overriding earlier ones.  Names are
 * validated; `where` is used in messages. */
int kd_flux_vars_add_object(json_t *vars, const json_t *obj,
			    const char *where);

/* Substitutes every object of objs in place (objects that opt out are
 * skipped).  As in the controller, line breaks are removed from values and
 * nothing at all happens when vars is empty (unless strict).  Errors name
 * the object ("Deployment/web: ..."). */
int kd_flux_substitute(json_t *objs, const json_t *vars, bool strict);

typedef struct kd_flux_opts {
	/* The GitRepository name that stands for this repository: only
	 * Kustomizations whose sourceRef is a GitRepository of this name are
	 * followed (OCIRepository and Bucket refs never are).  NULL: the
	 * GitRepository of the root's own sync (a Kustomization in the root
	 * whose path is the root, as `flux bootstrap` writes it), or, when
	 * the root has none, any GitRepository. */
	const char *source_name;
	/* ConfigMaps and Secrets that live only in the cluster, for
	 * substituteFrom (an array, or NULL).  Objects rendered from Git are
	 * searched first. */
	const json_t *cluster_objects;
	/* Strict postBuild substitution (Flux's StrictPostBuildSubstitutions). */
	bool strict;
} kd_flux_opts;

/*
 * Renders the tree of Flux Kustomizations below root into *out (a new
 * array): root is rendered (kustomize or plain, load restriction none),
 * the Kustomization objects in it are followed (recursively, since a
 * followed path may hold more of them) in dependsOn order, and their
 * objects are concatenated in that order; the Kustomization objects
 * themselves are part of the output too, as the controller applies them.
 * A dependsOn cycle is KD_EINVAL naming the cycle; a dependsOn on an
 * unknown Kustomization is ignored (it may live in another repository).
 * opts may be NULL.
 */
int kd_flux_render(json_t **out, kd_source *src, const char *root,
		   const kd_flux_opts *opts);

/* The same, and *owners (when not NULL) receives a new array of strings
 * parallel to *out: "namespace/name" of the Flux Kustomization that
 * produced each object ("" for the root's own objects), which is what the
 * controller writes into the kustomize.toolkit.fluxcd.io/name and
 * /namespace labels of what it applies. */
int kd_flux_render_traced(json_t **out, json_t **owners, kd_source *src,
			  const char *root, const kd_flux_opts *opts);

/*
 * Builds one Flux Kustomization object (its spec: path, targetNamespace,
 * namePrefix, nameSuffix, patches, components, images, postBuild) into
 * *out.  A path with no kustomization file gets one generated as the
 * controller does: every .yaml/.yml file below it, recursively, except
 * that a sub-directory holding its own kustomization is built as a whole
 * and not descended into; the Kustomization's transformers then run over
 * that generated kustomization exactly as over a written one.
 * Variables from substituteFrom are looked up in `known` (an array of
 * rendered objects, may be NULL) and opts->cluster_objects.
 */
int kd_flux_build(json_t **out, kd_source *src, const json_t *ks,
		  const json_t *known, const kd_flux_opts *opts);

#endif
