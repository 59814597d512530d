/*
 * userconf — the user's own settings file, $KDRIFT_CONFIG_DIR/config
 * (else $XDG_CONFIG_HOME/kdrift/config, else ~/.config/kdrift/config):
 * a YAML mapping of defaults the faces use when no flag or environment
 * variable says otherwise (flags > environment > this file > built-in).
 *
 *   theme: light             # --theme (a theme name, or a file path)
 *   keymap: vim              # --keymap (a keymap name, or a file path)
 *   mouse: true              # --mouse
 *   repo: ~/src/fleet        # --repo (a path or URL)
 *   kubeconfig: ~/.kube/fleet  # --kubeconfig, when $KUBECONFIG is unset
 *
 * Owns reading and checking that file.  A problem with one key (unknown
 * key, wrong type, bad value) is reported through the warn callback as
 * "FILE:LINE:COLUMN: message" and the key is left out, so the rest still
 * applies; only a file that is not YAML, or not a mapping, fails.  Whether
 * a theme or keymap of that name exists is the UI's to say.  Never prints.
 * Uses the parts base and data.
 */
#ifndef KD_USERCONF_H
#define KD_USERCONF_H

#include <stddef.h>

typedef struct kd_userconf {
	char *file;        /* the file read, or NULL when there was none */
	char *theme;       /* each NULL when the file does not set it */
	char *keymap;
	int mouse;         /* -1 not set, else 0 or 1 */
	char *repo;        /* "~/" expanded */
	char *kubeconfig;  /* "~/" expanded */
} kd_userconf;

typedef void (*kd_userconf_warn_fn)(void *ctx, const char *message);

/* Where the file is (new string); KD_ENOTFOUND as kd_xdg_dir. */
int kd_userconf_path(char **out);

/* Reads `path` (NULL: kd_userconf_path).  A missing file gives a config
 * with nothing set (file NULL).  KD_EINVAL naming FILE:LINE:COLUMN when
 * it is not YAML or not a mapping; `warn` (may be NULL) gets each key's
 * problem. */
int kd_userconf_load(kd_userconf **out, const char *path, kd_userconf_warn_fn warn,
		     void *warn_ctx);

/* The same from text in memory; `name` is the file named in messages. */
int kd_userconf_parse(kd_userconf **out, const char *text, size_t len, const char *name,
		      kd_userconf_warn_fn warn, void *warn_ctx);

void kd_userconf_free(kd_userconf *c);

#endif
