/*
 * source — opening, cloning, fetching and resolving repositories (see
 * source.h).  Reading files lives in source_read.c.
 *
 * URLs are cloned bare into the cache with the usual remote-tracking refspec,
 * so a clone keeps refs/remotes/origin/... current on every fetch while its
 * local branches stay as the clone left them; names are therefore resolved
 * against origin/ first for clones.
 */
#include "source_priv.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"

/* ---- messages ---------------------------------------------------------- */

/* Removes every occurrence of secret from b, so that a libgit2 message that
 * repeats the URL never carries its credentials. */
static void scrub(kd_buf *b, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0;
	char *hit;

	if (n == 0 || !b->data)
		return;
	while ((hit = strstr(b->data, secret)) != NULL) {
		memmove(hit, hit + n, strlen(hit + n) + 1);
		b->len -= n;
	}
}

int kd_source_git_error(int code, const char *secret, const char *fmt, ...)
{
	const git_error *ge = git_error_last();
	kd_buf b = KD_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	if (kd_buf_vprintf(&b, fmt, ap) < 0) {
		va_end(ap);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	va_end(ap);
	if (ge && ge->message && ge->message[0] &&
	    (kd_buf_puts(&b, ": ") < 0 || kd_buf_puts(&b, ge->message) < 0)) {
		kd_buf_free(&b);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	scrub(&b, secret);
	kd_error_set(code, "%s", kd_buf_cstr(&b));
	kd_buf_free(&b);
	return code;
}

/* ---- locations --------------------------------------------------------- */

static const char *const url_schemes[] = {
	"https://", "http://", "ssh://", "git://", "git+ssh://", "ssh+git://", "file://",
};

/* scp-like "user@host:path": an '@' before the first ':' and no '/' before it. */
static bool is_scp_like(const char *s)
{
	const char *colon = strchr(s, ':');
	const char *at = strchr(s, '@');
	const char *slash = strchr(s, '/');

	return colon && at && at < colon && (!slash || slash > colon);
}

static bool is_url(const char *location)
{
	size_t i;

	for (i = 0; i < sizeof(url_schemes) / sizeof(url_schemes[0]); i++)
		if (strncmp(location, url_schemes[i], strlen(url_schemes[i])) == 0)
			return true;
	return is_scp_like(location);
}

/* Splits a scheme URL's userinfo ("user:password@") out: *display is the
 * URL without it, *secret the userinfo itself (NULL when none). */
static int split_credentials(char **display, char **secret, const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *auth, *end, *at = NULL, *p;
	kd_buf b = KD_BUF_INIT;
	int rc;

	*display = NULL;
	*secret = NULL;
	if (scheme) {
		auth = scheme + 3;
		end = auth + strcspn(auth, "/?#");
		for (p = auth; p < end; p++)
			if (*p == '@')
				at = p;
	}
	if (!at) {
		*display = strdup(url);
		return *display ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
	}
	if ((rc = kd_buf_add(&b, url, (size_t)(auth - url))) < 0 ||
	    (rc = kd_buf_puts(&b, at + 1)) < 0)
		goto cleanup;
	*display = kd_buf_detach(&b);
	*secret = strndup(auth, (size_t)(at + 1 - auth));
	if (!*display || !*secret) {
		free(*display);
		free(*secret);
		*display = *secret = NULL;
		rc = kd_error_set(KD_ENOMEM, "out of memory");
	}
cleanup:
	kd_buf_free(&b);
	return rc;
}

/* The port of an ssh:// URL ("ssh://git@host:2222/repo"); 0 otherwise. */
static int ssh_port_of(const char *url)
{
	const char *p = strstr(url, "://"), *host, *end, *colon;

	if (!p || (strncmp(url, "ssh", 3) != 0 && strncmp(url, "git+ssh", 7) != 0))
		return 0;
	host = p + 3;
	end = host + strcspn(host, "/");
	if (memchr(host, '@', (size_t)(end - host)))
		host = (const char *)memchr(host, '@', (size_t)(end - host)) + 1;
	colon = memchr(host, ':', (size_t)(end - host));
	return colon ? atoi(colon + 1) : 0;
}

/* The cache directory's name: the URL (credentials already stripped) with
 * anything but [A-Za-z0-9._-] turned into '_', cut short, plus a hash of the
 * whole URL so that different URLs never share a directory. */
static int cache_name(char **out, const char *display)
{
	const char *p;
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	kd_buf b = KD_BUF_INIT;
	size_t kept = 0;
	int rc = 0;

	for (p = display; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	p = strstr(display, "://");
	p = p ? p + 3 : display;
	while (*p == '/' || *p == '.')
		p++;
	for (; *p && kept < 48 && rc == 0; p++, kept++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '-';

		rc = kd_buf_putc(&b, ok ? c : '_');
	}
	if (rc == 0)
		rc = kd_buf_printf(&b, "-%016llx", (unsigned long long)h);
	if (rc < 0) {
		kd_buf_free(&b);
		return rc;
	}
	*out = kd_buf_detach(&b);
	return 0;
}

static int default_cache_dir(char **out, const kd_source_opts *opts)
{
	if (opts && opts->cache_dir) {
		*out = strdup(opts->cache_dir);
		return *out ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
	}
	return kd_xdg_path(out, KD_XDG_CACHE, "repos");
}

/* ---- revisions --------------------------------------------------------- */

static int lookup_commit(git_object **out, git_repository *repo, const char *spec)
{
	git_object *obj = NULL;
	int rc = git_revparse_single(&obj, repo, spec);

	*out = NULL;
	if (rc < 0)
		return rc;
	rc = git_object_peel(out, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	return rc;
}

/* Resolves src->revspec to a commit and loads its tree; *changed tells
 * whether the commit differs from the one held before. */
static int resolve(kd_source *src, bool *changed)
{
	const char *spec = src->revspec ? src->revspec : "HEAD";
	git_object *commit = NULL;
	git_tree *tree = NULL;
	kd_buf remote = KD_BUF_INIT;
	int rc;

	if (changed)
		*changed = false;
	/* A clone's own branches never move; origin/NAME is the current one. */
	if (src->is_clone && strncmp(spec, "refs/", 5) != 0) {
		if ((rc = kd_buf_printf(&remote, "refs/remotes/origin/%s", spec)) < 0)
			goto cleanup;
		if (lookup_commit(&commit, src->repo, kd_buf_cstr(&remote)) < 0)
			commit = NULL;
	}
	git_error_clear();
	if (!commit && lookup_commit(&commit, src->repo, spec) < 0) {
		const git_error *ge = git_error_last();

		rc = kd_source_git_error(ge && ge->klass == GIT_ERROR_OBJECT ?
					 KD_EINVAL : KD_ENOTFOUND, src->secret,
					 "%s: revision '%s' does not name a commit",
					 src->location, spec);
		goto cleanup;
	}
	if (git_commit_tree(&tree, (git_commit *)commit) < 0) {
		rc = kd_source_git_error(KD_EIO, src->secret, "%s: cannot read the tree of '%s'",
					 src->location, spec);
		goto cleanup;
	}
	if (changed)
		*changed = !src->tree || !git_oid_equal(git_object_id(commit),
							 &src->commit);
	git_oid_cpy(&src->commit, git_object_id(commit));
	git_oid_tostr(src->revision, sizeof(src->revision), &src->commit);
	git_tree_free(src->tree);
	src->tree = tree;
	tree = NULL;
	kd_buf_clear(&src->label);
	rc = kd_buf_printf(&src->label, "%s@%.7s", src->location, src->revision);
cleanup:
	git_tree_free(tree);
	git_object_free(commit);
	kd_buf_free(&remote);
	return rc;
}

/* ---- opening ----------------------------------------------------------- */

static int source_new(kd_source **out, const char *location, bool use_git)
{
	kd_source *src = calloc(1, sizeof(*src));

	*out = NULL;
	if (!src)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (use_git) {
		/* Reference-counted: every source holds one and drops it in free. */
		if (git_libgit2_init() < 0) {
			free(src);
			return kd_source_git_error(KD_ERROR, NULL, "cannot initialise libgit2");
		}
		src->git_initialised = true;
	}
	if (!(src->location = strdup(location))) {
		kd_source_free(src);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	*out = src;
	return 0;
}

static int set_fs_root(kd_source *src, const char *dir, const char *revision,
		       const char *suffix)
{
	src->root = realpath(dir, NULL);
	if (!src->root)
		return kd_error_set(errno == ENOENT ? KD_ENOTFOUND : KD_EIO,
				    "%s: %s", dir, strerror(errno));
	src->fs = true;
	snprintf(src->revision, sizeof(src->revision), "%s", revision);
	return kd_buf_printf(&src->label, "%s (%s)", src->location, suffix);
}

int kd_source_open_dir(kd_source **out, const char *dir)
{
	kd_source *src;
	struct stat st;
	int rc;

	*out = NULL;
	if (stat(dir, &st) < 0)
		return kd_error_set(errno == ENOENT ? KD_ENOTFOUND : KD_EIO,
				    "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return kd_error_set(KD_EINVAL, "%s: not a directory", dir);
	if ((rc = source_new(&src, dir, false)) < 0)
		return rc;
	if ((rc = set_fs_root(src, dir, "directory", "directory")) < 0) {
		kd_source_free(src);
		return rc;
	}
	*out = src;
	return 0;
}

static int remove_tree_entry(const char *path, const struct stat *st, int flag,
			     struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -1 : 0;
}

/* The remote's default branch becomes origin/HEAD, which is what a clone
 * resolves when no revision is configured. */
static void remember_remote_head(git_repository *repo, git_remote *remote)
{
	git_buf def = GIT_BUF_INIT_CONST(NULL, 0);
	git_reference *made = NULL;
	kd_buf name = KD_BUF_INIT;

	if (git_remote_default_branch(&def, remote) < 0 ||
	    strncmp(def.ptr, "refs/heads/", 11) != 0 ||
	    kd_buf_printf(&name, "refs/remotes/origin/%s", def.ptr + 11) < 0)
		goto cleanup;
	/* Best effort: an empty remote simply has no default branch. */
	(void)git_reference_symbolic_create(&made, repo, "refs/remotes/origin/HEAD",
					    kd_buf_cstr(&name), 1, "kdrift fetch");
cleanup:
	git_error_clear();
	git_buf_dispose(&def);
	git_reference_free(made);
	kd_buf_free(&name);
}

/* Fetches branches to refs/remotes/origin/ and tags to refs/tags/, pruning
 * what the remote deleted.  The remote is an in-memory one built from the
 * URL on each call: credentials in the URL are never written to the cached
 * repository's configuration, and no url.*.insteadOf rewriting happens
 * behind the user's back.  (It also keeps clear of libgit2 1.5's config
 * regex matching, which leaks on every non-matching entry.) */
static int fetch_origin(kd_source *src, git_repository *repo, const char *verb)
{
	static char heads[] = "+refs/heads/*:refs/remotes/origin/*";
	static char tags[] = "+refs/tags/*:refs/tags/*";
	char *specs[] = { heads, tags };
	git_strarray refspecs = { specs, 2 };
	git_remote_create_options ro;
	git_fetch_options fo;
	git_remote *remote = NULL;
	int rc = 0;

	/* The _INIT macros leave fields implicit, which -Wextra rejects. */
	git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	ro.repository = repo;
	ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.prune = GIT_FETCH_PRUNE;
	kd_source_auth_callbacks(src, &fo.callbacks);
	if (git_remote_create_with_opts(&remote, src->url, &ro) < 0 ||
	    git_remote_fetch(remote, &refspecs, &fo, "kdrift fetch") < 0) {
		rc = kd_source_git_error(KD_EIO, src->secret, "cannot %s %s", verb, src->location);
		goto cleanup;
	}
	remember_remote_head(repo, remote);
cleanup:
	git_remote_free(remote);
	return rc;
}

/* Clones into a temporary directory beside the final one and renames it
 * into place, so an interrupted clone never leaves a half repository where
 * the next run would trust it. */
static int clone_into(kd_source *src, const char *final)
{
	git_repository_init_options io;
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	kd_buf tmp = KD_BUF_INIT;
	int rc;

	if ((rc = kd_buf_printf(&tmp, "%s.tmp-XXXXXX", final)) < 0)
		return rc;
	if (!mkdtemp(tmp.data)) {
		rc = kd_error_set(KD_EIO, "cannot create '%s': %s", kd_buf_cstr(&tmp),
				  strerror(errno));
		goto cleanup;
	}
	git_repository_init_options_init(&io, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	io.flags = GIT_REPOSITORY_INIT_BARE;
	if (git_repository_init_ext(&repo, tmp.data, &io) < 0 ||
	    git_repository_config(&cfg, repo) < 0 ||
	    /* Only for people looking at the cache; fetches use the given URL. */
	    git_config_set_string(cfg, "remote.origin.url", src->location) < 0) {
		rc = kd_source_git_error(KD_EIO, src->secret, "cannot create a clone of %s in '%s'",
					 src->location, tmp.data);
		goto failed;
	}
	if ((rc = fetch_origin(src, repo, "clone")) < 0)
		goto failed;
	git_config_free(cfg);
	cfg = NULL;
	git_repository_free(repo);
	repo = NULL;
	if (rename(tmp.data, final) < 0) {
		int err = errno;

		/* Another kdrift finished the same clone first: use theirs. */
		nftw(tmp.data, remove_tree_entry, 16, FTW_DEPTH | FTW_PHYS);
		if (err != EEXIST && err != ENOTEMPTY)
			rc = kd_error_set(KD_EIO, "cannot move the clone to '%s': %s",
					  final, strerror(err));
	}
	goto cleanup;
failed:
	git_config_free(cfg);
	cfg = NULL;
	git_repository_free(repo);
	repo = NULL;
	nftw(tmp.data, remove_tree_entry, 16, FTW_DEPTH | FTW_PHYS);
cleanup:
	git_config_free(cfg);
	git_repository_free(repo);
	kd_buf_free(&tmp);
	return rc;
}

static int open_url(kd_source *src, const kd_source_opts *opts)
{
	char *cache = NULL, *name = NULL;
	kd_buf dir = KD_BUF_INIT;
	bool reuse;
	int rc;

	src->is_clone = true;
	if (opts && opts->worktree)
		return kd_error_set(KD_EINVAL, "%s: a cloned URL has no work tree",
				    src->location);
	if ((rc = default_cache_dir(&cache, opts)) < 0 ||
	    (rc = cache_name(&name, src->location)) < 0 ||
	    (rc = kd_fs_mkdirs(cache)) < 0 ||
	    (rc = kd_buf_printf(&dir, "%s/%s", cache, name)) < 0)
		goto cleanup;
	reuse = access(dir.data, F_OK) == 0;
	if (!reuse && (rc = clone_into(src, dir.data)) < 0)
		goto cleanup;
	if (git_repository_open_ext(&src->repo, dir.data, GIT_REPOSITORY_OPEN_NO_SEARCH |
				    GIT_REPOSITORY_OPEN_BARE, NULL) < 0) {
		rc = kd_source_git_error(KD_EIO, src->secret,
					 "%s: the cached clone '%s' cannot be opened (remove it to clone again)",
					 src->location, dir.data);
		goto cleanup;
	}
	rc = reuse ? kd_source_fetch(src) : resolve(src, NULL);
cleanup:
	free(cache);
	free(name);
	kd_buf_free(&dir);
	return rc;
}

static int open_local(kd_source *src, const char *path, const kd_source_opts *opts)
{
	bool worktree = opts && opts->worktree;
	struct stat st;
	int rc;

	if (stat(path, &st) < 0)
		return kd_error_set(errno == ENOENT ? KD_ENOTFOUND : KD_EIO,
				    "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return kd_error_set(KD_EINVAL, "%s: not a directory", path);
	/* No upward search: the root is exactly the directory named. */
	rc = git_repository_open_ext(&src->repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		if (worktree)
			return set_fs_root(src, path, "directory", "directory");
		return kd_error_set(KD_ENOTFOUND,
				    "%s: not a Git repository (use the work tree option to read a plain directory)",
				    path);
	}
	if (rc < 0)
		return kd_source_git_error(KD_EIO, NULL, "%s: cannot open repository", path);
	if (!worktree)
		return resolve(src, NULL);
	if (git_repository_is_bare(src->repo))
		return kd_error_set(KD_EINVAL, "%s: a bare repository has no work tree", path);
	return set_fs_root(src, git_repository_workdir(src->repo), "worktree", "worktree");
}

int kd_source_open(kd_source **out, const char *location, const kd_source_opts *opts)
{
	bool url = is_url(location);
	char *display = NULL, *secret = NULL;
	kd_source *src = NULL;
	int rc;

	*out = NULL;
	if (url && (rc = split_credentials(&display, &secret, location)) < 0)
		return rc;
	if ((rc = source_new(&src, url ? display : location, true)) < 0)
		goto cleanup;
	src->secret = secret;
	secret = NULL;
	if (url && !(src->url = strdup(location))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (opts && opts->revision &&
	    !(src->revspec = strdup(opts->revision))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (opts && (rc = kd_source_auth_copy(src, &opts->auth)) < 0)
		goto cleanup;
	if (url)
		src->ssh_port = ssh_port_of(src->location);
	rc = url ? open_url(src, opts) : open_local(src, location, opts);
	if (rc == 0) {
		*out = src;
		src = NULL;
	}
cleanup:
	kd_source_free(src);
	free(display);
	free(secret);
	return rc;
}

/* ---- refreshing -------------------------------------------------------- */

int kd_source_fetch(kd_source *src)
{
	int rc;

	if (src->fs)
		return 0;
	if (src->is_clone && (rc = fetch_origin(src, src->repo, "fetch")) < 0)
		return rc;
	return resolve(src, NULL);
}

int kd_source_refresh(kd_source *src, bool *changed)
{
	*changed = false;
	return src->fs ? 0 : resolve(src, changed);
}

bool kd_source_follows_local_refs(const kd_source *src)
{
	return !src->fs && !src->is_clone && src->repo;
}

const char *kd_source_revision(const kd_source *src)
{
	return src->revision;
}

const char *kd_source_label(const kd_source *src)
{
	return kd_buf_cstr(&src->label);
}

void kd_source_free(kd_source *src)
{
	if (!src)
		return;
	git_tree_free(src->tree);
	git_repository_free(src->repo);
	if (src->git_initialised)
		git_libgit2_shutdown();
	free(src->location);
	free(src->secret);
	free(src->url);
	free(src->revspec);
	free(src->root);
	kd_buf_free(&src->label);
	kd_source_auth_free(src);
	free(src);
}
