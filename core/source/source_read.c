/*
 * source_read — reading files and listing directories of a source (see
 * source.h), either from the resolved Git tree or from a directory on disk.
 *
 * Both ways share one rule: every path is normalised first (no '..' above
 * the root, nothing absolute), and symbolic links are followed only while
 * they stay inside the root.  In a Git tree a link is a blob with mode
 * 120000 whose content is the target, resolved here by hand; on disk
 * realpath() resolves every link on the way and the result must still lie
 * under the root's own realpath.
 */
#include "source_priv.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base.h"

/* KD_SOURCE_MAX_FILE: no manifest is this big, and a mistaken path must not
 * pull a disk image into memory. */

/* What a repository path resolved to in the Git tree. */
typedef struct tree_hit {
	git_filemode_t mode;
	git_oid id;
	char *path;       /* the path links led to; set only when `want_path` */
	bool want_path;
} tree_hit;

static int out_of_memory(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

static int normalize(char **out, const kd_source *src, const char *path)
{
	int rc = kd_path_normalize(out, path);

	return rc < 0 ? kd_error_wrap(rc, "%s: ", kd_source_label(src)) : 0;
}

/* Reads a symlink blob's target (bounded: a target is a path, not data). */
static int link_target(char **out, kd_source *src, const git_oid *id, const char *at)
{
	git_blob *blob = NULL;
	git_object_size_t size;
	int rc = 0;

	*out = NULL;
	if (git_blob_lookup(&blob, src->repo, id) < 0)
		return kd_source_git_error(KD_EIO, NULL, "%s: cannot read symbolic link '%s'",
					   kd_source_label(src), at);
	size = git_blob_rawsize(blob);
	if (size == 0 || size >= PATH_MAX)
		rc = kd_error_set(KD_EINVAL, "%s: symbolic link '%s' has an unusable target",
				  kd_source_label(src), at);
	else if (!(*out = strndup(git_blob_rawcontent(blob), (size_t)size)))
		rc = out_of_memory();
	git_blob_free(blob);
	return rc;
}

/* The path a link at `at` (normalised) leads to, with `rest` (the components
 * after the link, already normalised) appended. */
static int follow_link(char **out, kd_source *src, const char *path, const char *at,
		       const char *target, const char *rest)
{
	char *dir = kd_path_dirname(at), *joined = NULL;
	kd_buf b = KD_BUF_INIT;
	int rc;

	*out = NULL;
	if (!dir)
		return out_of_memory();
	rc = kd_path_join(&joined, dir, target);
	if (rc == KD_EPATH) {
		rc = kd_error_set(KD_EPATH,
				  "%s: path '%s' is refused: symbolic link '%s' points to '%s', outside the repository root",
				  kd_source_label(src), path, at, target);
		goto cleanup;
	}
	if (rc < 0 ||
	    (rc = kd_buf_puts(&b, joined)) < 0 ||
	    (rest && ((rc = kd_buf_putc(&b, '/')) < 0 || (rc = kd_buf_puts(&b, rest)) < 0)))
		goto cleanup;
	rc = kd_path_normalize(out, kd_buf_cstr(&b));
cleanup:
	free(dir);
	free(joined);
	kd_buf_free(&b);
	return rc;
}

/* Walks the tree one component at a time so that links met on the way
 * (directories too) are followed from the root, counted, and checked. */
static int tree_resolve(tree_hit *hit, kd_source *src, const char *path)
{
	char *cur = NULL, *next = NULL, *target = NULL, *p, *slash;
	git_tree *sub = NULL, *child;
	const git_tree *tree;
	const git_tree_entry *entry;
	int links = 0, rc;

	if ((rc = normalize(&cur, src, path)) < 0)
		return rc;
restart:
	tree = src->tree;
	hit->mode = GIT_FILEMODE_TREE;
	git_oid_cpy(&hit->id, git_tree_id(src->tree));
	for (p = cur; *p; p = slash + 1) {
		slash = strchr(p, '/');
		if (slash)
			*slash = '\0';	/* cur now names the entry reached */
		if (!(entry = git_tree_entry_byname(tree, p))) {
			rc = kd_error_set(KD_ENOTFOUND, "%s: '%s' not found", kd_source_label(src),
					  path);
			goto cleanup;
		}
		hit->mode = git_tree_entry_filemode(entry);
		git_oid_cpy(&hit->id, git_tree_entry_id(entry));
		if (hit->mode == GIT_FILEMODE_LINK) {
			if (++links > KD_SOURCE_MAX_LINKS) {
				rc = kd_error_set(KD_ELIMIT,
						  "%s: '%s': too many levels of symbolic links (a loop?)",
						  kd_source_label(src), path);
				goto cleanup;
			}
			if ((rc = link_target(&target, src, &hit->id, cur)) < 0 ||
			    (rc = follow_link(&next, src, path, cur, target,
					      slash ? slash + 1 : NULL)) < 0)
				goto cleanup;
			free(cur);
			free(target);
			cur = next;
			next = target = NULL;
			git_tree_free(sub);
			sub = NULL;
			goto restart;
		}
		if (!slash)
			break;
		if (hit->mode == GIT_FILEMODE_COMMIT) {
			rc = kd_error_set(KD_EUNSUPPORTED,
					  "%s: '%s' is inside Git submodule '%s'; kdrift does not read submodules",
					  kd_source_label(src), path, cur);
			goto cleanup;
		}
		if (hit->mode != GIT_FILEMODE_TREE) {
			rc = kd_error_set(KD_ENOTFOUND, "%s: '%s' not found: '%s' is a file, not a directory",
					  kd_source_label(src), path, cur);
			goto cleanup;
		}
		if (git_tree_lookup(&child, src->repo, &hit->id) < 0) {
			rc = kd_source_git_error(KD_EIO, NULL, "%s: cannot read directory '%s'",
						 kd_source_label(src), cur);
			goto cleanup;
		}
		git_tree_free(sub);
		tree = sub = child;
		*slash = '/';
	}
	if (hit->want_path) {
		hit->path = cur;
		cur = NULL;
	}
cleanup:
	git_tree_free(sub);
	free(cur);
	free(next);
	free(target);
	return rc;
}

static kd_source_type tree_type(git_filemode_t mode)
{
	/* A submodule looks like a directory so that walking into it meets the
	 * clear "submodule" error instead of silently skipping it. */
	return mode == GIT_FILEMODE_TREE || mode == GIT_FILEMODE_COMMIT ?
	       KD_SOURCE_DIR : KD_SOURCE_FILE;
}

static int submodule_error(const kd_source *src, const char *path)
{
	return kd_error_set(KD_EUNSUPPORTED,
			    "%s: '%s' is a Git submodule; kdrift does not read submodules",
			    kd_source_label(src), path);
}

static int tree_read(kd_buf *out, kd_source *src, const char *path)
{
	git_odb *odb = NULL;
	git_blob *blob = NULL;
	git_object_t type;
	size_t size;
	tree_hit hit = { 0 };
	int rc;

	if ((rc = tree_resolve(&hit, src, path)) < 0)
		return rc;
	if (hit.mode == GIT_FILEMODE_TREE)
		return kd_error_set(KD_EINVAL, "%s: '%s' is a directory, not a file",
				    kd_source_label(src), path);
	if (hit.mode == GIT_FILEMODE_COMMIT)
		return submodule_error(src, path);
	/* The header gives the size without inflating the object. */
	if (git_repository_odb(&odb, src->repo) < 0 ||
	    git_odb_read_header(&size, &type, odb, &hit.id) < 0 ||
	    (size <= KD_SOURCE_MAX_FILE && git_blob_lookup(&blob, src->repo, &hit.id) < 0)) {
		rc = kd_source_git_error(KD_EIO, NULL, "%s: cannot read '%s'",
					 kd_source_label(src), path);
		goto cleanup;
	}
	if (size > KD_SOURCE_MAX_FILE) {
		rc = kd_error_set(KD_ELIMIT, "%s: '%s' is %zu bytes, over the %zu-byte limit",
				  kd_source_label(src), path, size, KD_SOURCE_MAX_FILE);
		goto cleanup;
	}
	rc = kd_buf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	if (rc == 0 && !out->data)
		rc = kd_buf_grow(out, 0);
cleanup:
	git_blob_free(blob);
	git_odb_free(odb);
	return rc;
}

/* Git never tracks a path with a ".git" component, so on disk such paths
 * (the repository's own metadata, a submodule's) are not content either. */
static bool has_git_component(const char *rel)
{
	const char *p = rel;

	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 4 && strncmp(p, ".git", 4) == 0)
			return true;
		p += n;
		while (*p == '/')
			p++;
	}
	return false;
}

/* Resolves path on disk: *real is its realpath, which must lie under the
 * root and outside the repository's own .git directory. */
static int fs_resolve(char **real, struct stat *st, kd_source *src, const char *path)
{
	size_t rootlen = strlen(src->root);
	char *norm = NULL, *r = NULL;
	const char *rel;
	kd_buf full = KD_BUF_INIT;
	int rc;

	*real = NULL;
	if ((rc = normalize(&norm, src, path)) < 0)
		return rc;
	if (has_git_component(norm)) {
		rc = kd_error_set(KD_ENOTFOUND, "%s: '%s' not found", kd_source_label(src), path);
		goto cleanup;
	}
	if ((rc = kd_buf_printf(&full, "%s/%s", src->root, norm)) < 0)
		goto cleanup;
	if (!(r = realpath(full.data, NULL))) {
		if (errno == ELOOP)
			rc = kd_error_set(KD_ELIMIT, "%s: '%s': too many levels of symbolic links",
					  kd_source_label(src), path);
		else if (errno == ENOENT || errno == ENOTDIR)
			rc = kd_error_set(KD_ENOTFOUND, "%s: '%s' not found",
					  kd_source_label(src), path);
		else
			rc = kd_error_set(KD_EIO, "%s: '%s': %s", kd_source_label(src), path,
					  strerror(errno));
		goto cleanup;
	}
	if (strcmp(src->root, "/") == 0)
		rel = r + 1;
	else if (strncmp(r, src->root, rootlen) == 0 && (r[rootlen] == '/' || !r[rootlen]))
		rel = r[rootlen] ? r + rootlen + 1 : r + rootlen;
	else {
		rc = kd_error_set(KD_EPATH,
				  "%s: path '%s' is refused: a symbolic link leads outside the root '%s'",
				  kd_source_label(src), path, src->root);
		goto cleanup;
	}
	if (has_git_component(rel)) {
		rc = kd_error_set(KD_ENOTFOUND, "%s: '%s' not found", kd_source_label(src), path);
		goto cleanup;
	}
	if (stat(r, st) < 0) {
		rc = kd_error_set(KD_EIO, "%s: '%s': %s", kd_source_label(src), path,
				  strerror(errno));
		goto cleanup;
	}
	*real = r;
	r = NULL;
cleanup:
	free(norm);
	free(r);
	kd_buf_free(&full);
	return rc;
}

static int fs_read(kd_buf *out, kd_source *src, const char *path)
{
	struct stat st;
	char *real = NULL;
	int rc;

	if ((rc = fs_resolve(&real, &st, src, path)) < 0)
		return rc;
	if (S_ISDIR(st.st_mode))
		rc = kd_error_set(KD_EINVAL, "%s: '%s' is a directory, not a file",
				  kd_source_label(src), path);
	else if (!S_ISREG(st.st_mode))	/* a FIFO would block, a device never end */
		rc = kd_error_set(KD_EINVAL, "%s: '%s' is not a regular file",
				  kd_source_label(src), path);
	else if ((size_t)st.st_size > KD_SOURCE_MAX_FILE)
		rc = kd_error_set(KD_ELIMIT, "%s: '%s' is %lld bytes, over the %zu-byte limit",
				  kd_source_label(src), path, (long long)st.st_size,
				  KD_SOURCE_MAX_FILE);
	else if ((rc = kd_buf_read_file(out, real, KD_SOURCE_MAX_FILE)) < 0)
		kd_error_wrap(rc, "%s: ", kd_source_label(src));
	free(real);
	return rc;
}

int kd_source_read(kd_buf *out, kd_source *src, const char *path)
{
	kd_buf_clear(out);
	return src->fs ? fs_read(out, src, path) : tree_read(out, src, path);
}

int kd_source_resolve(char **out, kd_source *src, const char *path)
{
	tree_hit hit = { .want_path = true };
	struct stat st;
	char *real = NULL;
	size_t rootlen;
	int rc;

	*out = NULL;
	if (src->fs) {
		if ((rc = fs_resolve(&real, &st, src, path)) < 0)
			return rc;
		rootlen = strcmp(src->root, "/") == 0 ? 0 : strlen(src->root);
		*out = strdup(real[rootlen] == '/' ? real + rootlen + 1 : real + rootlen);
		free(real);
		return *out ? 0 : out_of_memory();
	}
	if ((rc = tree_resolve(&hit, src, path)) < 0)
		return rc;
	*out = hit.path;
	return 0;
}

int kd_source_blame(json_t **out, kd_source *src, const char *path)
{
	git_blame_options opts;
	git_blame *blame = NULL;
	json_t *lines = NULL;
	char *norm = NULL;
	uint32_t h, n;
	size_t i;
	int rc;

	*out = NULL;
	if (src->fs || !src->repo)
		return kd_error_set(KD_EUNSUPPORTED, "%s: no Git history to blame",
				    kd_source_label(src));
	if ((rc = kd_path_normalize(&norm, path)) < 0)
		return rc;
	git_blame_options_init(&opts, GIT_BLAME_OPTIONS_VERSION);
	git_oid_cpy(&opts.newest_commit, &src->commit);
	if (git_blame_file(&blame, src->repo, norm, &opts) < 0) {
		rc = kd_source_git_error(KD_ENOTFOUND, src->secret, "%s: cannot blame '%s'",
					 kd_source_label(src), norm);
		goto cleanup;
	}
	if (!(lines = json_array())) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	n = git_blame_get_hunk_count(blame);
	for (h = 0; h < n; h++) {
		const git_blame_hunk *hunk = git_blame_get_hunk_byindex(blame, h);
		char hex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(hex, sizeof(hex), &hunk->final_commit_id);
		while (json_array_size(lines) + 1 < hunk->final_start_line_number)
			if (json_array_append_new(lines, json_string("")) < 0)
				goto oom;
		for (i = 0; i < hunk->lines_in_hunk; i++)
			if (json_array_append_new(lines, json_string(hex)) < 0)
				goto oom;
	}
	*out = lines;
	lines = NULL;
	goto cleanup;
oom:
	rc = kd_error_set(KD_ENOMEM, "out of memory");
cleanup:
	git_blame_free(blame);
	json_decref(lines);
	free(norm);
	return rc;
}

/* The type of what path leads to; errors are returned as they are. */
static int type_of(kd_source_type *out, kd_source *src, const char *path)
{
	struct stat st;
	tree_hit hit = { 0 };
	char *real = NULL;
	int rc;

	if (src->fs) {
		if ((rc = fs_resolve(&real, &st, src, path)) == 0)
			*out = S_ISDIR(st.st_mode) ? KD_SOURCE_DIR : KD_SOURCE_FILE;
		free(real);
		return rc;
	}
	if ((rc = tree_resolve(&hit, src, path)) == 0)
		*out = tree_type(hit.mode);
	return rc;
}

int kd_source_stat(kd_source_type *out, kd_source *src, const char *path)
{
	int rc = type_of(out, src, path);

	if (rc == KD_ENOTFOUND) {
		*out = KD_SOURCE_NONE;
		kd_error_clear();
		return 0;
	}
	if (rc < 0)
		*out = KD_SOURCE_NONE;
	return rc;
}

/* ---- listing ----------------------------------------------------------- */

typedef struct entry_list {
	kd_source_entry *items;
	size_t count, cap;
} entry_list;

/* Adds name; a symbolic link is listed as what it leads to, and one that
 * leads nowhere or outside as a file, so reading it reports why. */
static int list_add(entry_list *l, kd_source *src, const char *dir, const char *name,
		    kd_source_type type, bool is_link)
{
	kd_source_entry *grown;
	char *child = NULL;

	if (is_link) {
		if (kd_path_join(&child, dir, name) < 0)
			return kd_error_last_code();
		if (type_of(&type, src, child) < 0)
			type = KD_SOURCE_FILE;
		free(child);
		kd_error_clear();
	}
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;

		if (!(grown = realloc(l->items, cap * sizeof(*grown))))
			return out_of_memory();
		l->items = grown;
		l->cap = cap;
	}
	if (!(l->items[l->count].name = strdup(name)))
		return out_of_memory();
	l->items[l->count++].type = type;
	return 0;
}

static int tree_list(entry_list *l, kd_source *src, const char *path, const char *norm)
{
	git_tree *tree = NULL;
	tree_hit hit = { 0 };
	size_t i, n;
	int rc;

	if ((rc = tree_resolve(&hit, src, path)) < 0)
		return rc;
	if (hit.mode == GIT_FILEMODE_COMMIT)
		return submodule_error(src, path);
	if (hit.mode != GIT_FILEMODE_TREE)
		return kd_error_set(KD_EINVAL, "%s: '%s' is a file, not a directory",
				    kd_source_label(src), path);
	if (git_tree_lookup(&tree, src->repo, &hit.id) < 0)
		return kd_source_git_error(KD_EIO, NULL, "%s: cannot read directory '%s'",
					   kd_source_label(src), path);
	n = git_tree_entrycount(tree);
	for (i = 0; i < n && rc == 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		git_filemode_t mode = git_tree_entry_filemode(e);

		rc = list_add(l, src, norm, git_tree_entry_name(e), tree_type(mode),
			      mode == GIT_FILEMODE_LINK);
	}
	git_tree_free(tree);
	return rc;
}

static int fs_list(entry_list *l, kd_source *src, const char *path, const char *norm)
{
	struct stat st;
	struct dirent *de;
	char *real = NULL;
	DIR *d = NULL;
	int rc;

	if ((rc = fs_resolve(&real, &st, src, path)) < 0)
		return rc;
	if (!S_ISDIR(st.st_mode)) {
		rc = kd_error_set(KD_EINVAL, "%s: '%s' is a file, not a directory",
				  kd_source_label(src), path);
		goto cleanup;
	}
	if (!(d = opendir(real))) {
		rc = kd_error_set(KD_EIO, "%s: '%s': %s", kd_source_label(src), path,
				  strerror(errno));
		goto cleanup;
	}
	while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		struct stat lst;
		kd_buf child = KD_BUF_INIT;

		if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, ".git"))
			continue;
		if ((rc = kd_buf_printf(&child, "%s/%s", real, name)) == 0) {
			if (lstat(child.data, &lst) < 0)
				lst.st_mode = S_IFREG;	/* vanished: reading will say so */
			rc = list_add(l, src, norm, name,
				      S_ISDIR(lst.st_mode) ? KD_SOURCE_DIR : KD_SOURCE_FILE,
				      S_ISLNK(lst.st_mode));
		}
		kd_buf_free(&child);
	}
	if (rc == 0 && errno)
		rc = kd_error_set(KD_EIO, "%s: '%s': %s", kd_source_label(src), path,
				  strerror(errno));
cleanup:
	if (d)
		closedir(d);
	free(real);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const kd_source_entry *)a)->name, ((const kd_source_entry *)b)->name);
}

int kd_source_list(kd_source_entry **out, size_t *count, kd_source *src, const char *path)
{
	entry_list l = { NULL, 0, 0 };
	char *norm = NULL;
	int rc;

	*out = NULL;
	*count = 0;
	if ((rc = normalize(&norm, src, path)) < 0)
		return rc;
	rc = src->fs ? fs_list(&l, src, path, norm) : tree_list(&l, src, path, norm);
	free(norm);
	if (rc < 0) {
		kd_source_entries_free(l.items, l.count);
		return rc;
	}
	/* Git orders a directory as if its name ended in '/'; callers get
	 * plain byte order. */
	if (l.count)
		qsort(l.items, l.count, sizeof(*l.items), by_name);
	*out = l.items;
	*count = l.count;
	return 0;
}

void kd_source_entries_free(kd_source_entry *entries, size_t count)
{
	size_t i;

	for (i = 0; i < count && entries; i++)
		free(entries[i].name);
	free(entries);
}
