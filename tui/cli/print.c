/*
 * print — printing text that came from a cluster or Git: every string is
 * sanitised by base's kd_sanitize (controls, escape sequences, bidi and
 * invisible characters shown inert) before it reaches the terminal, and
 * glyphs fall back to ASCII outside UTF-8 locales.
 */
#include "cli.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/base.h"

void kd_cli_sanitize(kd_buf *out, const char *s)
{
	/* Valid UTF-8 passes as it is even outside UTF-8 locales (no ASCII
	 * mode): the output is often a file or a CI log, where "caf?" for
	 * "café" would make two different values look alike. */
	if (s)
		kd_sanitize(out, s, strlen(s), 0);
}

void kd_cli_print_safe(FILE *f, const char *s)
{
	kd_buf b = KD_BUF_INIT;

	kd_cli_sanitize(&b, s);
	fputs(kd_buf_cstr(&b), f);
	kd_buf_free(&b);
}

bool kd_cli_ascii(void)
{
	const char *v = getenv("LC_ALL");

	if (!v || !*v)
		v = getenv("LC_CTYPE");
	if (!v || !*v)
		v = getenv("LANG");
	return !v || !(strstr(v, "UTF-8") || strstr(v, "utf-8") ||
		       strstr(v, "UTF8") || strstr(v, "utf8"));
}

int kd_cli_print_json(const json_t *doc, size_t flags)
{
	char *text = json_dumps(doc, flags);
	int rc;

	if (!text)
		return kd_error_set(KD_ENOMEM, "out of memory");
	rc = puts(text) < 0 || fflush(stdout) != 0 ? kd_error_set(KD_EIO, "cannot write output") : 0;
	free(text);
	return rc;
}

void kd_cli_print_text(FILE *f, const char *text)
{
	const char *p = text ? text : "", *nl;
	kd_buf line = KD_BUF_INIT;

	/* Line by line, so newlines stay newlines and everything else that
	 * could drive the terminal is shown inert. */
	while (*p) {
		nl = strchr(p, '\n');
		kd_buf_clear(&line);
		if (kd_buf_add(&line, p, nl ? (size_t)(nl - p) : strlen(p)) < 0)
			break;
		kd_cli_print_safe(f, kd_buf_cstr(&line));
		fputc('\n', f);
		if (!nl)
			break;
		p = nl + 1;
	}
	kd_buf_free(&line);
}
