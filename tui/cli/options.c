/*
 * options — what every command parses the same way: the engine's options
 * (KD_CLI_ENGINE_OPTIONS in cli.h, the table entries), the defaults the
 * user's settings file gives them, and object arguments
 * (KIND/NAMESPACE/NAME).  Parses only; never runs the engine or prints
 * anything but a usage error or a settings file's warnings.
 */
#include "cli.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "engine/engine.h"
#include "userconf/userconf.h"

/* The settings file, read once per process (its strings back the options
 * that point at them until the process ends). */
static kd_userconf *userconf;
static bool userconf_read;

static void warn_stderr(void *ctx, const char *msg)
{
	(void)ctx;
	fputs("kdrift: warning: ", stderr);
	kd_cli_print_safe(stderr, msg);
	fputc('\n', stderr);
}

const kd_userconf *kd_cli_userconf(void (*warn)(void *ctx, const char *msg), void *ctx)
{
	static const kd_userconf none = { .mouse = -1 };
	int rc;

	if (!warn)
		warn = warn_stderr;
	if (!userconf_read) {
		userconf_read = true;
		rc = kd_userconf_load(&userconf, NULL, warn, ctx);
		/* KD_ENOTFOUND: no HOME to find it by, so no file */
		if (rc < 0 && rc != KD_ENOTFOUND)
			warn(ctx, kd_error_last());
	}
	return userconf ? userconf : &none;
}

const char *kd_cli_default_repo(void)
{
	const kd_userconf *u = kd_cli_userconf(NULL, NULL);

	return u->repo ? u->repo : ".";
}

void kd_cli_engine_defaults(kd_engine_opts *o)
{
	const kd_userconf *u = kd_cli_userconf(NULL, NULL);
	const char *env = getenv("KUBECONFIG");

	if (!o->repo && u->repo)
		o->repo = u->repo;
	/* $KUBECONFIG comes before the file: the environment is more specific */
	if (!o->kubeconfig && !(env && *env) && u->kubeconfig)
		o->kubeconfig = u->kubeconfig;
}

int kd_cli_engine_opt(kd_engine_opts *o, int c, const char *arg, const char *cmd)
{
	long v;

	switch (c) {
	case 'r': o->repo = arg; return 0;
	case 'R': o->revision = arg; return 0;
	case 'w': o->worktree = true; return 0;
	case 'f': o->fleet_file = arg; return 0;
	case 'k': o->kubeconfig = arg; return 0;
	case 'c': o->cluster_selector = arg; return 0;
	case 'a': o->app = arg; return 0;
	case 'q': kd_cli_set_quiet(true); return 0;
	case 't':
		if (kd_duration_parse_seconds(&v, arg, KD_CLI_TIMEOUT_MAX_S) < 0)
			return kd_cli_usage_error(cmd, "--timeout: %s", kd_error_last());
		o->timeout_s = (int)v;
		return 0;
	default:
		return 1;
	}
}

int kd_cli_parse_object(kd_cli_object *o, const char *spec)
{
	const char *s1 = strchr(spec, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;

	memset(o, 0, sizeof(*o));
	if (!s1 || s1 == spec || !s1[1] || (s2 && (!s2[1] || strchr(s2 + 1, '/'))))
		return kd_error_set(KD_EINVAL, "an object is KIND/NAMESPACE/NAME (or KIND/NAME "
				    "for a cluster-scoped one), not '%s'", spec);
	o->kind = strndup(spec, (size_t)(s1 - spec));
	if (s2) {
		o->namespace = strndup(s1 + 1, (size_t)(s2 - s1 - 1));
		o->name = strdup(s2 + 1);
	} else {
		o->namespace = strdup("");
		o->name = strdup(s1 + 1);
	}
	if (!o->kind || !o->namespace || !o->name) {
		kd_cli_object_free(o);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

void kd_cli_object_free(kd_cli_object *o)
{
	free(o->kind);
	free(o->namespace);
	free(o->name);
	memset(o, 0, sizeof(*o));
}
