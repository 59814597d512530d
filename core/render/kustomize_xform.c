/*
 * kustomize_xform — the built-in transformers: namespace, name prefix and
 * suffix, labels, annotations, images and replicas, each driven by the
 * field specs of the build's transformer configuration (kustomize's
 * defaults plus `configurations:`), as kustomize drives them.
 *
 * Each transformer has a core (kd_kz_xf_*) that takes its field specs
 * explicitly, shared by the kustomization's own fields and by builtin
 * transformer configs listed under `transformers:`, and a wrapper that
 * reads the kustomization field.  Transformers that may rename a resource
 * record its previous id first, which is what name references, patches
 * and replacements later find it by.
 */
#include "render_priv.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

int kd_kz_fs_collect(kd_kz_fslist *out, const kd_kz_tconfig *tc, kd_kz_fscat cat)
{
	const kd_kz_fspec *fs;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	for (i = 0; (fs = kd_kz_fs_get(tc, cat, i)); i++)
		if ((rc = kd_kz_fslist_add(out, fs)) < 0) {
			kd_kz_fslist_free(out);
			return rc;
		}
	return 0;
}

/* Where an error in a resource's transformation happened. */
static int in_resource(const json_t *obj, int rc)
{
	if (rc == KD_ENOMEM)
		return rc;
	return kd_error_wrap(rc, "%s %s: ", kd_kz_kind(obj), kd_kz_name(obj) ? kd_kz_name(obj) : "");
}

/* ---- labels and annotations --------------------------------------------- */

int kd_kz_xf_pairs(kd_kz_list *l, const json_t *pairs, const kd_kz_fslist *specs)
{
	size_t i, j;
	int rc;

	if (json_object_size(pairs) == 0)
		return 0;
	for (i = 0; i < l->n; i++)
		for (j = 0; j < specs->n; j++)
			if ((rc = kd_kz_fs_apply(l->v[i].obj, &specs->v[j], KD_KZ_CREATE_MAP,
						 kd_kz_set_pairs, (void *)pairs)) < 0)
				return in_resource(l->v[i].obj, rc);
	return 0;
}

/* Label and annotation values must be strings: kubectl refuses numbers
 * and booleans there ("cannot unmarshal number into ... of type string"). */
static int string_pairs(const kd_kz_file *f, const json_t *in, const char *pointer)
{
	const char *key;
	json_t *v;

	if (!json_is_object(in))
		return kd_kz_fail(f, pointer, KD_EINVAL, "expected a mapping of names to values");
	json_object_foreach((json_t *)in, key, v) {
		if (!json_is_string(v))
			return kd_kz_fail(f, pointer, KD_EINVAL,
				       "value of '%s' must be a string (quote it)", key);
	}
	return 0;
}

static int merge_cat(kd_kz_fslist *specs, const kd_kz_tconfig *tc, kd_kz_fscat cat)
{
	const kd_kz_fspec *fs;
	size_t i;
	int rc;

	for (i = 0; (fs = kd_kz_fs_get(tc, cat, i)); i++)
		if ((rc = kd_kz_fslist_merge(specs, fs, NULL, 0)) < 0)
			return rc;
	return 0;
}

/* The field specs of one `labels` entry: its own fields, the
 * configuration's labels specs, then the selectors (which include the
 * templates), the templates, or nothing but metadata/labels. */
static int entry_specs(kd_kz_fslist *specs, const kd_kz_file *f, const kd_kz_tconfig *tc,
		       const json_t *entry, const char *pointer)
{
	static const kd_kz_fspec meta = { "", "", "", "metadata/labels", true };
	json_t *fields = json_object_get(entry, "fields");
	size_t i;
	int rc;

	if (fields && !json_is_null(fields) && !json_is_array(fields))
		return kd_kz_fail(f, pointer, KD_EINVAL, "'fields' must be a list of field specs");
	for (i = 0; i < json_array_size(fields); i++) {
		kd_kz_fspec s;

		if ((rc = kd_kz_fspec_read(&s, json_array_get(fields, i), f->path, true)) < 0 ||
		    (rc = kd_kz_fslist_add(specs, &s)) < 0)
			return rc == KD_ENOMEM ? rc : kd_kz_wrap(f, pointer, rc);
	}
	if ((rc = merge_cat(specs, tc, KD_KZ_FS_LABELS)) < 0)
		return rc;
	if (kd_kz_true(json_object_get(entry, "includeSelectors")))
		return merge_cat(specs, tc, KD_KZ_FS_COMMON_LABELS);
	if (kd_kz_true(json_object_get(entry, "includeTemplates")) &&
	    (rc = merge_cat(specs, tc, KD_KZ_FS_TEMPLATE_LABELS)) < 0)
		return rc;
	return kd_kz_fslist_merge(specs, &meta, NULL, 0);
}

int kd_kz_labels(const kd_kz_file *f, kd_kz_list *l, const json_t *labels,
		 const json_t *entry, const char *pointer)
{
	kd_kz_fslist specs = { NULL, 0, 0 };
	int rc = string_pairs(f, labels, pointer);

	if (rc < 0)
		return rc;
	if (entry)
		rc = entry_specs(&specs, f, &l->tc, entry, pointer);
	else
		rc = kd_kz_fs_collect(&specs, &l->tc, KD_KZ_FS_COMMON_LABELS);
	if (rc == 0 && (rc = kd_kz_xf_pairs(l, labels, &specs)) < 0 && rc != KD_ENOMEM)
		rc = kd_kz_wrap(f, pointer, rc);
	kd_kz_fslist_free(&specs);
	return rc;
}

int kd_kz_annotations(const kd_kz_file *f, kd_kz_list *l, const json_t *annotations)
{
	kd_kz_fslist specs;
	int rc = string_pairs(f, annotations, "/commonAnnotations");

	if (rc < 0 || (rc = kd_kz_fs_collect(&specs, &l->tc, KD_KZ_FS_ANNOTATIONS)) < 0)
		return rc;
	rc = kd_kz_xf_pairs(l, annotations, &specs);
	kd_kz_fslist_free(&specs);
	return rc < 0 && rc != KD_ENOMEM ? kd_kz_wrap(f, "/commonAnnotations", rc) : rc;
}

/* ---- namespace ------------------------------------------------------------ */

typedef struct ns_set {
	const char *ns;
	bool unset_only;
} ns_set;

static int set_namespace(json_t *parent, const char *key, void *arg)
{
	const ns_set *s = arg;
	json_t *cur = json_object_get(parent, key);

	if (json_is_object(cur) || json_is_array(cur))
		return kd_error_set(KD_EINVAL, "namespace field specs must target scalar nodes");
	if (s->unset_only && json_is_string(cur) && json_string_value(cur)[0])
		return 0;
	return kd_kz_set_str(parent, key, s->ns);
}

static bool is_binding(const char *kind)
{
	return strcmp(kind, "RoleBinding") == 0 || strcmp(kind, "ClusterRoleBinding") == 0;
}

static int ns_subjects(json_t *obj, const kd_kz_ns_opts *o, ns_set *s)
{
	json_t *subjects = json_object_get(obj, "subjects");
	size_t i;
	int rc;

	if (o->subjects == KD_KZ_SUBJECTS_NONE || !json_is_array(subjects))
		return 0;
	for (i = 0; i < json_array_size(subjects); i++) {
		json_t *sub = json_array_get(subjects, i);
		const char *match = o->subjects == KD_KZ_SUBJECTS_ALL ? "kind" : "name";
		const char *want = o->subjects == KD_KZ_SUBJECTS_ALL ? "ServiceAccount" : "default";
		const char *v = json_string_value(json_object_get(sub, match));

		if (!json_is_object(sub) || !v || strcmp(v, want) != 0)
			continue;
		if (!json_object_get(sub, "namespace") &&
		    json_object_set_new(sub, "namespace", json_string("")) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
		if ((rc = set_namespace(sub, "namespace", s)) < 0)
			return rc;
	}
	return 0;
}

int kd_kz_xf_namespace(kd_kz_list *l, const kd_kz_ns_opts *o)
{
	static const kd_kz_fspec meta_ns = { "", "", "", "metadata/namespace", true };
	ns_set s = { o->ns, o->unset_only };
	json_t *seen = NULL;
	size_t i, j;
	int rc = 0;

	if (!o->ns || !o->ns[0])
		return 0;
	for (i = 0; i < l->n && rc == 0; i++) {
		kd_kz_res *r = &l->v[i];
		json_t *obj = r->obj;
		const char *av = kd_kz_api_version(obj);
		bool binding = is_binding(kd_kz_kind(obj));

		if ((rc = kd_kz_store_prev(r)) < 0)
			break;
		if (!kd_kz_cluster_scoped(av, kd_kz_kind(obj)) &&
		    (rc = kd_kz_fs_apply(obj, &meta_ns, KD_KZ_CREATE_SCALAR, set_namespace, &s)) < 0)
			break;
		if (binding && (rc = ns_subjects(obj, o, &s)) < 0)
			break;
		for (j = 0; j < o->specs->n && rc == 0; j++) {
			const kd_kz_fspec *fs = &o->specs->v[j];

			if (strcmp(fs->path, "metadata/namespace") == 0 ||
			    (strcmp(av, "v1") != 0 && strcmp(fs->path, "metadata/name") == 0) ||
			    (binding && is_binding(fs->kind) && strcmp(fs->path, "subjects/namespace") == 0))
				continue;
			rc = kd_kz_fs_apply(obj, fs, KD_KZ_CREATE_SCALAR, set_namespace, &s);
		}
		if (rc < 0)
			rc = in_resource(obj, rc);
	}
	/* The new namespaces must not make two resources one. */
	if (rc == 0 && !(seen = json_object()))
		rc = kd_error_set(KD_ENOMEM, "out of memory");
	for (i = 0; i < l->n && rc == 0; i++) {
		kd_buf key = KD_BUF_INIT;
		json_t *obj = l->v[i].obj;

		if (kd_buf_printf(&key, "%s\x1f%s\x1f%s\x1f%s", kd_kz_api_version(obj), kd_kz_kind(obj),
				  kd_kz_name(obj) ? kd_kz_name(obj) : "", kd_kz_cur_ns(&l->v[i])) < 0)
			rc = kd_error_set(KD_ENOMEM, "out of memory");
		else if (json_object_get(seen, kd_buf_cstr(&key)))
			rc = kd_error_set(KD_EINVAL,
					  "namespace transformation produces ID conflict: %s %s/%s",
					  kd_kz_kind(obj), o->ns, kd_kz_name(obj) ? kd_kz_name(obj) : "");
		else if (json_object_set_new(seen, kd_buf_cstr(&key), json_true()) < 0)
			rc = kd_error_set(KD_ENOMEM, "out of memory");
		kd_buf_free(&key);
	}
	json_decref(seen);
	return rc;
}

int kd_kz_namespace(const kd_kz_file *f, kd_kz_list *l, const char *ns)
{
	kd_kz_ns_opts o = { ns, NULL, false, KD_KZ_SUBJECTS_DEFAULT };
	kd_kz_fslist specs;
	int rc = kd_kz_fs_collect(&specs, &l->tc, KD_KZ_FS_NAMESPACE);

	if (rc < 0)
		return rc;
	o.specs = &specs;
	rc = kd_kz_xf_namespace(l, &o);
	kd_kz_fslist_free(&specs);
	return rc < 0 && rc != KD_ENOMEM ? kd_kz_wrap(f, "/namespace", rc) : rc;
}

/* ---- names ------------------------------------------------------------------ */

typedef struct affix {
	const char *text;
	bool suffix;
} affix;

static int set_affix(json_t *parent, const char *key, void *arg)
{
	const affix *a = arg;
	json_t *cur = json_object_get(parent, key);
	const char *v = json_is_string(cur) ? json_string_value(cur) : "";
	kd_buf b = KD_BUF_INIT;
	int rc;

	if (json_is_object(cur) || json_is_array(cur))
		return kd_error_set(KD_EINVAL, "'%s' must be a scalar to take a name %s", key,
				    a->suffix ? "suffix" : "prefix");
	if (kd_buf_printf(&b, "%s%s", a->suffix ? v : a->text, a->suffix ? a->text : v) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	rc = kd_kz_set_str(parent, key, kd_buf_cstr(&b));
	kd_buf_free(&b);
	return rc;
}

/* Whether the original id of r is selected by fs's gvk. */
static bool org_selected(const kd_kz_res *r, const kd_kz_fspec *fs)
{
	if (fs->kind[0] && strcmp(fs->kind, kd_kz_org_kind(r)) != 0)
		return false;
	return kd_kz_gvk_matches(r->obj, fs->group, fs->version, "");
}

int kd_kz_xf_affix(kd_kz_list *l, const char *text, bool suffix, const kd_kz_fslist *specs)
{
	affix a = { text ? text : "", suffix };
	size_t i, j;
	int rc;

	for (i = 0; i < l->n; i++) {
		kd_kz_res *r = &l->v[i];
		const char *okind = kd_kz_org_kind(r);
		char group[256];

		/* kustomize never renames these, whatever the field specs say */
		kd_kz_group_of(group, sizeof(group), kd_kz_api_version(r->obj));
		if (strcmp(okind, "CustomResourceDefinition") == 0 || strcmp(okind, "Namespace") == 0 ||
		    (strcmp(okind, "APIService") == 0 && strcmp(group, "apiregistration.k8s.io") == 0))
			continue;
		for (j = 0; j < specs->n; j++) {
			const kd_kz_fspec *fs = &specs->v[j];

			if (!org_selected(r, fs))
				continue;
			if (strcmp(fs->path, "metadata/name") == 0 && a.text[0] &&
			    ((rc = kd_kz_append_str(suffix ? &r->suffixes : &r->prefixes, a.text)) < 0 ||
			     (rc = kd_kz_store_prev(r)) < 0))
				return rc;
			if ((rc = kd_kz_fs_apply(r->obj, fs, KD_KZ_CREATE_SCALAR, set_affix, &a)) < 0)
				return in_resource(r->obj, rc);
		}
	}
	return 0;
}

int kd_kz_prefix_suffix(kd_kz_list *l, const char *prefix, const char *suffix)
{
	kd_kz_fslist specs;
	int rc = 0;

	if (prefix && prefix[0]) {
		if ((rc = kd_kz_fs_collect(&specs, &l->tc, KD_KZ_FS_PREFIX)) < 0)
			return rc;
		rc = kd_kz_xf_affix(l, prefix, false, &specs);
		kd_kz_fslist_free(&specs);
	}
	if (rc == 0 && suffix && suffix[0]) {
		if ((rc = kd_kz_fs_collect(&specs, &l->tc, KD_KZ_FS_SUFFIX)) < 0)
			return rc;
		rc = kd_kz_xf_affix(l, suffix, true, &specs);
		kd_kz_fslist_free(&specs);
	}
	return rc;
}

/* ---- images ------------------------------------------------------------------ */

/* kustomize's image.Split: name, tag and digest of an image reference.
 * The tag and digest are searched for after the first slash, so a
 * registry port ("reg:5000/app") stays in the name. */
static void split_image(const char *img, size_t *name_len, const char **tag, size_t *tag_len,
			const char **digest)
{
	const char *slash = strchr(img, '/');
	const char *search = slash && slash > img ? slash : img;
	const char *at = strchr(search, '@'), *colon = strchr(search, ':');

	*tag = *digest = NULL;
	*tag_len = 0;
	if (!at && !colon) {
		*name_len = strlen(img);
		return;
	}
	if (at && (!colon || at < colon)) {
		*name_len = (size_t)(at - img);
		*digest = at + 1;
		return;
	}
	*name_len = (size_t)(colon - img);
	*tag = colon + 1;
	if (at) {
		*tag_len = (size_t)(at - colon - 1);
		*digest = at + 1;
	} else {
		*tag_len = strlen(colon + 1);
	}
}

/* Go's regexp syntax for what image names use, in POSIX extended form. */
static int compile_image(regex_t *re, const char *name)
{
	kd_buf b = KD_BUF_INIT;
	const char *p;
	int rc = kd_buf_puts(&b, "^(");

	for (p = name; rc == 0 && *p; p++) {
		if (p[0] == '\\' && p[1] == 'd') {
			rc = kd_buf_puts(&b, "[0-9]");
			p++;
		} else if (p[0] == '\\' && p[1] == 'w') {
			rc = kd_buf_puts(&b, "[A-Za-z0-9_]");
			p++;
		} else {
			rc = kd_buf_putc(&b, *p);
		}
	}
	if (rc == 0) {
		/* the name must be a pattern on its own ("[" is not) */
		regex_t alone;

		if (kd_buf_putc(&b, ')') < 0 ||
		    regcomp(&alone, kd_buf_cstr(&b), REG_EXTENDED | REG_NOSUB) != 0) {
			kd_buf_free(&b);
			return kd_error_set(KD_EINVAL, "image name '%s' is not a valid regular "
					    "expression (kubectl fails on it)", name);
		}
		regfree(&alone);
		kd_buf_truncate(&b, b.len - 1);
		rc = kd_buf_puts(&b, ")(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$");
	}
	if (rc == 0 && regcomp(re, kd_buf_cstr(&b), REG_EXTENDED | REG_NOSUB) != 0)
		rc = kd_error_set(KD_EINVAL, "image name '%s' is not a valid regular expression "
				  "(kubectl fails on it)", name);
	kd_buf_free(&b);
	return rc;
}

typedef struct image_ctx {
	const kd_kz_image *img;
	regex_t re;
} image_ctx;

static int update_image(json_t *parent, const char *key, void *arg)
{
	image_ctx *c = arg;
	const kd_kz_image *img = c->img;
	json_t *cur = json_object_get(parent, key);
	const char *v = json_string_value(cur), *tag, *digest;
	kd_buf b = KD_BUF_INIT;
	size_t nlen, tlen;
	int rc;

	if (json_is_object(cur) || json_is_array(cur))
		return kd_error_set(KD_EINVAL, "an image must be a string");
	if (!v || regexec(&c->re, v, 0, NULL, 0) != 0)
		return 0;
	split_image(v, &nlen, &tag, &tlen, &digest);
	rc = img->new_name ? kd_buf_puts(&b, img->new_name) : kd_buf_add(&b, v, nlen);
	if (img->new_tag && img->digest) {
		tag = img->new_tag;
		tlen = strlen(tag);
		digest = img->digest;
	} else if (img->new_tag) {
		tag = img->new_tag;
		tlen = strlen(tag);
		digest = NULL;
	} else if (img->digest) {
		tag = NULL;
		digest = img->digest;
	} else if (img->tag_suffix) {
		kd_buf t = KD_BUF_INIT;

		if (tag)
			kd_buf_add(&t, tag, tlen);
		kd_buf_puts(&t, img->tag_suffix);
		if (rc == 0 && t.len)
			rc = kd_buf_printf(&b, ":%s", kd_buf_cstr(&t));
		kd_buf_free(&t);
		tag = NULL;
		digest = NULL;
	}
	if (rc == 0 && tag && tlen)
		rc = kd_buf_printf(&b, ":%.*s", (int)tlen, tag);
	if (rc == 0 && digest && digest[0])
		rc = kd_buf_printf(&b, "@%s", digest);
	if (rc == 0)
		rc = kd_kz_set_str(parent, key, kd_buf_cstr(&b));
	else
		rc = kd_error_set(KD_ENOMEM, "out of memory");
	kd_buf_free(&b);
	return rc;
}

/* kustomize also rewrites every `image` of every list called containers or
 * initContainers, at any depth of any kind but CRDs. */
static int legacy_images(json_t *node, image_ctx *c)
{
	const char *key;
	json_t *v;
	size_t i;
	int rc;

	if (json_is_array(node)) {
		for (i = 0; i < json_array_size(node); i++)
			if ((rc = legacy_images(json_array_get(node, i), c)) < 0)
				return rc;
		return 0;
	}
	if (!json_is_object(node))
		return 0;
	json_object_foreach(node, key, v) {
		if ((rc = legacy_images(v, c)) < 0)
			return rc;
		if (!json_is_array(v) || (strcmp(key, "containers") != 0 &&
					  strcmp(key, "initContainers") != 0))
			continue;
		for (i = 0; i < json_array_size(v); i++) {
			json_t *e = json_array_get(v, i);

			if (!json_is_object(e) || !json_object_get(e, "image"))
				continue;
			if ((rc = update_image(e, "image", c)) < 0)
				return rc;
		}
	}
	return 0;
}

int kd_kz_xf_image(kd_kz_list *l, const kd_kz_image *img, const kd_kz_fslist *specs)
{
	image_ctx c;
	size_t i, j;
	int rc;

	c.img = img;
	if ((rc = compile_image(&c.re, img->name)) < 0)
		return rc;
	for (i = 0; i < l->n && rc == 0; i++) {
		json_t *obj = l->v[i].obj;

		if (strcmp(kd_kz_kind(obj), "CustomResourceDefinition") == 0)
			continue;
		rc = legacy_images(obj, &c);
		for (j = 0; j < specs->n && rc == 0; j++)
			rc = kd_kz_fs_apply(obj, &specs->v[j], KD_KZ_CREATE_NONE, update_image, &c);
		if (rc < 0)
			rc = in_resource(obj, rc);
	}
	regfree(&c.re);
	return rc;
}

static const char *const image_keys[] = { "name", "newName", "newTag", "digest", "tagSuffix",
					  NULL };

int kd_kz_image_read(kd_kz_image *out, const kd_kz_file *f, const json_t *img, const char *ptr)
{
	static const char *const fields[] = { "newName", "newTag", "digest", "tagSuffix", NULL };
	const char **dst[] = { &out->new_name, &out->new_tag, &out->digest, &out->tag_suffix };
	size_t q;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(img) || !json_is_string(json_object_get(img, "name")))
		return kd_kz_fail(f, ptr, KD_EINVAL, "an image entry needs a name");
	if ((rc = kd_kz_check_keys(f, ptr, img, image_keys)) < 0)
		return rc;
	out->name = json_string_value(json_object_get(img, "name"));
	for (q = 0; fields[q]; q++) {
		json_t *v = json_object_get(img, fields[q]);

		if (v && !json_is_string(v) && !json_is_null(v))
			return kd_kz_fail(f, ptr, KD_EINVAL,
				       "image '%s' must be a string (quote it)", fields[q]);
		*dst[q] = json_is_string(v) && json_string_value(v)[0] ? json_string_value(v) : NULL;
	}
	return 0;
}

int kd_kz_images(const kd_kz_file *f, kd_kz_list *l, const json_t *images)
{
	kd_kz_fslist specs;
	size_t k;
	int rc;

	if (!json_is_array(images))
		return kd_kz_fail(f, "/images", KD_EINVAL, "'images' must be a list");
	if ((rc = kd_kz_fs_collect(&specs, &l->tc, KD_KZ_FS_IMAGES)) < 0)
		return rc;
	for (k = 0; k < json_array_size(images) && rc == 0; k++) {
		kd_kz_image img;
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/images/%zu", k);
		if ((rc = kd_kz_image_read(&img, f, json_array_get(images, k), ptr)) < 0)
			break;
		if ((rc = kd_kz_xf_image(l, &img, &specs)) < 0 && rc != KD_ENOMEM)
			rc = kd_kz_wrap(f, ptr, rc);
	}
	kd_kz_fslist_free(&specs);
	return rc;
}

/* ---- replicas ------------------------------------------------------------------ */

static int set_count(json_t *parent, const char *key, void *arg)
{
	if (json_object_set_new(parent, key, json_integer(*(const json_int_t *)arg)) < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

/* Whether any id r has or had is named `name` and selected by fs's gvk. */
static bool replica_target(const kd_kz_res *r, const char *name, const kd_kz_fspec *fs)
{
	size_t i;

	if (!kd_kz_gvk_matches(r->obj, fs->group, fs->version, ""))
		return false;
	if (kd_kz_name(r->obj) && strcmp(kd_kz_name(r->obj), name) == 0 &&
	    (!fs->kind[0] || strcmp(fs->kind, kd_kz_kind(r->obj)) == 0))
		return true;
	for (i = 0; i < json_array_size(r->prev); i++) {
		json_t *id = json_array_get(r->prev, i);

		if (strcmp(json_string_value(json_array_get(id, 1)), name) == 0 &&
		    (!fs->kind[0] || strcmp(fs->kind, json_string_value(json_array_get(id, 0))) == 0))
			return true;
	}
	return false;
}

int kd_kz_xf_replica(kd_kz_list *l, const char *name, json_int_t count,
		     const kd_kz_fslist *specs)
{
	bool found = false;
	size_t i, j;
	int rc;

	for (j = 0; j < specs->n; j++)
		for (i = 0; i < l->n; i++) {
			if (!replica_target(&l->v[i], name, &specs->v[j]))
				continue;
			found = true;
			if ((rc = kd_kz_fs_apply(l->v[i].obj, &specs->v[j], KD_KZ_CREATE_SCALAR,
						 set_count, &count)) < 0)
				return in_resource(l->v[i].obj, rc);
		}
	for (i = 0; i < l->n && !found; i++)
		if (kd_kz_name(l->v[i].obj) && strcmp(kd_kz_name(l->v[i].obj), name) == 0)
			return kd_error_set(KD_EINVAL,
					    "replicas: '%s' is a %s, not a Deployment, StatefulSet, "
					    "ReplicaSet or ReplicationController", name,
					    kd_kz_kind(l->v[i].obj));
	if (!found)
		return kd_error_set(KD_EINVAL,
				    "replicas: no Deployment, StatefulSet, ReplicaSet or "
				    "ReplicationController named '%s'", name);
	return 0;
}

static const char *const replica_keys[] = { "name", "count", NULL };

int kd_kz_replicas(const kd_kz_file *f, kd_kz_list *l, const json_t *replicas)
{
	kd_kz_fslist specs;
	size_t k;
	int rc;

	if (!json_is_array(replicas))
		return kd_kz_fail(f, "/replicas", KD_EINVAL, "'replicas' must be a list");
	if ((rc = kd_kz_fs_collect(&specs, &l->tc, KD_KZ_FS_REPLICAS)) < 0)
		return rc;
	for (k = 0; k < json_array_size(replicas) && rc == 0; k++) {
		json_t *e = json_array_get(replicas, k);
		const char *name = json_string_value(json_object_get(e, "name"));
		json_t *count = json_object_get(e, "count");
		char ptr[64];

		snprintf(ptr, sizeof(ptr), "/replicas/%zu", k);
		if ((rc = kd_kz_check_keys(f, ptr, e, replica_keys)) < 0)
			break;
		if (!name || !json_is_integer(count)) {
			rc = kd_kz_fail(f, ptr, KD_EINVAL,
					"a replicas entry needs a name and an integer count");
			break;
		}
		if ((rc = kd_kz_xf_replica(l, name, json_integer_value(count), &specs)) < 0 &&
		    rc != KD_ENOMEM)
			rc = kd_kz_wrap(f, ptr, rc);
	}
	kd_kz_fslist_free(&specs);
	return rc;
}
