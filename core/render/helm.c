/*
 * helm — Helm releases as desired state (render.h): which release a Git
 * object stands for, the records Helm's secrets and configmaps drivers
 * keep (base64, gzip, JSON, read with zlib), the objects of a release's
 * manifest, and the Git object compared with the deployed record.
 *
 * Owns the formats and Flux's naming rules; never lists anything from a
 * cluster (the engine does) and never templates a chart.  Never prints.
 */
#include "render/render.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/base.h"
#include "data/data.h"

#define FLUX_GROUP "helm.toolkit.fluxcd.io/"
#define ARGO_APP_VERSION "argoproj.io/v1alpha1"
#define MAX_RELEASE_NAME 53
#define SHORT_HASH 12

static int oom(void)
{
	return kd_error_set(KD_ENOMEM, "out of memory");
}

static int dup_to(char **out, const char *s)
{
	*out = NULL;
	if (s && !(*out = strdup(s)))
		return oom();
	return 0;
}

/* ---- names ---------------------------------------------------------------- */

int kd_helm_short_name(char **out, const char *name)
{
	char hex[65];
	kd_buf b = KD_BUF_INIT;
	size_t keep = MAX_RELEASE_NAME - (SHORT_HASH + 1);

	*out = NULL;
	if (strlen(name) <= MAX_RELEASE_NAME)
		return dup_to(out, name);
	kd_sha256_hex(hex, name, strlen(name));
	if (kd_buf_add(&b, name, keep) < 0 || kd_buf_putc(&b, '-') < 0 ||
	    kd_buf_add(&b, hex, SHORT_HASH) < 0) {
		kd_buf_free(&b);
		return oom();
	}
	*out = kd_buf_detach(&b);
	return 0;
}

void kd_helm_release_clear(kd_helm_release *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->namespace);
	free(r->storage_namespace);
	free(r->chart);
	free(r->version);
	json_decref(r->values);
	free(r->chart_path);
	free(r->version_path);
	free(r->values_path);
	memset(r, 0, sizeof(*r));
}

static bool nonempty(const char *s)
{
	return s && *s;
}

/* A chart named by a plain name (a Helm repository's); paths of charts in
 * Git repositories and OCI references name no chart to compare with. */
static int set_chart(kd_helm_release *r, const char *chart)
{
	if (!nonempty(chart) || strchr(chart, '/') || strchr(chart, ':'))
		return 0;
	return dup_to(&r->chart, chart);
}

static int flux_release(kd_helm_release *r, const json_t *obj)
{
	const json_t *meta = kd_json_obj(obj, "metadata"), *spec = kd_json_obj(obj, "spec");
	const json_t *chart = kd_json_obj(kd_json_obj(spec, "chart"), "spec");
	const char *name = kd_json_str(meta, "name"), *ns = kd_json_str(meta, "namespace");
	const char *target = kd_json_str(spec, "targetNamespace");
	const char *rel = kd_json_str(spec, "releaseName");
	const char *storage = kd_json_str(spec, "storageNamespace");
	kd_buf full = KD_BUF_INIT;
	const json_t *from;
	size_t i;
	int rc = 0;

	if (!nonempty(name))
		return kd_error_set(KD_EINVAL, "HelmRelease without metadata.name");
	if (!nonempty(ns))
		ns = "default";
	if (nonempty(rel))
		rc = kd_buf_puts(&full, rel);
	else if (nonempty(target))
		rc = kd_buf_printf(&full, "%s-%s", target, name);
	else
		rc = kd_buf_puts(&full, name);
	if (rc < 0 ||
	    (rc = kd_helm_short_name(&r->name, kd_buf_cstr(&full))) < 0 ||
	    (rc = dup_to(&r->namespace, nonempty(target) ? target : ns)) < 0 ||
	    (rc = dup_to(&r->storage_namespace, nonempty(storage) ? storage : ns)) < 0 ||
	    (rc = set_chart(r, kd_json_str(chart, "chart"))) < 0 ||
	    (rc = dup_to(&r->version, kd_json_str(chart, "version"))) < 0 ||
	    (rc = dup_to(&r->chart_path, "/spec/chart/spec/chart")) < 0 ||
	    (rc = dup_to(&r->version_path, "/spec/chart/spec/version")) < 0 ||
	    (rc = dup_to(&r->values_path, "/spec/values")) < 0)
		goto cleanup;
	if (json_is_object(json_object_get(spec, "values")))
		r->values = json_incref(json_object_get(spec, "values"));
	json_array_foreach(kd_json_arr(spec, "valuesFrom"), i, from) {
		r->values_from = true;
		if (kd_json_str(from, "kind") && strcmp(kd_json_str(from, "kind"), "Secret") == 0)
			r->secret_values = true;
	}
cleanup:
	kd_buf_free(&full);
	return rc;
}

/* An Application's Helm source: spec.source, or the one element of
 * spec.sources that is a chart.  *prefix gets its JSON pointer. */
static const json_t *argo_source(const json_t *spec, kd_buf *prefix)
{
	const json_t *src = kd_json_obj(spec, "source"), *s, *found = NULL;
	size_t i, at = 0, n = 0;

	if (src && (kd_json_obj(src, "helm") || nonempty(kd_json_str(src, "chart")))) {
		kd_buf_puts(prefix, "/spec/source");
		return src;
	}
	json_array_foreach(kd_json_arr(spec, "sources"), i, s)
		if (kd_json_obj(s, "helm") || nonempty(kd_json_str(s, "chart"))) {
			found = s;
			at = i;
			n++;
		}
	if (n != 1)
		return NULL;
	kd_buf_printf(prefix, "/spec/sources/%zu", at);
	return found;
}

static int argo_release(kd_helm_release *r, const json_t *obj, const json_t *src,
			const char *prefix)
{
	const json_t *meta = kd_json_obj(obj, "metadata"), *spec = kd_json_obj(obj, "spec");
	const json_t *helm = kd_json_obj(src, "helm");
	const char *name = kd_json_str(meta, "name"), *rel = kd_json_str(helm, "releaseName");
	const char *ns = kd_json_str(kd_json_obj(spec, "destination"), "namespace");
	const char *chart = kd_json_str(src, "chart");
	kd_buf path = KD_BUF_INIT;
	int rc;

	if (!nonempty(name))
		return kd_error_set(KD_EINVAL, "Application without metadata.name");
	if (!nonempty(ns))
		ns = "default";
	if ((rc = dup_to(&r->name, nonempty(rel) ? rel : name)) < 0 ||
	    (rc = dup_to(&r->namespace, ns)) < 0 ||
	    (rc = dup_to(&r->storage_namespace, ns)) < 0)
		goto cleanup;
	/* targetRevision is a chart version only for a chart of a Helm
	 * repository; for a chart in Git it is a Git revision */
	if (nonempty(chart)) {
		if ((rc = set_chart(r, chart)) < 0 ||
		    (rc = dup_to(&r->version, kd_json_str(src, "targetRevision"))) < 0 ||
		    (rc = kd_buf_printf(&path, "%s/chart", prefix)) < 0 ||
		    (rc = dup_to(&r->chart_path, kd_buf_cstr(&path))) < 0)
			goto cleanup;
		kd_buf_clear(&path);
		if ((rc = kd_buf_printf(&path, "%s/targetRevision", prefix)) < 0 ||
		    (rc = dup_to(&r->version_path, kd_buf_cstr(&path))) < 0)
			goto cleanup;
	}
	kd_buf_clear(&path);
	if (json_is_object(json_object_get(helm, "valuesObject"))) {
		r->values = json_incref(json_object_get(helm, "valuesObject"));
		rc = kd_buf_printf(&path, "%s/helm/valuesObject", prefix);
	} else if (nonempty(kd_json_str(helm, "values"))) {
		const char *text = kd_json_str(helm, "values");
		json_t *v = NULL;

		/* values as YAML text; what does not parse is Argo CD's to refuse */
		if (kd_yaml_parse_one(&v, NULL, text, strlen(text), "helm.values", NULL) == 0 &&
		    json_is_object(v))
			r->values = json_incref(v);
		json_decref(v);
		kd_error_clear();
		rc = kd_buf_printf(&path, "%s/helm/values", prefix);
	} else {
		rc = kd_buf_printf(&path, "%s/helm/valuesObject", prefix);
	}
	if (rc == 0)
		rc = dup_to(&r->values_path, kd_buf_cstr(&path));
	r->values_from = json_array_size(kd_json_arr(helm, "valueFiles")) > 0 ||
			 json_array_size(kd_json_arr(helm, "parameters")) > 0 ||
			 json_array_size(kd_json_arr(helm, "fileParameters")) > 0;
cleanup:
	kd_buf_free(&path);
	return rc;
}

int kd_helm_release_of(kd_helm_release *out, const json_t *obj)
{
	const char *av = kd_json_str(obj, "apiVersion"), *kind = kd_json_str(obj, "kind");
	kd_buf prefix = KD_BUF_INIT;
	const json_t *src;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!av || !kind)
		return 0;
	if (strcmp(kind, "HelmRelease") == 0 &&
	    (strcmp(av, FLUX_GROUP "v2") == 0 || strcmp(av, FLUX_GROUP "v2beta2") == 0 ||
	     strcmp(av, FLUX_GROUP "v2beta1") == 0))
		rc = flux_release(out, obj);
	else if (strcmp(kind, "Application") == 0 && strcmp(av, ARGO_APP_VERSION) == 0 &&
		 (src = argo_source(kd_json_obj(obj, "spec"), &prefix)))
		rc = argo_release(out, obj, src, kd_buf_cstr(&prefix));
	else
		return 0;
	kd_buf_free(&prefix);
	if (rc < 0) {
		kd_helm_release_clear(out);
		return rc;
	}
	return 1;
}

/* ---- records ------------------------------------------------------------- */

/* Inflates gzip data (one member or several in a row, as Go's reader
 * accepts) into out, bounded by KD_HELM_MAX_RELEASE. */
static int gunzip(kd_buf *out, const unsigned char *data, size_t len)
{
	z_stream zs;
	int zr = Z_OK, rc = 0;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return oom();
	zs.next_in = (unsigned char *)data;
	zs.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
	for (;;) {
		if (out->len >= KD_HELM_MAX_RELEASE) {
			rc = kd_error_set(KD_ELIMIT, "the release is larger than %zu MiB once "
					  "decompressed", KD_HELM_MAX_RELEASE >> 20);
			break;
		}
		if ((rc = kd_buf_grow(out, 64 * 1024)) < 0)
			break;
		zs.next_out = (unsigned char *)out->data + out->len;
		zs.avail_out = (uInt)(out->cap - out->len - 1);
		zr = inflate(&zs, Z_NO_FLUSH);
		out->len = (size_t)((char *)zs.next_out - out->data);
		out->data[out->len] = '\0';
		if (zr == Z_STREAM_END) {
			if (zs.avail_in == 0)
				break;
			if (inflateReset(&zs) != Z_OK) {
				rc = kd_error_set(KD_EINVAL, "gzip: cannot read the next member");
				break;
			}
			continue;
		}
		if (zr == Z_OK)
			continue;
		if (zr == Z_BUF_ERROR && zs.avail_in == 0) {
			rc = kd_error_set(KD_EINVAL, "gzip: the data ends early");
			break;
		}
		if (zr == Z_MEM_ERROR) {
			rc = oom();
			break;
		}
		rc = kd_error_set(KD_EINVAL, "gzip: %s", zs.msg ? zs.msg : "corrupt data");
		break;
	}
	inflateEnd(&zs);
	return rc;
}

int kd_helm_release_decode(json_t **out, const char *text, size_t len)
{
	static const unsigned char magic[3] = { 0x1f, 0x8b, 0x08 };
	kd_buf raw = KD_BUF_INIT, plain = KD_BUF_INIT;
	const kd_buf *json = &raw;
	json_error_t jerr;
	json_t *rel = NULL;
	int rc;

	*out = NULL;
	if ((rc = kd_base64_decode(&raw, text, len)) < 0) {
		rc = kd_error_set(KD_EINVAL, "the release is not base64 text");
		goto cleanup;
	}
	if (raw.len >= 3 && memcmp(raw.data, magic, 3) == 0) {
		if ((rc = gunzip(&plain, (const unsigned char *)raw.data, raw.len)) < 0)
			goto cleanup;
		json = &plain;
	}
	if (json->len > KD_HELM_MAX_RELEASE) {
		rc = kd_error_set(KD_ELIMIT, "the release is larger than %zu MiB",
				  KD_HELM_MAX_RELEASE >> 20);
		goto cleanup;
	}
	if (!(rel = json_loadb(kd_buf_cstr(json), json->len, JSON_DECODE_ANY, &jerr))) {
		rc = kd_error_set(KD_EINVAL, "the release is not JSON: %s (at byte %d)",
				  jerr.text, jerr.position);
		goto cleanup;
	}
	if (!json_is_object(rel)) {
		rc = kd_error_set(KD_EINVAL, "the release is not a JSON object");
		goto cleanup;
	}
	*out = rel;
	rel = NULL;
cleanup:
	json_decref(rel);
	kd_buf_free(&raw);
	kd_buf_free(&plain);
	return rc;
}

/* The parts of a release kdrift reads; the chart's templates, files and
 * default values (most of a record's size) are left behind. */
static int keep_parts(json_t **out, const json_t *rel)
{
	static const char *const top[] = { "name", "namespace", "version", "config", "manifest" };
	static const char *const info[] = { "status", "first_deployed", "last_deployed", "description" };
	json_t *o = json_object(), *in = json_object(), *chart = json_object(), *v;
	size_t i;

	*out = NULL;
	if (!o || !in || !chart)
		goto nomem;
	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		if ((v = json_object_get(rel, top[i])) && json_object_set(o, top[i], v) < 0)
			goto nomem;
	for (i = 0; i < sizeof(info) / sizeof(info[0]); i++)
		if ((v = json_object_get(kd_json_obj(rel, "info"), info[i])) &&
		    json_object_set(in, info[i], v) < 0)
			goto nomem;
	if ((v = kd_json_obj(kd_json_obj(rel, "chart"), "metadata")) &&
	    json_object_set(chart, "metadata", v) < 0)
		goto nomem;
	if (json_object_set_new(o, "info", in) < 0) {
		in = NULL;
		goto nomem;
	}
	in = NULL;
	if (json_object_set_new(o, "chart", chart) < 0) {
		chart = NULL;
		goto nomem;
	}
	*out = o;
	return 0;
nomem:
	json_decref(o);
	json_decref(in);
	json_decref(chart);
	return oom();
}

int kd_helm_record_decode(json_t **out, const json_t *record)
{
	const json_t *meta = kd_json_obj(record, "metadata");
	const char *kind = kd_json_str(record, "kind"), *name = kd_json_str(meta, "name");
	const char *ns = kd_json_str(meta, "namespace");
	const char *data = kd_json_str(kd_json_obj(record, "data"), "release");
	kd_buf text = KD_BUF_INIT;
	json_t *rel = NULL;
	bool secret = kind && strcmp(kind, "Secret") == 0;
	int rc;

	*out = NULL;
	if (!kind || (!secret && strcmp(kind, "ConfigMap") != 0))
		return kd_error_set(KD_EINVAL, "a Helm release record is a Secret or a ConfigMap, not %s",
				    kind ? kind : "an object without kind");
	if (!data)
		rc = kd_error_set(KD_EINVAL, "no data.release");
	else if (secret && kd_base64_decode_strict(&text, data, strlen(data)) < 0)
		rc = kd_error_set(KD_EINVAL, "data.release is not base64");
	else if (secret)
		rc = kd_helm_release_decode(&rel, kd_buf_cstr(&text), text.len);
	else
		rc = kd_helm_release_decode(&rel, data, strlen(data));
	if (rc == 0)
		rc = keep_parts(out, rel);
	if (rc < 0)
		rc = kd_error_wrap(rc, "Helm release record %s %s/%s: ", kind,
				   ns ? ns : "", name ? name : "?");
	json_decref(rel);
	kd_buf_free(&text);
	return rc;
}

/* "sh.helm.release.v1.NAME.vN" -> NAME and N. */
static bool key_parts(const char *key, const char **name, size_t *nlen, long *version)
{
	static const char prefix[] = "sh.helm.release.v1.";
	const char *dot;
	char *end;

	if (!key || strncmp(key, prefix, sizeof(prefix) - 1) != 0 ||
	    !(dot = strrchr(key, '.')) || dot[1] != 'v')
		return false;
	*name = key + sizeof(prefix) - 1;
	if (dot <= *name)
		return false;
	*nlen = (size_t)(dot - *name);
	*version = strtol(dot + 2, &end, 10);
	return *end == '\0' && *version > 0;
}

const json_t *kd_helm_record_find(const json_t *records, const char *name)
{
	const json_t *best = NULL, *r;
	long best_v = 0;
	bool best_secret = false;
	size_t i;

	json_array_foreach(records, i, r) {
		const json_t *meta = kd_json_obj(r, "metadata");
		const json_t *labels = kd_json_obj(meta, "labels");
		const char *lname = kd_json_str(labels, "name"), *lver = kd_json_str(labels, "version");
		const char *kname = NULL, *kind = kd_json_str(r, "kind");
		size_t klen = 0;
		long v = 0;
		bool secret = kind && strcmp(kind, "Secret") == 0;
		char *end;

		if (!kind || (!secret && strcmp(kind, "ConfigMap") != 0) ||
		    !kd_json_str(labels, "owner") || strcmp(kd_json_str(labels, "owner"), "helm") != 0 ||
		    !kd_json_str(labels, "status") ||
		    strcmp(kd_json_str(labels, "status"), "deployed") != 0)
			continue;
		/* the labels say which release and revision; the object's name
		 * says the same and stands in when a label is missing */
		if (!key_parts(kd_json_str(meta, "name"), &kname, &klen, &v)) {
			kname = NULL;
			v = 0;
			if (!lname)
				continue;
		}
		if (lname ? strcmp(lname, name) != 0 : (klen != strlen(name) || strncmp(kname, name, klen) != 0))
			continue;
		if (lver) {
			v = strtol(lver, &end, 10);
			if (*end || v <= 0)
				continue;
		}
		if (!best || v > best_v || (v == best_v && secret && !best_secret)) {
			best = r;
			best_v = v;
			best_secret = secret;
		}
	}
	return best;
}

/* ---- the manifest ------------------------------------------------------- */

static bool builtin_namespaced(void *ctx, const char *api_version, const char *kind)
{
	(void)ctx;
	return !kd_kind_is_cluster_scoped(api_version, kind);
}

static int add_manifest_object(json_t *out, json_t *obj, const char *ns,
			       kd_helm_namespaced_fn namespaced, void *ctx)
{
	json_t *meta = kd_json_obj(obj, "metadata");
	const char *av = kd_json_str(obj, "apiVersion"), *kind = kd_json_str(obj, "kind");

	if (meta && !nonempty(kd_json_str(meta, "namespace")) && nonempty(ns) && kind &&
	    namespaced(ctx, av, kind) &&
	    json_object_set_new(meta, "namespace", json_string(ns)) < 0)
		return oom();
	if (json_array_append(out, obj) < 0)
		return oom();
	return 0;
}

int kd_helm_manifest_objects(json_t **out, const json_t *release, const char *namespace,
			     kd_helm_namespaced_fn namespaced, void *ctx)
{
	const char *manifest = kd_json_str(release, "manifest");
	const char *name = kd_json_str(release, "name");
	json_t *docs = NULL, *objs = json_array(), *doc, *item;
	kd_buf where = KD_BUF_INIT;
	size_t i, j;
	int rc = 0;

	*out = NULL;
	if (!objs)
		return oom();
	if (!namespaced)
		namespaced = builtin_namespaced;
	if (!manifest) {
		*out = objs;   /* a release of nothing (or of hooks only) */
		return 0;
	}
	if ((rc = kd_buf_printf(&where, "release %s/%s manifest", namespace ? namespace : "",
				name ? name : "?")) < 0 ||
	    (rc = kd_yaml_parse(&docs, NULL, manifest, strlen(manifest), kd_buf_cstr(&where),
				NULL)) < 0)
		goto cleanup;
	json_array_foreach(docs, i, doc) {
		const char *kind = kd_json_str(doc, "kind");

		if (!json_is_object(doc))
			continue;
		if (kind && strcmp(kind, "List") == 0 && json_is_array(json_object_get(doc, "items"))) {
			json_array_foreach(json_object_get(doc, "items"), j, item)
				if (json_is_object(item) &&
				    (rc = add_manifest_object(objs, item, namespace, namespaced, ctx)) < 0)
					goto cleanup;
			continue;
		}
		if ((rc = add_manifest_object(objs, doc, namespace, namespaced, ctx)) < 0)
			goto cleanup;
	}
	*out = objs;
	objs = NULL;
cleanup:
	json_decref(docs);
	json_decref(objs);
	kd_buf_free(&where);
	return rc;
}

/* ---- Git against the record ---------------------------------------------- */

typedef struct cmp {
	kd_diff_result *res;
	size_t cap;
	const char *time;
	bool mask;
} cmp;

static bool empty_value(const json_t *v)
{
	return !v || json_is_null(v) || (json_is_object(v) && json_object_size(v) == 0) ||
	       (json_is_array(v) && json_array_size(v) == 0);
}

static int mask_value(json_t **out, const json_t *v)
{
	char mask[KD_DIFF_MASK_SIZE];
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);

	*out = NULL;
	if (!text)
		return oom();
	kd_diff_mask(mask, text, strlen(text));
	free(text);
	if (!(*out = json_string(mask)))
		return oom();
	return 0;
}

static int add_field(cmp *c, const char *path, const json_t *desired, const json_t *live,
		     bool mask_live)
{
	kd_diff_field *f;

	if (c->res->nfields == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4;
		kd_diff_field *g = realloc(c->res->fields, cap * sizeof(*g));

		if (!g)
			return oom();
		c->res->fields = g;
		c->cap = cap;
	}
	f = &c->res->fields[c->res->nfields];
	memset(f, 0, sizeof(*f));
	c->res->nfields++;
	f->kind = !live ? KD_DIFF_REMOVED : !desired ? KD_DIFF_ADDED : KD_DIFF_CHANGED;
	f->desired = json_incref((json_t *)desired);
	if (live && mask_live) {
		if (mask_value(&f->live, live) < 0)
			return KD_ENOMEM;
	} else {
		f->live = json_incref((json_t *)live);
	}
	if (!(f->path = strdup(path)) || !(f->manager = strdup("helm")) ||
	    !(f->operation = strdup("Update")) || (c->time && !(f->time = strdup(c->time))))
		return oom();
	c->res->status = KD_DIFF_DRIFTED;
	return 0;
}

/* A map only one side has is opened, so each leaf is a field. */
static int walk_values(cmp *c, kd_buf *path, const json_t *g, const json_t *r, bool partial)
{
	size_t mark = path->len;
	const char *key;
	const json_t *v;
	int rc = 0;

	if (empty_value(g) && empty_value(r))
		return 0;
	if ((json_is_object(g) || !g) && (json_is_object(r) || !r)) {
		json_object_foreach((json_t *)g, key, v) {
			if ((rc = kd_json_pointer_append(path, key)) < 0 ||
			    (rc = walk_values(c, path, v, json_object_get(r, key), partial)) < 0)
				return rc;
			kd_buf_truncate(path, mark);
		}
		if (partial && g)
			return 0;
		json_object_foreach((json_t *)r, key, v) {
			if (json_object_get(g, key))
				continue;
			if ((rc = kd_json_pointer_append(path, key)) < 0 ||
			    (rc = walk_values(c, path, NULL, v, partial)) < 0)
				return rc;
			kd_buf_truncate(path, mark);
		}
		return 0;
	}
	if (g && r && kd_json_equal(g, r))
		return 0;
	return add_field(c, kd_buf_cstr(path), empty_value(g) ? NULL : g,
			 empty_value(r) ? NULL : r, c->mask);
}

int kd_helm_compare(kd_diff_result **out, const kd_helm_release *git, const json_t *release)
{
	const json_t *meta = kd_json_obj(kd_json_obj(release, "chart"), "metadata");
	const char *chart = kd_json_str(meta, "name"), *version = kd_json_str(meta, "version");
	cmp c = { 0 };
	kd_buf path = KD_BUF_INIT;
	json_t *gv = NULL, *rv = NULL;
	int rc = 0;

	*out = NULL;
	if (!(c.res = calloc(1, sizeof(*c.res))))
		return oom();
	c.time = kd_json_str(kd_json_obj(release, "info"), "last_deployed");
	if (git->chart && chart && strcmp(git->chart, chart) != 0 && git->chart_path) {
		gv = json_string(git->chart);
		rv = json_string(chart);
		rc = gv && rv ? add_field(&c, git->chart_path, gv, rv, false) : oom();
		json_decref(gv);
		json_decref(rv);
		gv = rv = NULL;
	}
	if (rc == 0 && git->version && *git->version && version && git->version_path) {
		bool ok = false;

		if ((rc = kd_helm_version_matches(&ok, git->version, version)) < 0) {
			/* a constraint Flux would refuse: differ only when not equal */
			kd_error_clear();
			rc = 0;
			ok = strcmp(git->version, version) == 0;
		}
		if (!ok) {
			gv = json_string(git->version);
			rv = json_string(version);
			rc = gv && rv ? add_field(&c, git->version_path, gv, rv, false) : oom();
			json_decref(gv);
			json_decref(rv);
		}
	}
	if (rc == 0 && git->values_path && (git->values || !git->values_from)) {
		c.mask = git->secret_values;
		if ((rc = kd_buf_puts(&path, git->values_path)) == 0)
			rc = walk_values(&c, &path, git->values, json_object_get(release, "config"),
					 git->values_from);
	}
	kd_buf_free(&path);
	if (rc < 0) {
		kd_diff_result_free(c.res);
		return rc;
	}
	*out = c.res;
	return 0;
}
