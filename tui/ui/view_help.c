/*
 * view_help — every action with its keys and every prompt command,
 * generated from the action table and the keymap in use, so the help can
 * never disagree with what the keys do; then what the tree's glyphs mean.
 */
#include <string.h>

#include "ui.h"

typedef struct help_line {
	kd_area area;
	kd_buf keys, text;
} help_line;

/* What the tree's glyphs mean, drawn by the functions that draw them. */
static size_t glyphs(kd_ui *ui, size_t n, void (*emit)(kd_ui *, size_t, const help_line *, void *),
		     void *arg)
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
	emit(ui, n++, &hl, arg);
	hl.area = KD_AREA_HELP_GROUP;
	kd_buf_puts(&hl.text, "Glyphs");
	emit(ui, n++, &hl, arg);
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
		kd_buf_printf(&hl.text, "%-16s %s", name, text);
		emit(ui, n++, &hl, arg);
		kd_buf_free(&hl.keys);
		kd_buf_free(&hl.text);
	}
	return n;
}

/* Builds the help as lines; calls `emit` for each. */
static size_t build(kd_ui *ui, void (*emit)(kd_ui *, size_t, const help_line *, void *), void *arg)
{
	const char *group = NULL;
	size_t n = 0, i;
	int a, c;
	help_line hl;

	for (a = 1; a < KD_ACT_COUNT; a++) {
		memset(&hl, 0, sizeof(hl));
		if (!group || strcmp(group, kd_action_group((kd_action)a)) != 0) {
			group = kd_action_group((kd_action)a);
			if (n) {
				hl.area = KD_AREA_DEFAULT;
				emit(ui, n++, &hl, arg);
			}
			hl.area = KD_AREA_HELP_GROUP;
			kd_buf_puts(&hl.text, group);
			emit(ui, n++, &hl, arg);
			kd_buf_free(&hl.text);
		}
		hl.area = KD_AREA_DEFAULT;
		/* The generic keys, then those a view adds for itself. */
		for (c = 0; c < KD_CTX_COUNT; c++) {
			size_t before = hl.keys.len;

			if (c != KD_CTX_GENERIC) {
				size_t k;
				bool any = false;

				for (k = 0; k < ui->keymap.n; k++)
					any |= ui->keymap.b[k].ctx == (kd_context)c &&
					       ui->keymap.b[k].action == (kd_action)a;
				if (!any)
					continue;
			}
			if (hl.keys.len)
				kd_buf_putc(&hl.keys, ' ');
			kd_keymap_keys_of(&hl.keys, &ui->keymap, (kd_context)c, (kd_action)a);
			if (c != KD_CTX_GENERIC && hl.keys.len > before)
				kd_buf_printf(&hl.keys, " (%s)", kd_context_name((kd_context)c));
		}
		kd_buf_printf(&hl.text, "%-16s %s", kd_action_name((kd_action)a),
			      kd_action_help((kd_action)a));
		emit(ui, n++, &hl, arg);
		kd_buf_free(&hl.keys);
		kd_buf_free(&hl.text);
	}
	memset(&hl, 0, sizeof(hl));
	emit(ui, n++, &hl, arg);
	hl.area = KD_AREA_HELP_GROUP;
	kd_buf_puts(&hl.text, "Commands (after :)");
	emit(ui, n++, &hl, arg);
	kd_buf_free(&hl.text);
	for (i = 0; kd_ui_commands[i].name; i++) {
		if (kd_ui_commands[i].hidden)
			continue;
		memset(&hl, 0, sizeof(hl));
		hl.area = KD_AREA_DEFAULT;
		kd_buf_printf(&hl.keys, ":%s %s", kd_ui_commands[i].name, kd_ui_commands[i].args);
		kd_buf_puts(&hl.text, kd_ui_commands[i].help);
		emit(ui, n++, &hl, arg);
		kd_buf_free(&hl.keys);
		kd_buf_free(&hl.text);
	}
	return glyphs(ui, n, emit, arg);
}

struct draw_arg {
	int top, height;
};

static void draw_one(kd_ui *ui, size_t n, const help_line *hl, void *arg)
{
	const struct draw_arg *da = arg;
	int y;

	if (n < ui->overlay_top || n >= ui->overlay_top + (size_t)da->height)
		return;
	y = da->top + (int)(n - ui->overlay_top);
	if (hl->area == KD_AREA_HELP_GROUP) {
		kd_text_draw(ui, y, 1, ui->cols - 1, hl->text.data, hl->text.len, ui->attr[hl->area]);
		return;
	}
	kd_text_draw(ui, y, 2, 28, hl->keys.data, hl->keys.len, ui->attr[KD_AREA_HELP_KEY]);
	kd_text_draw(ui, y, 32, ui->cols - 32, hl->text.data, hl->text.len, ui->attr[KD_AREA_DEFAULT]);
}

static void count_one(kd_ui *ui, size_t n, const help_line *hl, void *arg)
{
	(void)ui;
	(void)n;
	(void)hl;
	(void)arg;
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
