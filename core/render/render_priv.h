/*
 * render_priv — what the files of core/render/ share; not an interface.
 */

#ifndef KD_RENDER_PRIV_H
#define KD_RENDER_PRIV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "render/render.h"
#include "base/base.h"
#include "fleet/fleet.h"
#include "source/source.h"

/*
 * provenance (provenance.c) — the recorder every renderer's steps go
 * through when a caller asked for provenance (render.h).
 */

typedef struct kd_prov_at kd_prov_at;

/* Called for every leaf a step changed, to say more than the step's
 * defaults: *extra (new, may stay NULL) holds members laid over the entry
 * ("file", "line", "step", "commit", "variable", ...).  `line` is what the
 * recorder found (the document's line of the value, else the step's);
 * `chain` the leaf's chain so far (NULL for a new leaf). */
typedef int (*kd_prov_locate_fn)(json_t **extra, const kd_prov_at *at,
				 const char *pointer, const json_t *before,
				 const json_t *after, int line, const json_t *chain);

/* One step as the recorder sees it. */
struct kd_prov_at {
	const char *step;          /* "patch (strategic merge)", "namespace", ... */
	const char *file;          /* the file of the entry that made the change */
	int line;                  /* its line; 0 when unknown */
	/* A document whose structure follows the object's (a resource as
	 * loaded, a strategic merge patch): a changed value's line is that of
	 * the same place in it (list elements matched by merge key), else of
	 * its deepest enclosing node there.  May be NULL. */
	const json_t *doc;
	const json_t *pos;         /* doc's positions (kd_yaml_parse) */
	const char *pos_prefix;    /* doc's place in pos ("/items/3"), or NULL */
	int line_base;             /* added to lines found in pos */
	const json_t *extra;       /* members added to every entry, or NULL */
	kd_prov_locate_fn locate;  /* or NULL */
	void *arg;                 /* for locate */
	const void *subject;       /* the resource being recorded, for locate */
};

/* *map describes `before` (NULL: a new object, *map is replaced); it
 * becomes the map of `after`, every changed leaf's chain ending with an
 * entry for the step. */
int kd_prov_record(json_t **map, const json_t *before, const json_t *after,
		   const kd_prov_at *at);

/* Drops the chains of leaves obj no longer has (a last change nobody
 * recorded, such as dropping empty annotations). */
int kd_prov_settle(json_t **map, const json_t *obj);

/* A new entry {"file", "line", "step", "value"}. */
int kd_prov_entry_new(json_t **out, const char *file, int line, const char *step,
		      const json_t *value);

/* Appends entry (stolen) to the chain of pointer in map (copying the chain
 * first: chains are shared). */
int kd_prov_append(json_t *map, const char *pointer, json_t *entry);

/* dir.c: kd_render_dir with provenance; ns_chain (may be NULL) is the
 * chain of opts->namespace for the objects it is applied to. */
int kd_render_dir_prov(json_t **out, json_t **prov, kd_source *src, const char *path,
		       const kd_render_opts *opts, const json_t *ns_chain);

/* flux_subst.c: kd_flux_substitute with provenance: provs is parallel to
 * objs; origins (may be NULL) maps a variable to the members of its
 * entries: {"from": "ConfigMap ns/name", "key": K, "file": F, "line": L}. */
int kd_flux_substitute_prov(json_t *objs, json_t *provs, const json_t *vars,
			    const json_t *origins, bool strict);

/* render_prov.c: the fleet file's positions (an empty object when the
 * fleet was not read from the source). */
int kd_prov_fleet_positions(json_t **out, kd_source *src, const kd_fleet *fleet);
/* The line of a pointer (printf-style) in positions, 0 when absent. */
int kd_prov_line(const json_t *pos, const char *fmt, ...) KD_PRINTF(2, 3);
/* The index of an app in the fleet file's apps list, -1 when unknown. */
long kd_prov_app_index(const kd_fleet *fleet, const kd_app *app);
/* The chain of a value a template made: an entry for each cluster label,
 * name or value it read (at its line of the fleet file), then the
 * template's own (file, line, step, with "parameter"). */
int kd_prov_template_chain(json_t **out, const kd_fleet *fleet, const json_t *fpos,
			   const kd_cluster *cluster, const char *tmpl, bool go,
			   const char *value, const char *file, int line,
			   const char *step);

/* appset.c: kd_appset_render with provenance (prov may be NULL). */
int kd_appset_render_prov(json_t **out, json_t **prov, kd_source *src, const kd_fleet *fleet,
			  const kd_cluster *cluster, const kd_app *app, const char *only);

/*
 * kustomize_priv — what the kustomize_*.c files share; not an interface.
 */

/*
 * Field specifications (kustomize_fspec.c) and the transformer
 * configuration (kustomize_config.c).  Strings are never NULL: "" matches
 * any group, version or kind.
 */
typedef struct kd_kz_fspec {
	const char *group, *version, *kind;
	const char *path;  /* "a/b[]/c", "\\/" for a slash inside a key */
	bool create;       /* create what is missing on the way */
} kd_kz_fspec;

typedef struct kd_kz_fslist {
	kd_kz_fspec *v;
	size_t n, cap;
} kd_kz_fslist;

typedef enum kd_kz_fscat {
	KD_KZ_FS_PREFIX,
	KD_KZ_FS_SUFFIX,
	KD_KZ_FS_NAMESPACE,
	KD_KZ_FS_COMMON_LABELS,
	KD_KZ_FS_LABELS,
	KD_KZ_FS_TEMPLATE_LABELS,
	KD_KZ_FS_ANNOTATIONS,
	KD_KZ_FS_VARREF,
	KD_KZ_FS_IMAGES,
	KD_KZ_FS_REPLICAS,
	KD_KZ_FS_CATS
} kd_kz_fscat;

/* nameReference: fields (referrers) that name objects of one gvk. */
typedef struct kd_kz_backref {
	const char *group, *version, *kind;
	kd_kz_fslist referrers;
} kd_kz_backref;

/* Either exactly kustomize's defaults (`defaults`, nothing materialised),
 * or, once merged with anything else (`full`), the whole configuration as
 * lists; an all-zero configuration is empty. */
typedef struct kd_kz_tconfig {
	bool defaults;
	bool full;
	kd_kz_fslist cats[KD_KZ_FS_CATS];
	kd_kz_backref *refs;     /* nameReference, by referral gvk */
	size_t nrefs, caprefs;
	json_t *keep;            /* strings the lists point into */
} kd_kz_tconfig;

/* One referral gvk with its referrers. */
typedef struct kd_kz_backref_view {
	const char *group, *version, *kind;
	const kd_kz_fspec *base;
	size_t nbase;
	const kd_kz_fslist *extra;  /* always NULL: kept for callers' loops */
} kd_kz_backref_view;

typedef enum kd_kz_create {
	KD_KZ_CREATE_NONE = 0,
	KD_KZ_CREATE_SCALAR,
	KD_KZ_CREATE_MAP,
	KD_KZ_CREATE_SEQ,
} kd_kz_create;

/* Called for every place a spec's path reaches: parent[key]. */
typedef int (*kd_kz_setfn)(json_t *parent, const char *key, void *arg);

bool kd_kz_gvk_matches(const json_t *obj, const char *group, const char *version,
		       const char *kind);
/* Walks fs's path in obj (when fs selects obj) and calls fn at its end;
 * `create` is what a missing last field becomes when fs->create. */
int kd_kz_fs_apply(json_t *obj, const kd_kz_fspec *fs, kd_kz_create create,
		   kd_kz_setfn fn, void *arg);
/* A setter: lays the string pairs `arg` over the mapping at parent[key]. */
int kd_kz_set_pairs(json_t *parent, const char *key, void *arg);
int kd_kz_fslist_add(kd_kz_fslist *l, const kd_kz_fspec *fs);
int kd_kz_fslist_merge(kd_kz_fslist *l, const kd_kz_fspec *in, const kd_kz_fspec *base,
		       size_t nbase);
void kd_kz_fslist_free(kd_kz_fslist *l);

void kd_kz_tconfig_defaults(kd_kz_tconfig *tc);
/* The i-th spec of a category (defaults first); NULL past the end. */
const kd_kz_fspec *kd_kz_fs_get(const kd_kz_tconfig *tc, kd_kz_fscat cat, size_t i);
/* kustomize's into.Merge(from). */
int kd_kz_tconfig_merge(kd_kz_tconfig *into, const kd_kz_tconfig *from);
/* Reads a configuration file's document into tc, a configuration of its
 * own (file names it in messages). */
int kd_kz_tconfig_read(kd_kz_tconfig *tc, const json_t *doc, const char *file);
/* One field spec {group, version, kind, path, create}; `strict`: unknown
 * keys are errors (configuration files), else ignored (plugin configs). */
int kd_kz_fspec_read(kd_kz_fspec *out, const json_t *obj, const char *file, bool strict);
/* Fills up to max views (out may be NULL) and returns how many there are. */
size_t kd_kz_backrefs(const kd_kz_tconfig *tc, kd_kz_backref_view *out, size_t max);
void kd_kz_tconfig_free(kd_kz_tconfig *tc);

/* One field spec added to a category / one referrer of a gvk's name, as
 * kustomize's TransformerConfig.Add*FieldSpec do (strings are copied). */
int kd_kz_tconfig_add(kd_kz_tconfig *tc, kd_kz_fscat cat, const kd_kz_fspec *fs);
int kd_kz_tconfig_add_ref(kd_kz_tconfig *tc, const char *group, const char *version,
			  const char *kind, const kd_kz_fspec *referrer);

/* One resource on its way through a build. */
typedef struct kd_kz_res {
	json_t *obj;
	/* kustomize's previous ids, oldest first: [kind, name, namespace]
	 * with the namespace as kustomize compares it ("default" for none,
	 * "_non_namespaceable_" for cluster-scoped kinds).  The current id is
	 * not in it; NULL when the resource was never renamed. */
	json_t *prev;
	json_t *prefixes;  /* name prefixes added, in order (or NULL) */
	json_t *suffixes;
	json_t *refvars;   /* names of the vars that point at it (or NULL) */
	json_t *empty_nulls; /* pointers of nulls written as nothing (or NULL) */
	json_t *transforms;  /* buildMetadata: transformers that ran on it (or NULL) */
	bool hashed;       /* generated: gets a content hash suffix at the end */
	int behavior;      /* generated: KD_KZ_CREATE_... of generator behavior */
	char *file;        /* traced: the file it came from */
	json_t *layers;    /* traced: kustomization dirs that changed it */
	json_t *snap;      /* traced: its state when the current step began */
	json_t *prov;      /* provenance: pointer -> chain */
	json_t *psnap;     /* provenance: its state when last recorded */
	json_t *gen;       /* provenance of a generated object: {file, line, step} */
} kd_kz_res;

enum { KD_KZ_BEHAVIOR_CREATE, KD_KZ_BEHAVIOR_MERGE, KD_KZ_BEHAVIOR_REPLACE };

/* The accumulator: the resources of a build so far, and the transformer
 * configuration and vars every kustomization in it declared. */
typedef struct kd_kz_list {
	kd_kz_res *v;
	size_t n, cap;
	kd_kz_tconfig tc;
	json_t *vars;      /* name -> var, or NULL */
} kd_kz_list;

/* A loaded kustomization file. */
typedef struct kd_kz_file {
	char *dir;     /* repository-relative directory */
	char *path;    /* the file itself */
	json_t *doc;
	json_t *pos;   /* JSON pointer -> [line, column] */
	bool component;
	bool generated; /* no file: built from overrides' resources (Flux) */
	bool top;       /* the kustomization being built (overrides apply) */
	json_t *ov_base; /* list -> where the overrides' entries start in it */
} kd_kz_file;

typedef struct kd_kz_ctx {
	kd_source *src;
	kd_load_restrictor restrictor;
	char **stack;  /* directories being built, for cycle detection */
	size_t depth;
	json_t *sort;  /* the top kustomization's sortOptions, or NULL */
	const json_t *overrides;  /* laid over the top kustomization, or NULL */
	bool trace;               /* record origins (kd_kustomize_build_traced) */
	unsigned meta;            /* KD_KZ_META_*: the top's buildMetadata */
	const char *top;          /* the top kustomization's directory */
	/* `openapi`: the first kustomization that sets one (the top first)
	 * decides, for the rest of the build, as in kustomize */
	bool schema_set;
	kd_smp_schema *schema;    /* a custom schema, or NULL */
	bool loaded;              /* a resource was read or generated so far */
	bool prov;                /* record provenance */
	/* Where the overrides' settings are written (provenance): the
	 * provenance map of the Flux Kustomization object they come from. */
	const json_t *override_origin;
	json_t *blame;            /* file -> array of commits per line, or null */
} kd_kz_ctx;

enum {
	KD_KZ_META_TRACK = 1,         /* buildMetadata is not empty: track origins */
	KD_KZ_META_ORIGIN = 2,        /* originAnnotations */
	KD_KZ_META_TRANSFORMERS = 4,  /* transformerAnnotations */
	KD_KZ_META_MANAGED_BY = 8,    /* managedByLabel */
};

/* kustomize_meta.c: buildMetadata (no-ops unless the top asked for it). */
int kd_kz_meta_read(kd_kz_ctx *c, const kd_kz_file *top);
/* Objects loaded from file. */
int kd_kz_meta_file_origin(kd_kz_ctx *c, json_t *obj, const char *file);
/* An object generated by a builtin kind of f (cfg NULL) or by a builtin
 * config (cfg), unless it has an origin. */
int kd_kz_meta_generated(kd_kz_ctx *c, const kd_kz_file *f, json_t *obj, const char *kind,
			 const json_t *cfg);
/* A transformer of f (or config cfg) ran: every object records it. */
int kd_kz_meta_transformed(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, const char *kind,
			   const json_t *cfg);
/* The managed-by label, and the annotations not asked for removed. */
int kd_kz_meta_finish(kd_kz_ctx *c, kd_kz_list *l);

/* kustomize_util.c */
int kd_kz_list_add(kd_kz_list *l, json_t *obj);
void kd_kz_list_remove(kd_kz_list *l, size_t i);
void kd_kz_list_free(kd_kz_list *l);
/* Moves src's resources, configuration and vars into dst (resources
 * appended without any id check); src is emptied. */
int kd_kz_list_absorb(kd_kz_list *dst, kd_kz_list *src);
int kd_kz_set_file(kd_kz_res *r, const char *file);
int kd_kz_snapshot(kd_kz_ctx *c, kd_kz_list *l);
int kd_kz_record_changes(kd_kz_ctx *c, kd_kz_list *l, const char *dir);
/* Ids as kustomize compares them. */
#define KD_KZ_NO_NAMESPACE "_non_namespaceable_"
bool kd_kz_cluster_scoped(const char *api_version, const char *kind);
/* The namespace of an id as kustomize compares it: "default" for none,
 * KD_KZ_NO_NAMESPACE for a cluster-scoped kind. */
const char *kd_kz_effective_ns(const char *api_version, const char *kind, const char *ns);
/* Records the resource's current id among its previous ones (kustomize's
 * StorePreviousId), before a step that may rename it. */
int kd_kz_store_prev(kd_kz_res *r);
/* The original id (kustomize's OrgId): the oldest previous id, or the
 * current one. */
const char *kd_kz_org_kind(const kd_kz_res *r);
const char *kd_kz_org_name(const kd_kz_res *r);
const char *kd_kz_org_ns(const kd_kz_res *r);   /* effective */
const char *kd_kz_cur_ns(const kd_kz_res *r);   /* effective */
/* Whether any id the resource has or had equals the given one (group and
 * version are always the resource's current ones). */
bool kd_kz_has_id(const kd_kz_res *r, const char *api_version, const char *kind,
		  const char *name, const char *eff_ns);
int kd_kz_append_str(json_t **list, const char *s);
int kd_kz_line(const kd_kz_file *f, const char *pointer);
int kd_kz_fail(const kd_kz_file *f, const char *pointer, int code, const char *fmt, ...)
	KD_PRINTF(4, 5);
int kd_kz_wrap(const kd_kz_file *f, const char *pointer, int code);
/* `crds:` of one kustomization merged into l's configuration
 * (kustomize_crds.c). */
int kd_kz_crds_load(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l);
/* Reads one file's document into tc; name is how messages call the file. */
typedef int (*kd_kz_tconfig_reader)(kd_kz_tconfig *tc, const json_t *doc, const char *name);
/* The files a kustomization lists under key (`configurations`, `crds`),
 * each read by read and merged in order into *all (which starts empty and
 * is the caller's to free, also after an error);
 * messages call a file by its resolved path, or as written when as_written.
 * Remote entries are refused; errors name the entry's line. */
int kd_kz_tconfig_files(kd_kz_tconfig *all, kd_kz_ctx *c, const kd_kz_file *f,
			const char *key, kd_kz_tconfig_reader read, bool as_written);
int kd_kz_read_file(kd_buf *out, char **path, kd_kz_ctx *c, const kd_kz_file *f,
		 const char *rel, const char *pointer);
/* A reference kdrift does not fetch: a URL or a hosted repository. */
bool kd_kz_is_remote(const char *s);
/* *empties (may be NULL) receives an array parallel to *out: each
 * object's pointers of nulls written as nothing, or null; *where (may be
 * NULL) one of [positions of the object's document, its pointer in it]. */
int kd_kz_parse_docs(json_t **out, json_t **empties, json_t **where, const char *data,
		     size_t len, const char *name);
const char *kd_kz_name(const json_t *obj);
const char *kd_kz_ns(const json_t *obj);
const char *kd_kz_kind(const json_t *obj);
const char *kd_kz_api_version(const json_t *obj);
int kd_kz_set_str(json_t *obj, const char *key, const char *value);

void kd_kz_group_of(char *out, size_t size, const char *api_version);
bool kd_kz_true(const json_t *v);
bool kd_kz_is_bool(const json_t *v);
int kd_kz_check_keys(const kd_kz_file *f, const char *pointer, const json_t *obj,
		  const char *const *known);

/* kustomize_order.c: *out = the resources in output order (l keeps them). */
int kd_kz_output(json_t **out, json_t **origins, json_t **prov, kd_kz_list *l,
		 const json_t *sort_options);

/* The whole build (kustomize.c); every output may be NULL but out. */
int kd_kz_build(json_t **out, json_t **origins, json_t **prov, kd_source *src,
		const char *dir, const kd_kustomize_opts *opts, const json_t *overrides,
		const json_t *override_origin);

/* kustomize_prov.c: provenance of the build's steps.  Each is a no-op
 * unless c->prov. */
/* Where the kustomization's entry at pointer is written: its own file, or
 * for the top kustomization's overridden settings, where they came from. */
void kd_kz_where(const kd_kz_ctx *c, const kd_kz_file *f, const char *pointer,
		 const char **file, int *line);
/* The step's name in f: components prefix theirs ("component: images"). */
int kd_kz_step_name(kd_buf *out, const kd_kz_file *f, const char *step);
/* Starts the record of a resource just loaded or generated. */
int kd_kz_prov_start(kd_kz_ctx *c, kd_kz_res *r, const kd_prov_at *at);
/* Records, for every resource, what changed since its last record. */
int kd_kz_step(kd_kz_ctx *c, kd_kz_list *l, const kd_prov_at *at);
/* The same for a transformer whose entry is at `pointer` of f: values set
 * under a map (labels, annotations) are located at their key below it. */
int kd_kz_step_at(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l,
		  const char *step, const char *pointer);
/* Steps with their own way to locate values. */
int kd_kz_step_images(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l);
int kd_kz_step_replicas(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l);
int kd_kz_step_references(kd_kz_ctx *c, kd_kz_list *l);
int kd_kz_step_hashes(kd_kz_ctx *c, kd_kz_list *l);
/* A generator entry (at pointer of f) created or changed resources. */
int kd_kz_prov_generated(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_res *r,
			 const json_t *entry, const char *pointer, bool secret);
int kd_kz_step_generator(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l,
			 const json_t *entry, const char *pointer, bool secret);
/* A patch document (with its positions) applied from the entry at pointer
 * of f; file is the patch file, or NULL for an inline patch. */
int kd_kz_step_patch(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l,
		     const char *pointer, const char *file, const json_t *doc,
		     const json_t *pos, bool json6902);

/* kustomize_gen.c */
int kd_kz_generators(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l);
/* One builtin ConfigMapGenerator or SecretGenerator config (`generators:`). */
int kd_kz_generate(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, const json_t *config,
		   const char *ptr, bool secret);
int kd_kz_apply_hashes(kd_kz_list *l);
int kd_kz_hash_object(char out[11], const json_t *obj);

/* kustomize_plugin.c: one builtin config of `generators:` or
 * `transformers:` (ptr: its entry in f). */
int kd_kz_plugin_generate(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, const json_t *cfg,
			  const char *ptr);
int kd_kz_plugin_transform(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, const json_t *cfg,
			   const char *ptr);

/* kustomize_xform.c */
typedef enum kd_kz_subjects {
	KD_KZ_SUBJECTS_DEFAULT,  /* RoleBinding subjects named "default" */
	KD_KZ_SUBJECTS_ALL,      /* every ServiceAccount subject */
	KD_KZ_SUBJECTS_NONE,
} kd_kz_subjects;

typedef struct kd_kz_ns_opts {
	const char *ns;
	const kd_kz_fslist *specs;
	bool unset_only;          /* only where no namespace is set */
	kd_kz_subjects subjects;
} kd_kz_ns_opts;

typedef struct kd_kz_image {
	const char *name;         /* a regular expression, as kustomize reads it */
	const char *new_name, *new_tag, *digest, *tag_suffix;  /* NULL: unset */
} kd_kz_image;

/* The specs of a category, defaults included, as one list (freed by the
 * caller). */
int kd_kz_fs_collect(kd_kz_fslist *out, const kd_kz_tconfig *tc, kd_kz_fscat cat);
/* Cores, shared with builtin transformer configs. */
int kd_kz_xf_pairs(kd_kz_list *l, const json_t *pairs, const kd_kz_fslist *specs);
int kd_kz_xf_namespace(kd_kz_list *l, const kd_kz_ns_opts *o);
int kd_kz_xf_affix(kd_kz_list *l, const char *text, bool suffix, const kd_kz_fslist *specs);
int kd_kz_xf_image(kd_kz_list *l, const kd_kz_image *img, const kd_kz_fslist *specs);
int kd_kz_xf_replica(kd_kz_list *l, const char *name, json_int_t count,
		     const kd_kz_fslist *specs);
int kd_kz_image_read(kd_kz_image *out, const kd_kz_file *f, const json_t *img, const char *ptr);
/* The kustomization's fields. */
int kd_kz_namespace(const kd_kz_file *f, kd_kz_list *l, const char *ns);
int kd_kz_prefix_suffix(kd_kz_list *l, const char *prefix, const char *suffix);
/* commonLabels (entry NULL) or one `labels` entry. */
int kd_kz_labels(const kd_kz_file *f, kd_kz_list *l, const json_t *labels,
		 const json_t *entry, const char *pointer);
int kd_kz_annotations(const kd_kz_file *f, kd_kz_list *l, const json_t *annotations);
int kd_kz_images(const kd_kz_file *f, kd_kz_list *l, const json_t *images);
int kd_kz_replicas(const kd_kz_file *f, kd_kz_list *l, const json_t *replicas);

/* kustomize_nameref.c: rewrites references to renamed resources, once,
 * at the end of a build. */
int kd_kz_fix_references(kd_kz_list *l);

/* kustomize_replace.c */
int kd_kz_replacements(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l);
int kd_kz_replacement_list(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l,
			   const json_t *list, const char *base);
/* Field paths of replacements and vars: "a.[b.c].d" into segments. */
int kd_kz_path_split(json_t **out, const char *path);
json_t *kd_kz_path_step(json_t *node, const char *seg);

/* kustomize_vars.c: a kustomization's vars tied to their resources; then,
 * at the end of the build, their values replaced where referenced. */
int kd_kz_vars_merge(const kd_kz_file *f, kd_kz_list *l);
int kd_kz_vars_resolve(kd_kz_list *l);

/* kustomize_patch.c: the kustomization's fields, and one entry of each
 * kind for builtin transformer configs (`strict`: unknown keys are errors,
 * as in a kustomization). */
int kd_kz_patches(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l);
int kd_kz_patch_entry(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l, const json_t *e,
		      const char *ptr, bool strict);
int kd_kz_patch_json6902_entry(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l,
			       const json_t *e, const char *ptr, bool strict);
/* Paths (or inline patches) of a list, plus inline_text (may be NULL). */
int kd_kz_patch_strategic_list(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l,
			       const json_t *list, const char *inline_text, const char *base);
int kd_kz_patches_strategic(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l);
int kd_kz_patches_json6902(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l);

/*
 * appset_priv — what appset.c (templates, rendering) and appset_gen.c
 * (generators) share.  Not an interface for other modules.
 */

/* The parameter key recording which fleet cluster a clusters generator
 * produced a parameter set for. */
#define AS_CLUSTER_KEY "__kdrift_cluster"

typedef struct as_ctx {
	kd_source *src;
	const kd_fleet *fleet;
	const char *file;     /* the ApplicationSet file, for messages */
	bool go;              /* goTemplate */
	bool missing_error;   /* goTemplateOptions: missingkey=error */
	const json_t *positions;  /* pointer -> [line, column] of the document */
} as_ctx;

/* Sets an error "FILE:LINE:COLUMN: PATH MESSAGE" where PATH is the dotted
 * path `where` (".sub" appended when sub is not NULL) and the position is
 * that of the deepest part of PATH the document has.  Returns code. */
int as_fail(const as_ctx *c, int code, const char *where, const char *sub,
	    const char *fmt, ...) KD_PRINTF(5, 6);

/* Evaluates one generator (an object with exactly one generator key) into
 * *out, a new array of parameter sets.  `where` names it in messages. */
int as_generate(json_t **out, as_ctx *c, const json_t *gen, const char *where);

/* Expands every string in `tmpl` (a deep copy is returned in *out) with the
 * parameter set. */
int as_expand_value(json_t **out, as_ctx *c, const json_t *tmpl,
		    const json_t *params);

/* Looks a (dotted, for nested parameter sets) key up. */
const json_t *as_param(const json_t *params, const char *key);

#endif
