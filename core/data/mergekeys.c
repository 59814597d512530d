/*
 * mergekeys — the merge-key table of built-in list fields (see data.h).
 */
#include "data/data.h"

#include <string.h>


typedef struct entry {
	const char *name;
	const char *keys[KD_MERGEKEYS_MAX];
	const char *defaults[KD_MERGEKEYS_MAX];
} entry;

/* From the patchMergeKey / listMapKey markers of the Kubernetes API types.
 * Ports appear twice: container ports are keyed by containerPort, Service
 * ports by port; both default protocol to TCP. */
static const entry table[] = {
	{ "containers", { "name" }, { NULL } },
	{ "initContainers", { "name" }, { NULL } },
	{ "ephemeralContainers", { "name" }, { NULL } },
	{ "env", { "name" }, { NULL } },
	{ "volumes", { "name" }, { NULL } },
	{ "volumeMounts", { "mountPath" }, { NULL } },
	{ "volumeDevices", { "devicePath" }, { NULL } },
	{ "imagePullSecrets", { "name" }, { NULL } },
	{ "hostAliases", { "ip" }, { NULL } },
	{ "resourceClaims", { "name" }, { NULL } },
	{ "resizePolicy", { "resourceName" }, { NULL } },
	{ "readinessGates", { "conditionType" }, { NULL } },
	{ "topologySpreadConstraints", { "topologyKey", "whenUnsatisfiable" }, { NULL, NULL } },
	{ "webhooks", { "name" }, { NULL } },
	{ "versions", { "name" }, { NULL } },
	{ "ports", { "containerPort", "protocol" }, { NULL, "TCP" } },
	{ "ports", { "port", "protocol" }, { NULL, "TCP" } },
	{ "ownerReferences", { "uid" }, { NULL } },
	{ "conditions", { "type" }, { NULL } },
};

static void entry_keys(kd_mergekeys *mk, const entry *e)
{
	size_t k;

	memset(mk, 0, sizeof(*mk));
	for (k = 0; k < KD_MERGEKEYS_MAX && e->keys[k]; k++) {
		mk->keys[k] = e->keys[k];
		mk->defaults[k] = e->defaults[k];
		mk->nkeys = k + 1;
	}
}

static bool all_keyed(const entry *e, const json_t *list)
{
	kd_mergekeys mk;
	size_t i, j;
	json_t *x;

	if (!list)
		return true;
	if (!json_is_array(list))
		return false;
	json_array_foreach(list, i, x) {
		if (!json_is_object(x) || !json_object_get(x, e->keys[0]))
			return false;
	}
	/* A duplicated key makes matching ambiguous; the server would have
	 * refused the list anyway, so comparing it whole is the honest answer. */
	entry_keys(&mk, e);
	for (i = 0; i < json_array_size(list); i++) {
		for (j = i + 1; j < json_array_size(list); j++) {
			if (kd_mergekeys_match(&mk, json_array_get(list, i),
					       json_array_get(list, j)))
				return false;
		}
	}
	return true;
}

void kd_mergekeys_for(kd_mergekeys *out, const char *name, const json_t *a,
		      const json_t *b)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!name)
		return;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const entry *e = &table[i];

		if (strcmp(e->name, name) != 0)
			continue;
		if (!all_keyed(e, a) || !all_keyed(e, b))
			continue;
		entry_keys(out, e);
		return;
	}
}

static bool key_equal(const json_t *x, const json_t *y, const char *dflt)
{
	if (!x && !y)
		return true;   /* both take the default, whatever it is */
	if (!x && dflt)
		return json_is_string(y) && strcmp(json_string_value(y), dflt) == 0;
	if (!y && dflt)
		return json_is_string(x) && strcmp(json_string_value(x), dflt) == 0;
	if (!x || !y)
		return !x && !y;
	return kd_json_equal(x, y);
}

bool kd_mergekeys_match(const kd_mergekeys *mk, const json_t *x,
			const json_t *y)
{
	size_t k;

	if (mk->nkeys == 0 || !json_is_object(x) || !json_is_object(y))
		return false;
	for (k = 0; k < mk->nkeys; k++) {
		if (!key_equal(json_object_get(x, mk->keys[k]),
			       json_object_get(y, mk->keys[k]), mk->defaults[k]))
			return false;
	}
	return true;
}

long kd_mergekeys_find(const kd_mergekeys *mk, const json_t *list,
		       const json_t *elem)
{
	size_t i;
	json_t *x;

	json_array_foreach(list, i, x) {
		if (kd_mergekeys_match(mk, x, elem))
			return (long)i;
	}
	return -1;
}
