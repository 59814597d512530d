/*
 * theme — the colours and attributes of every screen area.
 *
 * Themes are data: lines of `color AREA FG BG [ATTR...]` (see
 * man/kdrift-keys.5) where a colour is a name (default, black, red, ...,
 * bright-red, ...), colorN (0-255) or #rrggbb, mapped to the nearest colour
 * the terminal has.  The files in themes/ are compiled in (theme_data.c);
 * NO_COLOR or a terminal without colours selects attributes only, so
 * nothing is ever told by colour alone.  Bad lines are `file:line`
 * warnings.
 */
#ifndef KD_TUI_THEME_H
#define KD_TUI_THEME_H

#include <stdbool.h>

#include <curses.h>

#include "keymap.h"

#define KD_AREAS(X) \
	X(DEFAULT, "default") \
	X(CURSOR, "cursor") \
	X(TITLE, "title") \
	X(STATUSBAR, "status-bar") \
	X(MESSAGE, "message") \
	X(ERROR, "error") \
	X(WARNING, "warning") \
	X(SYNCED, "synced") \
	X(EXTRA, "extra") \
	X(MISSING, "missing") \
	X(DRIFTED, "drifted") \
	X(BREAKGLASS, "break-glass") \
	X(UNKNOWN, "unknown") \
	X(INTENTIONAL, "intentional") \
	X(COUNTS, "counts") \
	X(DIM, "dim") \
	X(SEARCH, "search-match") \
	X(DIFF_HEADER, "diff-header") \
	X(DIFF_ADD, "diff-add") \
	X(DIFF_DEL, "diff-del") \
	X(DIFF_CHANGE, "diff-change") \
	X(DIFF_CHANGE_PART, "diff-change-part") \
	X(DIFF_FOLD, "diff-fold") \
	X(DIFF_META, "diff-attribution") \
	X(HELP_GROUP, "help-group") \
	X(HELP_KEY, "help-key")

typedef enum kd_area {
#define KD_X(id, name) KD_AREA_##id,
	KD_AREAS(KD_X)
#undef KD_X
	KD_AREA_COUNT
} kd_area;

typedef struct kd_theme_entry {
	int fg, bg;          /* -1 default, 0-255 xterm colours, or 0x1000000|rgb */
	unsigned attrs;      /* KD_ATTR_* */
	bool set;
} kd_theme_entry;

enum {
	KD_ATTR_BOLD = 1, KD_ATTR_UNDERLINE = 2, KD_ATTR_REVERSE = 4,
	KD_ATTR_DIM = 8, KD_ATTR_ITALIC = 16, KD_ATTR_BLINK = 32, KD_ATTR_STANDOUT = 64,
};

typedef struct kd_theme {
	kd_theme_entry e[KD_AREA_COUNT];
} kd_theme;

const char *kd_area_name(kd_area a);

/* Applies lines of `text` on top of *t; returns warnings or an error. */
int kd_theme_load(kd_theme *t, const char *text, const char *file,
		  kd_warn_fn warn, void *warn_ctx);
/* The built-in theme or a file path on top of an empty theme. */
int kd_theme_select(kd_theme *t, const char *name, kd_warn_fn warn, void *warn_ctx);
const char *kd_theme_builtin(const char *name);
extern const char *const kd_theme_builtin_names[];

/* Sets up curses colour pairs for the theme (mono: attributes only) and
 * fills attr[] with what to draw each area with. */
void kd_theme_apply(const kd_theme *t, bool mono, attr_t attr_out[KD_AREA_COUNT]);

#endif
