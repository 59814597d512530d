/*
 * editor — running the user's editor on a file (see base.h).
 *
 * posix_spawn with an environment built beforehand: the faces run other
 * threads (the engine, the worker), so nothing here changes the process's
 * own environment or allocates between fork and exec.
 */
#include "base/base.h"

#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>

extern char **environ;

const char *kd_editor(void)
{
	const char *ed = getenv("VISUAL");

	if (!ed || !*ed)
		ed = getenv("EDITOR");
	return ed && *ed ? ed : "vi";
}

int kd_editor_run(const char *path)
{
	const char *ed = kd_editor();
	kd_buf cmd = KD_BUF_INIT, var = KD_BUF_INIT;
	char **env = NULL;
	size_t n = 0, i, k = 0;
	pid_t pid;
	int rc = 0, st;

	while (environ[n])
		n++;
	if (!(env = calloc(n + 2, sizeof(*env))) ||
	    kd_buf_printf(&cmd, "%s \"$KDRIFT_EDIT_FILE\"", ed) < 0 ||
	    kd_buf_printf(&var, "KDRIFT_EDIT_FILE=%s", path) < 0) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "KDRIFT_EDIT_FILE=", 17) != 0)
			env[k++] = environ[i];
	env[k++] = var.data;
	{
		char *argv[] = { "sh", "-c", cmd.data, NULL };

		if ((errno = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, env)) != 0) {
			rc = kd_error_set(KD_ERROR, "cannot start the editor (%s): %s", ed,
					  strerror(errno));
			goto cleanup;
		}
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			rc = kd_error_set(KD_ERROR, "waiting for the editor (%s): %s", ed,
					  strerror(errno));
			goto cleanup;
		}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		rc = kd_error_set(KD_ERROR, "the editor (%s) failed; nothing was changed", ed);
cleanup:
	free(env);
	kd_buf_free(&cmd);
	kd_buf_free(&var);
	return rc;
}
