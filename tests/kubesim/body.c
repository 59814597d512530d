/*
 * body — YAML request bodies.  Until core/yaml lands in this branch only
 * JSON is accepted; kubectl always sends JSON, even for apply patches.
 */
#include "ks.h"

#include "error.h"

int ks_yaml_body(json_t **out, const char *data, size_t len)
{
	(void)data;
	(void)len;
	*out = NULL;
	return kd_error_set(KD_EUNSUPPORTED, "YAML bodies are not supported yet");
}
