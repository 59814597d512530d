/*
 * source — read-only access to the files of a GitOps repository.
 *
 * A source is a Git repository read straight from the tree of a resolved
 * revision (no work tree needed), a repository's work tree, or a plain
 * directory.  A URL is cloned (bare) into $XDG_CACHE_HOME/kdrift/repos/ and
 * fetched on demand.  All paths are repository-relative ('/'-separated); a
 * path that leaves the root ('..', absolute, or a symlink pointing out) is
 * refused with KD_EPATH.  The source never writes to the repository.
 *
 * Symbolic links inside the root are followed (at most 32 per path, so a
 * loop gives KD_ELIMIT); one leading outside it, directly or through a
 * directory link on the way, gives KD_EPATH.  Git submodule entries are
 * listed as directories but reading into them gives KD_EUNSUPPORTED.  Files
 * over KD_SOURCE_MAX_FILE give KD_ELIMIT.  In work tree and directory mode
 * the .git directory is neither listed nor readable.
 *
 * Clones live in <cache>/<sanitised host and path>-<hash of the URL>, bare,
 * with branches under refs/remotes/origin/ and tags under refs/tags/; a
 * second open of the same URL reuses the clone and fetches.  For a clone a
 * revision NAME means origin/NAME when that exists, and HEAD means the
 * remote's default branch.  Credentials in a URL are used for fetching only:
 * they never appear in messages or labels, nor in the clone's configuration.
 *
 * A kd_source is used by one thread at a time; different sources may be used
 * from different threads at once (each holds its own libgit2 objects, and
 * libgit2 is initialised and shut down reference-counted by open and free).
 */
#ifndef KD_SOURCE_H
#define KD_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

typedef struct kd_source kd_source;

/* The largest file kd_source_read returns (64 MiB). */
#define KD_SOURCE_MAX_FILE ((size_t)64 << 20)

typedef struct kd_source_opts {
	const char *revision;   /* branch, tag, commit or NULL for HEAD */
	bool worktree;          /* read the work tree instead of a revision */
	const char *cache_dir;  /* where URLs are cloned; NULL for $XDG_CACHE_HOME/kdrift/repos */
} kd_source_opts;

typedef enum kd_source_type {
	KD_SOURCE_NONE = 0,
	KD_SOURCE_FILE,
	KD_SOURCE_DIR,
} kd_source_type;

typedef struct kd_source_entry {
	char *name;             /* the entry's name within the directory */
	kd_source_type type;
} kd_source_entry;

/* Opens a repository by local path or URL (https://, http://, ssh://, git@,
 * file://).  A local path that is not a Git repository is opened as a plain
 * directory when opts->worktree is set, else KD_ENOTFOUND. */
int kd_source_open(kd_source **out, const char *location,
		   const kd_source_opts *opts);

/* Opens a plain directory (no Git). */
int kd_source_open_dir(kd_source **out, const char *dir);

/* Fetches the remote (for cloned URLs) and re-resolves the revision; for a
 * local repository only re-resolves, for a directory does nothing. */
int kd_source_fetch(kd_source *src);

/* Re-resolves the configured revision in the local repository (it may have
 * moved); sets *changed when the commit differs. */
int kd_source_refresh(kd_source *src, bool *changed);

/* The resolved commit id (40 hex digits), or "worktree" / "directory". */
const char *kd_source_revision(const kd_source *src);

/* A short human label: "PATH@abc1234" or "PATH (worktree)". */
const char *kd_source_label(const kd_source *src);

/* Reads a file into out (replacing its contents).  KD_ENOTFOUND when absent,
 * KD_EINVAL when it is a directory or not a regular file, KD_EPATH when the
 * path leaves the root, KD_ELIMIT when too large or a link loop,
 * KD_EUNSUPPORTED inside a submodule. */
int kd_source_read(kd_buf *out, kd_source *src, const char *path);

/* What is at path, following links (KD_SOURCE_NONE and 0 when nothing is).
 * "" is the root.  Escapes still give KD_EPATH. */
int kd_source_stat(kd_source_type *out, kd_source *src, const char *path);

/* Lists a directory, sorted by name (byte order).  *out is an array of
 * *count entries freed with kd_source_entries_free.  A link is listed as
 * what it leads to; one leading outside the root or nowhere is listed as a
 * file, so that reading it reports why. */
int kd_source_list(kd_source_entry **out, size_t *count, kd_source *src,
		   const char *path);
void kd_source_entries_free(kd_source_entry *entries, size_t count);

void kd_source_free(kd_source *src);

#endif
