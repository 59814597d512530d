/*
 * xdg — where kdrift's config, state and cache live (see base.h).  Reads
 * the environment only; creates nothing (kd_fs_mkdirs does, when a file
 * is first written).
 */
#include "base/base.h"

#include <stdlib.h>

static const struct {
	const char *var;      /* the XDG variable */
	const char *under;    /* its default below HOME */
	const char *what;     /* for the message */
} kinds[] = {
	[KD_XDG_CONFIG] = { "XDG_CONFIG_HOME", ".config", "configuration" },
	[KD_XDG_STATE] = { "XDG_STATE_HOME", ".local/state", "state (audit log, sessions)" },
	[KD_XDG_CACHE] = { "XDG_CACHE_HOME", ".cache", "cache" },
};

static bool absolute(const char *p)
{
	return p && p[0] == '/';
}

int kd_xdg_dir(char **out, kd_xdg_kind kind)
{
	const char *own = kind == KD_XDG_CONFIG ? getenv("KDRIFT_CONFIG_DIR") : NULL;
	const char *xdg, *home = getenv("HOME");
	kd_buf b = KD_BUF_INIT;
	int rc;

	*out = NULL;
	if ((unsigned)kind >= sizeof(kinds) / sizeof(kinds[0]))
		return kd_error_set(KD_EINVAL, "no such XDG directory (%d)", (int)kind);
	xdg = getenv(kinds[kind].var);
	if (own && *own)
		rc = kd_buf_puts(&b, own);
	else if (absolute(xdg))
		rc = kd_buf_printf(&b, "%s/kdrift", xdg);
	else if (absolute(home))
		rc = kd_buf_printf(&b, "%s/%s/kdrift", home, kinds[kind].under);
	else
		return kd_error_set(KD_ENOTFOUND, "nowhere to keep kdrift's %s: set %s or HOME "
				    "to an absolute path", kinds[kind].what, kinds[kind].var);
	if (rc == 0 && !(*out = kd_buf_detach(&b)))
		rc = kd_error_set(KD_ENOMEM, "out of memory");
	kd_buf_free(&b);
	return rc;
}

int kd_xdg_path(char **out, kd_xdg_kind kind, const char *name)
{
	char *dir = NULL;
	kd_buf b = KD_BUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = kd_xdg_dir(&dir, kind)) < 0)
		return rc;
	rc = kd_buf_printf(&b, "%s/%s", dir, name);
	if (rc == 0 && !(*out = kd_buf_detach(&b)))
		rc = kd_error_set(KD_ENOMEM, "out of memory");
	kd_buf_free(&b);
	free(dir);
	return rc;
}
