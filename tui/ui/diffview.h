/*
 * diffview — the diff pane's rows, shared by diffview.c (building them from
 * snapshots) and view_diff.c (drawing and moving through them).
 *
 * The rows of each object come from core (kd_diff_rows_new), the same rows
 * `kdrift diff` prints; the pane strings the objects together under a
 * header each, with notes.  Display lines are what is on screen after
 * folding unchanged runs and, in unified mode, putting each run of changed
 * rows in core's one-column order.
 */
#ifndef KD_TUI_DIFFVIEW_H
#define KD_TUI_DIFFVIEW_H

#include "ui.h"

typedef enum kd_drow_type {
	KD_DROW_HEADER, KD_DROW_NOTE, KD_DROW_SAME, KD_DROW_CHANGE, KD_DROW_DEL, KD_DROW_ADD,
	KD_DROW_FOLD,   /* display lines only */
} kd_drow_type;

typedef struct kd_drow {
	kd_drow_type type;
	const kd_diff_row *row;       /* SAME to ADD: the object's row */
	size_t obj;                   /* SAME to ADD: index into objs */
	const char *text;             /* HEADER and NOTE */
	const kd_diff_field *field;   /* attribution, or NULL */
	bool show_field;              /* first row of this field's change */
	size_t fold;                  /* fold holding this row, or KD_NONE */
} kd_drow;

/* One object's rows, and where they start among the pane's rows. */
typedef struct kd_dobj {
	kd_diff_rows *rows;
	size_t base;
	const kd_resource *res;       /* borrowed from refs: provenance */
} kd_dobj;

typedef struct kd_fold {
	size_t start, len;            /* logical rows */
	bool open;
} kd_fold;

typedef struct kd_dline {
	kd_drow_type type;
	size_t row;                   /* logical row (FOLD: the fold) */
	int side;                     /* unified: 1 the - line, 2 the + line */
} kd_dline;

struct kd_diffview {
	kd_ident source;              /* the node the pane was opened for */
	kd_cluster_state **refs;      /* snapshots the rows borrow from */
	size_t nrefs;
	void **allocs;                /* titles and notes: freed with the pane */
	size_t nallocs;
	kd_dobj *objs;
	size_t nobjs;
	kd_drow *rows;
	size_t nrows;
	kd_fold *folds;
	size_t nfolds;
	kd_dline *lines;
	size_t nlines;
	size_t top, cursor;
	bool unified, unified_set;    /* unified_set: chosen by the user */
	bool metadata;                /* show managedFields and status */
};

/* diff_provenance.c: whether any object of the pane has provenance (the
 * engine recorded it), and the line that shows where the value under the
 * cursor was set ("replicas: 5 ← FILE:LINE (patch) ← ..."), drawn at y. */
bool kd_diffview_has_provenance(const kd_diffview *d);
int kd_diffview_provenance(kd_buf *out, const kd_ui *ui);
void kd_diffview_provenance_draw(kd_ui *ui, int y);

/* Rebuilds the display lines after a fold or mode change. */
int kd_diffview_layout(kd_diffview *d, bool unified);

#endif
