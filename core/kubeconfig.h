/*
 * kubeconfig — how to reach a cluster: kubeconfig files merged the way
 * kubectl merges them, and the credentials of a context.
 *
 * Files come from an explicit path, else the KUBECONFIG list, else
 * ~/.kube/config.  In a KUBECONFIG list the first file that defines a
 * cluster, user or context name wins, as does the first current-context.
 * Relative file references are resolved against the file that holds them.
 *
 * Credentials: bearer token (inline or tokenFile, re-read when it changes),
 * client certificate and key (file or data), and exec credential plugins
 * (client.authentication.k8s.io v1 and v1beta1) run without a terminal and
 * cached until their expirationTimestamp.
 *
 * Tokens, keys and plugin output never appear in error messages.  A loaded
 * kd_kubeconfig is immutable; kd_kube_target credentials are refreshed under
 * the caller's control (one thread at a time per target).
 */
#ifndef KD_KUBECONFIG_H
#define KD_KUBECONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"

typedef struct kd_kubeconfig kd_kubeconfig;

/* An exec credential plugin as configured in a user entry. */
typedef struct kd_kube_exec {
	char *api_version;   /* client.authentication.k8s.io/v1 or /v1beta1 */
	char *command;       /* resolved against the kubeconfig's directory when it holds a '/' */
	char **args;         /* NULL-terminated */
	char **env;          /* NULL-terminated "NAME=value" */
	bool provide_cluster_info;
} kd_kube_exec;

/* Everything needed to talk to one context's cluster. */
typedef struct kd_kube_target {
	char *context;           /* the context's name */
	char *cluster;           /* the cluster entry's name */
	char *user;              /* the user entry's name */
	char *namespace;         /* context namespace, or NULL */
	char *server;            /* https://host:port[/prefix], no trailing '/' */
	char *source_file;       /* the kubeconfig file that defined the context */

	/* TLS */
	kd_buf ca_pem;           /* empty when the system store is used */
	bool insecure;           /* insecure-skip-tls-verify */
	char *tls_server_name;
	char *proxy_url;

	/* credentials (secret: never print) */
	kd_buf client_cert_pem;
	kd_buf client_key_pem;
	char *token;
	char *token_file;
	kd_kube_exec *exec;
	time_t credential_expiry; /* exec credentials: 0 = no expiry known */
	bool have_exec_credential;
} kd_kube_target;

/* Loads and merges kubeconfig files.  `path` (--kubeconfig) may be NULL:
 * then $KUBECONFIG (':'-separated; missing files skipped) or
 * ~/.kube/config.  An explicitly named file that is missing is an error. */
int kd_kubeconfig_load(kd_kubeconfig **out, const char *path);

/* Parses one kubeconfig document from memory (`name` for messages,
 * `dir` for resolving relative paths). */
int kd_kubeconfig_parse(kd_kubeconfig **out, const char *data, size_t len,
			const char *name, const char *dir);

void kd_kubeconfig_free(kd_kubeconfig *kc);

/* current-context, or NULL. */
const char *kd_kubeconfig_current_context(const kd_kubeconfig *kc);

/* The names of all contexts, in file order (a new JSON array). */
json_t *kd_kubeconfig_contexts(const kd_kubeconfig *kc);

/* Resolves a context (NULL for current-context) into a target: cluster,
 * user and TLS material loaded.  Exec plugins are not run here. */
int kd_kube_target_new(kd_kube_target **out, const kd_kubeconfig *kc,
		       const char *context);
void kd_kube_target_free(kd_kube_target *t);

/* Makes sure the target's credentials are current: re-reads tokenFile,
 * runs the exec plugin when it has no credential or it expires within
 * 10 seconds of `now`.  Never interactive (stdin is /dev/null). */
int kd_kube_target_refresh(kd_kube_target *t, time_t now);

/* Forgets an exec credential, so the next refresh runs the plugin again
 * (after a 401). */
void kd_kube_target_invalidate(kd_kube_target *t);

/* Parses an RFC 3339 timestamp ("2026-11-26T10:00:00Z", with optional
 * fraction and offset) into seconds since the epoch. */
int kd_parse_rfc3339(time_t *out, const char *text);

#endif
