/*
 * kustomize_util — small helpers the kustomize files share: resource
 * lists, object accessors, error messages that name the kustomization file
 * and line, and reading files under the load restriction.
 */
#include "render_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data.h"

const char *kd_kz_name(const json_t *obj)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
}

const char *kd_kz_ns(const json_t *obj)
{
	const char *ns = json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace"));

	return ns ? ns : "";
}

const char *kd_kz_kind(const json_t *obj)
{
	const char *k = json_string_value(json_object_get(obj, "kind"));

	return k ? k : "";
}

const char *kd_kz_api_version(const json_t *obj)
{
	const char *v = json_string_value(json_object_get(obj, "apiVersion"));

	return v ? v : "";
}

int kd_kz_set_str(json_t *obj, const char *key, const char *value)
{
	if (json_object_set_new(obj, key, json_string(value)) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

int kd_kz_list_add(kd_kz_list *l, json_t *obj)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		kd_kz_res *v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			json_decref(obj);
			return kd_error_set(KD_ENOMEM, "out of memory");
		}
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	l->v[l->n++].obj = obj;
	return 0;
}

static void res_clear(kd_kz_res *r)
{
	free(r->file);
	json_decref(r->layers);
	json_decref(r->snap);
	json_decref(r->prov);
	json_decref(r->psnap);
	json_decref(r->gen);
	json_decref(r->obj);
	json_decref(r->prev);
	json_decref(r->prefixes);
	json_decref(r->suffixes);
	json_decref(r->refvars);
	json_decref(r->empty_nulls);
	json_decref(r->transforms);
}

void kd_kz_list_remove(kd_kz_list *l, size_t i)
{
	res_clear(&l->v[i]);
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(l->v[0]));
	l->n--;
}

void kd_kz_list_free(kd_kz_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		res_clear(&l->v[i]);
	free(l->v);
	kd_kz_tconfig_free(&l->tc);
	json_decref(l->vars);
	memset(l, 0, sizeof(*l));
}

int kd_kz_list_absorb(kd_kz_list *dst, kd_kz_list *src)
{
	const char *key;
	json_t *v;
	int rc;

	if (dst->n + src->n > dst->cap) {
		size_t cap = dst->cap ? dst->cap : 16;
		kd_kz_res *p;

		while (cap < dst->n + src->n)
			cap *= 2;
		if (!(p = realloc(dst->v, cap * sizeof(*p))))
			return kd_error_set(KD_ENOMEM, "out of memory");
		dst->v = p;
		dst->cap = cap;
	}
	if (src->n)
		memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	src->n = 0;
	if ((rc = kd_kz_tconfig_merge(&dst->tc, &src->tc)) < 0)
		return rc;
	json_object_foreach(src->vars, key, v) {
		if (json_object_get(dst->vars, key))
			return kd_error_set(KD_EINVAL, "var '%s' already encountered", key);
		if ((!dst->vars && !(dst->vars = json_object())) ||
		    json_object_set(dst->vars, key, v) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

/* ---- ids ------------------------------------------------------------------ */

/*
 * kustomize decides what is cluster-scoped from the OpenAPI document built
 * into it (Kubernetes 1.21 era), never from a cluster: kinds and versions
 * it does not know there (flowcontrol v1, ValidatingAdmissionPolicy, custom
 * resources) get a namespace.  This is that document's list.
 */
static const char *const kustomize_cluster_scoped[] = {
	"v1 ComponentStatus", "v1 Namespace", "v1 Node", "v1 PersistentVolume",
	"admissionregistration.k8s.io/v1 MutatingWebhookConfiguration",
	"admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration",
	"admissionregistration.k8s.io/v1beta1 MutatingWebhookConfiguration",
	"admissionregistration.k8s.io/v1beta1 ValidatingWebhookConfiguration",
	"apiextensions.k8s.io/v1 CustomResourceDefinition",
	"apiextensions.k8s.io/v1beta1 CustomResourceDefinition",
	"apiregistration.k8s.io/v1 APIService",
	"apiregistration.k8s.io/v1beta1 APIService",
	"certificates.k8s.io/v1 CertificateSigningRequest",
	"certificates.k8s.io/v1beta1 CertificateSigningRequest",
	"flowcontrol.apiserver.k8s.io/v1beta1 FlowSchema",
	"flowcontrol.apiserver.k8s.io/v1beta1 PriorityLevelConfiguration",
	"networking.k8s.io/v1 IngressClass", "networking.k8s.io/v1beta1 IngressClass",
	"node.k8s.io/v1 RuntimeClass", "node.k8s.io/v1beta1 RuntimeClass",
	"policy/v1beta1 PodSecurityPolicy",
	"rbac.authorization.k8s.io/v1 ClusterRole",
	"rbac.authorization.k8s.io/v1 ClusterRoleBinding",
	"rbac.authorization.k8s.io/v1beta1 ClusterRole",
	"rbac.authorization.k8s.io/v1beta1 ClusterRoleBinding",
	"scheduling.k8s.io/v1 PriorityClass", "scheduling.k8s.io/v1beta1 PriorityClass",
	"storage.k8s.io/v1 CSIDriver", "storage.k8s.io/v1 CSINode",
	"storage.k8s.io/v1 StorageClass", "storage.k8s.io/v1 VolumeAttachment",
	"storage.k8s.io/v1beta1 CSIDriver", "storage.k8s.io/v1beta1 CSINode",
	"storage.k8s.io/v1beta1 StorageClass", "storage.k8s.io/v1beta1 VolumeAttachment",
	NULL,
};

bool kd_kz_cluster_scoped(const char *av, const char *kind)
{
	size_t i, n = strlen(av);

	for (i = 0; kustomize_cluster_scoped[i]; i++) {
		const char *e = kustomize_cluster_scoped[i];

		if (strncmp(e, av, n) == 0 && e[n] == ' ' && strcmp(e + n + 1, kind) == 0)
			return true;
	}
	return false;
}

const char *kd_kz_effective_ns(const char *api_version, const char *kind, const char *ns)
{
	if (kd_kz_cluster_scoped(api_version, kind))
		return KD_KZ_NO_NAMESPACE;
	return !ns || !ns[0] ? "default" : ns;
}

int kd_kz_append_str(json_t **list, const char *s)
{
	if (!*list && !(*list = json_array()))
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (json_array_append_new(*list, json_string(s)) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

int kd_kz_store_prev(kd_kz_res *r)
{
	json_t *id;

	if (!r->prev && !(r->prev = json_array()))
		return kd_error_set(KD_ENOMEM, "out of memory");
	id = json_pack("[s,s,s]", kd_kz_kind(r->obj), kd_kz_name(r->obj) ? kd_kz_name(r->obj) : "",
		       kd_kz_cur_ns(r));
	if (!id || json_array_append_new(r->prev, id) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

static const char *prev_part(const kd_kz_res *r, size_t i, size_t part)
{
	return json_string_value(json_array_get(json_array_get(r->prev, i), part));
}

const char *kd_kz_org_kind(const kd_kz_res *r)
{
	return json_array_size(r->prev) ? prev_part(r, 0, 0) : kd_kz_kind(r->obj);
}

const char *kd_kz_org_name(const kd_kz_res *r)
{
	const char *n = json_array_size(r->prev) ? prev_part(r, 0, 1) : kd_kz_name(r->obj);

	return n ? n : "";
}

const char *kd_kz_cur_ns(const kd_kz_res *r)
{
	return kd_kz_effective_ns(kd_kz_api_version(r->obj), kd_kz_kind(r->obj), kd_kz_ns(r->obj));
}

const char *kd_kz_org_ns(const kd_kz_res *r)
{
	return json_array_size(r->prev) ? prev_part(r, 0, 2) : kd_kz_cur_ns(r);
}

bool kd_kz_has_id(const kd_kz_res *r, const char *api_version, const char *kind,
		  const char *name, const char *eff_ns)
{
	size_t i;

	if (strcmp(kd_kz_api_version(r->obj), api_version) != 0)
		return false;
	if (strcmp(kd_kz_kind(r->obj), kind) == 0 && kd_kz_name(r->obj) &&
	    strcmp(kd_kz_name(r->obj), name) == 0 && strcmp(kd_kz_cur_ns(r), eff_ns) == 0)
		return true;
	for (i = 0; i < json_array_size(r->prev); i++)
		if (strcmp(prev_part(r, i, 0), kind) == 0 && strcmp(prev_part(r, i, 1), name) == 0 &&
		    strcmp(prev_part(r, i, 2), eff_ns) == 0)
			return true;
	return false;
}

int kd_kz_line(const kd_kz_file *f, const char *pointer)
{
	json_t *p;

	if (!f || !f->pos || !pointer)
		return 0;
	p = json_object_get(f->pos, pointer);
	return json_is_array(p) ? (int)json_integer_value(json_array_get(p, 0)) : 0;
}

static int vfail(const kd_kz_file *f, const char *pointer, int code,
		 const char *fmt, va_list ap)
{
	kd_buf msg = KD_BUF_INIT;
	int line = kd_kz_line(f, pointer);

	if (f && line > 0)
		kd_buf_printf(&msg, "%s:%d: ", f->path, line);
	else if (f)
		kd_buf_printf(&msg, "%s: ", f->path);
	kd_buf_vprintf(&msg, fmt, ap);
	kd_error_set(code, "%s", kd_buf_cstr(&msg));
	kd_buf_free(&msg);
	return code;
}

int kd_kz_fail(const kd_kz_file *f, const char *pointer, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(f, pointer, code, fmt, ap);
	va_end(ap);
	return code;
}

/* Prefixes the current message with the kustomization's place. */
int kd_kz_wrap(const kd_kz_file *f, const char *pointer, int code)
{
	int line = kd_kz_line(f, pointer);

	if (code == KD_ENOMEM || !f)
		return code;
	if (line > 0)
		return kd_error_wrap(code, "%s:%d: ", f->path, line);
	return kd_error_wrap(code, "%s: ", f->path);
}

static bool under_dir(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Whether file lies in or below dir once symbolic links are followed, as
 * kustomize evaluates both before its root-only check.  Paths that do not
 * resolve are judged as written (reading them reports why). */
static int under_dir_resolved(bool *under, kd_kz_ctx *c, const char *file, const char *dir)
{
	char *rfile = NULL, *rdir = NULL;
	int rc;

	*under = under_dir(file, dir);
	if ((rc = kd_source_resolve(&rfile, c->src, file)) == 0 &&
	    (rc = kd_source_resolve(&rdir, c->src, dir)) == 0)
		*under = under_dir(rfile, rdir);
	free(rfile);
	free(rdir);
	return rc == KD_ENOMEM || rc == KD_EPATH || rc == KD_ELIMIT ? rc : 0;
}

/* Resolves rel against the kustomization's directory and applies the load
 * restriction; *path is new. */
static int resolve(char **path, kd_kz_ctx *c, const kd_kz_file *f, const char *rel,
		   const char *pointer, bool is_dir)
{
	int rc = kd_path_join(path, f->dir, rel);
	bool under = true;

	if (rc < 0)
		return kd_kz_wrap(f, pointer, rc);
	if (!is_dir && c->restrictor == KD_LOAD_ROOT_ONLY &&
	    (rc = under_dir_resolved(&under, c, *path, f->dir)) < 0) {
		free(*path);
		*path = NULL;
		return kd_kz_wrap(f, pointer, rc);
	}
	if (!under) {
		rc = kd_kz_fail(f, pointer, KD_EPATH,
			     "security: file '%s' is not in or below '%s' (load restrictor root-only)",
			     rel, f->dir[0] ? f->dir : ".");
		free(*path);
		*path = NULL;
	}
	return rc;
}

bool kd_kz_is_remote(const char *s)
{
	return strstr(s, "://") || strncmp(s, "github.com/", 11) == 0 ||
	       strncmp(s, "git@", 4) == 0 || strncmp(s, "gitlab.com/", 11) == 0 ||
	       strncmp(s, "bitbucket.org/", 14) == 0;
}

int kd_kz_read_file(kd_buf *out, char **path, kd_kz_ctx *c, const kd_kz_file *f,
		 const char *rel, const char *pointer)
{
	char *p = NULL;
	int rc = resolve(&p, c, f, rel, pointer, false);

	if (rc < 0)
		return rc;
	rc = kd_source_read(out, c->src, p);
	if (rc == KD_ENOTFOUND || rc == KD_EINVAL)
		rc = kd_kz_fail(f, pointer, rc, "file '%s' not found", rel);
	else if (rc < 0)
		rc = kd_kz_wrap(f, pointer, rc);
	if (rc < 0 || !path)
		free(p);
	else
		*path = p;
	return rc;
}

/* The pointers of `empty` below prefix, rebased to the root (a List's
 * item).  NULL when there are none. */
static json_t *rebase_empty(const json_t *empty, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *key;
	json_t *v, *out = NULL;

	json_object_foreach((json_t *)empty, key, v) {
		if (strncmp(key, prefix, n) != 0 || (key[n] != '/' && key[n] != '\0'))
			continue;
		if ((!out && !(out = json_object())) || json_object_set(out, key + n, v) < 0)
			break;
	}
	return out;
}

/* Parses a (multi-document) manifest file into a new array of objects,
 * expanding kustomize's lists: a document whose kind ends in "List" and
 * that has `items` stands for them (an empty or null `items` for nothing);
 * as kustomize does, they come after the file's other documents.  *where
 * (when not NULL) receives a parallel array of [positions of the object's
 * document, the object's pointer in it]. */
int kd_kz_parse_docs(json_t **out, json_t **empties, json_t **where, const char *data,
		     size_t len, const char *name)
{
	json_t *docs = NULL, *emp = NULL, *pos = NULL, *res = json_array(), *rese = json_array();
	json_t *items_all = json_array(), *items_emp = json_array(), *items_wh = json_array();
	json_t *wh = where ? json_array() : NULL;
	size_t i, j, n;
	int rc;

	*out = NULL;
	if (empties)
		*empties = NULL;
	if (where)
		*where = NULL;
	if (!res || !rese || !items_all || !items_emp || !items_wh || (where && !wh)) {
		rc = kd_error_set(KD_ENOMEM, "out of memory");
		goto cleanup;
	}
	rc = kd_yaml_parse_ex(&docs, where ? &pos : NULL, empties ? &emp : NULL, data, len, name,
			      NULL, KD_YAML_GO_FOLDED);
	if (rc < 0)
		goto cleanup;
	for (i = 0; i < json_array_size(docs); i++) {
		json_t *d = json_array_get(docs, i);
		json_t *e = json_array_get(emp, i);
		const char *kind = kd_kz_kind(d);

		if (!json_is_object(d)) {
			rc = kd_error_set(KD_EINVAL, "%s: document %zu is not an object", name, i + 1);
			goto cleanup;
		}
		n = strlen(kind);
		if (n >= 4 && strcmp(kind + n - 4, "List") == 0 && json_object_get(d, "items")) {
			json_t *items = json_object_get(d, "items");

			if (!json_is_array(items) && !json_is_null(items)) {
				rc = kd_error_set(KD_EINVAL, "%s: expected a list in %s/items", name, kind);
				goto cleanup;
			}
			for (j = 0; j < json_array_size(items); j++) {
				char prefix[64];
				json_t *ie;

				snprintf(prefix, sizeof(prefix), "/items/%zu", j);
				ie = rebase_empty(e, prefix);
				if (json_array_append(items_all, json_array_get(items, j)) < 0 ||
				    json_array_append_new(items_emp, ie ? ie : json_null()) < 0 ||
				    (wh && json_array_append_new(items_wh, json_pack("[O,s]",
						json_array_get(pos, i), prefix)) < 0)) {
					rc = kd_error_set(KD_ENOMEM, "out of memory");
					goto cleanup;
				}
			}
			continue;
		}
		if (json_array_append(res, d) < 0 ||
		    json_array_append(rese, e ? e : json_null()) < 0 ||
		    (wh && json_array_append_new(wh, json_pack("[O,s]", json_array_get(pos, i),
							       "")) < 0)) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	for (i = 0; i < json_array_size(items_all); i++) {
		json_t *d = json_array_get(items_all, i);

		if (!json_is_object(d)) {
			rc = kd_error_set(KD_EINVAL, "%s: a list item is not an object", name);
			goto cleanup;
		}
		if (json_array_append(res, d) < 0 ||
		    json_array_append(rese, json_array_get(items_emp, i)) < 0 ||
		    (wh && json_array_append(wh, json_array_get(items_wh, i)) < 0)) {
			rc = kd_error_set(KD_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	*out = res;
	res = NULL;
	if (empties) {
		*empties = rese;
		rese = NULL;
	}
	if (where) {
		*where = wh;
		wh = NULL;
	}
cleanup:
	json_decref(docs);
	json_decref(emp);
	json_decref(pos);
	json_decref(res);
	json_decref(rese);
	json_decref(wh);
	json_decref(items_all);
	json_decref(items_emp);
	json_decref(items_wh);
	return rc;
}

void kd_kz_group_of(char *out, size_t size, const char *api_version)
{
	const char *slash = strchr(api_version, '/');
	size_t n = slash ? (size_t)(slash - api_version) : 0;

	if (n >= size)
		n = size - 1;
	memcpy(out, api_version, n);
	out[n] = '\0';
}


/* kubectl reads kustomizations strictly: an unknown field is an error. */
int kd_kz_check_keys(const kd_kz_file *f, const char *pointer, const json_t *obj,
		  const char *const *known)
{
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(obj))
		return 0;
	json_object_foreach((json_t *)obj, key, v) {
		bool ok = false;

		for (i = 0; known[i] && !ok; i++)
			ok = strcmp(known[i], key) == 0;
		if (!ok)
			return kd_kz_fail(f, pointer, KD_EINVAL, "unknown field '%s'", key);
	}
	return 0;
}

/* ---- origins (traced builds only) -------------------------------------- */

int kd_kz_set_file(kd_kz_res *r, const char *file)
{
	free(r->file);
	r->file = strdup(file);
	return r->file ? 0 : kd_error_set(KD_ENOMEM, "out of memory");
}

/* Remembers every resource's current state, to see later what a step of
 * the build changed. */
int kd_kz_snapshot(kd_kz_ctx *c, kd_kz_list *l)
{
	size_t i;

	if (!c->trace)
		return 0;
	for (i = 0; i < l->n; i++) {
		json_decref(l->v[i].snap);
		l->v[i].snap = json_deep_copy(l->v[i].obj);
		if (!l->v[i].snap)
			return kd_error_set(KD_ENOMEM, "out of memory");
	}
	return 0;
}

/* Adds dir to the layers of every resource the step since the snapshot
 * changed, and forgets the snapshots. */
int kd_kz_record_changes(kd_kz_ctx *c, kd_kz_list *l, const char *dir)
{
	size_t i;

	if (!c->trace)
		return 0;
	for (i = 0; i < l->n; i++) {
		kd_kz_res *r = &l->v[i];
		size_t n;

		if (!r->snap)
			continue;
		if (!json_equal(r->snap, r->obj)) {
			if (!r->layers && !(r->layers = json_array()))
				return kd_error_set(KD_ENOMEM, "out of memory");
			n = json_array_size(r->layers);
			if ((n == 0 || strcmp(json_string_value(json_array_get(r->layers, n - 1)), dir) != 0) &&
			    json_array_append_new(r->layers, json_string(dir)) < 0)
				return kd_error_set(KD_ENOMEM, "out of memory");
		}
		json_decref(r->snap);
		r->snap = NULL;
	}
	return 0;
}

/* A boolean field of a kustomization.  kubectl reads kustomization files as
 * YAML 1.1, where y, yes and on (in any of their spellings) are true, while
 * kdrift's parser types them as strings. */
bool kd_kz_true(const json_t *v)
{
	static const char *const words[] = { "y", "Y", "yes", "Yes", "YES", "on", "On", "ON",
					     "true", "True", "TRUE", NULL };
	size_t i;

	if (json_is_true(v))
		return true;
	for (i = 0; json_is_string(v) && words[i]; i++)
		if (strcmp(json_string_value(v), words[i]) == 0)
			return true;
	return false;
}

/* Whether v is a boolean to kubectl (true, false or a YAML 1.1 word). */
bool kd_kz_is_bool(const json_t *v)
{
	static const char *const words[] = { "n", "N", "no", "No", "NO", "off", "Off", "OFF",
					     "false", "False", "FALSE", NULL };
	size_t i;

	if (json_is_boolean(v) || kd_kz_true(v))
		return true;
	for (i = 0; json_is_string(v) && words[i]; i++)
		if (strcmp(json_string_value(v), words[i]) == 0)
			return true;
	return false;
}
