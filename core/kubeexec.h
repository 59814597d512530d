/*
 * kubeexec — runs a kubeconfig exec credential plugin
 * (client.authentication.k8s.io ExecCredential v1 / v1beta1).
 *
 * The plugin runs with stdin from /dev/null (never interactive), the
 * configured args and env added to ours, and KUBERNETES_EXEC_INFO describing
 * the request.  Its output is parsed and never echoed into messages.
 */
#ifndef KD_KUBEEXEC_H
#define KD_KUBEEXEC_H

#include <time.h>

#include "buf.h"

struct kd_kube_target;

typedef struct kd_exec_credential {
	char *token;          /* secret */
	kd_buf client_cert;   /* PEM, secret-adjacent */
	kd_buf client_key;    /* PEM, secret */
	time_t expiry;        /* 0 when the plugin gave none */
} kd_exec_credential;

/* Runs the target's exec plugin (at most 60 s) and parses its credential. */
int kd_exec_credential_run(kd_exec_credential *out,
			   const struct kd_kube_target *t);

/* Wipes and frees what a credential holds. */
void kd_exec_credential_clear(kd_exec_credential *c);

#endif
