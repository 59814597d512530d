/*
 * source — Git and directories as read-only trees of files, and the few Git
 * writes kdrift makes (trees, commits, ref updates, fetch and push), all
 * through libgit2 with no work tree involved.
 *
 * Never prints.  Depends on base.
 */

#ifndef KD_SOURCE_H
#define KD_SOURCE_H

#include <git2.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/base.h"

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

typedef struct kd_source kd_source;

/* The largest file kd_source_read returns (64 MiB). */
#define KD_SOURCE_MAX_FILE ((size_t)64 << 20)

/* Credentials for fetching a URL, named by file (a mounted Secret) and read
 * at each fetch, so a rotated token is picked up; their contents are never
 * kept, logged or written to the clone.  An HTTPS server asking for a
 * password gets username (default: the URL's, else "git") and the token
 * file's first line; an SSH server gets the private key, and its host key
 * must be listed for the host in known_hosts_file (OpenSSH format, plain
 * host names; without the file SSH is refused). */
typedef struct kd_source_auth {
	const char *username;
	const char *token_file;
	const char *ssh_key_file;
	const char *known_hosts_file;
} kd_source_auth;

/* 1 when a known_hosts text lists `key` (the raw host key bytes) for host
 * (port 22, or [host]:port); 0 otherwise.  Hashed entries are not read. */
int kd_source_known_hosts_match(const char *text, const char *host, int port,
				const unsigned char *key, size_t key_len);

typedef struct kd_source_opts {
	const char *revision;   /* branch, tag, commit or NULL for HEAD */
	bool worktree;          /* read the work tree instead of a revision */
	const char *cache_dir;  /* where URLs are cloned; NULL for $XDG_CACHE_HOME/kdrift/repos */
	kd_source_auth auth;    /* for fetching a URL; all NULL: none */
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

/* True for a local repository read at a revision (not a clone of a URL, a
 * work tree or a directory): a commit or a push into it moves its branch,
 * and kd_source_refresh sees that by reading the refs again, with no
 * network and little enough work to do every few hundred milliseconds. */
bool kd_source_follows_local_refs(const kd_source *src);

/* The resolved commit id (40 hex digits), or "worktree" / "directory". */
const char *kd_source_revision(const kd_source *src);

/* A short human label: "PATH@abc1234" or "PATH (worktree)". */
const char *kd_source_label(const kd_source *src);

/* Reads a file into out (replacing its contents).  KD_ENOTFOUND when absent,
 * KD_EINVAL when it is a directory or not a regular file, KD_EPATH when the
 * path leaves the root, KD_ELIMIT when too large or a link loop,
 * KD_EUNSUPPORTED inside a submodule. */
int kd_source_read(kd_buf *out, kd_source *src, const char *path);

/* The path that path leads to once every symbolic link on the way is
 * followed ("" for the root); a new string.  The same errors as
 * kd_source_read, except that directories resolve too. */
int kd_source_resolve(char **out, kd_source *src, const char *path);

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

/* The commit that last wrote each line of a file at the source's revision
 * (git blame): *out is a new array of 40-digit hex strings, one per line.
 * KD_EUNSUPPORTED for sources that are not a Git revision (a directory, a
 * work tree), KD_ENOTFOUND when the file is not in the revision. */
int kd_source_blame(json_t **out, kd_source *src, const char *path);

void kd_source_free(kd_source *src);

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
