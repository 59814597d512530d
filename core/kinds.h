/*
 * kinds — built-in knowledge about Kubernetes kinds: which are
 * cluster-scoped, their group, and their resource (plural) names.
 */
#ifndef KD_KINDS_H
#define KD_KINDS_H

#include <jansson.h>
#include <stdbool.h>

typedef struct kd_kind_info {
	const char *group;      /* "" for the core group */
	const char *version;    /* preferred version */
	const char *kind;
	const char *resource;   /* plural, lower case */
	bool namespaced;
} kd_kind_info;

/* Looks up a built-in kind by group and kind name; NULL when unknown. */
const kd_kind_info *kd_kind_lookup(const char *group, const char *kind);

/* All built-in kinds, terminated by an entry with kind == NULL. */
const kd_kind_info *kd_kinds_all(void);

/* True when the object's kind (from apiVersion and kind) is known to be
 * cluster-scoped.  Unknown kinds are assumed namespaced. */
bool kd_kind_is_cluster_scoped(const char *api_version, const char *kind);

/* The group of an apiVersion ("apps/v1" -> "apps", "v1" -> ""); writes at
 * most size bytes. */
void kd_api_group(char *out, size_t size, const char *api_version);

#endif
