/*
 * act_priv — what the files of core/act share among themselves: accept.c
 * (publishing) with accept_plan.c (what to write, and the check that it
 * renders), and breakglass_change.c (planning) with breakglass_edit.c (the
 * editor's text).  Not an interface.
 */

#ifndef KD_ACT_PRIV_H
#define KD_ACT_PRIV_H

#include <git2.h>

#include "act/act.h"
#include "base/base.h"

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
} kd_accept_plan;

/* Works out the layer, the kind of accept and the content. */
int kd_accept_plan_make(kd_accept_plan *plan, const kd_accept_opts *opts,
			const kd_cluster *cluster, const kd_app *app);
/* Puts the object's namespace into the patch (for a second try). */
int kd_accept_plan_namespace(kd_accept_plan *plan);
void kd_accept_plan_free(kd_accept_plan *plan);

/* The commit message for an operator's signature. */
int kd_accept_message(kd_buf *out, const kd_accept_plan *plan,
		      const kd_accept_opts *opts, const git_signature *sig);

/* The new contents of the accepted file and of the layer's kustomization,
 * from the files in `tree`.  *kpath receives the kustomization's path. */
int kd_accept_edit(kd_buf *file, kd_buf *kust, char **kpath,
		   const kd_accept_plan *plan, git_repository *repo,
		   const git_tree *tree);

/* Renders the cluster layer at `commit` of the repository at `root` and
 * checks the accepted state. */
int kd_accept_verify(const kd_accept_plan *plan, const kd_accept_opts *opts,
		     const char *root, const char *commit);

/* What a break-glass edit may change: a deep copy of obj without status and
 * the server's bookkeeping in metadata (uid, resourceVersion, generation,
 * managedFields, ...).  NULL when out of memory. */
json_t *kd_breakglass_editable(const json_t *obj);

/* 0 when new_obj is an object with the same apiVersion, kind, name and
 * namespace as old; else KD_EINVAL naming what the edit changed. */
int kd_breakglass_same_identity(const json_t *old, const json_t *new_obj);

#endif
