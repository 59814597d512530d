/*
 * kustomize_priv — what the kustomize_*.c files share; not an interface.
 */
#ifndef KD_KUSTOMIZE_PRIV_H
#define KD_KUSTOMIZE_PRIV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "kustomize.h"

/* One resource on its way through a build. */
typedef struct kz_res {
	json_t *obj;
	char *orig_name;   /* the name it was loaded or generated with */
	char *base_name;   /* generated and hashed: the name without the hash */
	char *level_name;  /* the name when the current level started */
	char *level_ns;    /* the namespace then ("" for none) */
	bool hashed;       /* carries a content hash suffix */
} kz_res;

typedef struct kz_list {
	kz_res *v;
	size_t n, cap;
} kz_list;

/* A loaded kustomization file. */
typedef struct kz_file {
	char *dir;     /* repository-relative directory */
	char *path;    /* the file itself */
	json_t *doc;
	json_t *pos;   /* JSON pointer -> [line, column] */
	bool component;
} kz_file;

typedef struct kz_ctx {
	kd_source *src;
	kd_load_restrictor restrictor;
	char **stack;  /* directories being built, for cycle detection */
	size_t depth;
} kz_ctx;

/* kustomize.c */
int kz_list_add(kz_list *l, json_t *obj, const char *orig_name);
void kz_list_remove(kz_list *l, size_t i);
void kz_list_free(kz_list *l);
int kz_line(const kz_file *f, const char *pointer);
int kz_fail(const kz_file *f, const char *pointer, int code, const char *fmt, ...)
	KD_PRINTF(4, 5);
int kz_wrap(const kz_file *f, const char *pointer, int code);
int kz_read_file(kd_buf *out, char **path, kz_ctx *c, const kz_file *f,
		 const char *rel, const char *pointer);
int kz_parse_docs(json_t **out, const char *data, size_t len, const char *name);
const char *kz_name(const json_t *obj);
const char *kz_ns(const json_t *obj);
const char *kz_kind(const json_t *obj);
const char *kz_api_version(const json_t *obj);
int kz_set_str(json_t *obj, const char *key, const char *value);
json_t *kz_obj_path(json_t *obj, const char *const *path, bool create);

/* kustomize_gen.c */
int kz_generators(kz_ctx *c, const kz_file *f, kz_list *l);
int kz_apply_hashes(kz_list *l);
int kz_hash_object(char out[11], const json_t *obj);

/* kustomize_xform.c */
int kz_namespace(const kz_file *f, kz_list *l, const char *ns);
int kz_prefix_suffix(kz_list *l, const char *prefix, const char *suffix);
int kz_labels(const kz_file *f, kz_list *l, const json_t *labels,
	      bool selectors, bool templates, const char *pointer);
int kz_annotations(const kz_file *f, kz_list *l, const json_t *annotations);
int kz_images(const kz_file *f, kz_list *l, const json_t *images);
int kz_replicas(const kz_file *f, kz_list *l, const json_t *replicas);
int kz_fix_references(kz_list *l);
void kz_mark_level(kz_list *l);

/* kustomize_patch.c */
int kz_patches(kz_ctx *c, const kz_file *f, kz_list *l);
int kz_patches_strategic(kz_ctx *c, const kz_file *f, kz_list *l);
int kz_patches_json6902(kz_ctx *c, const kz_file *f, kz_list *l);

#endif
