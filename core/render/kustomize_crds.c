/*
 * kustomize_crds — a kustomization's `crds:`: files of OpenAPI definitions
 * (a mapping of Go type names to {Schema, Dependencies}) whose properties
 * carry kustomize's x-kubernetes-* marks, turned into transformer
 * configuration: x-kubernetes-annotation → commonAnnotations,
 * x-kubernetes-label-selector → commonLabels, x-kubernetes-identity →
 * namePrefix, x-kubernetes-object-ref-api-version/-kind (and -name-key)
 * → a name reference.  As in kustomize, a definition counts when its
 * properties hold kind, apiVersion and metadata; its kind is the type
 * name's last dot-separated part (no group, no version), and "$ref"s are
 * followed by type name through the same file.  Never prints.
 */
#include "render_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "data/data.h"

/* A recursive definition would never end in kustomize; here it is refused. */
#define MAX_DEPTH 32

/* The definition's schema ("Schema" in any case, as Go's json reads it). */
static const json_t *schema_of(const json_t *def)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)def, key, v)
		if (strcasecmp(key, "schema") == 0)
			return v;
	return NULL;
}

/* An extension's value when it is a string (keys match in any case). */
static const char *ext(const json_t *prop, const char *name)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)prop, key, v)
		if (strcasecmp(key, name) == 0)
			return json_string_value(v);
	return NULL;
}

static bool looks_like_k8s(const json_t *props)
{
	return json_object_get(props, "kind") && json_object_get(props, "apiVersion") &&
	       json_object_get(props, "metadata");
}

static int add_fs(kd_kz_tconfig *tc, kd_kz_fscat cat, const char *kind, const kd_buf *path)
{
	kd_kz_fspec fs = { "", "", kind, kd_buf_cstr(path), false };

	return kd_kz_tconfig_add(tc, cat, &fs);
}

static int load_type(kd_kz_tconfig *tc, const json_t *map, const char *kind,
		     const char *type, const char *path, int depth, const char *file)
{
	const json_t *props = json_object_get(schema_of(json_object_get(map, type)), "properties");
	const char *name;
	json_t *prop;
	int rc = 0;

	if (depth > MAX_DEPTH)
		return kd_error_set(KD_ELIMIT, "%s: definition '%s' nests more than %d deep",
				    file, type, MAX_DEPTH);
	json_object_foreach((json_t *)props, name, prop) {
		const char *version = ext(prop, "x-kubernetes-object-ref-api-version");
		const char *ref_kind = ext(prop, "x-kubernetes-object-ref-kind");
		const char *ref = json_string_value(json_object_get(prop, "$ref"));
		kd_buf p = KD_BUF_INIT;

		if (!json_is_object(prop))
			continue;
		if (kd_buf_printf(&p, "%s%s%s", path, path[0] ? "/" : "", name) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
		} else {
			if (rc == 0 && ext(prop, "x-kubernetes-annotation"))
				rc = add_fs(tc, KD_KZ_FS_ANNOTATIONS, kind, &p);
			if (rc == 0 && ext(prop, "x-kubernetes-label-selector"))
				rc = add_fs(tc, KD_KZ_FS_COMMON_LABELS, kind, &p);
			if (rc == 0 && ext(prop, "x-kubernetes-identity"))
				rc = add_fs(tc, KD_KZ_FS_PREFIX, kind, &p);
			if (rc == 0 && version && ref_kind) {
				const char *key = ext(prop, "x-kubernetes-object-ref-name-key");
				kd_buf rp = KD_BUF_INIT;

				if (kd_buf_printf(&rp, "%s/%s", kd_buf_cstr(&p), key ? key : "name") < 0) {
					rc = kd_error_set(KD_ENOMEM, "out of memory");
				} else {
					kd_kz_fspec fs = { "", "", kind, kd_buf_cstr(&rp), false };

					rc = kd_kz_tconfig_add_ref(tc, "", version, ref_kind, &fs);
				}
				kd_buf_free(&rp);
			}
			if (rc == 0 && ref && ref[0] && json_object_get(map, ref))
				rc = load_type(tc, map, kind, ref, kd_buf_cstr(&p), depth + 1, file);
		}
		kd_buf_free(&p);
		if (rc < 0)
			break;
	}
	return rc;
}

/* One file's definitions into tc (a configuration of its own). */
static int load_file(kd_kz_tconfig *tc, const json_t *map, const char *file)
{
	const char *type;
	json_t *def;
	int rc;

	if (json_is_null(map))
		return 0;
	if (!json_is_object(map))
		return kd_error_set(KD_EINVAL, "unable to parse open API definition from '%s': not a mapping",
				    file);
	json_object_foreach((json_t *)map, type, def) {
		const json_t *schema = schema_of(def);
		const char *dot = strrchr(type, '.');

		if (!json_is_object(def) || (schema && !json_is_object(schema) && !json_is_null(schema)))
			return kd_error_set(KD_EINVAL,
					    "unable to parse open API definition from '%s': '%s' is not a definition",
					    file, type);
		if (!looks_like_k8s(json_object_get(schema, "properties")))
			continue;
		if ((rc = load_type(tc, map, dot ? dot + 1 : type, type, "", 0, file)) < 0)
			return rc;
	}
	return 0;
}

int kd_kz_crds_load(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l)
{
	kd_kz_tconfig all;
	int rc;

	rc = kd_kz_tconfig_files(&all, c, f, "crds", load_file, true);
	if (rc == 0 && (rc = kd_kz_tconfig_merge(&l->tc, &all)) < 0 && rc != KD_ENOMEM)
		rc = kd_kz_wrap(f, "/crds", rc);
	kd_kz_tconfig_free(&all);
	return rc;
}
