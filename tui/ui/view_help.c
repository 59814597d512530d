/*
 * view_help — what the tree's glyphs and columns mean, then every action
 * with its keys and every prompt command, generated from the action table
 * and the keymap in use, so the help can never disagree with what the keys
 * do.  Key lists and descriptions wrap onto more lines on a narrow screen
 * (the description under itself), never cut.
 */
#include <string.h>

#include "ui.h"

typedef struct help_line {
	kd_area area;
	kd_buf keys, text;
	int indent;              /* where the text's next lines start in it (the
				  * description after the action's name) */
} help_line;

/* Called for each help line at its first screen row n; returns the rows
 * it takes. */
typedef size_t (*emit_fn)(kd_ui *ui, size_t n, const help_line *hl, void *arg);

#define KEYS_X 2
#define KEYS_W 28
#define TEXT_X 32
#define NAME_W 16                /* "%-16s " before an action's description */
#define WRAP_MAX 16

/* What the tree's glyphs mean, drawn by the functions that draw them. */
static size_t glyphs(kd_ui *ui, size_t n, emit_fn emit, void *arg)
{
	static const char *const meaning[KD_STATUS_COUNT] = {
		[KD_STATUS_SYNCED] = "equal to Git after normalisation",
		[KD_STATUS_EXTRA] = "tracked as the app's, not in Git (prune candidate)",
		[KD_STATUS_MISSING] = "in Git, not in the cluster",
		[KD_STATUS_DRIFTED] = "fields differ",
		[KD_STATUS_BREAKGLASS] = "changed under break-glass, awaiting follow-up",
		[KD_STATUS_UNKNOWN] = "unreachable, forbidden, or the app did not render",
	};
	static const kd_status order[] = {
		KD_STATUS_SYNCED, KD_STATUS_DRIFTED, KD_STATUS_MISSING, KD_STATUS_EXTRA,
		KD_STATUS_BREAKGLASS, KD_STATUS_UNKNOWN,
	};
	help_line hl;
	size_t i;

	memset(&hl, 0, sizeof(hl));
	hl.area = KD_AREA_HELP_GROUP;
	kd_buf_puts(&hl.text, "Glyphs");
	n += emit(ui, n, &hl, arg);
	kd_buf_free(&hl.text);
	for (i = 0; i < sizeof(order) / sizeof(order[0]) + 2; i++) {
		const char *utf8, *ascii, *name, *text;

		if (i < sizeof(order) / sizeof(order[0])) {
			utf8 = kd_status_glyph(order[i], false);
			ascii = kd_status_glyph(order[i], true);
			name = kd_status_name(order[i]);
			text = meaning[order[i]];
		} else if (i == sizeof(order) / sizeof(order[0])) {
			utf8 = "\xe2\x97\x86";   /* ◆, as view_tree.c draws it */
			ascii = "*";
			name = "intentional";
			text = "the cluster's own layer in Git sets it";
		} else {
			utf8 = kd_unmanaged_glyph(false);
			ascii = kd_unmanaged_glyph(true);
			name = "unmanaged";
			text = "made by hand in a managed namespace, in no app (--unmanaged)";
		}
		memset(&hl, 0, sizeof(hl));
		hl.area = KD_AREA_DEFAULT;
		if (ui->ascii || strcmp(utf8, ascii) == 0)
			kd_buf_puts(&hl.keys, ascii);
		else
			kd_buf_printf(&hl.keys, "%s (ASCII %s)", utf8, ascii);
		kd_buf_printf(&hl.text, "%-*s %s", NAME_W, name, text);
		hl.indent = NAME_W + 1;
		n += emit(ui, n, &hl, arg);
		kd_buf_free(&hl.keys);
		kd_buf_free(&hl.text);
	}
	return n;
}

/* What the tree's header and the columns of its rows say. */
static size_t columns(kd_ui *ui, size_t n, emit_fn emit, void *arg)
{
	const char *const rows[][2] = {
		{ "line N/M", "the cursor's line and the lines the tree shows (in the tree's header)" },
		{ "~3 +1 -2 !1 ?1", "how many objects below a cluster or app are drifted, missing, "
				    "extra, break-glass or unknown" },
		{ "age", "live: watches keep the cluster's objects current; otherwise the time "
			 "since they were last read in full (26s, 9m)" },
		{ "policy", "the cluster's remediation policy in kdrift.yaml: alert reports drift "
			    "for a person to act on; selfHeal has drift reverted to Git without one "
			    "(kdrift check --heal, the in-cluster agent)" },
		{ NULL, NULL },
	};
	help_line hl;
	size_t i;

	memset(&hl, 0, sizeof(hl));
	n += emit(ui, n, &hl, arg);
	hl.area = KD_AREA_HELP_GROUP;
	kd_buf_puts(&hl.text, "Tree columns");
	n += emit(ui, n, &hl, arg);
	kd_buf_free(&hl.text);
	for (i = 0; rows[i][0]; i++) {
		memset(&hl, 0, sizeof(hl));
		hl.area = KD_AREA_DEFAULT;
		kd_buf_puts(&hl.keys, rows[i][0]);
		kd_buf_puts(&hl.text, rows[i][1]);
		n += emit(ui, n, &hl, arg);
		kd_buf_free(&hl.keys);
		kd_buf_free(&hl.text);
	}
	/* a jump's peek, drawn by view_tree.c */
	memset(&hl, 0, sizeof(hl));
	hl.area = KD_AREA_DEFAULT;
	kd_buf_puts(&hl.keys, kd_glyph(ui, "\xe2\x96\xbf (ASCII v)", "v"));
	kd_buf_puts(&hl.text, "opened by ] or [: only what is not in sync is shown; l or <Enter> "
		    "shows the rest");
	n += emit(ui, n, &hl, arg);
	kd_buf_free(&hl.keys);
	kd_buf_free(&hl.text);
	memset(&hl, 0, sizeof(hl));
	return n + emit(ui, n, &hl, arg);
}

/* Whether the space-separated list holds the key name [p, p + n). */
static bool listed(const char *list, const char *p, size_t n)
{
	while (*list) {
		const char *e = strchr(list, ' ');

		e = e ? e : list + strlen(list);
		if ((size_t)(e - list) == n && strncmp(list, p, n) == 0)
			return true;
		list = *e ? e + 1 : e;
	}
	return false;
}

/* The keys of an action: the generic ones, then each view's own, views
 * with the same keys named together ("r (tree, diff, audit)"); a key the
 * generic list shows already is not repeated for a view. */
static void keys_line(kd_buf *out, kd_ui *ui, kd_action a)
{
	kd_buf own[KD_CTX_COUNT], names[KD_CTX_COUNT];
	int c, g, ngroups = 0;
	size_t k;

	kd_keymap_keys_of(out, &ui->keymap, KD_CTX_GENERIC, a);
	for (c = 0; c < KD_CTX_COUNT; c++) {
		kd_buf all = KD_BUF_INIT, mine = KD_BUF_INIT;
		const char *p, *e;
		bool any = false;

		if (c == KD_CTX_GENERIC)
			continue;
		for (k = 0; k < ui->keymap.n; k++)
			any |= ui->keymap.b[k].ctx == (kd_context)c && ui->keymap.b[k].action == a;
		if (!any)
			continue;
		kd_keymap_keys_of(&all, &ui->keymap, (kd_context)c, a);
		for (p = kd_buf_cstr(&all); *p; p = *e ? e + 1 : e) {
			e = strchr(p, ' ');
			e = e ? e : p + strlen(p);
			if (listed(kd_buf_cstr(out), p, (size_t)(e - p)))
				continue;
			if (mine.len)
				kd_buf_putc(&mine, ' ');
			kd_buf_add(&mine, p, (size_t)(e - p));
		}
		kd_buf_free(&all);
		if (!mine.len)
			continue;
		for (g = 0; g < ngroups && strcmp(kd_buf_cstr(&own[g]), kd_buf_cstr(&mine)) != 0; g++)
			;
		if (g == ngroups) {
			own[g] = mine;
			names[g] = (kd_buf)KD_BUF_INIT;
			ngroups++;
		} else {
			kd_buf_free(&mine);
			kd_buf_puts(&names[g], ", ");
		}
		kd_buf_puts(&names[g], kd_context_name((kd_context)c));
	}
	for (g = 0; g < ngroups; g++) {
		kd_buf_printf(out, "%s%s (%s)", out->len ? " " : "", kd_buf_cstr(&own[g]),
			      kd_buf_cstr(&names[g]));
		kd_buf_free(&own[g]);
		kd_buf_free(&names[g]);
	}
}

/* Builds the help as lines; calls `emit` for each. */
static size_t build(kd_ui *ui, emit_fn emit, void *arg)
{
	const char *group = NULL;
	size_t n, i;
	int a;
	help_line hl;

	/* what the screen means comes first: ? from the tree is the legend */
	n = columns(ui, glyphs(ui, 0, emit, arg), emit, arg);

	for (a = 1; a < KD_ACT_COUNT; a++) {
		memset(&hl, 0, sizeof(hl));
		if (!group || strcmp(group, kd_action_group((kd_action)a)) != 0) {
			group = kd_action_group((kd_action)a);
			if (a > 1) {
				hl.area = KD_AREA_DEFAULT;
				n += emit(ui, n, &hl, arg);
			}
			hl.area = KD_AREA_HELP_GROUP;
			kd_buf_puts(&hl.text, group);
			n += emit(ui, n, &hl, arg);
			kd_buf_free(&hl.text);
		}
		hl.area = KD_AREA_DEFAULT;
		keys_line(&hl.keys, ui, (kd_action)a);
		kd_buf_printf(&hl.text, "%-*s %s", NAME_W, kd_action_name((kd_action)a),
			      kd_action_help((kd_action)a));
		hl.indent = NAME_W + 1;
		n += emit(ui, n, &hl, arg);
		kd_buf_free(&hl.keys);
		kd_buf_free(&hl.text);
	}
	memset(&hl, 0, sizeof(hl));
	n += emit(ui, n, &hl, arg);
	hl.area = KD_AREA_HELP_GROUP;
	kd_buf_puts(&hl.text, "Commands (after :)");
	n += emit(ui, n, &hl, arg);
	kd_buf_free(&hl.text);
	for (i = 0; kd_ui_commands[i].name; i++) {
		if (kd_ui_commands[i].hidden)
			continue;
		memset(&hl, 0, sizeof(hl));
		hl.area = KD_AREA_DEFAULT;
		kd_buf_printf(&hl.keys, ":%s %s", kd_ui_commands[i].name, kd_ui_commands[i].args);
		kd_buf_puts(&hl.text, kd_ui_commands[i].help);
		n += emit(ui, n, &hl, arg);
		kd_buf_free(&hl.keys);
		kd_buf_free(&hl.text);
	}
	return n;
}

struct draw_arg {
	int top, height;
};

/* A line's keys and text wrapped to their columns: the keys in theirs,
 * the text's first line after them and its next lines at its indent. */
typedef struct wrapped {
	kd_text_span keys[WRAP_MAX], first, rest[WRAP_MAX];
	size_t nkeys, nrest, rows;
	int rest_w;
} wrapped;

static void wrap_line(kd_ui *ui, const help_line *hl, wrapped *w)
{
	int tw = ui->cols - TEXT_X, indent = hl->indent;
	size_t n;

	memset(w, 0, sizeof(*w));
	if (hl->area == KD_AREA_HELP_GROUP) {
		w->rows = 1;
		return;
	}
	if (tw < 8)
		tw = 8;
	if (indent > tw / 2)
		indent = 0;   /* too narrow to keep the name's column */
	w->rest_w = tw - indent;
	w->nkeys = kd_text_wrap(ui, w->keys, WRAP_MAX, hl->keys.data, hl->keys.len, KEYS_W);
	w->nkeys = w->nkeys > WRAP_MAX ? WRAP_MAX : w->nkeys;
	/* the first line takes the full width, the others the indented one */
	n = kd_text_wrap(ui, &w->first, 1, hl->text.data, hl->text.len, tw);
	if (n > 1) {
		size_t off = w->first.start + w->first.len;

		while (off < hl->text.len && hl->text.data[off] == ' ')
			off++;
		w->nrest = kd_text_wrap(ui, w->rest, WRAP_MAX, hl->text.data + off,
					hl->text.len - off, w->rest_w);
		w->nrest = w->nrest > WRAP_MAX ? WRAP_MAX : w->nrest;
		for (n = 0; n < w->nrest; n++)
			w->rest[n].start += off;
	}
	w->rows = 1 + w->nrest;
	if (w->nkeys > w->rows)
		w->rows = w->nkeys;
}

static size_t draw_one(kd_ui *ui, size_t n, const help_line *hl, void *arg)
{
	const struct draw_arg *da = arg;
	wrapped w;
	size_t r;

	wrap_line(ui, hl, &w);
	for (r = 0; r < w.rows; r++) {
		size_t row = n + r;
		int y;

		if (row < ui->overlay_top || row >= ui->overlay_top + (size_t)da->height)
			continue;
		y = da->top + (int)(row - ui->overlay_top);
		if (hl->area == KD_AREA_HELP_GROUP) {
			kd_text_draw(ui, y, 1, ui->cols - 1, hl->text.data, hl->text.len,
				     ui->attr[hl->area]);
			continue;
		}
		if (r < w.nkeys)
			kd_text_draw(ui, y, KEYS_X, KEYS_W, hl->keys.data + w.keys[r].start,
				     w.keys[r].len, ui->attr[KD_AREA_HELP_KEY]);
		if (r == 0)
			kd_text_draw(ui, y, TEXT_X, ui->cols - TEXT_X, hl->text.data + w.first.start,
				     w.first.len, ui->attr[KD_AREA_DEFAULT]);
		else if (r - 1 < w.nrest)
			kd_text_draw(ui, y, ui->cols - w.rest_w, w.rest_w,
				     hl->text.data + w.rest[r - 1].start, w.rest[r - 1].len,
				     ui->attr[KD_AREA_DEFAULT]);
	}
	return w.rows;
}

static size_t count_one(kd_ui *ui, size_t n, const help_line *hl, void *arg)
{
	wrapped w;

	(void)n;
	(void)arg;
	wrap_line(ui, hl, &w);
	return w.rows;
}

static void help_draw(kd_ui *ui, int top, int height, bool focused)
{
	struct draw_arg da = { top, height };
	size_t total = build(ui, count_one, NULL);

	(void)focused;
	if (ui->overlay_top + (size_t)height > total)
		ui->overlay_top = total > (size_t)height ? total - (size_t)height : 0;
	build(ui, draw_one, &da);
}

static bool help_action(kd_ui *ui, kd_action a, int height)
{
	size_t page = height > 1 ? (size_t)height - 1 : 1;

	switch (a) {
	case KD_ACT_MOVE_UP: if (ui->overlay_top) ui->overlay_top--; break;
	case KD_ACT_MOVE_DOWN: ui->overlay_top++; break;
	case KD_ACT_MOVE_PAGE_UP: ui->overlay_top = ui->overlay_top > page ? ui->overlay_top - page : 0; break;
	case KD_ACT_MOVE_PAGE_DOWN: ui->overlay_top += page; break;
	case KD_ACT_MOVE_FIRST: ui->overlay_top = 0; break;
	case KD_ACT_MOVE_LAST: ui->overlay_top = (size_t)-1 / 2; break;
	default: return false;
	}
	return true;
}

const kd_view_ops kd_help_view = {
	"help", KD_CTX_HELP, help_draw, help_action, NULL,
};
