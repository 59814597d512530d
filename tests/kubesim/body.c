/*
 * body — YAML request bodies (apply patches may be YAML; kubectl sends
 * JSON, which is YAML too) and scenario files, through core's YAML reader.
 */
#include "ks.h"

#include "base/base.h"
#include "data/data.h"

int ks_yaml_body(json_t **out, const char *data, size_t len)
{
	*out = NULL;
	if (kd_yaml_parse_one(out, NULL, data, len, "request body", NULL) < 0)
		return KD_EINVAL;
	if (!*out)
		return kd_error_set(KD_EINVAL, "request body: empty document");
	return 0;
}
