/*
 * keymap_data — the keymaps compiled in.  Generated from keymaps/NAME.keys by
 * tests/tui/embed.py; edit the data files and rerun it (a test checks).
 */
#include "keymap.h"

#include <string.h>

static const char keymap_default[] =
	"# kdrift default keymap: bind CONTEXT KEY ACTION (see kdrift-keys(5)).\n"
	"# Contexts: generic (everywhere), tree, diff, help, log, audit, compare.\n"
	"bind generic <Up> move-up\n"
	"bind generic k move-up\n"
	"bind generic <Down> move-down\n"
	"bind generic j move-down\n"
	"bind generic <PageUp> move-page-up\n"
	"bind generic <PageDown> move-page-down\n"
	"bind generic <Space> move-page-down\n"
	"bind generic <Home> move-first\n"
	"bind generic g move-first\n"
	"bind generic <End> move-last\n"
	"bind generic G move-last\n"
	"bind generic <Tab> focus-next\n"
	"bind generic <Enter> enter\n"
	"bind generic : prompt\n"
	"bind generic / search\n"
	"bind generic n search-next\n"
	"bind generic N search-prev\n"
	"bind generic ? view-help\n"
	"bind generic <F1> view-help\n"
	"bind generic L view-log\n"
	"bind generic q view-close\n"
	"bind generic <Esc> back\n"
	"bind generic Q quit\n"
	"bind generic R refresh\n"
	"bind generic <C-L> redraw\n"
	"bind generic <C-Z> suspend\n"
	"bind tree <Right> expand\n"
	"bind tree l expand\n"
	"bind tree <Left> collapse\n"
	"bind tree h collapse\n"
	"bind tree * expand-all\n"
	"bind tree - collapse-all\n"
	"bind tree p pivot\n"
	"bind tree ] next-drift\n"
	"bind tree [ prev-drift\n"
	"bind tree f filter-problems\n"
	"bind tree F filter-clear\n"
	"bind tree d open-diff\n"
	"bind tree c compare\n"
	"bind diff c compare\n"
	"bind compare <Left> move-left\n"
	"bind compare h move-left\n"
	"bind compare <Right> move-right\n"
	"bind compare l move-right\n"
	"bind compare P promote\n"
	"bind diff ] next-change\n"
	"bind diff [ prev-change\n"
	"bind diff z toggle-fold\n"
	"bind diff Z unfold-all\n"
	"bind diff u toggle-unified\n"
	"bind diff m toggle-metadata\n"
	"bind tree r revert\n"
	"bind diff r revert\n"
	"bind tree a accept\n"
	"bind diff a accept\n"
	"bind generic ! break-glass\n"
	"bind generic B break-glass\n"
	"bind generic E break-glass-end\n"
	"bind tree e edit\n"
	"bind diff e edit\n"
	"bind tree s scale\n"
	"bind diff s scale\n"
	"bind tree i set-image\n"
	"bind diff i set-image\n"
	"bind tree <C-R> restart\n"
	"bind diff <C-R> restart\n"
	"bind tree D delete\n"
	"bind diff D delete\n"
	"bind generic A view-audit\n"
	"bind generic H self-heal-pause\n"
	"bind generic U view-follow-up\n"
	"bind audit f filter-problems\n"
	"bind audit F filter-clear\n"
	"bind audit r revert\n"
	"bind audit a accept\n";

static const char keymap_emacs[] =
	"# kdrift emacs keymap: loaded on top of the default keymap (:keymap emacs).\n"
	"bind generic <C-P> move-up\n"
	"bind generic <C-N> move-down\n"
	"bind generic <C-V> move-page-down\n"
	"bind generic <C-S> search\n"
	"bind generic <C-G> back\n"
	"bind generic <C-X> prompt\n"
	"bind tree <C-F> expand\n"
	"bind tree <C-B> collapse\n"
	"bind diff <C-F> next-change\n"
	"bind diff <C-B> prev-change\n";

static const char keymap_vim[] =
	"# kdrift vim keymap: loaded on top of the default keymap (:keymap vim).\n"
	"# Keys are single keystrokes: sequences such as `zo` are not supported.\n"
	"bind generic <C-F> move-page-down\n"
	"bind generic <C-B> move-page-up\n"
	"bind generic <C-D> move-page-down\n"
	"bind generic <C-U> move-page-up\n"
	"bind generic <Esc> back\n"
	"bind tree o enter\n"
	"bind tree O expand-all\n"
	"bind tree C collapse-all\n"
	"bind diff n next-change\n"
	"bind diff N prev-change\n"
	"bind diff o toggle-fold\n";

const char *const kd_keymap_builtin_names[] = {
	"default",
	"emacs",
	"vim",
	NULL,
};

const char *kd_keymap_builtin(const char *name)
{
	if (strcmp(name, "default") == 0)
		return keymap_default;
	if (strcmp(name, "emacs") == 0)
		return keymap_emacs;
	if (strcmp(name, "vim") == 0)
		return keymap_vim;
	return NULL;
}
