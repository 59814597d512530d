/*
 * options — what every command parses the same way: the engine's options
 * (KD_CLI_ENGINE_OPTIONS in cli.h, the table entries) and object arguments
 * (KIND/NAMESPACE/NAME).  Parses only; never runs the engine or prints
 * anything but a usage error.
 */
#include "cli.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "engine/engine.h"

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
