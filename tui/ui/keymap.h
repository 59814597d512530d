/*
 * keymap — which key runs which action, in which context.
 *
 * Keymaps are data: lines of `bind CONTEXT KEY ACTION` (see
 * man/kdrift-keys.5).  The files in keymaps/ are compiled in (keymap_data.c,
 * kept equal to the files by a test) and a user's
 * $XDG_CONFIG_HOME/kdrift/keys is read on top.  A bad line is a `file:line`
 * warning and is skipped: a typo in a keymap never stops kdrift.
 */
#ifndef KD_TUI_KEYMAP_H
#define KD_TUI_KEYMAP_H

#include <stddef.h>

#include "action.h"
#include "base/base.h"

/* Keys: a Unicode code point, or KD_KEY_FN + a curses KEY_* code. */
#define KD_KEY_FN 0x200000
#define KD_KEY_ENTER 13
#define KD_KEY_ESC 27
#define KD_KEY_TAB 9

#define KD_CONTEXTS(X) \
	X(GENERIC, "generic") \
	X(TREE, "tree") \
	X(DIFF, "diff") \
	X(HELP, "help") \
	X(LOG, "log") \
	X(AUDIT, "audit") \
	X(COMPARE, "compare")

typedef enum kd_context {
#define KD_X(id, name) KD_CTX_##id,
	KD_CONTEXTS(KD_X)
#undef KD_X
	KD_CTX_COUNT
} kd_context;

const char *kd_context_name(kd_context c);

typedef struct kd_binding {
	kd_context ctx;
	int key;
	kd_action action;   /* KD_ACT_NONE unbinds */
} kd_binding;

typedef struct kd_keymap {
	kd_binding *b;
	size_t n, cap;
} kd_keymap;

/* Called once per bad line with "file:line: message". */
typedef void (*kd_warn_fn)(void *ctx, const char *msg);

void kd_keymap_clear(kd_keymap *km);
/* Applies the lines of `text` (named `file` in warnings); never fails
 * except for ENOMEM.  Returns the number of warnings (>= 0) or an error. */
int kd_keymap_load(kd_keymap *km, const char *text, const char *file,
		   kd_warn_fn warn, void *warn_ctx);
/* Resets to the compiled-in default, then the named keymap on top
 * ("default", "vim", "emacs", or a file path).  KD_ENOTFOUND for an
 * unknown name (the keymap is then the default). */
int kd_keymap_select(kd_keymap *km, const char *name, kd_warn_fn warn, void *warn_ctx);
/* The action for a key: the context's binding, else the generic one. */
kd_action kd_keymap_lookup(const kd_keymap *km, kd_context ctx, int key);
/* Appends the names of every key bound to the action in ctx (or generic),
 * separated by spaces. */
int kd_keymap_keys_of(kd_buf *out, const kd_keymap *km, kd_context ctx, kd_action a);

/* Parses a key name ("j", "<Enter>", "<C-L>", "<F1>"); -1 if invalid. */
int kd_key_parse(const char *name);
/* Appends the canonical name of a key. */
int kd_key_format(kd_buf *out, int key);

/* The compiled-in keymap files, by name (NULL if none). */
const char *kd_keymap_builtin(const char *name);
extern const char *const kd_keymap_builtin_names[];

#endif
