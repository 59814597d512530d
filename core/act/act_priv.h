/*
 * act_priv — what the files of core/act share among themselves: accept.c
 * (publishing) with accept_plan.c (what to write, and the check that it
 * renders), breakglass_change.c (planning) with breakglass_edit.c (the
 * editor's text), and remedy_helm.c (Helm releases' objects) with remedy.c
 * and act.c.  Not an interface.
 */

#ifndef KD_ACT_PRIV_H
#define KD_ACT_PRIV_H

#include <git2.h>

#include "act/act.h"
#include "base/base.h"

/* kd_act_plan_revert with every planning option (self-heal's follow-up
 * state); opts->prune is asked-for prune, still subject to st->prune. */
int kd_act_plan_with(kd_remedy_plan **out, const kd_cluster_state *st,
		     const kd_act_target *t, const kd_remedy_plan_opts *opts);

typedef struct kd_accept_plan {
	kd_accept_kind kind;
	const json_t *obj;       /* live, or desired for an absent object (borrowed) */
	json_t *content;         /* the patch or the resource to write */
	json_t *names;           /* accepted fields as people read them */
	json_t *pointers;        /* accepted fields as JSON pointers */
	char *layer;             /* the cluster layer directory */
	char *entry;             /* "kdrift-accepted/FILE.yaml", relative to the layer */
	char *file;              /* layer + "/" + entry */
	char *subject;
	char *ns;                /* the app's namespace for the cluster, or NULL */
	/* Patches name no namespace by default: kustomize matches them
	 * before an overlay's namespace transformer runs, where the object
	 * may have none yet.  Set when the object's name is ambiguous
	 * without it (kd_accept_plan_namespace). */
	bool with_ns;
	/* Promote: layer is the shared layer (kd_accept_opts.to) and
	 * cluster_path the app's path for the cluster, which must reach it. */
	bool promote;
	char *cluster_path;
} kd_accept_plan;

/* Works out the layer, the kind of accept and the content. */
int kd_accept_plan_make(kd_accept_plan *plan, const kd_accept_opts *opts,
			const kd_cluster *cluster, const kd_app *app);
/* Puts the object's namespace into the patch (for a second try). */
int kd_accept_plan_namespace(kd_accept_plan *plan);
void kd_accept_plan_free(kd_accept_plan *plan);

/* The commit message for an operator's signature; a promote's lists the
 * clusters it affects (affected may be NULL when naffected is 0). */
int kd_accept_message(kd_buf *out, const kd_accept_plan *plan,
		      const kd_accept_opts *opts, const git_signature *sig,
		      const kd_promote_effect *affected, size_t naffected);

/* The new contents of the accepted file and of the layer's kustomization,
 * from the files in `tree`.  *kpath receives the kustomization's path. */
int kd_accept_edit(kd_buf *file, kd_buf *kust, char **kpath,
		   const kd_accept_plan *plan, git_repository *repo,
		   const git_tree *tree);

/* Renders the cluster layer at `commit` of the repository at `root` and
 * checks the accepted state. */
int kd_accept_verify(const kd_accept_plan *plan, const kd_accept_opts *opts,
		     const char *root, const char *commit);

/* Promote (accept_promote.c).  The shared layer must be reached from the
 * cluster's path in the repository at `commit` (KD_EINVAL listing what it
 * reaches otherwise). */
int kd_promote_check_layer(const kd_accept_plan *plan, const char *root,
			   const char *commit);

/* Renders every cluster of the app at `base` and at `commit`: KD_EINVAL
 * naming the file and line when a closer layer still overrides a promoted
 * field for the promoting cluster, KD_ECONFLICT when the patch reaches
 * nothing there, an error naming the cluster when one no longer renders;
 * else *out (new, *n entries) the clusters whose desired state
 * changes, each with what its live state will do. */
int kd_promote_effects(kd_promote_effect **out, size_t *n, const kd_accept_plan *plan,
		       const kd_accept_opts *opts, const char *root, const char *base,
		       const char *commit);
void kd_promote_effects_free(kd_promote_effect *e, size_t n);

/*
 * remedy_helm — Helm releases' objects in revert and accept (remedy_helm.c).
 */

/* True when a pointer (none: every field) selects one of a HelmRelease's
 * release fields (kd_resource.helm_fields). */
bool kd_remedy_helm_selects_release(const kd_resource *res, const char *const *ptrs,
				    size_t n);
/* Why a HelmRelease's release fields are not reverted (appended). */
int kd_remedy_helm_behind(kd_buf *out, const kd_resource *res);
/* For a revert of *res: when it carries release fields, *res becomes `own`,
 * a view whose diff (`diff`) holds only the object's own fields.  1 when it
 * has none (nothing to patch), KD_EUNSUPPORTED when a pointer selects only
 * release fields, else 0. */
int kd_remedy_helm_view(const kd_resource **res, kd_resource *own, kd_diff_result *diff,
			const char *const *ptrs, size_t n);
/* Helm's ownership metadata on a chart's object about to be created. */
int kd_remedy_helm_metadata(json_t *obj, const kd_resource *res);
/* KD_EUNSUPPORTED, explained, for an accept of a chart's object or of a
 * HelmRelease's release fields. */
int kd_act_helm_accept_check(const kd_resource *res, const char *const *ptrs, size_t n);

/* What a break-glass edit may change: a deep copy of obj without status and
 * the server's bookkeeping in metadata (uid, resourceVersion, generation,
 * managedFields, ...).  NULL when out of memory. */
json_t *kd_breakglass_editable(const json_t *obj);

/* 0 when new_obj is an object with the same apiVersion, kind, name and
 * namespace as old; else KD_EINVAL naming what the edit changed. */
int kd_breakglass_same_identity(const json_t *old, const json_t *new_obj);

#endif
