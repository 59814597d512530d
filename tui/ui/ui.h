/*
 * ui — what the files of the interactive terminal UI share.
 *
 * The UI thread owns curses and readline and reads the engine's results
 * only from the store (immutable snapshots, the wake fd, the event log); it
 * never blocks on the network or Git.  Each view is one file with a static
 * ops table: the fleet tree (view_tree.c) and the diff pane (view_diff.c),
 * and the full-screen overlays help (view_help.c), message log
 * (view_log.c), audit log (view_audit.c) and follow-up list
 * (view_followup.c), and compare (view_compare.c).  The model (model.c) turns snapshots into the fleet
 * tree; text.c is the only place that writes characters to the screen, and
 * it sanitises every string.
 */
#ifndef KD_TUI_H
#define KD_TUI_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "action.h"
#include "base/base.h"
#include "fleet/fleet.h"
#include "keymap.h"
#include "engine/engine.h"
#include "theme.h"

#define KD_NONE ((size_t)-1)

/* --- string set (expanded nodes) ---------------------------------------- */

typedef struct kd_strset {
	char **slots;
	size_t cap, n;
} kd_strset;

bool kd_strset_has(const kd_strset *s, const char *key);
int kd_strset_add(kd_strset *s, const char *key);
void kd_strset_remove(kd_strset *s, const char *key);
void kd_strset_clear(kd_strset *s);

/* --- the fleet tree model ----------------------------------------------- */

typedef enum kd_level {
	KD_LEVEL_CLUSTER, KD_LEVEL_APP, KD_LEVEL_OBJECT,
	KD_LEVEL_UNMANAGED,       /* a cluster's objects made by hand (--unmanaged) */
	KD_LEVEL_UNMANAGED_OBJECT /* one of them (kd_node.hand) */
} kd_level;

typedef struct kd_node {
	kd_level level;
	unsigned depth;
	size_t parent;           /* node index, KD_NONE at the top */
	size_t cluster;          /* store slot, KD_NONE for a fleet-wide app */
	size_t app, res;         /* indices into the cluster state */
	const char *cluster_name, *app_name;  /* borrowed from snapshots */
	const kd_resource *obj;  /* objects only */
	const kd_unmanaged *hand;  /* unmanaged objects only */
	kd_status status;
	kd_counts counts;
	const char *reason;
	bool intentional;
	bool has_children;
	bool expanded;
	bool peek;               /* opened by a jump: shows only the children
				  * that are not in sync (the path to a drift) */
	unsigned hidden;         /* children in sync that peek leaves out */
	bool shown;              /* passes the filters, itself or a descendant */
	bool visible;            /* shown and every ancestor expanded */
	char *id;                /* identity of an inner node (expansion key) */
} kd_node;

/* A node by identity, independent of rows and of the tree's order; an
 * object's part compares as kd_object_id (the API group counts). */
typedef struct kd_ident {
	kd_level level;
	char *cluster, *app, *api_version, *kind, *ns, *name;
} kd_ident;

typedef struct kd_filter {
	unsigned status_mask;    /* bit per kd_status; 0 = every status */
	kd_selector labels;
	char *labels_text;       /* NULL = no label filter */
	char *app;               /* substring of the app name, or NULL */
	char *name;              /* substring of an object's name, or NULL */
} kd_filter;

/* A search's matches over one ordering of the nodes: a bit per node. */
typedef struct kd_matches {
	char *text;
	uint64_t *bits;
} kd_matches;

/* The searches remembered per ordering: typing a term key by key, or
 * taking keys back, reuses the matches of the shorter terms. */
#define KD_MATCHES_MAX 48

/* Every node's label in lower case, one after another ("configmap
 * ns/name\0"): a search reads it in one sweep instead of the snapshots
 * scattered over memory. */
typedef struct kd_labels {
	char *text;
	size_t *at;              /* node i's label starts at text + at[i]; at[nnodes] ends */
	size_t *name_at;         /* and the name the name filter reads, at the end */
	size_t len, cap;         /* of text */
	size_t done;             /* nodes labelled so far (a few at a time) */
	bool built;
} kd_labels;

/* One ordering of the tree's nodes with its search matches: the model
 * keeps the one not shown so that the pivot only swaps them. */
typedef struct kd_ordering {
	kd_node *nodes;
	size_t nnodes, cap;
	kd_matches match[KD_MATCHES_MAX];   /* most recent first */
	size_t nmatch;
	kd_labels labels;
	bool built;              /* nodes are those of the snapshots held */
} kd_ordering;

/* What kd_node.shown needs before the next layout. */
typedef enum kd_shown_state {
	KD_SHOWN_OK,             /* reflects the filter */
	KD_SHOWN_NARROWED,       /* the filter only hides more: test the shown leaves */
	KD_SHOWN_STALE           /* test every leaf */
} kd_shown_state;

typedef struct kd_model {
	kd_store *store;
	kd_cluster_state **states;
	size_t nstates;
	bool pivot;              /* app → cluster → object */
	kd_node *nodes;
	size_t nnodes, cap;
	size_t *rows;            /* visible node indices, ascending */
	size_t nrows, rows_cap;
	size_t sel_node;         /* the node last selected (a hint: KD_NONE
				  * after a rebuild; sel decides) */
	kd_strset expanded;
	kd_strset peeked;        /* ids of nodes open as a peek (kd_node.peek) */
	kd_filter filter;
	kd_shown_state shown_state;
	kd_ident sel;            /* the selection, by identity */
	size_t cursor;           /* its row (derived from sel) */
	size_t top;              /* first row on screen */
	uint64_t version;
	bool stale;              /* released: nodes and states need a refresh */
	bool layout_stale;       /* expansion changed since the last relayout */
	size_t layout_change;    /* the one node whose expansion changed since,
				  * or KD_NONE (none known, or several) */
	kd_matches match[KD_MATCHES_MAX];   /* searches over nodes, most recent first */
	size_t nmatch;
	kd_labels labels;        /* built when idle, or by the first search */
	kd_ordering other;       /* the other ordering (pivot), built when idle */
	bool prepare_failed;     /* out of memory: no more idle work until a rebuild */
} kd_model;

int kd_model_init(kd_model *m, kd_store *store);
void kd_model_free(kd_model *m);
/* Takes the store's newest snapshots and rebuilds (keeps the selection). */
int kd_model_refresh(kd_model *m);
/* Lets go of the snapshots (and so of the nodes) until the next refresh,
 * so that they can be freed while newer ones are being published. */
void kd_model_release(kd_model *m);
/* Rebuilds nodes and rows from the snapshots held. */
int kd_model_rebuild(kd_model *m);
/* Switches between the cluster and the app ordering (kd_model.pivot),
 * keeping the selection: a swap when the other ordering is built. */
int kd_model_pivot(kd_model *m);
/* Whether kd_model_prepare has work: the UI calls it when no key waits. */
bool kd_model_idle_work(const kd_model *m);
/* Builds the ordering the pivot would show and both orderings' labels
 * for searching, ahead of the keys: one piece a call (call it again while
 * kd_model_idle_work says so). */
int kd_model_prepare(kd_model *m);
/* Recomputes visibility and rows only (after expand/collapse/filter). */
int kd_model_relayout(kd_model *m);
const kd_node *kd_model_selected(const kd_model *m);
size_t kd_model_selected_index(const kd_model *m);
/* Selects a node (by index) and expands its ancestors. */
int kd_model_select(kd_model *m, size_t node);
/* Selects a node and opens only the path to it: an ancestor that was
 * closed shows just its children that are not in sync (a peek), so a jump
 * to a drift does not unfold every synced object around it. */
int kd_model_select_path(kd_model *m, size_t node);
int kd_model_set_expanded(kd_model *m, size_t node, bool on);
int kd_model_expand_all(kd_model *m, bool on);
/* Next (dir 1) / previous (-1) shown node after the selection matching
 * the predicate, wrapping; KD_NONE when none. */
typedef bool (*kd_node_pred)(const kd_model *m, const kd_node *n, const void *arg);
size_t kd_model_find(const kd_model *m, int dir, kd_node_pred pred, const void *arg);
/* kd_model_find with kd_node_name_matches, for n and N: the matches are
 * computed once per search text and tree, then skipped through. */
size_t kd_model_find_name(kd_model *m, int dir, const char *text);
bool kd_node_is_problem(const kd_model *m, const kd_node *n, const void *arg);
bool kd_node_name_matches(const kd_model *m, const kd_node *n, const void *arg);
/* Whether hay holds needle, ignoring case (an empty needle: always). */
bool kd_contains_ci(const char *hay, const char *needle);
/* Whether a search for `text` finds only nodes a search for `shorter`
 * finds (so its matches can be looked for among those). */
bool kd_search_narrows(const char *text, const char *shorter);
/* Text of a node's label (objects: "Kind ns/name"). */
int kd_node_label(kd_buf *out, const kd_node *n);
void kd_ident_clear(kd_ident *id);
/* Whether a node has that identity. */
bool kd_ident_matches(const kd_ident *id, const kd_node *n);
int kd_ident_set(kd_ident *id, const kd_node *n);
/* The node with that identity among all nodes (shown or not), or KD_NONE. */
size_t kd_model_find_ident(const kd_model *m, const kd_ident *id);
/* The same, trying the node `hint` (an earlier answer) first. */
size_t kd_model_find_ident_near(const kd_model *m, const kd_ident *id, size_t hint);
void kd_filter_clear(kd_filter *f);
/* Parses "status drifted,missing" / "labels env=prod" / "app NAME" /
 * "name TEXT" / "clear" into the model's filter. */
int kd_model_filter(kd_model *m, const char *expr);
/* A short description of the active filters ("" when none). */
int kd_filter_describe(kd_buf *out, const kd_filter *f);

/* --- views -------------------------------------------------------------- */

typedef struct kd_ui kd_ui;

typedef struct kd_view_ops {
	const char *name;
	kd_context context;
	void (*draw)(kd_ui *ui, int top, int height, bool focused);
	/* True when the view handled the action. */
	bool (*action)(kd_ui *ui, kd_action a, int height);
	/* A mouse click on a row of the view (relative), or NULL. */
	void (*click)(kd_ui *ui, int row, int height);
} kd_view_ops;

extern const kd_view_ops kd_tree_view, kd_diff_view, kd_help_view, kd_log_view;
/* kd_audit_view and kd_followup_view, views of acting, are in uiact.h. */

/* The compare view (view_compare.c): one app across its clusters, as core
 * computes it (core/compare), computed on the worker thread. */
extern const kd_view_ops kd_compare_view;
typedef struct kd_compareview kd_compareview;
/* Opens the view for the app of the selected node (an app node, or an
 * object's app) and starts computing it. */
void kd_compare_view_open(kd_ui *ui);
void kd_compare_view_free(kd_ui *ui);

/* The diff pane's content (view_diff.c). */
typedef struct kd_diffview kd_diffview;
/* Opens the pane for a node (object, or every changed object below it). */
int kd_diffview_open(kd_ui *ui, size_t node);
/* Reopens the same objects from the newest snapshots, keeping the place. */
int kd_diffview_reload(kd_ui *ui);
void kd_diffview_free(kd_diffview *d);

struct kd_ui {
	kd_store *store;         /* snapshots, and the fleet (kd_store_fleet) */
	void *engine;            /* kd_engine *, or NULL for a state file */
	void (*refresh_fn)(void *engine, const char *cluster);
	/* Reads a cluster directly instead of its agent's reports (--from-reports). */
	void (*read_live_fn)(void *engine, const char *cluster);
	/* kdrift committed to Git (accept, promote): the engine looks now. */
	void (*git_changed_fn)(void *engine);
	const char *repo, *kubeconfig;   /* as given to `kdrift ui`, or NULL */
	struct kd_uiact *act;    /* dialogs, the worker, break-glass, the audit
				  * and follow-up lists (uiact.h) */
	kd_model model;
	kd_diffview *diff;       /* NULL when the pane is closed */
	kd_compareview *compare; /* the last compare opened, or NULL */
	bool focus_diff;
	const kd_view_ops *overlay;  /* help, log, audit or follow-up, full screen;
				      * or NULL */
	size_t overlay_top, overlay_cursor;
	bool ascii, mono, mouse, read_only, quit, script;
	bool from_reports;       /* --from-reports: the agents apply the policy */
	time_t now_override;     /* 0 = the clock */
	kd_keymap keymap;
	kd_theme theme;
	attr_t attr[KD_AREA_COUNT];
	char *theme_name, *keymap_name;
	kd_buf message;
	kd_log_level message_level;
	uint64_t log_seen;       /* engine events up to here are shown */
	char *search;            /* the last search, or NULL */
	int prompt;              /* 0, ':' or '/' while the prompt is open */
	kd_ident search_origin;  /* selection when '/' opened */
	size_t search_origin_node;   /* its node then (a hint) */
	int lines, cols;
	int exit_code;
};

/* --- ui.c --------------------------------------------------------------- */

/* The prompt's commands, for dispatch, completion and the help view. */
typedef struct kd_ui_command_info {
	const char *name, *args, *help;
	void (*run)(kd_ui *ui, const char *arg);
	bool hidden;             /* test hooks, left out of help */
} kd_ui_command_info;
extern const kd_ui_command_info kd_ui_commands[];

time_t kd_ui_now(const kd_ui *ui);
/* Shows a message in the status line and records it in the message log. */
void kd_ui_message(kd_ui *ui, kd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The first key the keymap binds to an action in the tree ("q"), or the
 * prompt command that does it. */
int kd_ui_key_hint(kd_buf *out, const kd_ui *ui, kd_action a);
/* Runs one key through the keymap (or the prompt while it is open). */
void kd_ui_key(kd_ui *ui, int key);
/* Runs a prompt command line (":" already removed). */
void kd_ui_command(kd_ui *ui, const char *line);
void kd_ui_draw(kd_ui *ui);
/* Events logged so far are not repeated in the status line. */
void kd_ui_skip_messages(kd_ui *ui);
/* Picks up new snapshots (and engine warnings) when the store changed. */
void kd_ui_sync(kd_ui *ui);
void kd_ui_warn_cb(void *ctx, const char *msg);
/* The lines the message takes under the status bar (it wraps). */
int kd_ui_message_rows(const kd_ui *ui);
/* The height of the tree pane (the diff pane takes the rest). */
void kd_ui_layout(const kd_ui *ui, int *tree_top, int *tree_h, int *diff_top, int *diff_h);

/* --- statusbar.c -------------------------------------------------------- */

/* One field of the status bar.  priority 0 is never dropped (the mode),
 * 1 is only shortened (the source); higher numbers go first. */
typedef struct kd_status_field {
	int priority;
	kd_area area;
	kd_buf text, brief;      /* full and short form (brief may be empty) */
	bool joined;             /* follows the previous field after a space */
	bool shrink;             /* may lose its head when nothing else fits */
	bool use_brief, dropped; /* set by kd_ui_status_fit */
} kd_status_field;

#define KD_STATUS_FIELDS_MAX 12
typedef struct kd_status_fields {
	kd_status_field f[KD_STATUS_FIELDS_MAX];
	size_t n;
} kd_status_fields;

/* Every field of the status bar, in screen order: the one place that
 * decides what the bar says (add a field here). */
int kd_ui_status_fields(kd_ui *ui, kd_status_fields *out);
/* A new empty field at the end, or NULL when full. */
kd_status_field *kd_ui_status_add(kd_status_fields *f, int priority, kd_area area);
/* Shortens, then drops, the least important fields until they fit. */
void kd_ui_status_fit(kd_ui *ui, kd_status_fields *f, int width);
void kd_ui_status_fields_free(kd_status_fields *f);
void kd_ui_status_draw(kd_ui *ui, int y);

/* --- text.c ------------------------------------------------------------- */

/* Draws UTF-8 text from any source at (y, x) in at most `width` columns,
 * shown as base's kd_sanitize shows it (ESC as ^[, C1, bidi and invisible
 * characters as <U+XXXX>, bad bytes as \xNN; in ASCII mode everything else
 * non-ASCII as ?).  Returns the columns used. */
int kd_text_draw(kd_ui *ui, int y, int x, int width, const char *text, size_t len, attr_t attr);
int kd_text_drawz(kd_ui *ui, int y, int x, int width, const char *text, attr_t attr);
/* The display width kd_text_draw would use, unbounded. */
int kd_text_width(const kd_ui *ui, const char *text, size_t len);
/* One line of wrapped text: bytes [start, start + len) of the text. */
typedef struct kd_text_span {
	size_t start, len;
} kd_text_span;
/* Wraps text to lines of at most `width` columns as kd_text_draw shows
 * them, breaking at blanks where it can and at newlines; fills at most
 * `max` spans and returns how many lines the whole text takes. */
size_t kd_text_wrap(const kd_ui *ui, kd_text_span *lines, size_t max, const char *text,
		    size_t len, int width);
/* Fills the rest of a line from x with spaces in attr. */
void kd_text_fill(int y, int x, int width, attr_t attr);
/* Glyphs with an ASCII fallback. */
const char *kd_glyph(const kd_ui *ui, const char *utf8, const char *ascii);
/* Writes the screen as text and, with attrs, the attribute codes of every
 * cell, then a letter per cell for its colour pair and the key saying each
 * letter's foreground and background colour. */
int kd_screen_save(const char *path, bool attrs);
/* The screen as text; attribute codes when codes is not NULL; colour
 * letters and their key when colours is not NULL. */
int kd_screen_text(kd_buf *text, kd_buf *codes, kd_buf *colours);
/* An age as kd_duration_format writes one ("12s", "5m", "3h", "2d"), or
 * "never" when `then` is unknown (0). */
void kd_age(char out[32], time_t now, time_t then);

/* --- prompt.c (readline) ------------------------------------------------ */

int kd_prompt_init(kd_ui *ui);
void kd_prompt_done(kd_ui *ui);
/* Opens the prompt: ':' for commands, '/' for search. */
void kd_prompt_open(kd_ui *ui, int kind);
void kd_prompt_key(kd_ui *ui, int key);
void kd_prompt_draw(kd_ui *ui);

/* --- script.c, statefile.c ---------------------------------------------- */

int kd_script_run(kd_ui *ui, const char *path);
/* Loads a JSON/YAML fleet state (tests/fixtures/tui/) into a new store. */
int kd_statefile_load(kd_store **out, time_t *now, const char *path);
/* Publishes the clusters of a state file into an existing store. */
int kd_statefile_apply(kd_store *s, time_t *now, const char *path);

#endif
