/*
 * render — desired state: the objects a cluster should have, rendered from a
 * source tree.  The dispatcher (render.c) picks a leaf by what the app says:
 * kustomize (a native kustomize v5), flux (postBuild substitution and the
 * walk of Flux Kustomization objects) or appset (Argo CD ApplicationSets as
 * app generators).  Leaves never call the dispatcher back; the dispatcher
 * hands them what they need.
 *
 * Never prints.  Depends on base, data, source and fleet.
 */

#ifndef KD_RENDER_H
#define KD_RENDER_H

#include <jansson.h>
#include <stdbool.h>

#include "fleet/fleet.h"
#include "source/source.h"
#include "base/base.h"

/*
 * render — desired state: the objects Git says a cluster should have.
 *
 * A directory is rendered as Kustomize would when it holds a kustomization
 * (render.h), else as plain manifests: every .yaml/.yml/.json below it
 * (recursively unless told otherwise), multi-document, in path order.  The
 * app's namespace is applied to namespaced objects that have none.
 * Rendering only reads the source; errors name the file and line.
 */

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
 * substituteFrom as Flux's postBuild does (render.h).  fluxKustomizations
 * apps are rendered by kd_flux_render, applicationSet apps by
 * kd_appset_render (all of the cluster's generated Applications). */
int kd_render_app(json_t **out, kd_source *src, const kd_fleet *fleet,
		  const kd_cluster *cluster, const kd_app *app);

/* Sets metadata.namespace on namespaced objects in `objs` that lack one. */
int kd_render_apply_namespace(json_t *objs, const char *namespace);

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

/* The same, and *prov (when not NULL) receives a new array parallel to
 * *out: each object's provenance map (see "provenance" below). */
int kd_kustomize_build_prov(json_t **out, json_t **prov, kd_source *src, const char *dir,
			    const kd_kustomize_opts *opts);

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
 * Malformed expressions fail with KD_EINVAL naming the offset.  A result
 * (or an argument) growing past KD_FLUX_MAX_OUTPUT fails with KD_ELIMIT as
 * soon as it does.
 */
#define KD_FLUX_MAX_OUTPUT ((size_t)64 << 20)
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

/* The same, and *prov (when not NULL) receives a new array parallel to
 * *out: each object's provenance map (see "provenance" below).  A value
 * substituted from a postBuild variable names the variable and where it
 * came from: the Kustomization's postBuild.substitute, or the ConfigMap or
 * Secret and key of a substituteFrom (with the file and line of that key
 * when the object is rendered from Git). */
int kd_flux_render_prov(json_t **out, json_t **prov, kd_source *src,
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

/*
 * provenance — where every value of a rendered object was set (DESIGN §5).
 *
 * A traced render returns, parallel to its objects, one provenance map per
 * object: a JSON object from the JSON pointer of every leaf (a scalar, an
 * empty map or list, or a list of scalars; list elements by their index in
 * the rendered object) to its chain, the steps that set it, oldest first:
 *
 *   "/spec/replicas": [
 *     {"file": "base/web/deployment.yaml", "line": 12, "step": "resource", "value": 2},
 *     {"file": "overlays/production/web/replicas.yaml", "line": 6,
 *      "step": "patch (strategic merge)", "value": 3}]
 *
 * The last entry is the last writer: its value is the rendered value.  A
 * step that sets a leaf to the value it already has adds nothing.  Steps:
 * "resource"; "patch (strategic merge)", "patch (JSON 6902)" (inline or
 * file; the line is that of the value in the patch); "accepted patch" (a
 * patch under a layer's kdrift-accepted/, with "accepted": true and, read
 * from Git blame, "commit": the commit that added the line); "namespace",
 * "namePrefix", "nameSuffix", "commonLabels", "labels",
 * "commonAnnotations", "images", "replicas", "replacement";
 * "configMapGenerator" and "secretGenerator" (the line of the literal, the
 * file, or the env file line of each key), "... (hash suffix)" for the
 * content hash of a generated name and "name reference (STEP)" for a
 * reference rewritten to a renamed object, naming what renamed it; steps
 * of a component are prefixed "component: ".  Beyond kustomize: "postBuild
 * variable" (Flux, with "variable", "from" and "key", see kd_flux_render_
 * prov), "substitute" (an app's substitute / substituteFrom in the fleet
 * file), "app namespace" (the fleet file's namespace of an app),
 * "ApplicationSet parameter" (the template's line, with "parameter") and
 * "cluster label" (the fleet file's line of the label a parameter read).
 *
 * Rendering without provenance does none of this work.
 */

/* Renders an app for a cluster as kd_render_app does, and *prov (when not
 * NULL) receives the provenance maps parallel to *out. */
int kd_render_app_traced(json_t **out, json_t **prov, kd_source *src,
			 const kd_fleet *fleet, const kd_cluster *cluster,
			 const kd_app *app);

/* kd_render_dir with provenance maps. */
int kd_render_dir_traced(json_t **out, json_t **prov, kd_source *src, const char *path,
			 const kd_render_opts *opts);

/* The chain of a pointer in one object's provenance map (borrowed): the
 * leaf's own, or for a pointer inside a leaf (an element of a list of
 * scalars) the leaf's.  NULL when the map has none. */
const json_t *kd_prov_chain(const json_t *prov, const char *pointer);

/* The last entry of that chain (the step that set the rendered value), or
 * NULL. */
const json_t *kd_prov_last(const json_t *prov, const char *pointer);

/* True for what provenance records a chain for: a scalar, an empty map or
 * list, or a list of scalars. */
bool kd_prov_is_leaf(const json_t *v);

#endif
