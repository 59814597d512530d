/*
 * uiact — acting on drift from the interactive UI (DESIGN §7): revert,
 * accept and break-glass, each shown as a preview and confirmed in a
 * dialog, then run on a worker thread so the UI thread never blocks; the
 * break-glass banner (banner.c), and the two views of what was done: the
 * audit log (view_audit.c) and the follow-up list (view_followup.c).
 *
 * The UI thread builds a job, the worker thread runs it (network, Git,
 * fsynced audit writes) and writes a byte to a pipe the main loop polls
 * next to stdin and the store's wake fd; the UI thread then takes the
 * outcome (status bar, message log, a refresh of the cluster).
 */
#ifndef KD_TUI_UIACT_H
#define KD_TUI_UIACT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "audit/audit.h"
#include "act/act.h"
#include "ui.h"

/* --- worker.c ------------------------------------------------------------ */

typedef struct kd_job kd_job;
struct kd_job {
	const char *what;                     /* "revert", for messages */
	/* On the worker thread: must not touch the UI; sets rc and msg. */
	void (*run)(kd_job *job);
	/* On the UI thread, once run returned. */
	void (*done)(kd_ui *ui, kd_job *job);
	void (*free)(kd_job *job);
	int rc;
	kd_buf msg;                            /* the outcome (or the error) */
	int done_fd;                           /* set by kd_worker_submit */
};

/* Starts a job; KD_EINVAL (with a message) while another one runs. */
int kd_worker_submit(kd_ui *ui, kd_job *job);
/* The fd that becomes readable when a job finished (-1 before any). */
int kd_worker_fd(const kd_ui *ui);
/* Takes a finished job: joins the thread, calls done, frees the job. */
void kd_worker_collect(kd_ui *ui);
bool kd_worker_busy(const kd_ui *ui);
/* Waits for a running job and collects it (at exit). */
void kd_worker_finish(kd_ui *ui);

/* --- dialog.c ------------------------------------------------------------ */

#define KD_DIALOG_MAX_INPUTS 4

typedef struct kd_dialog kd_dialog;
typedef void (*kd_dialog_fn)(kd_ui *ui, kd_dialog *d);

typedef struct kd_dialog_input {
	const char *label;
	bool required;
	kd_buf value;
} kd_dialog_input;

struct kd_dialog {
	char *title;
	kd_buf body;                           /* the preview, lines of text */
	size_t top;                            /* first body line shown */
	kd_dialog_input inputs[KD_DIALOG_MAX_INPUTS];
	size_t ninputs, cur;                   /* cur == ninputs: confirming */
	char *confirm_name;                    /* typed to confirm, or NULL: y/n */
	bool no_confirm;                       /* Enter on the last input submits */
	bool view_only;                        /* shows a text: nothing to confirm */
	kd_buf typed;
	kd_dialog_fn submit;                   /* confirmed */
	void *ctx;
	void (*ctx_free)(void *ctx);
};

/* A new dialog (not yet shown); NULL when out of memory. */
kd_dialog *kd_dialog_new(const char *title, kd_dialog_fn submit, void *ctx,
			 void (*ctx_free)(void *ctx));
int kd_dialog_input_add(kd_dialog *d, const char *label, bool required, const char *value);
const char *kd_dialog_value(const kd_dialog *d, size_t i);
/* Shows the dialog (the UI takes it; an open one is cancelled). */
void kd_dialog_open(kd_ui *ui, kd_dialog *d);
void kd_dialog_close(kd_ui *ui);
void kd_dialog_free(kd_dialog *d);
void kd_dialog_key(kd_ui *ui, int key);
bool kd_uiact_dialog_open(const kd_ui *ui);
void kd_dialog_draw(kd_ui *ui);
/* Production clusters (label env=production, or an explicit alert-only
 * policy) are confirmed by typing their name. */
bool kd_cluster_is_production(const kd_ui *ui, const char *cluster);
/* Sets confirm_name for a production cluster. */
int kd_dialog_confirm_for(kd_dialog *d, const kd_ui *ui, const char *cluster);

/* --- the state of acting (one per UI) ------------------------------------ */

typedef struct kd_uiact {
	kd_dialog *dialog;
	/* worker */
	int pipe[2];
	bool pipe_open, busy;
	pthread_t thread;
	kd_job *job;
	/* break-glass */
	kd_breakglass_session *session;        /* active session, or NULL */
	bool session_loaded;
	/* the follow-up list (view_followup.c; leaving break-glass fills it) */
	kd_audit_list *followup;               /* changes awaiting follow-up */
	size_t followup_cursor;
	/* the audit view (view_audit.c) */
	kd_audit_list *audit;
	char *audit_cluster, *audit_action;    /* filters, or NULL */
	bool audit_bg_only;
	kd_buf audit_status;                   /* the verify line */
	size_t audit_cursor;
	/* self-heal while the UI runs (selfheal.c) */
	bool heal_paused;
	kd_heal_limiter *heal_limiter;         /* the heal job's while it runs */
	uint64_t *heal_gen;                    /* per store slot: generation + 1 looked at */
	int64_t *heal_retry;                   /* per store slot: try again then (ms), or 0 */
	size_t heal_nslots;
} kd_uiact;

int kd_uiact_init(kd_ui *ui);
void kd_uiact_free(kd_ui *ui);
/* Handles an acting action (REVERT, ACCEPT, BREAK_GLASS*, BG_*, VIEW_AUDIT,
 * VIEW_FOLLOW_UP); false for any other. */
bool kd_uiact_action(kd_ui *ui, kd_action a);
/* Promote (the compare view): asks for the shared layer and the reason,
 * previews on the worker (the clusters whose desired state changes),
 * confirms, commits on the worker.  kt names the object (and the field)
 * in `cluster`'s newest snapshot; refusals are shown as messages. */
void kd_uiact_promote(kd_ui *ui, const char *cluster, const kd_act_target *kt);
/* The banner line (1 while a session is active, else 0). */
int kd_banner_lines(kd_ui *ui);
void kd_banner_draw(kd_ui *ui, int y);
/* Ends the mode when the session ran out (called every loop turn). */
void kd_banner_tick(kd_ui *ui);

/* --- selfheal.c: the fleet's selfHeal policy while the UI runs ----------- */

/* Self-heal can run here: a live engine, not --read-only, not
 * --from-reports (the agents heal those clusters). */
bool kd_selfheal_enabled(const kd_ui *ui);
/* Some cluster of the store has the selfHeal policy. */
bool kd_selfheal_fleet_has(const kd_ui *ui);
/* Starts the heal of a selfHeal cluster whose new state has drift (every
 * loop turn; one job at a time, never while a dialog is open). */
void kd_selfheal_tick(kd_ui *ui);
/* Pauses or resumes (KD_ACT_SELF_HEAL_PAUSE). */
void kd_selfheal_toggle(kd_ui *ui);
void kd_selfheal_free(kd_uiact *act);

/* The views of acting, overlays like help and the log (ui.h lists all). */
extern const kd_view_ops kd_audit_view;       /* view_audit.c */
extern const kd_view_ops kd_followup_view;    /* view_followup.c */
/* Reloads the audit list with the current filters and verifies the log. */
void kd_audit_view_load(kd_ui *ui);
/* ":audit [cluster NAME|action NAME|break-glass|clear]" */
void kd_audit_view_command(kd_ui *ui, const char *arg);

#endif
