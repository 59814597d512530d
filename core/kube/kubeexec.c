/*
 * kubeexec — exec credential plugins (see kube.h).
 */
#include "kube/kube.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"

extern char **environ;

#define EXEC_TIMEOUT_MS 60000
#define EXEC_OUTPUT_MAX (1u << 20)

static void wipe_buf(kd_buf *b)
{
	if (b->data)
		memset(b->data, 0, b->len);
	kd_buf_free(b);
}

void kd_exec_credential_clear(kd_exec_credential *c)
{
	if (c->token) {
		memset(c->token, 0, strlen(c->token));
		free(c->token);
	}
	wipe_buf(&c->client_cert);
	wipe_buf(&c->client_key);
	memset(c, 0, sizeof(*c));
}

/* KUBERNETES_EXEC_INFO: what the plugin is asked for. */
static int exec_info(kd_buf *out, const kd_kube_target *t)
{
	json_t *spec = json_pack("{s:b}", "interactive", 0);
	json_t *info;
	char *text;
	int rc = 0;

	if (spec && t->exec->provide_cluster_info) {
		json_t *cluster = json_pack("{s:s}", "server", t->server);
		kd_buf ca = KD_BUF_INIT;

		if (cluster && t->ca_pem.len &&
		    kd_base64_encode(&ca, t->ca_pem.data, t->ca_pem.len) == 0)
			json_object_set_new(cluster, "certificate-authority-data",
					    json_string(kd_buf_cstr(&ca)));
		if (cluster && t->tls_server_name)
			json_object_set_new(cluster, "tls-server-name",
					    json_string(t->tls_server_name));
		if (cluster && t->insecure)
			json_object_set_new(cluster, "insecure-skip-tls-verify", json_true());
		if (cluster && t->proxy_url)
			json_object_set_new(cluster, "proxy-url", json_string(t->proxy_url));
		json_object_set_new(spec, "cluster", cluster);
		kd_buf_free(&ca);
	}
	info = json_pack("{s:s,s:s,s:o}", "apiVersion", t->exec->api_version,
			 "kind", "ExecCredential", "spec", spec);
	text = info ? json_dumps(info, JSON_COMPACT) : NULL;
	if (!text || kd_buf_printf(out, "KUBERNETES_EXEC_INFO=%s", text) < 0)
		rc = kd_error_set(KD_ENOMEM, "out of memory");
	free(text);
	json_decref(info);
	return rc;
}

/* environ + the plugin's env + KUBERNETES_EXEC_INFO; a later name wins. */
static char **plugin_env(const kd_kube_target *t, const char *info)
{
	size_t n = 0, m = 0, i, j, k = 0;
	char **env;

	while (environ[n])
		n++;
	while (t->exec->env[m])
		m++;
	if (!(env = calloc(n + m + 2, sizeof(*env))))
		return NULL;
	for (i = 0; i < n; i++) {
		size_t len = strcspn(environ[i], "=");
		bool overridden = strncmp(environ[i], "KUBERNETES_EXEC_INFO=", 21) == 0;

		for (j = 0; j < m && !overridden; j++)
			overridden = strncmp(environ[i], t->exec->env[j], len + 1) == 0;
		if (!overridden)
			env[k++] = environ[i];
	}
	for (j = 0; j < m; j++)
		env[k++] = t->exec->env[j];
	env[k++] = (char *)info;
	env[k] = NULL;
	return env;
}

static int cloexec_pipe(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the plugin's stdout and stderr until both close or time runs out. */
static int collect_output(int out_fd, int err_fd, kd_buf *out, kd_buf *err)
{
	struct pollfd fds[2] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 } };
	long deadline = now_ms() + EXEC_TIMEOUT_MS;
	char chunk[4096];
	int open_fds = 2, rc;

	while (open_fds > 0) {
		long left = deadline - now_ms();
		int i;

		if (left <= 0) {
			kd_buf within = KD_BUF_INIT;

			kd_duration_format(&within, EXEC_TIMEOUT_MS, KD_DURATION_SPAN);
			rc = kd_error_set(KD_EIO, "did not finish within %s", kd_buf_cstr(&within));
			kd_buf_free(&within);
			return rc;
		}
		rc = poll(fds, 2, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return kd_error_set(KD_EIO, "poll: %s", strerror(errno));
		for (i = 0; i < 2; i++) {
			ssize_t r;
			kd_buf *b = i == 0 ? out : err;

			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(fds[i].fd, chunk, sizeof(chunk));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			if (b->len + (size_t)r > EXEC_OUTPUT_MAX)
				return kd_error_set(KD_ELIMIT, "wrote more than %u bytes",
						    EXEC_OUTPUT_MAX);
			if ((rc = kd_buf_add(b, chunk, (size_t)r)) < 0)
				return rc;
		}
	}
	return 0;
}

/* The first line of the plugin's stderr, at most about 200 bytes, made
 * inert (kd_sanitize) for the message that quotes it. */
static int stderr_summary(kd_buf *out, const kd_buf *err)
{
	const char *nl = err->len ? memchr(err->data, '\n', err->len) : NULL;
	size_t len = nl ? (size_t)(nl - err->data) : err->len;

	if (len > 200) {
		len = 200;
		/* not in the middle of a character */
		while (len > 0 && ((unsigned char)err->data[len] & 0xc0) == 0x80)
			len--;
	}
	return len ? kd_sanitize(out, err->data, len, 0) : 0;
}

static int parse_credential(kd_exec_credential *cred, const kd_buf *out,
			    const kd_kube_target *t)
{
	json_error_t jerr;
	json_t *doc = json_loadb(kd_buf_cstr(out), out->len, 0, &jerr);
	const json_t *status;
	const char *api, *token = NULL, *cert, *key = NULL, *exp;
	int rc = 0;

	if (!doc)
		return kd_error_set(KD_EINVAL, "output is not JSON (line %d)", jerr.line);
	api = json_string_value(json_object_get(doc, "apiVersion"));
	if (!api || strcmp(api, t->exec->api_version) != 0) {
		rc = kd_error_set(KD_EINVAL, "returned apiVersion '%s', expected '%s'",
				  api ? api : "", t->exec->api_version);
		goto cleanup;
	}
	status = json_object_get(doc, "status");
	token = json_string_value(json_object_get(status, "token"));
	cert = json_string_value(json_object_get(status, "clientCertificateData"));
	key = json_string_value(json_object_get(status, "clientKeyData"));
	exp = json_string_value(json_object_get(status, "expirationTimestamp"));
	if (!(token && token[0]) && !(cert && key)) {
		rc = kd_error_set(KD_EINVAL, "returned neither a token nor a client certificate and key");
		goto cleanup;
	}
	if ((cert != NULL) != (key != NULL)) {
		rc = kd_error_set(KD_EINVAL, "returned a client certificate without a key or the other way round");
		goto cleanup;
	}
	if (token && token[0] && !(cred->token = strdup(token))) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (cert && ((rc = kd_buf_puts(&cred->client_cert, cert)) < 0 ||
		     (rc = kd_buf_puts(&cred->client_key, key)) < 0))
		goto cleanup;
	if (exp) {
		int64_t ms;

		if ((rc = kd_time_parse(&ms, exp)) < 0)
			kd_error_set(rc, "expirationTimestamp is not an RFC 3339 time");
		else
			cred->expiry = (time_t)(ms / 1000);
	}
cleanup:
	/* The document holds the secret: wipe its strings before freeing. */
	if (token)
		memset((char *)token, 0, strlen(token));
	if (key)
		memset((char *)key, 0, strlen(key));
	json_decref(doc);
	return rc;
}

int kd_exec_credential_run(kd_exec_credential *cred, const kd_kube_target *t)
{
	posix_spawn_file_actions_t fa;
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	kd_buf info = KD_BUF_INIT, out = KD_BUF_INIT, err = KD_BUF_INIT;
	char **env = NULL, **argv = NULL;
	kd_buf summary = KD_BUF_INIT;
	size_t nargs = 0, i;
	pid_t pid = -1;
	int rc, status = 0;

	memset(cred, 0, sizeof(*cred));
	while (t->exec->args[nargs])
		nargs++;
	if ((rc = exec_info(&info, t)) < 0)
		return rc;
	env = plugin_env(t, kd_buf_cstr(&info));
	argv = calloc(nargs + 2, sizeof(*argv));
	if (!env || !argv) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	argv[0] = t->exec->command;
	for (i = 0; i < nargs; i++)
		argv[i + 1] = t->exec->args[i];
	if (cloexec_pipe(out_pipe) < 0 || cloexec_pipe(err_pipe) < 0) {
		rc = kd_error_set(KD_EIO, "pipe: %s", strerror(errno));
		goto cleanup;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
	rc = posix_spawnp(&pid, t->exec->command, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	close(out_pipe[1]);
	close(err_pipe[1]);
	out_pipe[1] = err_pipe[1] = -1;
	if (rc != 0) {
		pid = -1;
		rc = kd_error_set(KD_EIO, "cannot run exec plugin '%s': %s",
				  t->exec->command, strerror(rc));
		goto cleanup;
	}
	rc = collect_output(out_pipe[0], err_pipe[0], &out, &err);
	if (rc < 0) {
		kill(pid, SIGKILL);
		kd_error_wrap(rc, "exec plugin '%s' ", t->exec->command);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (rc < 0)
		goto cleanup;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if ((rc = stderr_summary(&summary, &err)) == 0)
			rc = kd_error_set(KD_EIO, "exec plugin '%s' failed (%s %d)%s%s",
					  t->exec->command,
					  WIFEXITED(status) ? "exit status" : "signal",
					  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
					  summary.len ? ": " : "", kd_buf_cstr(&summary));
		goto cleanup;
	}
	if ((rc = parse_credential(cred, &out, t)) < 0) {
		kd_error_wrap(rc, "exec plugin '%s': ", t->exec->command);
		kd_exec_credential_clear(cred);
	}
cleanup:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	for (i = 0; i < 2; i++) {
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
	}
	wipe_buf(&out);
	kd_buf_free(&err);
	kd_buf_free(&summary);
	kd_buf_free(&info);
	free(env);
	free(argv);
	return rc;
}
