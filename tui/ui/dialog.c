/*
 * dialog — the modal preview-and-confirm box of every action.
 *
 * The body (a patch as YAML, a commit summary, a list) scrolls; below it
 * the inputs are filled one after the other (Enter moves on; a required
 * one must not be blank), then the confirmation: `y` for a non-production
 * cluster, the cluster's name typed in full for a production one, where a
 * wrong name refuses and nothing is done.  Esc (or Ctrl-G) cancels at any
 * point.  Keys go to the dialog before the keymap, like the prompt.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "uiact.h"

kd_dialog *kd_dialog_new(const char *title, kd_dialog_fn submit, void *ctx,
			 void (*ctx_free)(void *ctx))
{
	kd_dialog *d = calloc(1, sizeof(*d));

	if (!d || !(d->title = strdup(title))) {
		free(d);
		if (ctx && ctx_free)
			ctx_free(ctx);
		return NULL;
	}
	d->submit = submit;
	d->ctx = ctx;
	d->ctx_free = ctx_free;
	return d;
}

int kd_dialog_input_add(kd_dialog *d, const char *label, bool required, const char *value)
{
	kd_dialog_input *in;

	if (d->ninputs >= KD_DIALOG_MAX_INPUTS)
		return kd_error_set(KD_EINVAL, "too many inputs");
	in = &d->inputs[d->ninputs++];
	in->label = label;
	in->required = required;
	kd_buf_clear(&in->value);
	return value ? kd_buf_puts(&in->value, value) : 0;
}

const char *kd_dialog_value(const kd_dialog *d, size_t i)
{
	return i < d->ninputs ? kd_buf_cstr((kd_buf *)&d->inputs[i].value) : "";
}

bool kd_cluster_is_production(const kd_ui *ui, const char *cluster)
{
	kd_fleet *fleet = kd_store_fleet(ui->store);
	const kd_cluster *c = fleet ? kd_fleet_cluster(fleet, cluster) : NULL;
	const kd_policy *p;
	json_t *env;
	size_t i;
	bool prod;

	if (c) {
		env = json_object_get(c->labels, "env");
		p = kd_fleet_policy(fleet, c);
		prod = (json_is_string(env) && strcmp(json_string_value(env), "production") == 0) ||
		       (p && p->remediation == KD_REMEDIATION_ALERT);
		kd_fleet_free(fleet);
		return prod;
	}
	kd_fleet_free(fleet);
	/* No fleet (a state file): the published labels. */
	for (i = 0; i < ui->model.nstates; i++) {
		const kd_cluster_state *st = ui->model.states[i];

		if (!st || strcmp(st->name, cluster) != 0)
			continue;
		env = json_object_get(st->labels, "env");
		return json_is_string(env) && strcmp(json_string_value(env), "production") == 0;
	}
	return false;
}

int kd_dialog_confirm_for(kd_dialog *d, const kd_ui *ui, const char *cluster)
{
	if (!cluster || !kd_cluster_is_production(ui, cluster))
		return 0;
	if (!(d->confirm_name = strdup(cluster)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

void kd_dialog_free(kd_dialog *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->ninputs; i++)
		kd_buf_free(&d->inputs[i].value);
	if (d->ctx && d->ctx_free)
		d->ctx_free(d->ctx);
	kd_buf_free(&d->body);
	kd_buf_free(&d->typed);
	free(d->confirm_name);
	free(d->title);
	free(d);
}

void kd_dialog_open(kd_ui *ui, kd_dialog *d)
{
	kd_dialog_close(ui);
	ui->act->dialog = d;
}

bool kd_uiact_dialog_open(const kd_ui *ui)
{
	return ui->act && ui->act->dialog;
}

void kd_dialog_close(kd_ui *ui)
{
	kd_dialog_free(ui->act->dialog);
	ui->act->dialog = NULL;
}

static size_t body_lines(const kd_dialog *d)
{
	size_t n = 0, i;

	for (i = 0; i < d->body.len; i++)
		n += d->body.data[i] == '\n';
	return n + (d->body.len && d->body.data[d->body.len - 1] != '\n');
}

/* Rows left for the body between the title row and the inputs. */
static int body_height(const kd_ui *ui, const kd_dialog *d)
{
	int h = ui->lines - 2 - kd_ui_message_rows(ui) - 1 - (int)d->ninputs - 2;

	return h > 1 ? h : 1;
}

static void finish(kd_ui *ui)
{
	kd_dialog *d = ui->act->dialog;

	/* The dialog leaves the screen before its work starts: submit may
	 * open the next dialog. */
	ui->act->dialog = NULL;
	d->submit(ui, d);
	kd_dialog_free(d);
}

static void cancel(kd_ui *ui)
{
	kd_dialog_close(ui);
	kd_ui_message(ui, KD_LOG_INFO, "cancelled; nothing was changed");
}

static void edit_buf(kd_buf *b, int key)
{
	if (key == KD_KEY_FN + KEY_BACKSPACE || key == 8 || key == 127) {
		/* Drops one UTF-8 character. */
		while (b->len && ((unsigned char)b->data[b->len - 1] & 0xc0) == 0x80)
			kd_buf_truncate(b, b->len - 1);
		if (b->len)
			kd_buf_truncate(b, b->len - 1);
	} else if (key == 21) {           /* Ctrl-U */
		kd_buf_clear(b);
	} else if (key >= 32 && key < KD_KEY_FN && key != 127) {
		char u[4];
		int n = 0;

		if (key < 0x80) {
			u[n++] = (char)key;
		} else if (key < 0x800) {
			u[n++] = (char)(0xc0 | (key >> 6));
			u[n++] = (char)(0x80 | (key & 0x3f));
		} else if (key < 0x10000) {
			u[n++] = (char)(0xe0 | (key >> 12));
			u[n++] = (char)(0x80 | ((key >> 6) & 0x3f));
			u[n++] = (char)(0x80 | (key & 0x3f));
		} else {
			u[n++] = (char)(0xf0 | (key >> 18));
			u[n++] = (char)(0x80 | ((key >> 12) & 0x3f));
			u[n++] = (char)(0x80 | ((key >> 6) & 0x3f));
			u[n++] = (char)(0x80 | (key & 0x3f));
		}
		kd_buf_add(b, u, (size_t)n);
	}
}

static bool blank(const kd_buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++)
		if (b->data[i] != ' ' && b->data[i] != '\t')
			return false;
	return true;
}

void kd_dialog_key(kd_ui *ui, int key)
{
	kd_dialog *d = ui->act->dialog;
	size_t page = (size_t)body_height(ui, d), n = body_lines(d);

	if (d->view_only && (key == KD_KEY_ESC || key == 7 || key == 'q' || key == KD_KEY_ENTER)) {
		kd_dialog_close(ui);   /* nothing was proposed: nothing to cancel */
		return;
	}
	if (key == KD_KEY_ESC || key == 7) {
		cancel(ui);
		return;
	}
	switch (key) {
	case KD_KEY_FN + KEY_UP: if (d->top) d->top--; return;
	case KD_KEY_FN + KEY_DOWN: if (d->top + page < n) d->top++; return;
	case KD_KEY_FN + KEY_PPAGE: d->top = d->top > page ? d->top - page : 0; return;
	case KD_KEY_FN + KEY_NPAGE:
		d->top += page;
		if (d->top + page > n)
			d->top = n > page ? n - page : 0;
		return;
	default: break;
	}
	if (d->cur < d->ninputs) {
		kd_dialog_input *in = &d->inputs[d->cur];

		if (key != KD_KEY_ENTER) {
			edit_buf(&in->value, key);
			return;
		}
		if (in->required && blank(&in->value)) {
			kd_ui_message(ui, KD_LOG_WARN, "%s is required", in->label);
			return;
		}
		d->cur++;
		if (d->cur == d->ninputs && d->no_confirm)
			finish(ui);
		return;
	}
	if (!d->confirm_name) {
		if (key == 'y' || key == 'Y')
			finish(ui);
		else if (key == 'n' || key == 'N' || key == 'q')
			cancel(ui);
		return;
	}
	if (key != KD_KEY_ENTER) {
		edit_buf(&d->typed, key);
		return;
	}
	if (strcmp(kd_buf_cstr(&d->typed), d->confirm_name) != 0) {
		kd_ui_message(ui, KD_LOG_ERROR, "'%s' is not the cluster's name (%s); nothing was changed",
			      kd_buf_cstr(&d->typed), d->confirm_name);
		kd_dialog_close(ui);
		return;
	}
	finish(ui);
}

void kd_dialog_draw(kd_ui *ui)
{
	kd_dialog *d = ui->act->dialog;
	int top = 1 + kd_banner_lines(ui), bottom = ui->lines - 2 - kd_ui_message_rows(ui), y, h;
	attr_t def = ui->attr[KD_AREA_DEFAULT], head = ui->attr[KD_AREA_DIFF_HEADER];
	const char *p, *end;
	size_t line = 0, i;
	kd_buf b = KD_BUF_INIT;

	for (y = top; y <= bottom; y++)
		kd_text_fill(y, 0, ui->cols, def);
	kd_text_fill(top, 0, ui->cols, head);
	kd_buf_printf(&b, " %s", d->title);
	kd_text_draw(ui, top, 0, ui->cols, b.data, b.len, head);
	h = bottom - top - (int)d->ninputs - 1;
	/* The body, scrolled. */
	p = d->body.data;
	end = p ? p + d->body.len : NULL;
	for (y = top + 1; p && p < end && y < top + 1 + h; ) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (line++ >= d->top)
			kd_text_draw(ui, y++, 2, ui->cols - 2, p, len, def);
		p = nl ? nl + 1 : end;
	}
	if (p && p < end)
		kd_text_drawz(ui, top + h, 2, ui->cols - 2,
			      kd_glyph(ui, "… (↓ and PgDn scroll)", "... (Down and PgDn scroll)"),
			      ui->attr[KD_AREA_DIM]);
	y = bottom - (int)d->ninputs;
	for (i = 0; i < d->ninputs; i++, y++) {
		kd_buf_clear(&b);
		kd_buf_printf(&b, "%s%s: ", i == d->cur ? "> " : "  ", d->inputs[i].label);
		kd_text_draw(ui, y, 1, ui->cols - 1, b.data, b.len, ui->attr[KD_AREA_HELP_KEY]);
		kd_text_draw(ui, y, 1 + kd_text_width(ui, b.data, b.len), ui->cols - 1 - (int)b.len,
			     d->inputs[i].value.data, d->inputs[i].value.len, def);
	}
	kd_buf_clear(&b);
	if (d->view_only)
		kd_buf_puts(&b, kd_glyph(ui, "  q or Esc: close   ↑ ↓ PgUp PgDn: scroll",
					 "  q or Esc: close   Up Down PgUp PgDn: scroll"));
	else if (d->cur < d->ninputs)
		kd_buf_puts(&b, "  Enter: next   Esc: cancel");
	else if (!d->confirm_name)
		kd_buf_puts(&b, "> Confirm? [y/N]   (Esc cancels)");
	else
		kd_buf_printf(&b, "> Production cluster: type its name (%s) and Enter to confirm: %s",
			      d->confirm_name, kd_buf_cstr(&d->typed));
	kd_text_draw(ui, bottom, 1, ui->cols - 1, b.data, b.len,
		     d->cur < d->ninputs || d->view_only ? ui->attr[KD_AREA_DIM] :
		     ui->attr[KD_AREA_WARNING]);
	kd_buf_free(&b);
}
