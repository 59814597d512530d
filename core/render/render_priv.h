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
} kd_kz_file;

typedef struct kd_kz_ctx {
	kd_source *src;
	kd_load_restrictor restrictor;
	char **stack;  /* directories being built, for cycle detection */
	size_t depth;
	json_t *sort;  /* the top kustomization's sortOptions, or NULL */
	const json_t *overrides;  /* laid over the top kustomization, or NULL */
	bool trace;               /* record origins (kd_kustomize_build_traced) */
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
int kd_kz_parse_docs(json_t **out, const char *data, size_t len, const char *name);
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
int kd_kz_output(json_t **out, json_t **origins, kd_kz_list *l, const json_t *sort_options);

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
