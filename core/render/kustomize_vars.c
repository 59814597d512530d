/*
 * kustomize_vars — `vars` (deprecated in kustomize, still common): $(NAME)
 * in the fields the varReference configuration lists is replaced with a
 * field of one resource.
 *
 * As in kustomize, each kustomization ties its vars to the one resource
 * their objref names (by exact group, version, kind and name, and the
 * namespace when given, among every id the resource has had) when its own
 * transformers are done; the values are read once the whole build is done
 * and name references are fixed, so a var naming a Service gets the
 * Service's final name.  A field that is exactly "$(NAME)" takes the
 * value's type (a port stays a number); elsewhere the value is written
 * into the text.  "$$" escapes a dollar.  Never prints.
 */
#include "render_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "data/data.h"

static bool key_is(const char *key, const char *name)
{
	return strcasecmp(key, name) == 0;
}

/* The var's objref as group, version, kind, name, namespace (all strings,
 * "" when absent); kustomize reads the kustomization into Go structs, so
 * field names match in any case and unknown ones are errors. */
typedef struct var_ref {
	char group[256], version[256];
	const char *kind, *name, *ns, *field_path;
} var_ref;

static int read_str(const char **out, const json_t *v, const kd_kz_file *f, const char *ptr,
		    const char *what)
{
	if (json_is_null(v)) {
		*out = "";
		return 0;
	}
	if (!json_is_string(v))
		return kd_kz_fail(f, ptr, KD_EINVAL, "var '%s' must be a string", what);
	*out = json_string_value(v);
	return 0;
}

static int read_var(var_ref *out, const char **name, const json_t *var, const kd_kz_file *f,
		    const char *ptr)
{
	const char *key, *av = "", *g = "", *v = "";
	json_t *val, *objref = NULL, *fieldref = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	*name = "";
	out->kind = out->name = out->ns = "";
	out->field_path = "metadata.name";
	if (!json_is_object(var))
		return kd_kz_fail(f, ptr, KD_EINVAL, "a var must be a mapping");
	json_object_foreach((json_t *)var, key, val) {
		if (key_is(key, "name"))
			rc = read_str(name, val, f, ptr, "name");
		else if (key_is(key, "objref"))
			rc = (objref = val, 0);
		else if (key_is(key, "fieldref"))
			rc = (fieldref = val, 0);
		else
			rc = kd_kz_fail(f, ptr, KD_EINVAL, "unknown field '%s' in var", key);
		if (rc < 0)
			return rc;
	}
	if (objref && !json_is_object(objref) && !json_is_null(objref))
		return kd_kz_fail(f, ptr, KD_EINVAL, "var 'objref' must be a mapping");
	json_object_foreach(objref, key, val) {
		if (key_is(key, "apiVersion"))
			rc = read_str(&av, val, f, ptr, "objref.apiVersion");
		else if (key_is(key, "group"))
			rc = read_str(&g, val, f, ptr, "objref.group");
		else if (key_is(key, "version"))
			rc = read_str(&v, val, f, ptr, "objref.version");
		else if (key_is(key, "kind"))
			rc = read_str(&out->kind, val, f, ptr, "objref.kind");
		else if (key_is(key, "name"))
			rc = read_str(&out->name, val, f, ptr, "objref.name");
		else if (key_is(key, "namespace"))
			rc = read_str(&out->ns, val, f, ptr, "objref.namespace");
		else
			rc = kd_kz_fail(f, ptr, KD_EINVAL, "unknown field '%s' in var objref", key);
		if (rc < 0)
			return rc;
	}
	if (fieldref && !json_is_object(fieldref) && !json_is_null(fieldref))
		return kd_kz_fail(f, ptr, KD_EINVAL, "var 'fieldref' must be a mapping");
	json_object_foreach(fieldref, key, val) {
		if (!key_is(key, "fieldPath"))
			return kd_kz_fail(f, ptr, KD_EINVAL, "unknown field '%s' in var fieldref", key);
		if ((rc = read_str(&out->field_path, val, f, ptr, "fieldref.fieldPath")) < 0)
			return rc;
		if (!out->field_path[0])
			out->field_path = "metadata.name";
	}
	/* apiVersion, when given, overrides version (and group when it has one) */
	if (av[0]) {
		const char *slash = strchr(av, '/');

		if (slash && !strchr(slash + 1, '/')) {
			snprintf(out->group, sizeof(out->group), "%.*s", (int)(slash - av), av);
			snprintf(out->version, sizeof(out->version), "%s", slash + 1);
			return 0;
		}
		if (!slash) {
			snprintf(out->group, sizeof(out->group), "%s", g);
			snprintf(out->version, sizeof(out->version), "%s", av);
			return 0;
		}
	}
	snprintf(out->group, sizeof(out->group), "%s", g);
	snprintf(out->version, sizeof(out->version), "%s", v);
	return 0;
}

static bool gv_equals(const json_t *obj, const char *group, const char *version)
{
	const char *av = kd_kz_api_version(obj);
	const char *slash = strchr(av, '/');
	size_t gl = slash ? (size_t)(slash - av) : 0;

	return strlen(group) == gl && strncmp(av, group, gl) == 0 &&
	       strcmp(slash ? slash + 1 : av, version) == 0;
}

/* Whether any id of r equals the objref: exact gvk and name, and the
 * namespace too when `with_ns`. */
static bool var_matches(const kd_kz_res *r, const var_ref *v, bool with_ns, const char *eff_ns)
{
	size_t i;

	if (!gv_equals(r->obj, v->group, v->version))
		return false;
	if (strcmp(kd_kz_kind(r->obj), v->kind) == 0 && kd_kz_name(r->obj) &&
	    strcmp(kd_kz_name(r->obj), v->name) == 0 &&
	    (!with_ns || strcmp(kd_kz_cur_ns(r), eff_ns) == 0))
		return true;
	for (i = 0; i < json_array_size(r->prev); i++) {
		json_t *id = json_array_get(r->prev, i);

		if (strcmp(json_string_value(json_array_get(id, 0)), v->kind) == 0 &&
		    strcmp(json_string_value(json_array_get(id, 1)), v->name) == 0 &&
		    (!with_ns || strcmp(json_string_value(json_array_get(id, 2)), eff_ns) == 0))
			return true;
	}
	return false;
}

int kd_kz_vars_merge(const kd_kz_file *f, kd_kz_list *l)
{
	json_t *vars = json_object_get(f->doc, "vars");
	size_t i, j;
	int rc;

	if (!vars)
		return 0;
	if (!json_is_array(vars))
		return kd_kz_fail(f, "/vars", KD_EINVAL, "'vars' must be a list");
	for (i = 0; i < json_array_size(vars); i++) {
		json_t *var = json_array_get(vars, i);
		kd_buf av = KD_BUF_INIT;
		const char *name, *eff_ns;
		kd_kz_res *hit = NULL;
		size_t hits = 0;
		bool with_ns;
		char ptr[64];
		var_ref v;
		json_t *def;

		snprintf(ptr, sizeof(ptr), "/vars/%zu", i);
		if ((rc = read_var(&v, &name, var, f, ptr)) < 0)
			return rc;
		kd_buf_printf(&av, "%s%s%s", v.group, v.group[0] ? "/" : "", v.version);
		with_ns = v.ns[0] || kd_kz_cluster_scoped(kd_buf_cstr(&av), v.kind);
		eff_ns = kd_kz_effective_ns(kd_buf_cstr(&av), v.kind, v.ns);
		kd_buf_free(&av);
		for (j = 0; j < l->n; j++)
			if (var_matches(&l->v[j], &v, with_ns, eff_ns)) {
				hit = &l->v[j];
				hits++;
			}
		if (hits > 1)
			return kd_kz_fail(f, ptr, KD_EINVAL,
					  "found %zu resources for var %s (unable to disambiguate)",
					  hits, name);
		if (hit && (rc = kd_kz_append_str(&hit->refvars, name)) < 0)
			return rc;
		if (json_object_get(l->vars, name))
			return kd_kz_fail(f, ptr, KD_EINVAL, "var '%s' already encountered", name);
		def = json_pack("{s:s, s:s, s:s, s:s}", "kind", v.kind, "name", v.name,
				"fieldPath", v.field_path, "where", f->path);
		if (!def || (!l->vars && !(l->vars = json_object())) ||
		    json_object_set_new(l->vars, name, def) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

/* ---- resolving ------------------------------------------------------------ */

/* kustomize's GetFieldValue path: "a.b[0].c", "[k=v]" picks a list
 * element, a number indexes a list. */
static json_t *field_value(json_t *node, const char *path)
{
	json_t *segs = NULL, *cur = node;
	size_t i;

	if (kd_kz_path_split(&segs, path) < 0)
		return NULL;
	for (i = 0; cur && i < json_array_size(segs); i++) {
		const char *seg = json_string_value(json_array_get(segs, i));
		size_t n = strlen(seg);
		const char *br = n > 2 && seg[n - 1] == ']' && seg[0] != '[' ? strrchr(seg, '[') : NULL;

		if (br) {
			/* "ports[0]": a field, then an index */
			char *key = strndup(seg, (size_t)(br - seg));
			bool digits = br[1] != ']';
			const char *p;

			for (p = br + 1; p < seg + n - 1; p++)
				digits = digits && *p >= '0' && *p <= '9';
			if (!key) {
				cur = NULL;
				break;
			}
			if (digits) {
				cur = json_object_get(cur, key);
				cur = json_is_array(cur) ? json_array_get(cur, strtoul(br + 1, NULL, 10)) : NULL;
				free(key);
				continue;
			}
			free(key);
		}
		cur = kd_kz_path_step(cur, seg);
	}
	json_decref(segs);
	return cur;
}

typedef struct var_values {
	json_t *values;   /* name -> value (string, number or boolean) */
} var_values;

/* "$(NAME)" expansion, kustomize's DoReplacements; *whole is set to the
 * typed value when the text is exactly one reference. */
static int expand(kd_buf *out, json_t **whole, const char *in, const json_t *values)
{
	const char *p = in;
	size_t n = strlen(in);

	*whole = NULL;
	if (n > 3 && in[0] == '$' && in[1] == '(' && in[n - 1] == ')' && !memchr(in + 2, ')', n - 3)) {
		char *name = strndup(in + 2, n - 3);
		json_t *v = name ? json_object_get(values, name) : NULL;

		free(name);
		if (v) {
			*whole = v;
			return 0;
		}
	}
	while (*p) {
		const char *close;

		if (p[0] != '$' || !p[1]) {
			kd_buf_putc(out, *p++);
			continue;
		}
		if (p[1] == '$') {
			kd_buf_putc(out, '$');
			p += 2;
			continue;
		}
		if (p[1] != '(' || !(close = strchr(p + 2, ')'))) {
			kd_buf_add(out, p, 2);
			p += 2;
			continue;
		}
		{
			char *name = strndup(p + 2, (size_t)(close - p - 2));
			json_t *v = name ? json_object_get(values, name) : NULL;

			if (!name)
				return kd_error_set(KD_ENOMEM, "out of memory");
			if (!v)
				kd_buf_add(out, p, (size_t)(close - p + 1));
			else if (json_is_string(v))
				kd_buf_puts(out, json_string_value(v));
			else if (json_is_integer(v))
				kd_buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			else if (json_is_real(v))
				kd_buf_printf(out, "%.17g", json_real_value(v));
			else
				kd_buf_puts(out, json_is_true(v) ? "true" : "false");
			free(name);
			p = close + 1;
		}
	}
	return kd_buf_cstr(out) ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
}

static int replace_string(json_t **out, const char *s, const json_t *values)
{
	kd_buf b = KD_BUF_INIT;
	json_t *whole;
	int rc = expand(&b, &whole, s, values);

	*out = NULL;
	if (rc == 0)
		*out = whole ? json_incref(whole) : json_string(kd_buf_cstr(&b));
	kd_buf_free(&b);
	if (rc == 0 && !*out)
		rc = kd_error_set(KD_ENOMEM, "out of memory");
	return rc;
}

static int set_vars(json_t *parent, const char *key, void *arg)
{
	const json_t *values = arg;
	json_t *v = json_object_get(parent, key), *nv;
	const char *k;
	json_t *item;
	size_t i;
	int rc;

	if (json_is_string(v)) {
		if ((rc = replace_string(&nv, json_string_value(v), values)) < 0)
			return rc;
		return json_object_set_new(parent, key, nv) < 0 ? kd_error_set(KD_ENOMEM, "out of memory") : 0;
	}
	if (json_is_object(v)) {
		json_object_foreach(v, k, item) {
			if (!json_is_string(item))
				continue;
			if ((rc = replace_string(&nv, json_string_value(item), values)) < 0)
				return rc;
			if (json_object_set_new(v, k, nv) < 0)
				return kd_error_set(KD_ENOMEM, "out of memory");
		}
		return 0;
	}
	for (i = 0; i < json_array_size(v); i++) {
		item = json_array_get(v, i);
		if (!json_is_string(item))
			return kd_error_set(KD_EINVAL, "'%s' holds a value that is not a string, "
					    "where vars are replaced", key);
		if ((rc = replace_string(&nv, json_string_value(item), values)) < 0)
			return rc;
		if (json_array_set_new(v, i, nv) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

int kd_kz_vars_resolve(kd_kz_list *l)
{
	json_t *values = NULL;
	kd_kz_fslist specs = { NULL, 0, 0 };
	const char *name;
	json_t *def;
	size_t i, j;
	int rc = 0;

	if (json_object_size(l->vars) == 0)
		return 0;
	if (!(values = json_object()))
		return kd_error_set(KD_ENOMEM, "out of memory");
	json_object_foreach(l->vars, name, def) {
		json_t *v = NULL;
		bool found = false;

		for (i = 0; i < l->n && !found; i++)
			for (j = 0; j < json_array_size(l->v[i].refvars) && !found; j++) {
				if (strcmp(json_string_value(json_array_get(l->v[i].refvars, j)), name) != 0)
					continue;
				found = true;
				v = field_value(l->v[i].obj, json_string_value(json_object_get(def, "fieldPath")));
				if (!v) {
					rc = kd_error_set(KD_EINVAL,
							  "%s: field '%s' of var '%s' not found in %s %s",
							  json_string_value(json_object_get(def, "where")),
							  json_string_value(json_object_get(def, "fieldPath")),
							  name, kd_kz_kind(l->v[i].obj), kd_kz_name(l->v[i].obj));
					goto cleanup;
				}
			}
		if (!found) {
			rc = kd_error_set(KD_EINVAL,
					  "%s: var '%s' (%s %s) cannot be mapped to a field in the set of known resources",
					  json_string_value(json_object_get(def, "where")), name,
					  json_string_value(json_object_get(def, "kind")),
					  json_string_value(json_object_get(def, "name")));
			goto cleanup;
		}
		/* maps and lists are not replaced: the reference stays */
		if ((json_is_object(v) || json_is_array(v) || json_is_null(v)))
			continue;
		if (json_object_set(values, name, v) < 0) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	if ((rc = kd_kz_fs_collect(&specs, &l->tc, KD_KZ_FS_VARREF)) < 0)
		goto cleanup;
	for (i = 0; i < l->n && rc == 0; i++)
		for (j = 0; j < specs.n && rc == 0; j++)
			rc = kd_kz_fs_apply(l->v[i].obj, &specs.v[j], KD_KZ_CREATE_NONE, set_vars, values);
	if (rc < 0 && rc != KD_ENOMEM)
		rc = kd_error_wrap(rc, "replacing vars in %s %s: ", kd_kz_kind(l->v[i - 1].obj),
				   kd_kz_name(l->v[i - 1].obj) ? kd_kz_name(l->v[i - 1].obj) : "");
cleanup:
	kd_kz_fslist_free(&specs);
	json_decref(values);
	return rc;
}
