/*
 * Starting and stopping build/kubesim from a C test: the simulator runs as a
 * child on a free port with its state (and kubeconfig) in a directory the
 * test owns.  Include after cmocka.h.
 */
#ifndef KD_TEST_KUBESIM_PROC_H
#define KD_TEST_KUBESIM_PROC_H

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kube/kube.h"

/* Starts kubesim for `clusters` (comma-separated) with its state in dir and
 * the extra arguments (NULL-terminated, or NULL), waits for its ready line
 * and returns its pid with the port in *port; -1 when it does not start.
 * Its standard error goes to DIR/stderr, out of the test's report. */
static inline pid_t kubesim_start(int *port, const char *dir, const char *clusters,
				  const char *const *extra)
{
	const char *build = getenv("KDRIFT_BUILD");
	const char *argv[32];
	char bin[512], line[256], errpath[512];
	size_t n = 0;
	int fds[2];
	pid_t pid;
	FILE *out;

	*port = 0;
	snprintf(bin, sizeof(bin), "%s/kubesim", build ? build : "build");
	argv[n++] = bin;
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--clusters";
	argv[n++] = clusters;
	argv[n++] = "--state-dir";
	argv[n++] = dir;
	while (extra && *extra && n < 31)
		argv[n++] = *extra++;
	argv[n] = NULL;
	if (pipe(fds) < 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		int err;

		snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
		mkdir(dir, 0700);
		err = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (err >= 0)
			dup2(err, 2);
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	if (!(out = fdopen(fds[0], "r")))
		return -1;
	while (fgets(line, sizeof(line), out))
		if (sscanf(line, "ready port=%d", port) == 1)
			break;
	fclose(out);
	return *port > 0 ? pid : -1;
}

/* Stops it (SIGTERM: kubesim exits cleanly) and waits for it. */
static inline void kubesim_stop(pid_t pid)
{
	int status;

	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
	}
}

/* A connection for kubesim's control API (/_kubesim/...), which lives at
 * the server root, outside any cluster: CONTEXT's target with its server
 * moved to the root, user agent "control".  0 or a negative KD_E* code. */
static inline int kubesim_control_conn(kd_kube_conn **out, kd_kube_driver *drv,
				       const kd_kubeconfig *kc, const char *context, int port)
{
	kd_kube_target *t;
	char root[64];
	int rc;

	if ((rc = kd_kube_target_new(&t, kc, context)) < 0)
		return rc;
	snprintf(root, sizeof(root), "https://127.0.0.1:%d", port);
	free(t->server);
	if (!(t->server = strdup(root))) {
		kd_kube_target_free(t);
		return KD_ENOMEM;
	}
	return kd_kube_conn_new(out, drv, t, "control", NULL);
}

/* A call to the control API through ctl: METHOD /_kubesim/clusters/WHAT
 * with a JSON body; the HTTP status, or a negative KD_E* code. */
static inline int kubesim_control(kd_kube_conn *ctl, const char *method, const char *what,
				  const char *body)
{
	char path[256];
	kd_kube_request req = { .method = method, .path = path,
				.content_type = "application/json", .body = body,
				.body_len = body ? strlen(body) : 0 };
	int status = 0, rc;

	snprintf(path, sizeof(path), "/_kubesim/clusters/%s", what);
	rc = kd_kube_request_sync(NULL, &status, ctl, &req);
	return rc < 0 ? rc : status;
}

#endif
