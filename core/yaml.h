/*
 * yaml — YAML ⇄ JSON, the way Kubernetes clients convert them.
 *
 * Parsing (libyaml) produces jansson values.  Plain scalars are typed exactly
 * as `kubectl kustomize` types them (see tests/fixtures/yaml/typing.tsv and
 * the rules at the top of core/yaml.c): this is neither plain YAML 1.1 nor
 * 1.2.  Floats that are integral and fit int64 become JSON integers ("1e3"
 * → 1000, "1.0" → 1), as in kustomize's output; .inf and .nan are errors.
 * Anchors and aliases are expanded (deep copies) with a bound on the total
 * expansion; nesting depth and input size are bounded.  Keys below a
 * document's top level must be strings; duplicate keys are errors.  Every
 * error message starts with "NAME:LINE:COLUMN: " (1-based).
 *
 * Emitting produces block-style YAML whose parse is exactly the input value
 * (numbers compare by value), byte for byte what kubectl prints for the same
 * objects: keys in kubectl's order, two-space indent, "- key: v" sequences,
 * strings that a YAML 1.1 or 1.2 reader would mistype ("yes", "on", "010",
 * "1e3", "", "2026-11-26", ...) double-quoted, literal blocks for multi-line
 * text, long lines folded at column 80 (details in core/yaml_emit.c).  The
 * key "<<" cannot be written (every reader takes it for a merge key):
 * KD_EUNSUPPORTED.
 *
 * Never prints; never touches files (callers pass bytes and a name).
 */
#ifndef KD_YAML_H
#define KD_YAML_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"

typedef struct kd_yaml_limits {
	size_t max_depth;        /* nesting of mappings and sequences */
	size_t max_bytes;        /* size of the whole input */
	size_t max_alias_nodes;  /* nodes produced by alias expansion, in total */
} kd_yaml_limits;

/* Defaults: depth 256, 64 MiB input, 1,000,000 nodes through aliases. */
extern const kd_yaml_limits kd_yaml_default_limits;

/*
 * Parses a (multi-document) YAML stream into *out, a new JSON array with one
 * element per non-empty document.  `name` is used in error messages (a file
 * path).  `limits` may be NULL for the defaults.
 *
 * When `positions` is not NULL it receives a new JSON array parallel to *out:
 * for each document an object mapping the JSON pointer of every node
 * ("" for the root, "/spec/replicas", "/items/0") to [line, column] (1-based)
 * of where that node starts; for mapping keys, the pointer of the value maps
 * to where its key starts, so "unknown key" errors can point at the key.
 */
int kd_yaml_parse(json_t **out, json_t **positions, const char *data,
		  size_t len, const char *name, const kd_yaml_limits *limits);

/* Parses a stream that must hold exactly one document (an empty stream
 * gives JSON null). */
int kd_yaml_parse_one(json_t **out, json_t **positions, const char *data,
		      size_t len, const char *name,
		      const kd_yaml_limits *limits);

/* Types one plain (unquoted) scalar as kustomize does.  Fails (without a
 * position) for .inf and .nan, which JSON cannot hold. */
int kd_yaml_plain_scalar(json_t **out, const char *text, size_t len);

/* The YAML type a scalar resolved to; only KD_YAML_STR may be a mapping
 * key below the document's top level (kustomize refuses the others). */
typedef enum kd_yaml_type {
	KD_YAML_NULL,
	KD_YAML_BOOL,
	KD_YAML_INT,
	KD_YAML_FLOAT,
	KD_YAML_STR,
	KD_YAML_TIMESTAMP,  /* becomes an RFC 3339 string */
	KD_YAML_MERGE,      /* the plain key "<<" */
} kd_yaml_type;

/*
 * Types one scalar given its tag (NULL, "!" or a full tag such as
 * "tag:yaml.org,2002:int") and whether it was plain (unquoted, not a block
 * scalar).  `type` may be NULL.  Errors carry no position; callers add it.
 */
int kd_yaml_resolve_scalar(json_t **out, kd_yaml_type *type, const char *text,
			   size_t len, const char *tag, int plain);

/* Appends one document as block YAML (no leading "---").  Values nested
 * deeper than 1000 levels give KD_ELIMIT. */
int kd_yaml_emit(kd_buf *out, const json_t *doc);

/* Appends a stream: the elements of `docs` (an array) separated by "---". */
int kd_yaml_emit_stream(kd_buf *out, const json_t *docs);

#endif
