/*
 * diff — is one live object different from its desired object, where, and
 * who changed it (DESIGN §6): normalisation, the field walk, managedFields
 * attribution, Secret masking, and the rows both faces display.
 *
 * Never prints, never calls a cluster.  Depends on base and data.
 */

#ifndef KD_DIFF_H
#define KD_DIFF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "data/data.h"

/*
 * managed — metadata.managedFields of a live object, read into a trie so the
 * diff can ask "which field manager last wrote this field?".
 *
 * fieldsV1 is a set of paths: `f:name` (a map field), `k:{"name":"x"}` (a
 * list element identified by its key fields), `v:value` (an element of a
 * list used as a set), `i:N` (an element by position) and `.` (the node
 * itself, as opposed to only its children).  Every manager entry owns a set;
 * the trie merges them and records, per node, which entries own it.
 *
 * Entries of the status subresource, and entries whose fieldsType is not
 * FieldsV1, are listed but their fields are not read: nothing kdrift
 * compares lives under status, and an unknown format is not guessed at.
 *
 * Entries are numbered in managedFields order; only the first
 * KD_MANAGED_MAX_ENTRIES are read (real objects have a handful).  The trie
 * borrows strings from the live object, which must outlive it.  Never
 * prints; malformed managedFields give KD_EINVAL and an empty trie is never
 * an error (objects created before server-side field tracking have none).
 */

#define KD_MANAGED_MAX_ENTRIES 64

typedef struct kd_managed_entry {
	const char *manager;      /* "kubectl-edit"; "" when the entry has none */
	const char *operation;    /* "Update" or "Apply"; may be NULL */
	const char *time;         /* RFC 3339; may be NULL */
	const char *subresource;  /* "status", "scale"; NULL for the object itself */
} kd_managed_entry;

typedef struct kd_managed kd_managed;
typedef struct kd_managed_node kd_managed_node;

/* Reads live.metadata.managedFields.  *out is never NULL on success, even
 * when the object has no managedFields. */
int kd_managed_parse(kd_managed **out, const json_t *live);
/* The entries only: the root is NULL, so no field has an owner, and the
 * fieldsV1 sets are not read (kd_managed_check reads them).  For a diff
 * that only asks whether anything differs, when no entry could make a
 * live-only field count. */
int kd_managed_parse_entries(kd_managed **out, const json_t *live);

/* The checks of kd_managed_parse on the fieldsV1 sets, with its errors,
 * without building the trie. */
int kd_managed_check(const json_t *live);
void kd_managed_free(kd_managed *m);

size_t kd_managed_count(const kd_managed *m);
const kd_managed_entry *kd_managed_entry_at(const kd_managed *m, size_t i);

/* Bitmask of the entries whose manager is `manager`. */
uint64_t kd_managed_entries_named(const kd_managed *m, const char *manager);

/* The root of the trie (the object itself); NULL when the object has no
 * managedFields. */
const kd_managed_node *kd_managed_root(const kd_managed *m);

/* The child for the map field `name`; NULL when no entry mentions it (or
 * when n is NULL, so lookups can be chained). */
const kd_managed_node *kd_managed_field(const kd_managed_node *n,
					const char *name);

/* The child for list element `elem` at `index` of a live list: the `k:`
 * child whose key fields all equal elem's, else the `v:` child equal to
 * elem, else the `i:` child for index. */
const kd_managed_node *kd_managed_element(const kd_managed_node *n,
					  const json_t *elem, size_t index);

/* Entries that own the node itself (a leaf, or `.` for a map or element). */
uint64_t kd_managed_owners(const kd_managed_node *n);

/* Entries that own the node or anything beneath it. */
uint64_t kd_managed_subtree_owners(const kd_managed_node *n);

/* True when no entry mentions anything beneath the node (an atomic field,
 * or a map owned only as a whole). */
bool kd_managed_is_leaf(const kd_managed_node *n);

/* Of the entries in `mask`, the one written last (by time; ties and missing
 * times go to the later entry in the list); -1 when mask is empty. */
int kd_managed_latest(const kd_managed *m, uint64_t mask);

/* Entries written strictly after entry `i` (missing times count as
 * "after": the caller cannot rule them out). */
uint64_t kd_managed_written_after(const kd_managed *m, int i);

/*
 * diff — is one live object different from its desired object, where, and
 * who changed it?  (DESIGN §6)
 *
 * kd_diff_objects() walks the desired object, the live object and the live
 * object's kubectl.kubernetes.io/last-applied-configuration side by side and
 * reports every drifted field with the field manager, operation and time
 * that metadata.managedFields attributes it to.  The rules, in the order they
 * apply at each field:
 *
 *  - ignoreDifferences (kd_ignore_rule, from the fleet file) whose group,
 *    kind, name and namespace match the object: fields at the rule's JSON
 *    pointers (desired or live indices) and fields last written by one of
 *    the rule's managedFields managers are left out on both sides;
 *  - server metadata and status never count: status, metadata.uid,
 *    resourceVersion, generation, creationTimestamp, deletionTimestamp,
 *    deletionGracePeriodSeconds, managedFields, selfLink, the last-applied and
 *    deployment.kubernetes.io/revision annotations, and metadata.namespace
 *    when the live object has none (a cluster-scoped kind);
 *  - kind quirks: rules of a ClusterRole with an aggregationRule, caBundle
 *    under a clientConfig of webhook configurations and CRD conversion
 *    webhooks and in an APIService, spec.replicas when an HPA scales the
 *    object (opts->hpa_managed), a missing `protocol` of a port equals TCP;
 *  - empty values ([], {}, null and absent) are equal, and so are a desired
 *    "", false or 0 and an absent live field (Go's omitempty drops them
 *    when the server serialises the object);
 *  - numbers compare by value (2 = 2.0), quantities by amount in
 *    resources requests/limits, overhead, capacity, allocatable, sizeLimit,
 *    ResourceQuota hard and LimitRange limits (0.2 = 200m, 1Gi = 1024Mi);
 *    everything else as written (an int-or-string port 80 is not "80");
 *  - lists with merge keys (see core/data/data.h) match elements by key; other
 *    lists compare element by element; a list of scalars compares whole;
 *  - labels and annotations that GitOps tools stamp on what they apply
 *    (keys under argocd.argoproj.io/, kustomize.toolkit.fluxcd.io/, kdrift.dev/,
 *    app.kubernetes.io/instance) do not count when only live has them;
 *  - a field only in live is a server default and ignored, unless it is in
 *    last-applied or owned by an Apply entry of a GitOps applier
 *    (opts->appliers) (it was removed from Git but not from the cluster,
 *    and the next apply deletes it: ADDED, removed_from_git) or it is
 *    owned by a hand-editing manager (opts->manual_managers: kubectl-edit,
 *    kubectl-patch, ... added it: ADDED);
 *  - a field in desired but not in live is REMOVED; it is flagged
 *    never_converges when last-applied holds the same value (the applier
 *    sent it) and no other manager wrote into the enclosing live object after
 *    the applier did (so nobody removed it: the server dropped it, typically
 *    an unknown field, and re-applying will never make it stick);
 *  - Secret data: stringData is folded into data (base64 decoded values are
 *    compared as bytes, "" equals null and absent) and every value that
 *    leaves this module is a mask (kd_diff_mask).
 *
 * What is reported: the deepest field that differs.  A map that only one
 * side has is opened and its fields reported one by one (so that the rules
 * above still apply inside it); a list element or a scalar that only one
 * side has is reported whole, and so is a list of scalars that differs.
 * never_converges needs last-applied: for server-side applied objects a
 * dropped field is reported as a plain REMOVED.
 *
 * Paths are JSON pointers.  `path` uses the desired object's indices for
 * list elements that exist in desired, and the live object's indices for
 * elements only live has; `live_path` always addresses the live object (NULL
 * when the field is not in live).  Secret data is always reported under
 * /data/KEY, also when desired wrote it under stringData.
 *
 * The walk copies nothing: reported values are references into the inputs
 * (json_incref), except masks, so the inputs must not be modified while a
 * result lives.  Results are immutable and may then be shared between
 * threads.  Never prints.
 */

typedef enum kd_diff_status {
	KD_DIFF_SYNCED = 0,   /* equal after normalisation */
	KD_DIFF_DRIFTED,      /* at least one field differs */
} kd_diff_status;

typedef enum kd_diff_change {
	KD_DIFF_CHANGED = 0,  /* both sides have the field, with different values */
	KD_DIFF_ADDED,        /* only live has it (and it counts: see above) */
	KD_DIFF_REMOVED,      /* desired has it, live does not */
} kd_diff_change;

typedef struct kd_diff_field {
	char *path;           /* JSON pointer, desired indices (see above) */
	char *live_path;      /* JSON pointer into live; NULL for REMOVED */
	json_t *desired;      /* NULL when absent; masked for Secret data */
	json_t *live;         /* NULL when absent; masked for Secret data */
	kd_diff_change kind;
	char *manager;        /* never NULL: "unknown" when nobody owns it */
	char *operation;      /* "Update" / "Apply", or NULL when unknown */
	char *time;           /* RFC 3339, or NULL when unknown */
	char *subresource;    /* "scale", ... or NULL (the object itself) */
	bool never_converges;
	/* ADDED fields that Git once held: in last-applied, or owned by an
	 * applier's Apply entry.  The applier's next apply deletes them. */
	bool removed_from_git;
} kd_diff_field;

typedef struct kd_diff_result {
	kd_diff_status status;
	kd_diff_field *fields; /* in walk order: desired's key order, then live's */
	size_t nfields;
} kd_diff_result;

/* One ignoreDifferences rule (the fleet file reads them, DESIGN §6 rule 10):
 * which objects it covers and what it leaves out of their diff. */
typedef struct kd_ignore_rule {
	char *group;              /* NULL or "*" matches any; "" is the core group */
	char *kind;               /* "*" or NULL matches any */
	char *name;               /* optional */
	char *namespace;          /* optional */
	json_t *json_pointers;    /* array of strings, or NULL */
	json_t *managers;         /* managedFieldsManagers: array of strings, or NULL */
} kd_ignore_rule;

/* True when the rule covers an object (NULL fields of the rule match
 * anything; kind "*" matches any kind). */
bool kd_ignore_rule_matches(const kd_ignore_rule *rule, const char *group,
			    const char *kind, const char *namespace,
			    const char *name);

/* Fields of objects already found equal, remembered across diffs
 * (diff_memo.c): objects that share subtrees (desired rendered once for
 * many clusters, live lists read with kd_kube_list_opts.share) are compared
 * once per distinct pair of values.  The values must never be modified
 * while remembered; the memo holds a reference to each.  Bounded; owned
 * by one thread. */
typedef struct kd_diff_memo kd_diff_memo;

int kd_diff_memo_new(kd_diff_memo **out);
void kd_diff_memo_free(kd_diff_memo *m);

typedef struct kd_diff_opts {
	const kd_ignore_rule *ignores; /* the fleet's ignoreDifferences; all are */
	size_t nignores;               /* matched against the object here */
	bool hpa_managed;              /* an HPA targets this object */
	/* Managers whose live-only fields are drift (NULL-terminated); NULL
	 * selects kd_diff_default_manual_managers. */
	const char *const *manual_managers;
	/* Field managers that apply desired with server-side apply
	 * (NULL-terminated; NULL: none).  Their Apply entries list exactly
	 * what was applied, so a live field they own that Git no longer has
	 * is drift, as with last-applied (DESIGN §6 rule 11).  Callers with a
	 * fleet take kd_fleet_diff_opts' list: the defaults below and the
	 * fleet file's `appliers`. */
	const char *const *appliers;
	/* live's last-applied-configuration already parsed (borrowed), for
	 * callers that cache it per resourceVersion.  NULL: taken from the
	 * annotation (no parse when it is desired in canonical form; when it
	 * is not, the parse is about half the cost of a diff). */
	const json_t *last_applied;
	/* Fields found equal in earlier diffs, by value address (see below);
	 * NULL: none.  For callers that diff many objects sharing subtrees. */
	kd_diff_memo *memo;
} kd_diff_opts;

/* Annotations the API server's clients write for themselves: never drift
 * (NULL-terminated).  The metadata the server owns is base's
 * kd_server_metadata. */
extern const char *const kd_diff_server_annotations[];

/* kubectl-edit, kubectl-patch, kubectl-set, kubectl-label,
 * kubectl-annotate, kubectl-replace, kubectl-scale, kdrift-break-glass. */
extern const char *const kd_diff_default_manual_managers[];

/* The GitOps appliers every fleet has: Flux's kustomize-controller, Argo
 * CD's argocd-controller (with server-side apply) and kdrift. */
extern const char *const kd_diff_default_appliers[];

/* Compares one desired and one live object (both JSON objects, borrowed).
 * opts may be NULL.  KD_EINVAL when an input is not an object or its
 * managedFields are malformed, KD_ELIMIT when it nests too deeply. */
int kd_diff_objects(kd_diff_result **out, const json_t *desired,
		    const json_t *live, const kd_diff_opts *opts);

void kd_diff_result_free(kd_diff_result *res);

/* Only the status: SYNCED or DRIFTED, or a negative error code. */
int kd_diff_status_of(const json_t *desired, const json_t *live,
		      const kd_diff_opts *opts);

/* Short names for display and JSON output: "synced", "drifted";
 * "changed", "added", "removed". */
const char *kd_diff_status_name(kd_diff_status s);
const char *kd_diff_change_name(kd_diff_change c);

/* The result as JSON for `kdrift check --output json` and the store:
 * {"status": "drifted", "fields": [{"path", "livePath", "change",
 * "desired", "live", "manager", "operation", "time", "subresource",
 * "neverConverges", "removedFromGit" (only when true)}]}, absent values
 * left out.  Values are shared with the
 * result (Secret values are masks there already). */
int kd_diff_result_json(json_t **out, const kd_diff_result *res);

/* True when an ignoreDifferences rule applies to the object. */
bool kd_diff_rule_matches(const kd_ignore_rule *rule, const json_t *obj);

/*
 * The normalised documents behind a diff, for the side-by-side view: new
 * deep copies of desired and live (either out-parameter may be NULL) with
 * server metadata, status and ignored fields (JSON pointers; the kind quirks
 * above) removed, Secret stringData folded into data and every Secret value
 * masked.  Values are otherwise left as written (no quantity rewriting), so
 * what is shown is what Git and the cluster hold.  Fields owned by ignored
 * managers stay in the documents but never appear in a kd_diff_result.
 */
int kd_diff_normalize(json_t **desired_out, json_t **live_out,
		      const json_t *desired, const json_t *live,
		      const kd_diff_opts *opts);

/* A mask for a secret value: equal bytes give equal masks, different bytes
 * different masks (48 bits of HMAC-SHA256 under a random per-process key:
 * two given values collide with probability 2^-48, and a mask reveals
 * nothing about the value, not even to a dictionary of guesses; masks are
 * comparable within one process only).  The text is "<masked:" + 12 hex
 * digits + ">". */
#define KD_DIFF_MASK_SIZE 22
void kd_diff_mask(char out[KD_DIFF_MASK_SIZE], const void *value, size_t len);

/* The mask of a Secret `data` value (base64, decoded before masking) or,
 * with is_base64 false, of a stringData value; NULL and "" give NULL (no
 * value).  A new JSON string or NULL; *out is NULL on KD_ENOMEM too. */
int kd_diff_mask_secret_value(json_t **out, const json_t *value,
			      bool is_base64);

/* A Secret's data and stringData as one new object of key -> mask
 * (stringData wins, as on the server; keys with empty values are left out).
 * secret may be NULL (an empty object results). */
int kd_diff_secret_masks(json_t **out, const json_t *secret);

/* True for core/v1 Secret objects. */
bool kd_diff_is_secret(const json_t *obj);

/*
 * rows — one object's diff as rows for a person to read (DESIGN §8): the
 * one place both faces get them from, so `kdrift diff` and the UI's diff
 * pane show the same lines, the same changes and the same attribution.
 *
 * Both sides are normalised as kd_diff_normalize does (server noise gone,
 * Secret values masked), the live side is pruned to what the comparison
 * counts (a field only the cluster has stays only when a drifted field lies
 * at, under or above it; list elements are matched by their merge keys, as
 * in the diff), both are written as YAML (kd_yaml_emit) and the lines are
 * aligned: a common head and tail, a longest common subsequence in
 * between, and within each run of differing lines desired line k paired
 * with live line k.
 *
 * Every line knows the JSON pointer of the deepest node that starts on it
 * (lines of a block scalar belong to their field), the live side's in live
 * indices even where pruning dropped elements before it, so a line finds
 * its drifted field: a desired line by the field's `path` (changed and
 * removed fields), a live line by its `live_path` (changed and added
 * fields).  A drifted field no row shows (both sides print the same text,
 * e.g. a defaulted list key) is listed in `unplaced`, never lost.
 *
 * Runs of unchanged rows fold, keeping KD_DIFF_ROWS_CONTEXT rows beside
 * each change (none at the start or end of the object); a fold hides at
 * least two rows.  `unified` lists the lines of the one-column view: each
 * run of differing rows as all its desired lines, then all its live lines.
 *
 * Texts are the YAML as written, not sanitised: a face sanitises what it
 * puts on a terminal.  Rows borrow the kd_diff_field entries of the
 * kd_diff_result they were built from, which must outlive them; everything
 * else they own.  Never prints, decides no widths.
 */

#define KD_DIFF_ROWS_CONTEXT 3
#define KD_DIFF_NO_FOLD ((size_t)-1)

typedef enum kd_diff_row_kind {
	KD_DIFF_ROW_SAME = 0,  /* one line, equal on both sides */
	KD_DIFF_ROW_CHANGED,   /* a desired line and the live line in its place */
	KD_DIFF_ROW_REMOVED,   /* a desired line with no live line */
	KD_DIFF_ROW_ADDED,     /* a live line with no desired line */
} kd_diff_row_kind;

/* One side of a row. */
typedef struct kd_diff_line {
	const char *text;      /* without its newline; NULL: no line on this side */
	const char *pointer;   /* JSON pointer of the line's node; NULL with text */
	size_t number;         /* 1-based line of this side's YAML; 0: none */
	/* CHANGED rows: bytes [change_start, change_end) of text differ from
	 * the other side (the common head and tail left out, on UTF-8
	 * boundaries); 0, 0 on other rows. */
	size_t change_start, change_end;
	/* The drifted field the line shows, on rows that differ; NULL when
	 * none (a change the comparison does not count, or a SAME row). */
	const kd_diff_field *field;
} kd_diff_line;

typedef struct kd_diff_row {
	kd_diff_row_kind kind;
	kd_diff_line desired;  /* left */
	kd_diff_line live;     /* right */
	/* The field to attribute the row to: of the two sides' fields, the
	 * deeper one (ties: the one the diff reported first). */
	const kd_diff_field *field;
	/* The first row of a run of differing rows showing `field`: where a
	 * face puts the attribution beside the change. */
	bool field_start;
	size_t fold;           /* index into folds, or KD_DIFF_NO_FOLD */
} kd_diff_row;

typedef struct kd_diff_fold {
	size_t first;          /* first hidden row */
	size_t count;          /* hidden rows, at least 2 */
} kd_diff_fold;

typedef enum kd_diff_side {
	KD_DIFF_SIDE_BOTH = 0, /* a SAME row: one line for both */
	KD_DIFF_SIDE_DESIRED,  /* the row's desired line ("-") */
	KD_DIFF_SIDE_LIVE,     /* the row's live line ("+") */
} kd_diff_side;

typedef struct kd_diff_uline {
	size_t row;
	kd_diff_side side;
} kd_diff_uline;

typedef struct kd_diff_rows_mem kd_diff_rows_mem;

typedef struct kd_diff_rows {
	kd_diff_row *rows;
	size_t nrows;
	kd_diff_fold *folds;   /* in row order */
	size_t nfolds;
	kd_diff_uline *unified;
	size_t nunified;
	const kd_diff_field **unplaced;  /* in the diff's order */
	size_t nunplaced;
	size_t nchanges;       /* rows that are not SAME */
	size_t ndesired, nlive;          /* lines of each side's YAML */
	kd_diff_rows_mem *mem; /* the texts and pointers; private */
} kd_diff_rows;

typedef struct kd_diff_rows_opts {
	/* The options the diff was computed with (ignore rules, HPA): the
	 * same normalisation.  May be NULL. */
	const kd_diff_opts *diff;
	/* Keep status and metadata.managedFields of both objects (they hold
	 * no Secret values), unpruned. */
	bool metadata;
} kd_diff_rows_opts;

/* The rows of one object.  desired or live may be NULL (a missing or an
 * extra object: every row REMOVED or ADDED), not both; diff may be NULL (no
 * attribution); opts may be NULL.  KD_EINVAL when a present side is not an
 * object, KD_ELIMIT when it nests too deeply. */
int kd_diff_rows_new(kd_diff_rows **out, const json_t *desired,
		     const json_t *live, const kd_diff_result *diff,
		     const kd_diff_rows_opts *opts);
void kd_diff_rows_free(kd_diff_rows *rows);

/*
 * A diff line fitted to a width (rows_fit.c), for both faces: when the
 * text is wider than `width` columns, its indentation, list dashes and key
 * stay whole, the bytes [change_start, change_end) that differ from the
 * other side stay visible (their own middle shortened only when they alone
 * are too wide), and the value around them loses its middle.  The result
 * is the byte ranges of the text to show, in order: a face shows an
 * ellipsis of `ellipsis_width` columns before the first range when `lead`,
 * between every two ranges, and after the last when `cut_end`, and
 * highlights the bytes of a range that fall within [change_start,
 * change_end).  Widths are those of base's sanitiser with `flags`
 * (KD_SANITIZE_*), so a face measures text as it draws it.  An unchanged
 * line passes change_start = change_end = its length (its end is kept).
 */
#define KD_DIFF_FIT_PARTS 6

typedef struct kd_diff_fit {
	struct { size_t start, end; } part[KD_DIFF_FIT_PARTS];
	size_t nparts;
	bool lead, cut_end;
	size_t change_start, change_end;
} kd_diff_fit;

int kd_diff_line_fit(kd_diff_fit *out, const char *text, size_t change_start,
		     size_t change_end, size_t width, size_t ellipsis_width, unsigned flags);

/* Appends a drifted value as compact JSON ("(absent)" for NULL), cut to
 * at most max bytes with "..." (on a character boundary) when longer.
 * Not sanitised. */
int kd_diff_value_text(kd_buf *out, const json_t *v, size_t max);

/* Appends one line about a drifted field: "/spec/replicas changed by
 * kubectl-scale (Update, 2026-11-20T22:40:00Z)", and " [never converges:
 * the server drops this field]" or " [removed from Git: the next apply
 * deletes it]" when it does.  A field whose live value is not in the live
 * object (no live_path, yet not removed: a Helm release's record compared
 * with Git) says both values, which no line shows:
 * "/spec/chart/spec/version: "1.5.0" -> "1.4.2" changed by helm (...)".
 * Not sanitised. */
int kd_diff_field_describe(kd_buf *out, const kd_diff_field *f);

#endif
