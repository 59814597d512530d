/*
 * fleet_load — reading the fleet file from a source (see fleet.h).
 *
 * Kept apart from fleet.c so that programs which only parse fleet text do
 * not pull in the Git-backed source module.
 */
#include "fleet/fleet.h"

#include "base/base.h"
#include "source/source.h"

int kd_fleet_load(kd_fleet **out, kd_source *src, const char *path)
{
	kd_buf data = KD_BUF_INIT;
	int rc;

	*out = NULL;
	if (!path)
		path = "kdrift.yaml";
	rc = kd_source_read(&data, src, path);
	if (rc == KD_ENOTFOUND)
		rc = kd_error_set(KD_ENOTFOUND,
				  "%s: no fleet file in %s (write one at the repository root; "
				  "see kdrift.yaml(5))",
				  path, kd_source_label(src));
	if (rc == 0)
		rc = kd_fleet_parse(out, kd_buf_cstr(&data), data.len, path);
	kd_buf_free(&data);
	return rc;
}
