/*
 * source_priv — the kd_source structure shared by source.c (opening,
 * fetching, resolving) and source_read.c (reading files and directories).
 * Not part of the interface; only those two files include it.
 */

#ifndef KD_SOURCE_PRIV_H
#define KD_SOURCE_PRIV_H

#include <ftw.h>
#include <git2.h>
#include <stdarg.h>
#include <stdbool.h>

#include "source/source.h"
#include "base/base.h"

/* Symbolic links followed while resolving one path; more means a loop. */
#define KD_SOURCE_MAX_LINKS 32

struct kd_source {
	char *location;         /* as given, credentials stripped from URLs */
	char *url;              /* the URL as given, for fetching only: never printed */
	char *secret;           /* a URL's "user:password@", scrubbed from messages */
	char *revspec;          /* the configured revision, NULL for HEAD */
	bool git_initialised;   /* holds one git_libgit2_init reference */
	bool is_clone;          /* repo is a cached clone of a URL */
	bool fs;                /* read files from root instead of tree */
	git_repository *repo;
	git_oid commit;
	git_tree *tree;         /* the resolved commit's tree (Git mode) */
	char *root;             /* realpath of the directory read (fs mode) */
	char revision[GIT_OID_HEXSZ + 1];
	kd_buf label;
	/* fetch credentials (source_auth.c): file names, never their contents */
	char *auth_username;
	char *auth_token_file;
	char *auth_ssh_key_file;
	char *auth_known_hosts;
	int ssh_port;           /* of an ssh:// URL; 0: the default */
	int cred_tries;         /* in the fetch in progress */
};

/* Sets our message followed by libgit2's last message (with secret removed)
 * and returns code. */
int kd_source_git_error(int code, const char *secret, const char *fmt, ...)
	KD_PRINTF(3, 4);

/* source_auth.c: credentials from files, host keys from known_hosts. */
int kd_source_auth_copy(kd_source *src, const kd_source_auth *auth);
void kd_source_auth_free(kd_source *src);
/* Sets the credential and certificate callbacks of a fetch. */
void kd_source_auth_callbacks(kd_source *src, git_remote_callbacks *cb);

#endif
