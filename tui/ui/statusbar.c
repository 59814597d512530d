/*
 * statusbar — the line above the message line: where the fleet comes from
 * (a short form of the repository and its revision), how fresh it is, how
 * many clusters answer, the mode (normal, read-only, break-glass) and
 * whether the engine is busy (or renders a new commit it has seen).
 *
 * Every field is computed in kd_ui_status_fields, in one place, with a
 * priority and a shorter form; drawing fits them to the width by
 * shortening, then dropping, the least important first, so the mode is
 * the last thing to go.  A new field (a pending Git change, say) is one
 * more kd_ui_status_add call there.  Never reads the network or Git: only
 * the store and the UI's own state.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "uiact.h"

void kd_ui_status_fields_free(kd_status_fields *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		kd_buf_free(&f->f[i].text);
		kd_buf_free(&f->f[i].brief);
	}
	memset(f, 0, sizeof(*f));
}

kd_status_field *kd_ui_status_add(kd_status_fields *f, int priority, kd_area area)
{
	kd_status_field *x;

	if (f->n == KD_STATUS_FIELDS_MAX)
		return NULL;
	x = &f->f[f->n++];
	memset(x, 0, sizeof(*x));
	x->priority = priority;
	x->area = area;
	return x;
}

/* The repository as a person names it: a URL without its scheme and host
 * ("platform/fleet.git"), a path under $HOME as ~/..., any other path by
 * its last component.  A label that already ends in "@REV" loses it. */
static void short_source(kd_buf *out, const char *label, const char *rev)
{
	const char *home = getenv("HOME"), *s = label, *at, *p;
	size_t len = strlen(label), hl;

	at = strrchr(label, '@');
	if (at && rev && at[1] && strncmp(rev, at + 1, strlen(at + 1)) == 0 && at > label)
		len = (size_t)(at - label);
	if (label[0] == '/') {
		hl = home ? strlen(home) : 0;
		while (hl > 1 && home[hl - 1] == '/')
			hl--;
		if (hl > 1 && strncmp(label, home, hl) == 0 && (label[hl] == '/' || hl == len)) {
			kd_buf_puts(out, "~");
			kd_buf_add(out, label + hl, len - hl);
			return;
		}
		while (len > 1 && label[len - 1] == '/')
			len--;
		for (p = label + len; p > label && p[-1] != '/'; p--)
			;
		kd_buf_add(out, p, len - (size_t)(p - label));
		return;
	}
	if ((p = strstr(label, "://")) && (size_t)(p - label) < len) {
		s = p + 3;
		p = memchr(s, '/', len - (size_t)(s - label));
		s = p ? p + 1 : s;
	} else if ((p = memchr(label, ':', len)) && !memchr(label, '/', (size_t)(p - label))) {
		s = p + 1;   /* scp-like: user@host:path */
	}
	kd_buf_add(out, s, len - (size_t)(s - label));
}

int kd_ui_status_fields(kd_ui *ui, kd_status_fields *out)
{
	char *label = NULL, *rev = NULL, *pending = NULL, age[32];
	time_t fetched = 0;
	size_t i, reachable = 0, total = ui->model.nstates;
	kd_status_field *f;
	kd_uiact *act = ui->act;

	memset(out, 0, sizeof(*out));
	kd_store_source(ui->store, &label, &rev, &fetched);
	for (i = 0; i < total; i++)
		reachable += ui->model.states[i] && ui->model.states[i]->reachable;

	if ((f = kd_ui_status_add(out, 1, KD_AREA_STATUSBAR))) {
		kd_buf src = KD_BUF_INIT;

		if (label)
			short_source(&src, label, rev);
		else
			kd_buf_puts(&src, "(no source)");
		kd_buf_printf(&f->text, "%s@%.12s", kd_buf_cstr(&src), rev ? rev : "?");
		kd_buf_printf(&f->brief, "%s@%.7s", kd_buf_cstr(&src), rev ? rev : "?");
		f->shrink = true;
		kd_buf_free(&src);
	}
	if (fetched && (f = kd_ui_status_add(out, 4, KD_AREA_STATUSBAR))) {
		kd_age(age, kd_ui_now(ui), fetched);
		kd_buf_printf(&f->text, "fetched %s ago", age);
		kd_buf_printf(&f->brief, "%s ago", age);
		f->joined = true;   /* belongs to the source: no separator */
	}
	if ((f = kd_ui_status_add(out, 2, KD_AREA_STATUSBAR))) {
		kd_buf_printf(&f->text, "%zu/%zu clusters reachable", reachable, total);
		kd_buf_printf(&f->brief, "%zu/%zu up", reachable, total);
	}
	/* The mode: what a key that acts will do. */
	if ((f = kd_ui_status_add(out, 0, KD_AREA_STATUSBAR))) {
		if (act && act->session) {
			int64_t left = kd_breakglass_remaining_ms(act->session, kd_time_now_ms());

			f->area = KD_AREA_BREAKGLASS;
			kd_buf_puts(&f->text, "BREAK-GLASS ");
			kd_duration_format(&f->text, left, KD_DURATION_SPAN);
			kd_buf_puts(&f->text, " left");
			kd_buf_puts(&f->brief, "BREAK-GLASS");
		} else {
			kd_buf_puts(&f->text, ui->read_only ? "read-only" : "normal");
		}
	}
	/* Whether the UI heals selfHeal clusters, and the key that pauses it. */
	for (i = 0; i < total && !(ui->model.states[i] &&
				   ui->model.states[i]->remediation == KD_REMEDIATION_SELFHEAL); i++)
		;
	if (i < total && kd_selfheal_enabled(ui) && (f = kd_ui_status_add(out, 3, KD_AREA_STATUSBAR))) {
		kd_buf key = KD_BUF_INIT;

		kd_ui_key_hint(&key, ui, KD_ACT_SELF_HEAL_PAUSE);
		kd_buf_printf(&f->text, "self-heal %s (%s %s)", act->heal_paused ? "PAUSED" : "on",
			      kd_buf_cstr(&key), act->heal_paused ? "resumes" : "pauses");
		kd_buf_puts(&f->brief, act->heal_paused ? "heal PAUSED" : "heal on");
		kd_buf_free(&key);
	}
	/* A new commit seen, its render not landed yet: it replaces "syncing",
	 * which it explains. */
	kd_store_pending(ui->store, &pending);
	if (pending && (f = kd_ui_status_add(out, 3, KD_AREA_STATUSBAR))) {
		kd_buf_printf(&f->text, "rendering %.7s%s", pending, kd_glyph(ui, "…", "..."));
		kd_buf_printf(&f->brief, "%s%.7s%s", kd_glyph(ui, "→ ", "-> "), pending,
			      kd_glyph(ui, "…", "..."));
	} else if (!kd_store_idle(ui->store) && (f = kd_ui_status_add(out, 3, KD_AREA_STATUSBAR))) {
		kd_buf_puts(&f->text, "syncing");
	}
	free(pending);
	free(label);
	free(rev);
	return 0;
}

static const kd_buf *shown(const kd_status_field *f)
{
	return f->use_brief && f->brief.len ? &f->brief : &f->text;
}

static int total_width(kd_ui *ui, const kd_status_fields *fs, int sepw)
{
	size_t i;
	int w = 1, k = 0;

	for (i = 0; i < fs->n; i++) {
		const kd_status_field *f = &fs->f[i];

		if (f->dropped)
			continue;
		if (k++)
			w += f->joined ? 1 : sepw;
		w += kd_text_width(ui, shown(f)->data, shown(f)->len);
	}
	return w;
}

/* The least important field still shown in full (brief) or at all (drop). */
static kd_status_field *least(kd_status_fields *fs, bool brief)
{
	kd_status_field *best = NULL;
	size_t i;

	for (i = 0; i < fs->n; i++) {
		kd_status_field *f = &fs->f[i];

		if (f->dropped || (brief && (f->use_brief || !f->brief.len)))
			continue;
		if (!brief && f->priority == 0)
			continue;   /* the mode always stays */
		if (!best || f->priority >= best->priority)
			best = f;
	}
	return best;
}

void kd_ui_status_fit(kd_ui *ui, kd_status_fields *fs, int width)
{
	int sepw = kd_text_width(ui, kd_glyph(ui, " │ ", " | "), strlen(kd_glyph(ui, " │ ", " | ")));
	kd_status_field *f;

	while (total_width(ui, fs, sepw) > width && (f = least(fs, true)))
		f->use_brief = true;
	while (total_width(ui, fs, sepw) > width && (f = least(fs, false)) && f->priority > 1)
		f->dropped = true;
}

void kd_ui_status_draw(kd_ui *ui, int y)
{
	kd_status_fields fs;
	const char *sep = kd_glyph(ui, " │ ", " | ");
	attr_t a = ui->attr[KD_AREA_STATUSBAR];
	int x = 1, k = 0, sepw = kd_text_width(ui, sep, strlen(sep));
	size_t i;

	kd_ui_status_fields(ui, &fs);
	kd_ui_status_fit(ui, &fs, ui->cols);
	kd_text_fill(y, 0, ui->cols, a);
	for (i = 0; i < fs.n; i++) {
		const kd_status_field *f = &fs.f[i];
		const kd_buf *t = shown(f);
		int w, room;

		if (f->dropped)
			continue;
		if (k++)
			x += f->joined ? kd_text_drawz(ui, y, x, ui->cols - x, " ", a) :
			     kd_text_draw(ui, y, x, ui->cols - x, sep, strlen(sep), a);
		w = kd_text_width(ui, t->data, t->len);
		/* What still does not fit (a very long source on a narrow
		 * terminal) keeps its end, where the revision is. */
		room = w - (total_width(ui, &fs, sepw) - ui->cols);
		if (f->shrink && room < w && room > 4) {
			size_t skip = 0;

			x += kd_text_drawz(ui, y, x, 1, kd_glyph(ui, "…", "..."), a);
			while (skip < t->len && kd_text_width(ui, t->data + skip, t->len - skip) > room - 1)
				skip++;
			x += kd_text_draw(ui, y, x, ui->cols - x, t->data + skip, t->len - skip, a);
			continue;
		}
		x += kd_text_draw(ui, y, x, ui->cols - x, t->data, t->len,
				  f->area == KD_AREA_STATUSBAR ? a : ui->attr[f->area] | A_BOLD);
	}
	kd_ui_status_fields_free(&fs);
}
