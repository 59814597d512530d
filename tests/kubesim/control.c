/*
 * control — the /_kubesim/ API (placeholder until the scenario runner).
 */
#include "ks.h"

void ks_control_handle(ks_request *r, ks_response *resp)
{
	(void)r;
	ks_respond_status(resp, 404, "NotFound", "unknown control endpoint", NULL);
}

int ks_scenario_start(const char *path)
{
	(void)path;
	return 0;
}

void ks_scenario_stop(void)
{
}
