/*
 * smp_openapi — a strategic merge schema read from an OpenAPI v2 document
 * (kustomize's `openapi: {path: ...}`): kinds named by a definition's
 * x-kubernetes-group-version-kind get the lists their definition marks
 * with x-kubernetes-patch-strategy merge, keyed by
 * x-kubernetes-list-map-keys or x-kubernetes-patch-merge-key (a merge list
 * without a key is a set of scalars).  When kdrift's built-in schema is
 * in use as well, definitions named as Kubernetes' own
 * (io.k8s.api.core.v1.PodSpec, ...) are the built-in types, since
 * kustomize parses its built-in schema after the custom one; else a
 * reference the document does not define is a type without keys.  Types are
 * built once, with
 * every definition a document names, so a patch never reads the document.
 */
#include "data/data.h"
#include "data_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

typedef struct dyn_type {
	char *name;          /* definition name, or NULL for an inline schema */
	smp_type type;
	smp_field *fields;
} dyn_type;

typedef struct root {
	char *api_version;
	char *kind;
	const smp_type *type;
} root;

struct kd_smp_schema {
	json_t *doc;
	dyn_type **types;
	size_t ntypes, captypes;
	root *roots;
	size_t nroots, caproots;
	bool oom;            /* an allocation failed while building types */
	bool builtin;        /* kdrift's built-in schema is in use as well */
};

static const smp_type *type_of(kd_smp_schema *s, const json_t *schema, int depth);

static const char *ref_name(const json_t *schema)
{
	const char *ref = json_string_value(json_object_get(schema, "$ref"));

	if (!ref || strncmp(ref, "#/definitions/", 14) != 0)
		return NULL;
	return ref + 14;
}

/* Follows $refs to the schema they name (NULL when a name is unknown). */
static const json_t *resolve(const kd_smp_schema *s, const json_t *schema)
{
	int hops;

	for (hops = 0; hops < 32 && schema; hops++) {
		const char *name = ref_name(schema);

		if (!name)
			return schema;
		schema = json_object_get(json_object_get(s->doc, "definitions"), name);
	}
	return NULL;
}

static dyn_type *new_type(kd_smp_schema *s, const char *name)
{
	dyn_type *t;

	if (s->ntypes == s->captypes) {
		size_t cap = s->captypes ? s->captypes * 2 : 16;
		dyn_type **p = realloc(s->types, cap * sizeof(*p));

		if (!p)
			return NULL;
		s->types = p;
		s->captypes = cap;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	if (name && !(t->name = strdup(name))) {
		free(t);
		return NULL;
	}
	s->types[s->ntypes++] = t;
	return t;
}

static bool has_merge(const json_t *schema)
{
	const char *ps = json_string_value(json_object_get(schema, "x-kubernetes-patch-strategy"));
	const char *p = ps;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (n == 5 && strncmp(p, "merge", 5) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

/* Keeps key strings alive in the document (they are its own strings). */
static void list_keys(smp_field *f, const json_t *schema)
{
	json_t *keys = json_object_get(schema, "x-kubernetes-list-map-keys");
	const char *mk = json_string_value(json_object_get(schema, "x-kubernetes-patch-merge-key"));
	size_t i;

	f->nkeys = 0;
	if (json_is_array(keys)) {
		for (i = 0; i < json_array_size(keys) && f->nkeys < 2; i++)
			if (json_string_value(json_array_get(keys, i)))
				f->keys[f->nkeys++] = json_string_value(json_array_get(keys, i));
	} else if (mk) {
		f->keys[f->nkeys++] = mk;
	}
}

static bool is_array(const json_t *schema)
{
	json_t *t = json_object_get(schema, "type");

	if (json_is_string(t))
		return strcmp(json_string_value(t), "array") == 0;
	return json_array_size(t) == 1 &&
	       strcmp(json_string_value(json_array_get(t, 0)) ? json_string_value(json_array_get(t, 0)) : "",
		      "array") == 0;
}

static int fill_field(kd_smp_schema *s, smp_field *f, const char *name, const json_t *prop,
		      int depth)
{
	const json_t *r = resolve(s, prop);
	const char *ref = ref_name(prop);
	bool known = false;

	memset(f, 0, sizeof(*f));
	f->name = name;
	/* Kubernetes' own definitions need not be in the document */
	if (s->builtin && ref && (f->type = kd_smp_named_type(ref, &known), known))
		return 0;
	if (!r)
		return 0;
	if (is_array(r)) {
		f->type = type_of(s, json_object_get(r, "items"), depth + 1);
		if (has_merge(r)) {
			list_keys(f, r);
			f->list = f->nkeys ? L_KEYED : L_PRIMITIVE;
		}
		return 0;
	}
	f->type = type_of(s, prop, depth + 1);
	return 0;
}

static const smp_type *type_of(kd_smp_schema *s, const json_t *schema, int depth)
{
	const char *name = ref_name(schema);
	const json_t *r;
	json_t *props, *addl;
	dyn_type *t;
	size_t n, i = 0;
	const char *key;
	json_t *v;

	if (!schema || depth > 64)
		return NULL;
	if (name) {
		bool known = false;
		const smp_type *b = s->builtin ? kd_smp_named_type(name, &known) : NULL;

		if (known)
			return b;
		for (i = 0; i < s->ntypes; i++)
			if (s->types[i]->name && strcmp(s->types[i]->name, name) == 0)
				return &s->types[i]->type;
	}
	r = resolve(s, schema);
	if (!r)
		return NULL;
	if (r != schema && ref_name(r))
		return type_of(s, r, depth + 1);
	props = json_object_get(r, "properties");
	addl = json_object_get(r, "additionalProperties");
	if (!json_is_object(props) && !json_is_object(addl))
		return NULL;
	/* registered before its fields, so a recursive definition finds itself */
	if (!(t = new_type(s, name))) {
		s->oom = true;
		return NULL;
	}
	n = json_object_size(props) + (json_is_object(addl) ? 1 : 0);
	if (!(t->fields = calloc(n + 1, sizeof(*t->fields)))) {
		s->oom = true;
		return NULL;
	}
	t->type.fields = t->fields;
	i = 0;
	json_object_foreach(props, key, v)
		fill_field(s, &t->fields[i++], key, v, depth);
	if (json_is_object(addl))
		fill_field(s, &t->fields[i++], "*", addl, depth);
	return &t->type;
}

void kd_smp_schema_free(kd_smp_schema *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->ntypes; i++) {
		free(s->types[i]->name);
		free(s->types[i]->fields);
		free(s->types[i]);
	}
	for (i = 0; i < s->nroots; i++) {
		free(s->roots[i].api_version);
		free(s->roots[i].kind);
	}
	free(s->types);
	free(s->roots);
	json_decref(s->doc);
	free(s);
}

static int add_root(kd_smp_schema *s, const json_t *gvk, const smp_type *type)
{
	const char *g = json_string_value(json_object_get(gvk, "group"));
	const char *v = json_string_value(json_object_get(gvk, "version"));
	const char *k = json_string_value(json_object_get(gvk, "kind"));
	kd_buf av = KD_BUF_INIT;
	root *r;

	if (!v || !k)
		return 0;
	if (s->nroots == s->caproots) {
		size_t cap = s->caproots ? s->caproots * 2 : 8;
		root *p = realloc(s->roots, cap * sizeof(*p));

		if (!p)
			return kd_error_set(KD_ENOMEM, "out of memory");
		s->roots = p;
		s->caproots = cap;
	}
	if (kd_buf_printf(&av, "%s%s%s", g && g[0] ? g : "", g && g[0] ? "/" : "", v) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	r = &s->roots[s->nroots];
	r->api_version = kd_buf_detach(&av);
	r->kind = strdup(k);
	r->type = type;
	if (!r->api_version || !r->kind) {
		free(r->api_version);
		free(r->kind);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	s->nroots++;
	return 0;
}

int kd_smp_schema_new(kd_smp_schema **out, const json_t *doc, bool builtin)
{
	kd_smp_schema *s;
	json_t *defs = json_object_get(doc, "definitions"), *def;
	const char *name;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (!json_is_object(doc))
		return kd_error_set(KD_EINVAL, "an OpenAPI schema must be a mapping");
	if (!(s = calloc(1, sizeof(*s))))
		return kd_error_set(KD_ENOMEM, "out of memory");
	s->doc = json_incref((json_t *)doc);
	s->builtin = builtin;
	json_object_foreach(defs, name, def) {
		json_t *gvks = json_object_get(def, "x-kubernetes-group-version-kind");
		json_t *ref;
		const smp_type *t;

		if (!json_is_array(gvks))
			continue;
		/* the kind's type, through the definition's own name */
		{
			kd_buf b = KD_BUF_INIT;

			ref = kd_buf_printf(&b, "#/definitions/%s", name) < 0 ? NULL
				: json_pack("{s:s}", "$ref", kd_buf_cstr(&b));
			kd_buf_free(&b);
		}
		if (!ref) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			break;
		}
		t = type_of(s, ref, 0);
		json_decref(ref);
		for (i = 0; i < json_array_size(gvks) && rc == 0; i++)
			rc = add_root(s, json_array_get(gvks, i), t);
		if (rc < 0)
			break;
	}
	if (rc == 0 && s->oom)
		rc = kd_error_set(KD_ENOMEM, "out of memory");
	if (rc < 0) {
		kd_smp_schema_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

bool kd_smp_schema_builtin(const kd_smp_schema *s)
{
	return !s || s->builtin;
}

const smp_type *kd_smp_schema_root(const kd_smp_schema *s, const char *api_version,
				   const char *kind)
{
	size_t i;

	if (!s || !api_version || !kind)
		return NULL;
	for (i = 0; i < s->nroots; i++)
		if (strcmp(s->roots[i].api_version, api_version) == 0 &&
		    strcmp(s->roots[i].kind, kind) == 0)
			return s->roots[i].type;
	return NULL;
}
