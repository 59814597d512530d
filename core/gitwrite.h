/*
 * gitwrite — the few Git writes kdrift makes, straight on the object
 * database with libgit2: new trees built from a commit's tree (no work tree
 * and no index involved, so uncommitted changes are never picked up),
 * commits, compare-and-swap ref updates, and fetch / push of one branch.
 *
 * Crash safety comes from the order of operations callers follow: blobs,
 * trees and commits are written first (each object file is written to a
 * temporary name and renamed), and a ref moves last, through a lock file and
 * a rename; a process killed anywhere leaves the repository consistent and
 * the branch either where it was or at the new commit.
 *
 * Remotes are built in memory from the URL in the repository configuration
 * (git_remote_create_with_opts, no insteadOf), never looked up by name, so nothing is
 * written to the configuration.  Callers initialise libgit2.  Never prints.
 */
#ifndef KD_GITWRITE_H
#define KD_GITWRITE_H

#include <git2.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* One file to write (data != NULL) or remove (data == NULL). */
typedef struct kd_gitwrite_file {
	const char *path;  /* repository-relative, '/'-separated */
	const char *data;
	size_t len;
} kd_gitwrite_file;

/* Reads a file from a tree; *found is false (and 0 returned) when the path
 * is absent.  KD_EINVAL when it is not a regular file. */
int kd_gitwrite_read(kd_buf *out, bool *found, git_repository *repo,
		     const git_tree *tree, const char *path);

/* Writes the files' blobs and the trees above them; *out is the new root
 * tree, `base` with the files replaced, added or removed. */
int kd_gitwrite_tree(git_oid *out, git_repository *repo, const git_tree *base,
		     const kd_gitwrite_file *files, size_t nfiles);

/* Writes a commit object with one parent (NULL: a root commit) without
 * moving any ref. */
int kd_gitwrite_commit(git_oid *out, git_repository *repo,
		       const git_oid *parent, const git_oid *tree,
		       const git_signature *author,
		       const git_signature *committer, const char *message);

/* Moves `refname` to `id` only when it still points at `expected` (NULL:
 * only when it does not exist yet).  KD_ECONFLICT when it moved meanwhile. */
int kd_gitwrite_update_ref(git_repository *repo, const char *refname,
			   const git_oid *id, const git_oid *expected,
			   const char *log_message);

/* The commit a ref points at; *found is false when the ref is absent. */
int kd_gitwrite_ref_target(git_oid *out, bool *found, git_repository *repo,
			   const char *refname);

/* The URL of a configured remote; KD_ENOTFOUND when there is none. */
int kd_gitwrite_remote_url(char **out, git_repository *repo,
			   const char *remote);

/* Fetches refs/heads/BRANCH from url; *found is false when the remote has
 * no such branch.  The objects land in the repository; when tracking_ref is
 * not NULL it is set to the fetched commit. */
int kd_gitwrite_fetch(git_oid *out, bool *found, git_repository *repo,
		      const char *url, const char *branch,
		      const char *tracking_ref);

/* Pushes commit `id` to refs/heads/BRANCH at url, without force.
 * KD_ECONFLICT when the remote refuses it because its branch moved (not a
 * fast-forward); other refusals are KD_ERROR with the remote's reason. */
int kd_gitwrite_push(git_repository *repo, const char *url,
		     const git_oid *id, const char *branch);

/* The signature of "Name <email>", or when identity is NULL of the
 * repository's user.name and user.email; KD_EINVAL when neither gives one. */
int kd_gitwrite_signature(git_signature **out, git_repository *repo,
			  const char *identity);

/* Turns libgit2's last error into kdrift's ("WHAT: libgit2's message")
 * and returns code. */
int kd_gitwrite_error(int code, const char *what);

#endif
