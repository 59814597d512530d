/*
 * theme — `color` lines and their mapping onto the terminal (see theme.h).
 */
#include "theme.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

#define RGB_FLAG 0x1000000

static const char *const area_names[KD_AREA_COUNT] = {
#define KD_X(id, name) name,
	KD_AREAS(KD_X)
#undef KD_X
};

const char *kd_area_name(kd_area a)
{
	return a < KD_AREA_COUNT ? area_names[a] : "";
}

static const char *const color_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

/* -2 when invalid. */
static int color_parse(const char *s)
{
	int i;
	char *end;
	long n;

	if (strcmp(s, "default") == 0)
		return -1;
	for (i = 0; i < 8; i++) {
		if (strcmp(s, color_names[i]) == 0)
			return i;
		if (strncmp(s, "bright-", 7) == 0 && strcmp(s + 7, color_names[i]) == 0)
			return i + 8;
	}
	if (strcmp(s, "grey") == 0 || strcmp(s, "gray") == 0)
		return 8;
	if (strncmp(s, "color", 5) == 0 && isdigit((unsigned char)s[5])) {
		n = strtol(s + 5, &end, 10);
		return *end || n > 255 ? -2 : (int)n;
	}
	if (s[0] == '#' && strlen(s) == 7) {
		for (i = 1; i < 7; i++)
			if (!isxdigit((unsigned char)s[i]))
				return -2;
		return RGB_FLAG | (int)strtol(s + 1, NULL, 16);
	}
	return -2;
}

static const struct {
	const char *name;
	unsigned attr;
} attr_names[] = {
	{ "bold", KD_ATTR_BOLD }, { "underline", KD_ATTR_UNDERLINE },
	{ "reverse", KD_ATTR_REVERSE }, { "dim", KD_ATTR_DIM },
	{ "italic", KD_ATTR_ITALIC }, { "blink", KD_ATTR_BLINK },
	{ "standout", KD_ATTR_STANDOUT }, { "normal", 0 },
};

static void warn_at(kd_warn_fn warn, void *ctx, const char *file, size_t line,
		    const char *fmt, const char *arg)
{
	kd_buf b = KD_BUF_INIT;

	if (!warn)
		return;
	if (kd_buf_printf(&b, "%s:%zu: ", file, line) == 0 &&
	    kd_buf_printf(&b, fmt, arg) == 0)
		warn(ctx, kd_buf_cstr(&b));
	kd_buf_free(&b);
}

static int theme_line(kd_theme *t, char **w, size_t n, const char *file,
		      size_t lineno, kd_warn_fn warn, void *wctx)
{
	kd_theme_entry e = { -1, -1, 0, true };
	size_t i, k;
	int a = -1;

	if (strcmp(w[0], "color") != 0) {
		warn_at(warn, wctx, file, lineno, "unknown command '%s' (expected 'color')", w[0]);
		return 1;
	}
	if (n < 4) {
		warn_at(warn, wctx, file, lineno, "%s", "usage: color AREA FG BG [ATTR...]");
		return 1;
	}
	for (i = 0; i < KD_AREA_COUNT; i++)
		if (strcmp(area_names[i], w[1]) == 0)
			a = (int)i;
	if (a < 0) {
		warn_at(warn, wctx, file, lineno, "unknown area '%s'", w[1]);
		return 1;
	}
	if ((e.fg = color_parse(w[2])) == -2) {
		warn_at(warn, wctx, file, lineno, "unknown colour '%s'", w[2]);
		return 1;
	}
	if ((e.bg = color_parse(w[3])) == -2) {
		warn_at(warn, wctx, file, lineno, "unknown colour '%s'", w[3]);
		return 1;
	}
	for (i = 4; i < n; i++) {
		for (k = 0; k < sizeof(attr_names) / sizeof(attr_names[0]); k++)
			if (strcmp(attr_names[k].name, w[i]) == 0)
				break;
		if (k == sizeof(attr_names) / sizeof(attr_names[0])) {
			warn_at(warn, wctx, file, lineno, "unknown attribute '%s'", w[i]);
			return 1;
		}
		e.attrs |= attr_names[k].attr;
	}
	t->e[a] = e;
	return 0;
}

int kd_theme_load(kd_theme *t, const char *text, const char *file,
		  kd_warn_fn warn, void *warn_ctx)
{
	char *copy = strdup(text), *line, *next;
	size_t lineno = 0;
	int warnings = 0;

	if (!copy)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (line = copy; line; line = next) {
		char *w[16], *p;
		size_t n = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		for (p = line;;) {
			while (*p == ' ' || *p == '\t' || *p == '\r')
				p++;
			/* '#' starts a comment only before a word: "#rrggbb" is a colour. */
			if (!*p || (*p == '#' && n < 2) || n == 16)
				break;
			w[n++] = p;
			while (*p && *p != ' ' && *p != '\t' && *p != '\r')
				p++;
			if (*p)
				*p++ = '\0';
		}
		if (n > 0)
			warnings += theme_line(t, w, n, file, lineno, warn, warn_ctx);
	}
	free(copy);
	return warnings;
}

int kd_theme_select(kd_theme *t, const char *name, kd_warn_fn warn, void *warn_ctx)
{
	const char *text = kd_theme_builtin(name);
	kd_buf file = KD_BUF_INIT, label = KD_BUF_INIT;
	int rc;

	memset(t, 0, sizeof(*t));
	if (text) {
		if ((rc = kd_buf_printf(&label, "themes/%s.theme", name)) == 0)
			rc = kd_theme_load(t, text, kd_buf_cstr(&label), warn, warn_ctx);
	} else if (strchr(name, '/')) {
		if ((rc = kd_buf_read_file(&file, name, 1 << 20)) == 0)
			rc = kd_theme_load(t, kd_buf_cstr(&file), name, warn, warn_ctx);
	} else {
		rc = kd_error_set(KD_ENOTFOUND, "no theme named '%s' (default, light, high-contrast, mono, or a path)", name);
	}
	kd_buf_free(&file);
	kd_buf_free(&label);
	return rc < 0 ? rc : 0;
}

/* The xterm palette's colour n as r, g, b. */
static void xterm_rgb(int n, int rgb[3])
{
	static const int base[16][3] = {
		{0, 0, 0}, {205, 0, 0}, {0, 205, 0}, {205, 205, 0},
		{0, 0, 238}, {205, 0, 205}, {0, 205, 205}, {229, 229, 229},
		{127, 127, 127}, {255, 0, 0}, {0, 255, 0}, {255, 255, 0},
		{92, 92, 255}, {255, 0, 255}, {0, 255, 255}, {255, 255, 255},
	};
	static const int cube[6] = { 0, 95, 135, 175, 215, 255 };

	if (n < 16) {
		memcpy(rgb, base[n], sizeof(base[n]));
	} else if (n < 232) {
		rgb[0] = cube[(n - 16) / 36];
		rgb[1] = cube[((n - 16) / 6) % 6];
		rgb[2] = cube[(n - 16) % 6];
	} else {
		rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (n - 232);
	}
}

/* The nearest of the first `ncolors` palette entries (squared distance). */
static int nearest(const int rgb[3], int ncolors)
{
	int best = 0, i;
	long bestd = -1;

	for (i = 0; i < ncolors && i < 256; i++) {
		int c[3];
		long d;

		xterm_rgb(i, c);
		d = (long)(c[0] - rgb[0]) * (c[0] - rgb[0]) +
		    (long)(c[1] - rgb[1]) * (c[1] - rgb[1]) +
		    (long)(c[2] - rgb[2]) * (c[2] - rgb[2]);
		if (bestd < 0 || d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return best;
}

static int map_color(int c)
{
	int rgb[3];
	int avail = COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : 8;

	if (c < 0)
		return -1;
	if (c & RGB_FLAG) {
		rgb[0] = (c >> 16) & 0xff;
		rgb[1] = (c >> 8) & 0xff;
		rgb[2] = c & 0xff;
		return nearest(rgb, avail);
	}
	if (c < avail)
		return c;
	xterm_rgb(c, rgb);
	return nearest(rgb, avail);
}

static attr_t curses_attrs(unsigned a)
{
	attr_t r = A_NORMAL;

	if (a & KD_ATTR_BOLD) r |= A_BOLD;
	if (a & KD_ATTR_UNDERLINE) r |= A_UNDERLINE;
	if (a & KD_ATTR_REVERSE) r |= A_REVERSE;
	if (a & KD_ATTR_DIM) r |= A_DIM;
	if (a & KD_ATTR_BLINK) r |= A_BLINK;
	if (a & KD_ATTR_STANDOUT) r |= A_STANDOUT;
#ifdef A_ITALIC
	if (a & KD_ATTR_ITALIC) r |= A_ITALIC;
#endif
	return r;
}

void kd_theme_apply(const kd_theme *t, bool mono, attr_t attr_out[KD_AREA_COUNT])
{
	int i;
	bool color = false;

	/* COLORS and COLOR_PAIRS are 0 until start_color() has run: ask the
	 * terminal first, count the pairs after. */
	if (!mono && has_colors() && start_color() == OK) {
		color = COLOR_PAIRS > KD_AREA_COUNT;
		if (color)
			use_default_colors();
	}
	for (i = 0; i < KD_AREA_COUNT; i++) {
		const kd_theme_entry *e = t->e[i].set ? &t->e[i] : &t->e[KD_AREA_DEFAULT];

		attr_out[i] = curses_attrs(e->attrs);
		if (color) {
			init_pair((short)(i + 1), (short)map_color(e->fg), (short)map_color(e->bg));
			attr_out[i] |= COLOR_PAIR(i + 1);
		}
	}
}
