/*
 * accept — marks drift intentional by writing the live values into the
 * cluster's own layer in Git (DESIGN §7, "Accept").
 *
 * The cluster layer is the app's path template expanded for the cluster; it
 * must vary by cluster and hold a kustomization.  Into it go:
 *
 *  - for drifted fields: a strategic-merge patch
 *    LAYER/kdrift-accepted/KIND-NAMESPACE-NAME.yaml (lower case, anything
 *    outside [a-z0-9.-] made '-'; KIND-NAME.yaml for cluster-scoped kinds)
 *    holding apiVersion, kind, metadata.name and only the accepted fields'
 *    live values (metadata.namespace only when the name alone is
 *    ambiguous: kustomize matches patches before an overlay's `namespace:`
 *    applies, so a namespace there would match nothing), with merge keys
 *    for keyed lists (containers by
 *    name, ports by containerPort/port, ...) so the merge lands on the right
 *    element; a field removed live becomes `null` (or a `$patch: delete`
 *    list element).  A patch already accepted for the object is merged with
 *    the new one.  The file is listed under `patches:` (`- path: ...`);
 *  - for a missing object accepted as absent: the same file holding a
 *    `$patch: delete` patch;
 *  - for an extra object: a resource file of the same name, the live object
 *    without server fields (status, uid, resourceVersion, generation,
 *    creationTimestamp, managedFields, ownerReferences, the last-applied
 *    annotation, a Service's clusterIP(s)), listed under `resources:`.
 *
 * The kustomization is edited in place (kedit.h): comments and layout stay.
 * Secret values are never written: accepting a Secret's data or stringData,
 * or an extra Secret, is refused; other Secret fields may be accepted.
 *
 * The commit is built on the branch tip's tree (gitwrite.h), never from a
 * work tree, so uncommitted changes are neither committed nor touched.  The
 * author and committer are the operator; the message names the cluster, the
 * object and the fields, carries the reason and the trailers Reason:,
 * Accepted-By: and Kdrift-Cluster:.  Before anything is published the
 * cluster layer is rendered at the new commit and diffed against live: the
 * accepted fields must no longer drift (a later patch in the overlay could
 * override ours), else nothing is published.
 *
 * Publishing.  With a remote (origin unless told otherwise), the base is
 * the remote branch's tip (fetched first) and the commit is pushed without
 * force; a refused push (the remote moved) fetches, redoes the whole edit on
 * the new tip from the files in that tree and pushes again, up to
 * max_attempts times: a concurrent commit on the remote is kept, never
 * overwritten.  The local branch then follows by fast-forward only; local
 * commits not on the remote are never pushed and never lost (the local
 * branch is left alone and the result says so).  Without a remote the local
 * branch moves by compare-and-swap and a concurrent local commit causes a
 * redo in the same way.
 *
 * A branch checked out in the repository's work tree: the touched files
 * must be unmodified there (work tree and index), else the local branch is
 * not moved (with a remote: the push still happens and the result says to
 * pull; without one: KD_ECONFLICT before anything is written).  When they
 * are clean the ref moves and exactly those files are checked out, so the
 * work tree is not left stale; other uncommitted changes are left as they
 * are.  A process killed between the ref update and that checkout leaves
 * the files stale; `git checkout HEAD -- LAYER` repairs it.  A branch
 * checked out in another (linked) work tree is never moved from here: with
 * a remote the push happens and the result says to pull there; without
 * one, KD_ECONFLICT.
 *
 * With review_branch the commit goes to that branch instead (created from
 * the base branch's tip, or added on top when it exists) and that branch is
 * pushed; the base branch is never touched.
 *
 * Crash safety: objects are written before any ref moves and each ref move
 * is atomic, so a process killed at any step leaves `git fsck` clean and the
 * branch either unchanged or at the complete new commit.
 *
 * Never prints.  Initialises and shuts down libgit2 itself.
 */
#ifndef KD_ACCEPT_H
#define KD_ACCEPT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "diff.h"
#include "fleet.h"

typedef enum kd_accept_kind {
	KD_ACCEPT_FIELDS = 0,  /* drifted fields: a patch */
	KD_ACCEPT_ABSENT,      /* missing object: a $patch: delete patch */
	KD_ACCEPT_RESOURCE,    /* extra object: a resource file */
} kd_accept_kind;

typedef struct kd_accept_opts {
	const char *repo;            /* a local repository (work tree or bare), any path inside it */
	const kd_fleet *fleet;
	const char *cluster;         /* cluster name in the fleet */
	const char *app;             /* app name in the fleet */
	/* The object: desired (as rendered from Git) and live (from the
	 * cluster), both borrowed.  Both: drifted fields are accepted; only
	 * desired: the object is missing live and is accepted as absent; only
	 * live: the object is extra and becomes a resource. */
	const json_t *desired;
	const json_t *live;
	/* JSON pointers of the fields to accept, into live (a field absent
	 * live is taken from desired and accepted as removed).  nfields == 0:
	 * every drifted field kd_diff_objects reports (with diff_opts). */
	const char *const *fields;
	size_t nfields;
	const kd_diff_opts *diff_opts; /* may be NULL */
	const char *reason;          /* required, non-empty */
	const char *identity;        /* "Name <email>"; NULL: the repository's user.name/email */
	const char *branch;          /* the branch to commit to; NULL: the one HEAD names */
	const char *review_branch;   /* commit to this branch instead (--branch), or NULL */
	const char *remote;          /* NULL: "origin"; used only when configured */
	bool no_push;                /* commit locally even when a remote is configured */
	unsigned max_attempts;       /* redo-and-push attempts; 0: 5 */
	bool dry_run;                /* work out the files from the tip (fetched when
				      * there is a remote) and stop: no commit, no
				      * branch moved, no push, no render check */
	/* Test hook, called after each step: "objects" (blobs, trees and
	 * the commit written, no ref moved), "verified" (re-rendered),
	 * "pushed" (the remote branch moved), "ref" (the local branch moved,
	 * before the work tree checkout); NULL in production. */
	void (*step_hook)(const char *step, void *arg);
	void *step_arg;
} kd_accept_opts;

typedef struct kd_accept_result {
	char commit[41];             /* the new commit */
	kd_accept_kind kind;
	char *branch;                /* the branch that received it */
	char *layer;                 /* the cluster layer directory */
	char *file;                  /* the patch or resource file written */
	char *kustomization;         /* the kustomization edited (maybe unchanged) */
	char *subject;               /* the commit's first line */
	bool pushed;                 /* the remote branch has the commit */
	bool local_updated;          /* the local branch points at the commit */
	unsigned attempts;           /* 1 unless the remote moved meanwhile */
	char *note;                  /* why the local branch was not moved, or NULL */
	char *file_text;             /* the file's new contents, as committed */
	char *kustomization_text;    /* the kustomization's new contents */
} kd_accept_result;

/* Accepts as described above.  With dry_run, *out describes what would be
 * committed (commit is "", pushed and local_updated false).  KD_EINVAL for
 * bad options, a Secret's values, fields that cannot be accepted (status,
 * identity fields), an object without drift, or no identity; KD_EUNSUPPORTED when the app has no cluster layer (the message
 * says how to declare one) or the kustomization cannot be edited in place;
 * KD_ECONFLICT when the re-render still differs, the work tree blocks a
 * local-only commit, the branch diverged, or the remote kept moving for
 * max_attempts. */
int kd_accept_run(kd_accept_result **out, const kd_accept_opts *opts);

void kd_accept_result_free(kd_accept_result *res);

/* --- The pure parts, exposed for tests and previews. --- */

/* The file name for an object: "deployment-web-api.yaml". */
int kd_accept_file_name(char **out, const json_t *obj);

/* The strategic-merge patch holding live's values at `fields` (see
 * kd_accept_opts.fields; removed fields are looked up in desired, which may
 * be NULL when there are none).  *names (may be NULL) receives a new array
 * of the fields as people read them ("spec.template.spec.containers[api].image"). */
int kd_accept_build_patch(json_t **out, json_t **names, const json_t *desired,
			  const json_t *live, const char *const *fields,
			  size_t nfields);

/* Merges patch `add` into the earlier accepted patch `base` (keyed lists
 * element by element); *out is new. */
int kd_accept_merge_patch(json_t **out, const json_t *base, const json_t *add);

/* The live object as a resource for Git: server fields removed. */
int kd_accept_clean_resource(json_t **out, const json_t *live);

#endif
