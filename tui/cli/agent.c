/*
 * agent — `kdrift agent --cluster NAME`: kdrift running inside one cluster
 * (DESIGN §11).  Parses the options, starts the metrics server when asked,
 * runs core's agent (core/act: engine, policy, DriftReports) until SIGTERM
 * or SIGINT, or once with --once, and prints its events on stderr, one
 * sanitised line each.
 *
 * Options fall back to environment variables, so a Deployment can set them
 * from a ConfigMap and name the files of a mounted Secret:
 * KDRIFT_CLUSTER, KDRIFT_REPO, KDRIFT_REVISION, KDRIFT_INTERVAL, KDRIFT_GIT_USERNAME,
 * KDRIFT_GIT_TOKEN_FILE, KDRIFT_GIT_SSH_KEY_FILE, KDRIFT_GIT_KNOWN_HOSTS;
 * KDRIFT_SERVICEACCOUNT_DIR replaces the service account's directory (for
 * tests).  Exit status: 0 when the last reconcile was reported, 2 on
 * errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "act/act.h"
#include "base/base.h"
#include "cli.h"

#define CMD "agent"
#define AGENT_INTERVAL_MAX_S (7L * 86400)

static int stop_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	ssize_t r;

	(void)sig;
	r = write(stop_pipe[1], "!", 1);
	(void)r;
	errno = saved;
}

static void log_line(void *ctx, kd_log_level level, const char *message)
{
	static const char *const names[] = { "info", "warn", "error" };
	char when[KD_TIME_SIZE];
	kd_buf b = KD_BUF_INIT;

	(void)ctx;
	kd_time_format(when, kd_time_now_ms(), 0);
	kd_buf_printf(&b, "%s %s ", when, (unsigned)level < 3 ? names[level] : "info");
	kd_cli_sanitize(&b, message);
	kd_buf_puts(&b, "\n");
	fputs(kd_buf_cstr(&b), stderr);
	fflush(stderr);
	kd_buf_free(&b);
}

/* The agent's interval: base's duration grammar, 1s to 7d. */
static int parse_interval(long *out, const char *text)
{
	return kd_duration_parse_seconds(out, text, AGENT_INTERVAL_MAX_S);
}

static const char *env_or(const char *v, const char *name)
{
	const char *e;

	if (v)
		return v;
	e = getenv(name);
	return e && *e ? e : NULL;
}

static int install_signals(void)
{
	struct sigaction sa;

	if (pipe(stop_pipe) < 0)
		return kd_error_set(KD_EIO, "pipe: %s", strerror(errno));
	fcntl(stop_pipe[0], F_SETFD, FD_CLOEXEC);
	fcntl(stop_pipe[1], F_SETFD, FD_CLOEXEC);
	fcntl(stop_pipe[1], F_SETFL, O_NONBLOCK);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int kd_cli_agent(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cluster", required_argument, NULL, 'c' },
		{ "repo", required_argument, NULL, 'r' },
		{ "revision", required_argument, NULL, 'R' },
		{ "fleet", required_argument, NULL, 'f' },
		{ "interval", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, '1' },
		{ "metrics-addr", required_argument, NULL, 'm' },
		{ "kubeconfig", required_argument, NULL, 'k' },
		{ "context", required_argument, NULL, 'C' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "git-username", required_argument, NULL, 'U' },
		{ "git-token-file", required_argument, NULL, 'T' },
		{ "git-ssh-key-file", required_argument, NULL, 'S' },
		{ "git-known-hosts", required_argument, NULL, 'K' },
		{ "webhook", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	kd_agent_opts o = { 0 };
	const char *metrics = NULL;
	kd_agent *a = NULL;
	kd_agent_http *http = NULL;
	long v;
	int c, rc = KD_EXIT_ERROR;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o.cluster = optarg; break;
		case 'r': o.repo = optarg; break;
		case 'R': o.revision = optarg; break;
		case 'f': o.fleet_file = optarg; break;
		case 'i':
			if (parse_interval(&o.interval_s, optarg) < 0)
				return kd_cli_usage_error(CMD, "--interval: %s", kd_error_last());
			break;
		case '1': o.once = true; break;
		case 'm': metrics = optarg; break;
		case 'k': o.kubeconfig = optarg; break;
		case 'C': o.context = optarg; break;
		case 'n': o.namespace = optarg; break;
		case 't':
			if (kd_duration_parse_seconds(&v, optarg, KD_CLI_TIMEOUT_MAX_S) < 0)
				return kd_cli_usage_error(CMD, "--timeout: %s", kd_error_last());
			o.timeout_s = (int)v;
			break;
		case 'U': o.git_auth.username = optarg; break;
		case 'T': o.git_auth.token_file = optarg; break;
		case 'S': o.git_auth.ssh_key_file = optarg; break;
		case 'K': o.git_auth.known_hosts_file = optarg; break;
		case 'W': o.webhook = optarg; break;
		case 'h':
			return kd_cli_main(3, (char *[]){ "kdrift", "help", CMD, NULL });
		case ':':
			return kd_cli_usage_error(CMD, "option '%s' needs a value", argv[optind - 1]);
		default:
			return kd_cli_unknown_option(CMD, argv[optind - 1]);
		}
	}
	if (optind != argc)
		return kd_cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
	o.cluster = env_or(o.cluster, "KDRIFT_CLUSTER");
	o.repo = env_or(o.repo, "KDRIFT_REPO");
	o.revision = env_or(o.revision, "KDRIFT_REVISION");
	if (!o.interval_s && env_or(NULL, "KDRIFT_INTERVAL") &&
	    parse_interval(&o.interval_s, env_or(NULL, "KDRIFT_INTERVAL")) < 0)
		return kd_cli_usage_error(CMD, "KDRIFT_INTERVAL: %s", kd_error_last());
	o.git_auth.username = env_or(o.git_auth.username, "KDRIFT_GIT_USERNAME");
	o.git_auth.token_file = env_or(o.git_auth.token_file, "KDRIFT_GIT_TOKEN_FILE");
	o.git_auth.ssh_key_file = env_or(o.git_auth.ssh_key_file, "KDRIFT_GIT_SSH_KEY_FILE");
	o.git_auth.known_hosts_file = env_or(o.git_auth.known_hosts_file, "KDRIFT_GIT_KNOWN_HOSTS");
	o.serviceaccount_dir = env_or(NULL, "KDRIFT_SERVICEACCOUNT_DIR");
	if (!o.cluster)
		return kd_cli_usage_error(CMD, "--cluster NAME (or KDRIFT_CLUSTER) names the cluster "
					  "the agent runs in, as the fleet file names it");
	o.log = log_line;
	if (install_signals() < 0)
		return kd_cli_fail(CMD);
	if (kd_agent_new(&a, &o) < 0) {
		rc = kd_cli_fail(CMD);
		goto cleanup;
	}
	if (metrics) {
		if (kd_agent_http_start(&http, a, metrics) < 0) {
			rc = kd_cli_fail(CMD);
			goto cleanup;
		}
		fprintf(stderr, "kdrift: agent: metrics on port %d (/metrics, /healthz, /readyz)\n",
			kd_agent_http_port(http));
		fflush(stderr);
	}
	rc = kd_agent_run(a, stop_pipe[0]) < 0 ? kd_cli_fail(CMD) : KD_EXIT_OK;
cleanup:
	kd_agent_http_stop(http);
	kd_agent_free(a);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	stop_pipe[0] = stop_pipe[1] = -1;
	return rc;
}
