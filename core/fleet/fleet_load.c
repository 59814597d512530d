/*
 * fleet_load — reading the fleet file from a source (see fleet.h).
 *
 * Kept apart from fleet.c so that programs which only parse fleet text do
 * not pull in the Git-backed source module.
 */
#include "fleet/fleet.h"

#include <string.h>

#include "base/base.h"
#include "source/source.h"

/* A resolved commit id, as opposed to "worktree" or "directory". */
static bool is_commit(const char *revision)
{
	return strlen(revision) == 40 && strspn(revision, "0123456789abcdef") == 40;
}

int kd_fleet_load(kd_fleet **out, kd_source *src, const char *path)
{
	kd_buf data = KD_BUF_INIT;
	int rc;

	*out = NULL;
	if (!path)
		path = "kdrift.yaml";
	rc = kd_source_read(&data, src, path);
	/* The hint must fit the case: init writes kdrift.yaml into a work
	 * tree, and a commit only has it once it is committed. */
	if (rc == KD_ENOTFOUND && strcmp(path, "kdrift.yaml") != 0)
		rc = kd_error_set(KD_ENOTFOUND,
				  "%s: no fleet file in %s (check --fleet; 'kdrift init' writes kdrift.yaml)",
				  path, kd_source_label(src));
	else if (rc == KD_ENOTFOUND && is_commit(kd_source_revision(src)))
		rc = kd_error_set(KD_ENOTFOUND,
				  "%s: no fleet file in %s (run 'kdrift init' to write one, then commit it; --worktree reads it uncommitted)",
				  path, kd_source_label(src));
	else if (rc == KD_ENOTFOUND)
		rc = kd_error_set(KD_ENOTFOUND,
				  "%s: no fleet file in %s (run 'kdrift init' to write one)",
				  path, kd_source_label(src));
	if (rc == 0)
		rc = kd_fleet_parse(out, kd_buf_cstr(&data), data.len, path);
	kd_buf_free(&data);
	return rc;
}
