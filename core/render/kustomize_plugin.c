/*
 * kustomize_plugin — builtin generator and transformer configs, the
 * objects a kustomization lists under `generators:` and `transformers:`
 * (`apiVersion: builtin`, kind PrefixSuffixTransformer, LabelTransformer,
 * ConfigMapGenerator, ...).  Each runs the same code as the kustomization
 * field it generalises, with the field specs the config gives instead of
 * the configuration's defaults.
 *
 * Configs are read as kubectl reads them: into Go structs, unknown fields
 * ignored.  A config that is not builtin (an exec or Go plugin, a KRM
 * function) is unsupported, by name; a builtin kind kustomize does not
 * have (SortOrderTransformer) is refused as kubectl refuses it.  Never
 * prints.
 */
#include "render_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static const char *cfg_kind(const json_t *cfg)
{
	return kd_kz_kind(cfg);
}

static int cfg_fail(const kd_kz_file *f, const char *ptr, const json_t *cfg, int code,
		    const char *what)
{
	return kd_kz_fail(f, ptr, code, "builtin %s '%s': %s", cfg_kind(cfg),
			  kd_kz_name(cfg) ? kd_kz_name(cfg) : "", what);
}

static int str_of(const char **out, const kd_kz_file *f, const char *ptr, const json_t *cfg,
		  const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		kd_buf msg = KD_BUF_INIT;
		int rc;

		kd_buf_printf(&msg, "'%s' must be a string", key);
		rc = cfg_fail(f, ptr, cfg, KD_EINVAL, kd_buf_cstr(&msg));
		kd_buf_free(&msg);
		return rc;
	}
	*out = json_string_value(v);
	return 0;
}

/* A map of strings (labels, annotations); *out borrowed, NULL if absent. */
static int strmap_of(const json_t **out, const kd_kz_file *f, const char *ptr,
		     const json_t *cfg, const char *key)
{
	json_t *m = json_object_get(cfg, key), *v;
	const char *k;

	*out = NULL;
	if (!m || json_is_null(m))
		return 0;
	if (!json_is_object(m))
		return cfg_fail(f, ptr, cfg, KD_EINVAL, "labels and annotations must be mappings");
	json_object_foreach(m, k, v)
		if (!json_is_string(v))
			return cfg_fail(f, ptr, cfg, KD_EINVAL,
					"label and annotation values must be strings (quote them)");
	*out = m;
	return 0;
}

/* The config's fieldSpecs; *present tells whether it had the field at all. */
static int specs_of(kd_kz_fslist *out, bool *present, const kd_kz_file *f, const char *ptr,
		    const json_t *cfg)
{
	json_t *list = json_object_get(cfg, "fieldSpecs");
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	*present = list && !json_is_null(list);
	if (!*present)
		return 0;
	if (!json_is_array(list))
		return cfg_fail(f, ptr, cfg, KD_EINVAL, "'fieldSpecs' must be a list");
	for (i = 0; i < json_array_size(list); i++) {
		kd_kz_fspec s;

		if ((rc = kd_kz_fspec_read(&s, json_array_get(list, i), f->path, false)) < 0 ||
		    (rc = kd_kz_fslist_add(out, &s)) < 0) {
			kd_kz_fslist_free(out);
			return rc == KD_ENOMEM ? rc : kd_kz_wrap(f, ptr, rc);
		}
	}
	return 0;
}

static int wrap(const kd_kz_file *f, const char *ptr, int rc)
{
	return rc < 0 && rc != KD_ENOMEM ? kd_kz_wrap(f, ptr, rc) : rc;
}

/* ---- transformers ---------------------------------------------------------- */

static int t_pairs(const kd_kz_file *f, kd_kz_list *l, const json_t *cfg, const char *ptr,
		   const char *key)
{
	const json_t *pairs;
	kd_kz_fslist specs;
	bool present;
	int rc;

	if ((rc = strmap_of(&pairs, f, ptr, cfg, key)) < 0 ||
	    (rc = specs_of(&specs, &present, f, ptr, cfg)) < 0)
		return rc;
	rc = wrap(f, ptr, kd_kz_xf_pairs(l, pairs, &specs));
	kd_kz_fslist_free(&specs);
	return rc;
}

static int t_namespace(const kd_kz_file *f, kd_kz_list *l, const json_t *cfg, const char *ptr)
{
	const char *mode = NULL;
	kd_kz_ns_opts o;
	kd_kz_fslist specs;
	bool present;
	int rc;

	memset(&o, 0, sizeof(o));
	if ((rc = str_of(&o.ns, f, ptr, cfg, json_object_get(cfg, "metadata"), "namespace")) < 0 ||
	    (rc = str_of(&mode, f, ptr, cfg, cfg, "setRoleBindingSubjects")) < 0)
		return rc;
	if (!mode || !mode[0] || strcmp(mode, "defaultOnly") == 0)
		o.subjects = KD_KZ_SUBJECTS_DEFAULT;
	else if (strcmp(mode, "allServiceAccounts") == 0)
		o.subjects = KD_KZ_SUBJECTS_ALL;
	else if (strcmp(mode, "none") == 0)
		o.subjects = KD_KZ_SUBJECTS_NONE;
	else
		return cfg_fail(f, ptr, cfg, KD_EINVAL, "setRoleBindingSubjects must be defaultOnly, "
				"none or allServiceAccounts");
	o.unset_only = kd_kz_true(json_object_get(cfg, "unsetOnly"));
	if ((rc = specs_of(&specs, &present, f, ptr, cfg)) < 0)
		return rc;
	o.specs = &specs;
	rc = wrap(f, ptr, kd_kz_xf_namespace(l, &o));
	kd_kz_fslist_free(&specs);
	return rc;
}

static int t_affix(const kd_kz_file *f, kd_kz_list *l, const json_t *cfg, const char *ptr,
		   bool prefix, bool suffix)
{
	const char *p = NULL, *s = NULL;
	kd_kz_fslist specs;
	bool present;
	int rc;

	if ((rc = str_of(&p, f, ptr, cfg, cfg, "prefix")) < 0 ||
	    (rc = str_of(&s, f, ptr, cfg, cfg, "suffix")) < 0 ||
	    (rc = specs_of(&specs, &present, f, ptr, cfg)) < 0)
		return rc;
	if (!present)
		rc = cfg_fail(f, ptr, cfg, KD_EINVAL, "fieldSpecs is not expected to be nil");
	if (rc == 0 && prefix)
		rc = wrap(f, ptr, kd_kz_xf_affix(l, p, false, &specs));
	if (rc == 0 && suffix)
		rc = wrap(f, ptr, kd_kz_xf_affix(l, s, true, &specs));
	kd_kz_fslist_free(&specs);
	return rc;
}

static int t_image(const kd_kz_file *f, kd_kz_list *l, const json_t *cfg, const char *ptr)
{
	json_t *tag = json_object_get(cfg, "imageTag");
	kd_kz_image img;
	kd_kz_fslist specs;
	bool present;
	int rc;

	memset(&img, 0, sizeof(img));
	if ((rc = str_of(&img.name, f, ptr, cfg, tag, "name")) < 0 ||
	    (rc = str_of(&img.new_name, f, ptr, cfg, tag, "newName")) < 0 ||
	    (rc = str_of(&img.new_tag, f, ptr, cfg, tag, "newTag")) < 0 ||
	    (rc = str_of(&img.digest, f, ptr, cfg, tag, "digest")) < 0 ||
	    (rc = str_of(&img.tag_suffix, f, ptr, cfg, tag, "tagSuffix")) < 0)
		return rc;
	if (!img.name)
		img.name = "";
	if (img.new_name && !img.new_name[0])
		img.new_name = NULL;
	if (img.new_tag && !img.new_tag[0])
		img.new_tag = NULL;
	if (img.digest && !img.digest[0])
		img.digest = NULL;
	if (img.tag_suffix && !img.tag_suffix[0])
		img.tag_suffix = NULL;
	if ((rc = specs_of(&specs, &present, f, ptr, cfg)) < 0)
		return rc;
	rc = wrap(f, ptr, kd_kz_xf_image(l, &img, &specs));
	kd_kz_fslist_free(&specs);
	return rc;
}

static int t_replica(const kd_kz_file *f, kd_kz_list *l, const json_t *cfg, const char *ptr)
{
	json_t *rep = json_object_get(cfg, "replica");
	json_t *count = json_object_get(rep, "count");
	const char *name = NULL;
	kd_kz_fslist specs;
	bool present;
	int rc;

	if ((rc = str_of(&name, f, ptr, cfg, rep, "name")) < 0)
		return rc;
	if (count && !json_is_integer(count))
		return cfg_fail(f, ptr, cfg, KD_EINVAL, "replica count must be an integer");
	if ((rc = specs_of(&specs, &present, f, ptr, cfg)) < 0)
		return rc;
	rc = wrap(f, ptr, kd_kz_xf_replica(l, name ? name : "", count ? json_integer_value(count) : 0,
					   &specs));
	kd_kz_fslist_free(&specs);
	return rc;
}

static int t_patch(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, const json_t *cfg,
		   const char *ptr)
{
	json_t *e = json_object();
	const char *text = json_string_value(json_object_get(cfg, "patch"));
	int rc = 0;

	if (!e)
		return kd_error_set(KD_ENOMEM, "out of memory");
	if (json_object_get(cfg, "path"))
		rc = json_object_set(e, "path", json_object_get(cfg, "path"));
	if (rc == 0 && json_object_get(cfg, "target"))
		rc = json_object_set(e, "target", json_object_get(cfg, "target"));
	if (rc == 0 && json_object_get(cfg, "options"))
		rc = json_object_set(e, "options", json_object_get(cfg, "options"));
	if (rc == 0 && text) {
		/* kustomize trims the inline patch */
		size_t b = 0, n = strlen(text);

		while (text[b] == ' ' || text[b] == '\n' || text[b] == '\t' || text[b] == '\r')
			b++;
		while (n > b && (text[n - 1] == ' ' || text[n - 1] == '\n' || text[n - 1] == '\t' ||
				 text[n - 1] == '\r'))
			n--;
		rc = json_object_set_new(e, "patch", json_stringn(text + b, n - b));
	}
	if (rc < 0)
		rc = kd_error_set(KD_ENOMEM, "out of memory");
	else
		rc = kd_kz_patch_entry(c, f, l, e, ptr, false);
	json_decref(e);
	return rc;
}

static int t_patch_json(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, const json_t *cfg,
			const char *ptr)
{
	json_t *e = json_pack("{s:O?, s:O?, s:O?}", "target", json_object_get(cfg, "target"),
			      "path", json_object_get(cfg, "path"),
			      "patch", json_object_get(cfg, "jsonOp"));
	int rc;

	if (!e)
		return kd_error_set(KD_ENOMEM, "out of memory");
	rc = kd_kz_patch_json6902_entry(c, f, l, e, ptr, false);
	json_decref(e);
	return rc;
}

static int t_patch_strategic(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, const json_t *cfg,
			     const char *ptr)
{
	json_t *paths = json_object_get(cfg, "paths");
	const char *text = NULL;
	int rc;

	if ((rc = str_of(&text, f, ptr, cfg, cfg, "patches")) < 0)
		return rc;
	if (text && !text[0])
		text = NULL;
	if (paths && !json_is_array(paths) && !json_is_null(paths))
		return cfg_fail(f, ptr, cfg, KD_EINVAL, "'paths' must be a list");
	if (json_array_size(paths) == 0 && !text)
		return cfg_fail(f, ptr, cfg, KD_EINVAL, "empty file path and empty patch content");
	return kd_kz_patch_strategic_list(c, f, l, json_is_array(paths) ? paths : NULL, text, ptr);
}

static int t_replacement(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, const json_t *cfg,
			 const char *ptr)
{
	json_t *list = json_object_get(cfg, "replacements");

	if (!list || json_is_null(list))
		return 0;
	return kd_kz_replacement_list(c, f, l, list, ptr);
}

static bool is_builtin(const json_t *cfg)
{
	return strcmp(kd_kz_api_version(cfg), "builtin") == 0;
}

/* A config kdrift cannot run: an exec or Go plugin, or a KRM function. */
static int foreign(const kd_kz_file *f, const char *ptr, const json_t *cfg)
{
	json_t *ann = json_object_get(json_object_get(cfg, "metadata"), "annotations");
	bool fn = json_object_get(ann, "config.kubernetes.io/function") ||
		  json_object_get(ann, "config.k8s.io/function");

	return kd_error_set(KD_EUNSUPPORTED, "unsupported kustomize feature '%s %s/%s' (%s:%d)",
			    fn ? "KRM function" : "exec or Go plugin", kd_kz_api_version(cfg),
			    cfg_kind(cfg), f->path, kd_kz_line(f, ptr));
}

static const char *const generator_kinds[] = {
	"ConfigMapGenerator", "SecretGenerator", "IAMPolicyGenerator",
	"HelmChartInflationGenerator", NULL,
};

static const char *const transformer_kinds[] = {
	"AnnotationsTransformer", "HashTransformer", "ImageTagTransformer", "LabelTransformer",
	"NamespaceTransformer", "PatchJson6902Transformer", "PatchStrategicMergeTransformer",
	"PatchTransformer", "PrefixSuffixTransformer", "PrefixTransformer", "SuffixTransformer",
	"ReplacementTransformer", "ReplicaCountTransformer", "ValueAddTransformer", NULL,
};

static bool kind_in(const char *kind, const char *const *list)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (strcmp(list[i], kind) == 0)
			return true;
	return false;
}

int kd_kz_plugin_transform(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, const json_t *cfg,
			   const char *ptr)
{
	const char *k = cfg_kind(cfg);

	if (!is_builtin(cfg))
		return foreign(f, ptr, cfg);
	if (strcmp(k, "AnnotationsTransformer") == 0)
		return t_pairs(f, l, cfg, ptr, "annotations");
	if (strcmp(k, "LabelTransformer") == 0)
		return t_pairs(f, l, cfg, ptr, "labels");
	if (strcmp(k, "NamespaceTransformer") == 0)
		return t_namespace(f, l, cfg, ptr);
	if (strcmp(k, "PrefixTransformer") == 0)
		return t_affix(f, l, cfg, ptr, true, false);
	if (strcmp(k, "SuffixTransformer") == 0)
		return t_affix(f, l, cfg, ptr, false, true);
	if (strcmp(k, "PrefixSuffixTransformer") == 0)
		return t_affix(f, l, cfg, ptr, true, true);
	if (strcmp(k, "ImageTagTransformer") == 0)
		return t_image(f, l, cfg, ptr);
	if (strcmp(k, "ReplicaCountTransformer") == 0)
		return t_replica(f, l, cfg, ptr);
	if (strcmp(k, "PatchTransformer") == 0)
		return t_patch(c, f, l, cfg, ptr);
	if (strcmp(k, "PatchJson6902Transformer") == 0)
		return t_patch_json(c, f, l, cfg, ptr);
	if (strcmp(k, "PatchStrategicMergeTransformer") == 0)
		return t_patch_strategic(c, f, l, cfg, ptr);
	if (strcmp(k, "ReplacementTransformer") == 0)
		return t_replacement(c, f, l, cfg, ptr);
	if (strcmp(k, "HashTransformer") == 0)
		return kd_kz_apply_hashes(l);
	if (strcmp(k, "ValueAddTransformer") == 0)
		return kd_error_set(KD_EUNSUPPORTED,
				    "unsupported kustomize feature 'ValueAddTransformer' (%s:%d)",
				    f->path, kd_kz_line(f, ptr));
	if (kind_in(k, generator_kinds))
		return cfg_fail(f, ptr, cfg, KD_EINVAL, "not a transformer");
	return kd_kz_fail(f, ptr, KD_EINVAL, "unable to load builtin %s", k);
}

/* ---- generators ------------------------------------------------------------ */

/* GKE workload identity: a ServiceAccount annotated with its Google
 * service account. */
static int g_iam(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, const json_t *cfg,
		 const char *ptr)
{
	json_t *ks = json_object_get(cfg, "kubernetesService");
	json_t *sa = json_object_get(cfg, "serviceAccount");
	const char *cloud = NULL, *name = NULL, *ns = NULL, *gsa = NULL, *project = NULL;
	kd_buf ann = KD_BUF_INIT;
	json_t *obj;
	size_t i;
	int rc;

	if ((rc = str_of(&cloud, f, ptr, cfg, cfg, "cloud")) < 0 ||
	    (rc = str_of(&name, f, ptr, cfg, ks, "name")) < 0 ||
	    (rc = str_of(&ns, f, ptr, cfg, ks, "namespace")) < 0 ||
	    (rc = str_of(&gsa, f, ptr, cfg, sa, "name")) < 0 ||
	    (rc = str_of(&project, f, ptr, cfg, sa, "projectId")) < 0)
		return rc;
	if (!cloud || strcmp(cloud, "gke") != 0) {
		kd_buf msg = KD_BUF_INIT;

		kd_buf_printf(&msg, "cloud provider %s not supported yet", cloud ? cloud : "");
		rc = cfg_fail(f, ptr, cfg, KD_EINVAL, kd_buf_cstr(&msg));
		kd_buf_free(&msg);
		return rc;
	}
	if (kd_buf_printf(&ann, "%s@%s.iam.gserviceaccount.com", gsa ? gsa : "",
			  project ? project : "") < 0)
		return kd_error_set(KD_ENOMEM, "out of memory");
	obj = json_pack("{s:s, s:s, s:{s:{s:s}, s:s}}", "apiVersion", "v1", "kind", "ServiceAccount",
			"metadata", "annotations", "iam.gke.io/gcp-service-account",
			kd_buf_cstr(&ann), "name", name ? name : "");
	kd_buf_free(&ann);
	if (!obj || (ns && ns[0] && kd_kz_set_str(json_object_get(obj, "metadata"), "namespace", ns) < 0)) {
		json_decref(obj);
		return kd_error_set(KD_ENOMEM, "out of memory");
	}
	for (i = 0; i < l->n; i++)
		if (kd_kz_has_id(&l->v[i], "v1", "ServiceAccount", name ? name : "",
				 kd_kz_effective_ns("v1", "ServiceAccount", ns))) {
			json_decref(obj);
			return cfg_fail(f, ptr, cfg, KD_EINVAL,
					"the ServiceAccount exists; behavior must be merge or replace");
		}
	if ((rc = kd_kz_meta_generated(c, f, obj, NULL, cfg)) < 0) {
		json_decref(obj);
		return rc;
	}
	if ((rc = kd_kz_list_add(l, obj)) == 0 && c->trace)
		rc = kd_kz_set_file(&l->v[l->n - 1], f->path);
	return rc;
}

int kd_kz_plugin_generate(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, const json_t *cfg,
			  const char *ptr)
{
	const char *k = cfg_kind(cfg);

	if (!is_builtin(cfg))
		return foreign(f, ptr, cfg);
	if (strcmp(k, "ConfigMapGenerator") == 0)
		return kd_kz_generate(c, f, l, cfg, ptr, false);
	if (strcmp(k, "SecretGenerator") == 0)
		return kd_kz_generate(c, f, l, cfg, ptr, true);
	if (strcmp(k, "IAMPolicyGenerator") == 0)
		return g_iam(c, f, l, cfg, ptr);
	if (strcmp(k, "HelmChartInflationGenerator") == 0)
		return kd_error_set(KD_EUNSUPPORTED, "unsupported kustomize feature 'helmCharts' (%s:%d)",
				    f->path, kd_kz_line(f, ptr));
	if (kind_in(k, transformer_kinds))
		return cfg_fail(f, ptr, cfg, KD_EINVAL, "not a generator");
	return kd_kz_fail(f, ptr, KD_EINVAL, "unable to load builtin %s", k);
}
