/*
 * action — names, groups and help of the actions (see action.h).
 */
#include "action.h"

#include <string.h>

struct action_info {
	const char *name, *group, *help;
};

static const struct action_info actions[KD_ACT_COUNT] = {
	[KD_ACT_NONE] = { "", "", "" },
#define KD_X(id, name, group, help) [KD_ACT_##id] = { name, group, help },
	KD_ACTIONS(KD_X)
#undef KD_X
};

const char *kd_action_name(kd_action a)
{
	return a > 0 && a < KD_ACT_COUNT ? actions[a].name : "";
}

const char *kd_action_group(kd_action a)
{
	return a > 0 && a < KD_ACT_COUNT ? actions[a].group : "";
}

const char *kd_action_help(kd_action a)
{
	return a > 0 && a < KD_ACT_COUNT ? actions[a].help : "";
}

kd_action kd_action_parse(const char *name)
{
	int a;

	for (a = 1; a < KD_ACT_COUNT; a++)
		if (strcmp(actions[a].name, name) == 0)
			return (kd_action)a;
	return KD_ACT_NONE;
}
