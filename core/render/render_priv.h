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

/* One resource on its way through a build. */
typedef struct kd_kz_res {
	json_t *obj;
	char *orig_name;   /* the name it was loaded or generated with */
	char *base_name;   /* generated and hashed: the name without the hash */
	char *level_name;  /* the name when the current level started */
	char *level_ns;    /* the namespace then ("" for none) */
	bool hashed;       /* carries a content hash suffix */
	json_t *ids;       /* every [name, namespace] it has had, for patches */
	char *file;        /* traced: the file it came from */
	json_t *layers;    /* traced: kustomization dirs that changed it */
	json_t *snap;      /* traced: its state when the current step began */
	json_t *prov;      /* provenance: pointer -> chain */
	json_t *psnap;     /* provenance: its state when last recorded */
	json_t *gen;       /* provenance of a generated object: {file, line, step} */
} kd_kz_res;

typedef struct kd_kz_list {
	kd_kz_res *v;
	size_t n, cap;
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
	bool prov;                /* record provenance */
	/* Where the overrides' settings are written (provenance): the
	 * provenance map of the Flux Kustomization object they come from. */
	const json_t *override_origin;
	json_t *blame;            /* file -> array of commits per line, or null */
} kd_kz_ctx;

/* kustomize_util.c */
int kd_kz_list_add(kd_kz_list *l, json_t *obj, const char *orig_name);
void kd_kz_list_remove(kd_kz_list *l, size_t i);
void kd_kz_list_free(kd_kz_list *l);
int kd_kz_remember_id(kd_kz_res *r);
int kd_kz_set_file(kd_kz_res *r, const char *file);
int kd_kz_snapshot(kd_kz_ctx *c, kd_kz_list *l);
int kd_kz_record_changes(kd_kz_ctx *c, kd_kz_list *l, const char *dir);
bool kd_kz_had_id(const kd_kz_res *r, const char *name, const char *ns);
int kd_kz_line(const kd_kz_file *f, const char *pointer);
int kd_kz_fail(const kd_kz_file *f, const char *pointer, int code, const char *fmt, ...)
	KD_PRINTF(4, 5);
int kd_kz_wrap(const kd_kz_file *f, const char *pointer, int code);
int kd_kz_read_file(kd_buf *out, char **path, kd_kz_ctx *c, const kd_kz_file *f,
		 const char *rel, const char *pointer);
int kd_kz_parse_docs(json_t **out, json_t **where, const char *data, size_t len,
		     const char *name);
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
int kd_kz_apply_hashes(kd_kz_list *l);
int kd_kz_hash_object(char out[11], const json_t *obj);

/* kustomize_xform.c */
int kd_kz_namespace(const kd_kz_file *f, kd_kz_list *l, const char *ns);
int kd_kz_prefix_suffix(kd_kz_list *l, const char *prefix, const char *suffix);
int kd_kz_labels(const kd_kz_file *f, kd_kz_list *l, const json_t *labels,
	      bool selectors, bool templates, const char *pointer);
int kd_kz_annotations(const kd_kz_file *f, kd_kz_list *l, const json_t *annotations);
int kd_kz_images(const kd_kz_file *f, kd_kz_list *l, const json_t *images);
int kd_kz_replicas(const kd_kz_file *f, kd_kz_list *l, const json_t *replicas);
int kd_kz_fix_references(kd_kz_list *l);
void kd_kz_mark_level(kd_kz_list *l);

/* kustomize_replace.c */
int kd_kz_replacements(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l);

/* kustomize_patch.c */
int kd_kz_patches(kd_kz_ctx *c, const kd_kz_file *f, kd_kz_list *l);
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
