/*
 * gitwrite — commits built on trees, not on a work tree, and the branch
 * fetch/push around them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "source/source.h"

int kd_gitwrite_error(int code, const char *what)
{
	const git_error *e = git_error_last();

	return kd_error_set(code, "%s: %s", what,
			    e && e->message ? e->message : "unknown libgit2 error");
}

int kd_gitwrite_read(kd_buf *out, bool *found, git_repository *repo,
		     const git_tree *tree, const char *path)
{
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	int rc = 0;

	*found = false;
	kd_buf_clear(out);
	if (git_tree_entry_bypath(&entry, tree, path) < 0)
		return 0;
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB ||
	    git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK) {
		rc = kd_error_set(KD_EINVAL, "%s: not a regular file", path);
		goto cleanup;
	}
	if (git_blob_lookup(&blob, repo, git_tree_entry_id(entry)) < 0) {
		rc = kd_gitwrite_error(KD_EIO, path);
		goto cleanup;
	}
	if ((rc = kd_buf_add(out, git_blob_rawcontent(blob),
			     (size_t)git_blob_rawsize(blob))) < 0)
		goto cleanup;
	*found = true;
cleanup:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	return rc;
}

int kd_gitwrite_tree(git_oid *out, git_repository *repo, const git_tree *base,
		     const kd_gitwrite_file *files, size_t nfiles)
{
	git_tree_update *ups = calloc(nfiles ? nfiles : 1, sizeof(*ups));
	size_t i;
	int rc = 0;

	if (!ups)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (i = 0; i < nfiles; i++) {
		ups[i].path = files[i].path;
		if (!files[i].data) {
			ups[i].action = GIT_TREE_UPDATE_REMOVE;
			continue;
		}
		ups[i].action = GIT_TREE_UPDATE_UPSERT;
		ups[i].filemode = GIT_FILEMODE_BLOB;
		if (git_blob_create_from_buffer(&ups[i].id, repo, files[i].data,
						files[i].len) < 0) {
			rc = kd_gitwrite_error(KD_EIO, files[i].path);
			goto cleanup;
		}
	}
	if (git_tree_create_updated(out, repo, (git_tree *)base, nfiles, ups) < 0)
		rc = kd_gitwrite_error(KD_EIO, "writing the tree");
cleanup:
	free(ups);
	return rc;
}

int kd_gitwrite_commit(git_oid *out, git_repository *repo,
		       const git_oid *parent, const git_oid *tree,
		       const git_signature *author,
		       const git_signature *committer, const char *message)
{
	git_commit *pc = NULL;
	git_tree *t = NULL;
	const git_commit *parents[1];
	int rc = 0;

	if (git_tree_lookup(&t, repo, tree) < 0 ||
	    (parent && git_commit_lookup(&pc, repo, parent) < 0)) {
		rc = kd_gitwrite_error(KD_EIO, "commit");
		goto cleanup;
	}
	parents[0] = pc;
	if (git_commit_create(out, repo, NULL, author, committer, NULL, message,
			      t, pc ? 1 : 0, parents) < 0)
		rc = kd_gitwrite_error(KD_EIO, "writing the commit");
cleanup:
	git_commit_free(pc);
	git_tree_free(t);
	return rc;
}

int kd_gitwrite_ref_target(git_oid *out, bool *found, git_repository *repo,
			   const char *refname)
{
	int e = git_reference_name_to_id(out, repo, refname);

	*found = e == 0;
	if (e == 0 || e == GIT_ENOTFOUND)
		return 0;
	return kd_gitwrite_error(KD_EIO, refname);
}

int kd_gitwrite_update_ref(git_repository *repo, const char *refname,
			   const git_oid *id, const git_oid *expected,
			   const char *log_message)
{
	git_reference *ref = NULL;
	int e;

	if (expected)
		e = git_reference_create_matching(&ref, repo, refname, id, 1,
						  expected, log_message);
	else
		e = git_reference_create(&ref, repo, refname, id, 0, log_message);
	git_reference_free(ref);
	if (e == GIT_EMODIFIED || e == GIT_EEXISTS || e == GIT_ELOCKED ||
	    (expected && e == GIT_ENOTFOUND))
		return kd_error_set(KD_ECONFLICT, "%s moved while kdrift was writing to it",
				    refname);
	if (e < 0)
		return kd_gitwrite_error(KD_EIO, refname);
	return 0;
}

int kd_gitwrite_remote_url(char **out, git_repository *repo, const char *remote)
{
	git_config *cfg = NULL;
	git_buf url = { NULL, 0, 0 };
	char key[256];
	int rc = 0;

	*out = NULL;
	if (snprintf(key, sizeof(key), "remote.%s.url", remote) >= (int)sizeof(key))
		return kd_error_set(KD_EINVAL, "remote name too long");
	if (git_repository_config_snapshot(&cfg, repo) < 0)
		return kd_gitwrite_error(KD_EIO, "reading the repository configuration");
	if (git_config_get_string_buf(&url, cfg, key) < 0) {
		rc = kd_error_set(KD_ENOTFOUND, "the repository has no remote '%s'", remote);
		goto cleanup;
	}
	*out = strdup(url.ptr);
	if (!*out)
		rc = kd_error_set(KD_ENOMEM, "out of memory");
cleanup:
	git_buf_dispose(&url);
	git_config_free(cfg);
	return rc;
}

/* An in-memory remote for url.  No insteadOf rewriting and no default
 * refspecs: both would read the configuration through a regex that
 * libgit2 1.5 leaks, and neither is wanted for one explicit branch. */
static int remote_for(git_remote **out, git_repository *repo, const char *url)
{
	git_remote_create_options ro;

	git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	ro.repository = repo;
	ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF |
		   GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	return git_remote_create_with_opts(out, url, &ro);
}

/* SSH keys come from the agent; anything else (a token in an https URL,
 * which libgit2 uses itself) is left to libgit2.  The counter stops
 * libgit2 from asking forever when the agent's keys are refused. */
static int on_credentials(git_credential **out, const char *url,
			  const char *username, unsigned int allowed, void *data)
{
	int *tries = data;

	(void)url;
	if (++*tries > 3 || !(allowed & GIT_CREDENTIAL_SSH_KEY))
		return GIT_PASSTHROUGH;
	return git_credential_ssh_key_from_agent(out, username ? username : "git");
}

/* A URL shown in messages without any user:password@ part. */
static void url_label(char *out, size_t n, const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
	const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;

	if (at && (!slash || at < slash))
		snprintf(out, n, "%.*s%s", (int)(scheme + 3 - url), url, at + 1);
	else
		snprintf(out, n, "%s", url);
}

int kd_gitwrite_fetch(git_oid *out, bool *found, git_repository *repo,
		      const char *url, const char *branch,
		      const char *tracking_ref)
{
	git_remote *remote = NULL;
	const git_remote_head **heads = NULL;
	size_t nheads = 0, i;
	char refname[512], spec[1100], label[512];
	char *specs[1] = { spec };
	git_strarray refspecs = { specs, 1 };
	git_fetch_options fo;
	int tries = 0, rc = 0;

	*found = false;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	url_label(label, sizeof(label), url);
	snprintf(refname, sizeof(refname), "refs/heads/%s", branch);
	/* Only objects are wanted: refs are moved below, by us. */
	snprintf(spec, sizeof(spec), "%s", refname);
	fo.update_fetchhead = 0;
	fo.callbacks.credentials = on_credentials;
	fo.callbacks.payload = &tries;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	if (remote_for(&remote, repo, url) < 0 ||
	    git_remote_connect(remote, GIT_DIRECTION_FETCH, &fo.callbacks,
			       &fo.proxy_opts, NULL) < 0 ||
	    git_remote_ls(&heads, &nheads, remote) < 0) {
		rc = kd_gitwrite_error(KD_EIO, label);
		goto cleanup;
	}
	for (i = 0; i < nheads; i++)
		if (strcmp(heads[i]->name, refname) == 0) {
			git_oid_cpy(out, &heads[i]->oid);
			*found = true;
		}
	if (!*found)
		goto cleanup;
	if (git_remote_download(remote, &refspecs, &fo) < 0) {
		rc = kd_gitwrite_error(KD_EIO, label);
		goto cleanup;
	}
	if (tracking_ref) {
		git_reference *ref = NULL;

		if (git_reference_create(&ref, repo, tracking_ref, out, 1,
					 "kdrift: fetch") < 0)
			rc = kd_gitwrite_error(KD_EIO, tracking_ref);
		git_reference_free(ref);
	}
cleanup:
	if (remote)
		git_remote_disconnect(remote);
	git_remote_free(remote);
	return rc;
}

typedef struct push_status {
	char *refused;  /* the remote's reason, when it refused */
	int tries;      /* credential requests so far */
} push_status;

static int on_push_credentials(git_credential **out, const char *url,
			       const char *username, unsigned int allowed,
			       void *data)
{
	return on_credentials(out, url, username, allowed, &((push_status *)data)->tries);
}

static int on_push_update(const char *refname, const char *status, void *data)
{
	push_status *ps = data;

	(void)refname;
	if (status && !ps->refused)
		ps->refused = strdup(status);
	return 0;
}

static bool is_not_fast_forward(const char *reason)
{
	return strstr(reason, "fast-forward") || strstr(reason, "fast forward") ||
	       strstr(reason, "fetch first") || strstr(reason, "stale info");
}

int kd_gitwrite_push(git_repository *repo, const char *url,
		     const git_oid *id, const char *branch)
{
	git_remote *remote = NULL;
	git_push_options po;
	push_status ps = { NULL, 0 };
	char tmpref[128], spec[700], label[512];
	char *specs[1] = { spec };
	git_strarray refspecs = { specs, 1 };
	bool have_tmp = false;
	int e, rc = 0;

	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	url_label(label, sizeof(label), url);
	/* libgit2 pushes refs, not bare commit ids: a private ref names the
	 * commit for the duration of the push. */
	snprintf(tmpref, sizeof(tmpref), "refs/kdrift/push/%ld", (long)getpid());
	snprintf(spec, sizeof(spec), "%s:refs/heads/%s", tmpref, branch);
	if ((rc = kd_gitwrite_update_ref(repo, tmpref, id, NULL, "kdrift: push")) < 0) {
		git_reference *old = NULL;

		/* Left behind by a process that was killed: ours now. */
		if (git_reference_lookup(&old, repo, tmpref) == 0)
			git_reference_delete(old);
		git_reference_free(old);
		if ((rc = kd_gitwrite_update_ref(repo, tmpref, id, NULL,
						 "kdrift: push")) < 0)
			goto cleanup;
	}
	have_tmp = true;
	po.callbacks.push_update_reference = on_push_update;
	po.callbacks.credentials = on_push_credentials;
	po.callbacks.payload = &ps;
	if (remote_for(&remote, repo, url) < 0) {
		rc = kd_gitwrite_error(KD_EIO, label);
		goto cleanup;
	}
	e = git_remote_push(remote, &refspecs, &po);
	if (e == GIT_ENONFASTFORWARD ||
	    (e == 0 && ps.refused && is_not_fast_forward(ps.refused))) {
		rc = kd_error_set(KD_ECONFLICT, "%s: branch '%s' moved on the remote (not a fast-forward)",
				  label, branch);
		goto cleanup;
	}
	if (e < 0) {
		rc = kd_gitwrite_error(KD_EIO, label);
		goto cleanup;
	}
	if (ps.refused)
		rc = kd_error_set(KD_ERROR, "%s refused the push to '%s': %s",
				  label, branch, ps.refused);
cleanup:
	if (have_tmp) {
		git_reference *ref = NULL;

		if (git_reference_lookup(&ref, repo, tmpref) == 0)
			git_reference_delete(ref);
		git_reference_free(ref);
	}
	git_remote_free(remote);
	free(ps.refused);
	return rc;
}

/* "Name <email>" split into its two parts (copies in name and email). */
static int parse_identity(char **name, char **email, const char *id)
{
	const char *lt = strchr(id, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	const char *end = lt;

	*name = *email = NULL;
	if (!lt || !gt || gt[1] != '\0')
		return kd_error_set(KD_EINVAL, "identity '%s' is not \"Name <email>\"", id);
	while (end > id && end[-1] == ' ')
		end--;
	if (end == id || gt == lt + 1)
		return kd_error_set(KD_EINVAL, "identity '%s' needs both a name and an email", id);
	*name = strndup(id, (size_t)(end - id));
	*email = strndup(lt + 1, (size_t)(gt - lt - 1));
	if (!*name || !*email) {
		free(*name);
		free(*email);
		*name = *email = NULL;
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

int kd_gitwrite_signature(git_signature **out, git_repository *repo,
			  const char *identity)
{
	char *name = NULL, *email = NULL;
	int rc;

	*out = NULL;
	if (!identity) {
		if (git_signature_default(out, repo) < 0)
			return kd_error_set(KD_EINVAL, "no operator identity: set user.name and user.email in the repository's git config, or give \"Name <email>\"");
		return 0;
	}
	if ((rc = parse_identity(&name, &email, identity)) < 0)
		return rc;
	if (git_signature_now(out, name, email) < 0)
		rc = kd_gitwrite_error(KD_EINVAL, "operator identity");
	free(name);
	free(email);
	return rc;
}
