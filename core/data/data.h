/*
 * data — the data formats kdrift reads and writes: JSON helpers and RFC 6901
 * pointers, YAML to JSON (and back) with Kubernetes' typing, RFC 7386 merge
 * and RFC 6902 JSON patches, the merge keys of built-in lists, strategic
 * merge patch, and textual edits of a kustomization.yaml that keep its
 * comments.
 *
 * Pure functions over values and text: no files other than a caller's,
 * no network, no Git.  Depends on base.
 */

#ifndef KD_DATA_H
#define KD_DATA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/base.h"

/*
 * json — helpers on jansson values shared by every module:
 * RFC 6901 pointers, deep equality, canonical serialisation and SHA-256.
 */

/* Looks up an RFC 6901 pointer ("" is the whole document, "/a/0/b~1c").
 * *out is borrowed from doc.  KD_ENOTFOUND when absent, KD_EINVAL when the
 * pointer is malformed. */
int kd_json_pointer_get(json_t **out, const json_t *doc, const char *pointer);

/* Sets the value at pointer, stealing `value` (also on failure).  Missing
 * parent objects are created when create_parents is true (inside an array
 * only at "-" or index == size, which appends a new object).  The last token
 * of an array parent may be "-" or an index <= size: an existing element is
 * replaced (no insertion; kd_patch_json's "add" inserts), "-" or index ==
 * size appends.  "" is KD_EINVAL (the root cannot be replaced in place); a
 * scalar parent is KD_EINVAL, a missing one KD_ENOTFOUND.  Parents created
 * before a failure stay in doc. */
int kd_json_pointer_set(json_t *doc, const char *pointer, json_t *value,
			bool create_parents);

/* Removes the value at pointer, shifting later array elements down.
 * KD_ENOTFOUND when absent (including "-"), KD_EINVAL for "". */
int kd_json_pointer_remove(json_t *doc, const char *pointer);

/* Appends one reference token, escaped ("~" -> "~0", "/" -> "~1"), with its
 * leading "/", to out. */
int kd_json_pointer_append(kd_buf *out, const char *token);

/* Splits a pointer into unescaped tokens: *out is a new JSON array of
 * strings. */
int kd_json_pointer_split(json_t **out, const char *pointer);

/* Resolves everything but the last token: *parent (borrowed from doc) is the
 * value that contains the target, *last (caller frees) the target's
 * unescaped token.  With create_parents, missing parents become objects as
 * in kd_json_pointer_set.  KD_EINVAL for "" (the whole document has no
 * parent).  The target itself need not exist. */
int kd_json_pointer_parent(json_t **parent, char **last, json_t *doc,
			   const char *pointer, bool create_parents);

/* Parses an array reference token against an array of `size` elements:
 * "0" or digits without a leading zero.  "-" and index == size are accepted
 * only with allow_end (*out = size, one past the end).  KD_EINVAL when the
 * token is not an index, KD_ENOTFOUND when it is out of range; the message
 * names `pointer`. */
int kd_json_pointer_index(size_t *out, const char *token, size_t size,
			  bool allow_end, const char *pointer);

/* Deep equality; numbers compare by value (1 equals 1.0), object key order
 * does not matter. */
bool kd_json_equal(const json_t *a, const json_t *b);

/* Canonical serialisation: sorted keys, no insignificant white space,
 * integers as integers, reals in shortest round-trip form.  Equal values
 * (kd_json_equal) give equal bytes. */
int kd_json_canonical(kd_buf *out, const json_t *v);

/* SHA-256 of the canonical serialisation. */
int kd_json_sha256(unsigned char digest[32], const json_t *v);
int kd_json_sha256_hex(char hex[65], const json_t *v);

/* SHA-256 of raw bytes, as lowercase hex. */
void kd_sha256_hex(char hex[65], const void *data, size_t len);

/* Convenience getters that tolerate NULL and wrong types. */
const char *kd_json_str(const json_t *obj, const char *key);   /* NULL if absent or not a string */
json_t *kd_json_obj(const json_t *obj, const char *key);       /* NULL if absent or not an object */
json_t *kd_json_arr(const json_t *obj, const char *key);       /* NULL if absent or not an array */

/* Parses JSON text exactly as json_loadb(text, len, JSON_ALLOW_NUL, err)
 * does (same values, same errors), several times faster on the common
 * shape of API responses (json_load.c).  NULL with err set on an error. */
json_t *kd_json_loadb(const char *text, size_t len, json_error_t *err);

/* Values of some member names that repeat byte for byte across documents
 * (the managedFields field sets of a fleet's objects): kd_json_loadb_memo
 * reads each distinct text once and gives every later document a reference
 * to the same value, which therefore must never be modified.  Bounded: it
 * starts over when it holds too many.  Owned by one thread. */
typedef struct kd_json_memo kd_json_memo;

kd_json_memo *kd_json_memo_new(const char *member);   /* NULL: out of memory */
/* One more member name whose values the memo shares (at most 16 names). */
int kd_json_memo_add(kd_json_memo *m, const char *member);
/* The values of `member` at nesting level `depth` (1: members of the
 * document's top object; 3: of the items of a list) are left out of what
 * kd_json_loadb_memo builds: what would not be read makes the whole text go
 * to jansson as ever (then nothing is left out), but nothing is built.  One
 * such member per memo; depth 0 leaves nothing out. */
int kd_json_memo_skip(kd_json_memo *m, const char *member, int depth);
void kd_json_memo_free(kd_json_memo *m);
/* kd_json_loadb, sharing the memo's values (memo may be NULL). */
json_t *kd_json_loadb_memo(const char *text, size_t len, json_error_t *err,
			   kd_json_memo *memo);

/*
 * jscan — reading a JSON text in place, without building a tree: for big
 * documents of a known shape (a list of the agents' DriftReports), read
 * member by member.  Strict JSON; nesting bounded; strings decoded only
 * when asked for.  The first error sticks: every later call fails at once,
 * and kd_jscan_error turns it into a message with the byte offset.
 *
 *   kd_jscan s;  const char *k;  size_t n;
 *   kd_jscan_init(&s, text, len);
 *   if (kd_jscan_begin(&s, '{'))
 *       while (kd_jscan_member(&s, &k, &n))
 *           if (kd_jscan_key_is(k, n, "name")) kd_jscan_string(&s, &name);
 *           else kd_jscan_skip(&s);
 *
 * A member name is handed out as it is written (escapes not decoded), so a
 * name spelled with escapes matches no plain one and is skipped.
 */
typedef struct kd_jscan {
	const char *start, *p, *end;
	int depth;
	bool first;              /* right after '{' or '[' */
	const char *error;       /* the first error, or NULL */
	size_t error_at;         /* its byte offset */
} kd_jscan;

void kd_jscan_init(kd_jscan *s, const char *text, size_t len);
/* What comes next: '{', '[', '"', 'n' (null), 't', 'f', '0' (a number), or
 * 0 at the end or after an error. */
int kd_jscan_peek(kd_jscan *s);
/* Enters an object ('{') or array ('['); false (and an error) otherwise. */
bool kd_jscan_begin(kd_jscan *s, char open);
/* The next member of the object entered: true with its name, the reader at
 * its value (which the caller must read or skip); false at the end. */
bool kd_jscan_member(kd_jscan *s, const char **key, size_t *len);
/* The next element of the array entered: true at its value; false at the end. */
bool kd_jscan_element(kd_jscan *s);
bool kd_jscan_key_is(const char *key, size_t len, const char *name);
/* Values: a decoded string (null gives NULL; caller frees), a boolean
 * (null is false), an integer (null is 0), any value as jansson's, or
 * nothing.  Each returns 0, or KD_EINVAL after the error is recorded. */
int kd_jscan_string(kd_jscan *s, char **out);
int kd_jscan_bool(kd_jscan *s, bool *out);
int kd_jscan_int(kd_jscan *s, long long *out);
int kd_jscan_json(kd_jscan *s, json_t **out);
int kd_jscan_skip(kd_jscan *s);
/* Sets "WHAT: malformed JSON at byte N: why" and returns KD_EINVAL. */
int kd_jscan_error(const kd_jscan *s, const char *what);

/*
 * yaml — YAML ⇄ JSON, the way Kubernetes clients convert them.
 *
 * Parsing (libyaml) produces jansson values.  Plain scalars are typed exactly
 * as `kubectl kustomize` types them (see tests/fixtures/yaml/typing.tsv and
 * the rules at the top of core/data/yaml.c): this is neither plain YAML 1.1 nor
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
 * text, long lines folded at column 80 (details in core/data/yaml_emit.c).  The
 * key "<<" cannot be written (every reader takes it for a merge key):
 * KD_EUNSUPPORTED.
 *
 * Never prints; never touches files (callers pass bytes and a name).
 */

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

/* Flags of kd_yaml_parse_ex. */
#define KD_YAML_LAST_KEY_WINS 1u  /* a repeated key replaces the earlier value
				     (how kubectl reads a kustomization) */
#define KD_YAML_GO_FOLDED 2u      /* folded (">") scalars as kustomize has them
				     after writing them back with its YAML
				     library's folded-style emitter, which adds
				     a line break before a more-indented line */

/*
 * kd_yaml_parse with more: when `empty_nulls` is not NULL it receives a new
 * array parallel to *out, for each document an object whose keys are the
 * JSON pointers of the nulls written as nothing ("key:" rather than
 * "key: null" or "key: ~"), or JSON null when it has none; kustomize's
 * strategic merge drops those and keeps the others.
 */
int kd_yaml_parse_ex(json_t **out, json_t **positions, json_t **empty_nulls,
		     const char *data, size_t len, const char *name,
		     const kd_yaml_limits *limits, unsigned flags);

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

/*
 * patch — RFC 7386 JSON merge patch and RFC 6902 JSON patch.
 *
 * Shared by the renderer (kustomize patches), the simulator and remediation.
 * Both functions build a new value and leave their inputs untouched, so a
 * failed patch never leaves a half-patched object behind.
 */

/* RFC 7386: *out = target merged with patch (null deletes a member, a
 * non-object patch replaces the target). */
int kd_patch_merge(json_t **out, const json_t *target, const json_t *patch);

/* RFC 6902: applies the operations array (add, remove, replace, move, copy,
 * test) in order.  A failed `test` returns KD_ECONFLICT, any other failure
 * KD_EINVAL; the message names the operation's index and path. */
int kd_patch_json(json_t **out, const json_t *target, const json_t *ops);

/* RFC 6902 as kustomize (evanphx/json-patch v4) applies it: `replace` of
 * a missing object member adds it, array indices may be negative (from
 * the end) and carry a sign or leading zeros, and a path's first segment
 * is skipped even when it is not empty.  Codes as kd_patch_json. */
int kd_patch_json6902(json_t **out, const json_t *target, const json_t *ops);

/* Computes an RFC 7386 merge patch that turns `from` into `to`: members
 * missing from `to` become null, objects are diffed member by member, any
 * other change (arrays included) carries the new value whole.  Two equal
 * objects give {}.  `from` may be NULL (absent).  A merge patch cannot set a
 * member to null, so a member that turns null in `to` is deleted instead,
 * and null members inside new values disappear when merged. */
int kd_patch_merge_diff(json_t **out, const json_t *from, const json_t *to);

/*
 * mergekeys — which Kubernetes lists are maps in disguise.
 *
 * Lists such as containers or env are merged by the API server by a key
 * (their patchMergeKey / listMapKeys), so two of them must be compared
 * element by element matched on that key, never by position.  The table
 * covers the built-in kinds' lists that appear in manifests; lists not in it
 * (args, tolerations, rules, ...) are atomic: they compare whole.
 *
 * Knows field names only, not the schema: a list is keyed when its field
 * name is in the table and every element carries the key, so CRD lists that
 * reuse a name (a `ports` list of strings) fall back to atomic.
 */

#define KD_MERGEKEYS_MAX 2

typedef struct kd_mergekeys {
	size_t nkeys;                          /* 0: the list is atomic */
	const char *keys[KD_MERGEKEYS_MAX];    /* the first is required */
	const char *defaults[KD_MERGEKEYS_MAX]; /* value assumed when a key is absent, or NULL */
} kd_mergekeys;

/* The merge keys of list field `name` given the lists on each side (either
 * may be NULL).  out->nkeys is 0 when the list is atomic, including when an
 * element lacks the required key or two elements of one side share a key. */
void kd_mergekeys_for(kd_mergekeys *out, const char *name,
		      const json_t *a, const json_t *b);

/* True when elements x and y have the same key (absent keys take their
 * default). */
bool kd_mergekeys_match(const kd_mergekeys *mk, const json_t *x,
			const json_t *y);

/* The index of the element of `list` whose key matches elem's; -1 when none. */
long kd_mergekeys_find(const kd_mergekeys *mk, const json_t *list,
		       const json_t *elem);

/*
 * smp — Kubernetes strategic merge patch on jansson values.
 *
 * Two flavours share one schema of patch merge keys for the built-in kinds:
 *
 *  - KD_SMP_KUSTOMIZE reproduces `kubectl kustomize` (kyaml merge2 with
 *    list prepending): patched elements of a keyed list come first, in patch
 *    order, followed by the untouched original elements; `$patch:
 *    delete|replace|merge` are honoured; `$setElementOrder`,
 *    `$deleteFromPrimitiveList` and `$retainKeys` are NOT directives there
 *    and are kept as ordinary fields, exactly as kustomize does.
 *
 *  - KD_SMP_SERVER reproduces the API server (apimachinery, as
 *    `kubectl patch --local --type strategic` runs it): the elements the
 *    patch names, in the patch's (or $setElementOrder's) order, are
 *    interleaved with the elements only the object had, and every directive
 *    ($patch, $setElementOrder/F, $deleteFromPrimitiveList/F, $retainKeys)
 *    is applied and stripped.
 *
 * Kinds without a known schema (custom resources) merge maps and replace
 * lists in both flavours.  Inputs are never modified.
 */

typedef enum kd_smp_mode {
	KD_SMP_KUSTOMIZE = 0,
	KD_SMP_SERVER,
} kd_smp_mode;

/*
 * *out = target patched with patch.  The schema is chosen from the
 * target's apiVersion and kind (the patch's when the target has none).
 * When the patch deletes the whole object (`$patch: delete` at the top),
 * *out is NULL and 0 is returned.  A patch that is not an object gives
 * KD_EINVAL.
 */
int kd_smp_apply(json_t **out, const json_t *target, const json_t *patch,
		 kd_smp_mode mode);

/*
 * A schema read from an OpenAPI v2 document (kustomize's `openapi:`): the
 * kinds its definitions name (x-kubernetes-group-version-kind) merge the
 * lists marked x-kubernetes-patch-strategy: merge by their
 * x-kubernetes-list-map-keys or x-kubernetes-patch-merge-key.  With
 * `builtin`, kdrift's built-in schema stays in use and wins (kinds and
 * Kubernetes' own definition names); without it, the document is the only
 * schema, as kustomize has it when the top kustomization names one.  The
 * document is kept (referenced).
 */
typedef struct kd_smp_schema kd_smp_schema;
int kd_smp_schema_new(kd_smp_schema **out, const json_t *openapi_doc, bool builtin);
void kd_smp_schema_free(kd_smp_schema *s);

/* The same; in KD_SMP_KUSTOMIZE mode the target's null members whose JSON
 * pointers are keys of `empty_nulls` (nulls written as nothing, see
 * kd_yaml_parse_ex) are dropped wherever kustomize's merge walks: every
 * mapping, and the elements of lists merged by key.  empty_nulls and
 * schema (more kinds, see kd_smp_schema_new) may be NULL. */
int kd_smp_apply_ex(json_t **out, const json_t *target, const json_t *patch,
		    kd_smp_mode mode, const json_t *empty_nulls, const kd_smp_schema *schema);

/* True when kinds of this apiVersion/kind have a built-in merge schema. */
bool kd_smp_has_schema(const char *api_version, const char *kind);

/*
 * The merge keys of the list at `pointer` (an RFC 6901 pointer into an
 * object of this kind, array indices allowed: "/spec/template/spec/
 * containers/0/env").  Writes up to max key names into keys and returns how
 * many (0 for a list replaced as a whole or unknown).  *primitive is set
 * when the list is a merged list of scalars (finalizers).  Used by the diff
 * to match list elements by key.
 */
size_t kd_smp_list_keys(const char **keys, size_t max, bool *primitive,
			const char *api_version, const char *kind,
			const char *pointer);

/*
 * kedit — adds one entry to a list of a kustomization.yaml without
 * re-serialising the file, so its comments, key order, quoting and blank
 * lines survive an automated edit that a reviewer will read as a diff.
 *
 * The edit is textual: the top-level key (`patches:`, `resources:`) is found
 * at column 0; a block list gets one more "- ENTRY" line after its last
 * item, at the indentation its items already use; an empty or null value
 * (`patches: []`, `patches:`) becomes a block list; a one-line flow list
 * (`resources: [a, b]`) gets ", ENTRY" before its closing bracket; a file
 * without the key gets "KEY:" and the item appended at its end, indented
 * like the file's other top-level lists.  CRLF files stay CRLF.  Anything
 * else (a multi-line flow list, an alias, a flow-style document) is refused
 * with KD_EUNSUPPORTED rather than guessed at.
 *
 * Every edit is checked by parsing the result: it must equal the original
 * document with exactly the entry appended to that list, or nothing is
 * returned.  Never touches files; callers pass bytes.
 */

/*
 * Appends `entry` to the list under top-level key `key` of the YAML text
 * `text` (named `name` in messages) and puts the whole new text in *out
 * (replacing its contents).  `entry` is a string ("dir/file.yaml") or an
 * object with one string member ({"path": "dir/file.yaml"}); strings must be
 * plain-safe: letters, digits and "._/-" only.  When the list already holds
 * the entry (or, for an object entry, an element with the same "path"),
 * *out receives the text unchanged and *added is false.
 */
int kd_kedit_list_add(kd_buf *out, bool *added, const char *text, size_t len,
		      const char *name, const char *key, const json_t *entry);

#endif
