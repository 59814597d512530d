/*
 * buf — growable buffer (see base.h).
 */
#include "base/base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kd_buf_grow(kd_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > (size_t)-1 - b->len - 1)
		return kd_error_set(KD_ENOMEM, "buffer size overflow");
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > (size_t)-1 / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return kd_error_set(KD_ENOMEM, "out of memory (%zu bytes)", cap);
	b->data = p;
	b->cap = cap;
	b->data[b->len] = '\0';
	return 0;
}

int kd_buf_add(kd_buf *b, const void *data, size_t len)
{
	int rc = kd_buf_grow(b, len);

	if (rc < 0)
		return rc;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int kd_buf_puts(kd_buf *b, const char *s)
{
	return kd_buf_add(b, s, strlen(s));
}

int kd_buf_putc(kd_buf *b, char c)
{
	return kd_buf_add(b, &c, 1);
}

int kd_buf_vprintf(kd_buf *b, const char *fmt, va_list ap)
{
	va_list copy;
	int n, rc;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return kd_error_set(KD_ERROR, "bad format string");
	rc = kd_buf_grow(b, (size_t)n);
	if (rc < 0)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int kd_buf_printf(kd_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = kd_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *kd_buf_cstr(const kd_buf *b)
{
	return b->data ? b->data : "";
}

void kd_buf_clear(kd_buf *b)
{
	kd_buf_truncate(b, 0);
}

void kd_buf_truncate(kd_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

char *kd_buf_detach(kd_buf *b)
{
	char *p = b->data;

	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void kd_buf_free(kd_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int kd_buf_read_file(kd_buf *b, const char *path, size_t max_bytes)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;
	int rc = 0;

	if (!f)
		return kd_error_set(errno == ENOENT ? KD_ENOTFOUND : KD_EIO,
				    "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (max_bytes && b->len + n > max_bytes) {
			rc = kd_error_set(KD_ELIMIT, "%s: larger than %zu bytes",
					  path, max_bytes);
			goto cleanup;
		}
		if ((rc = kd_buf_add(b, chunk, n)) < 0)
			goto cleanup;
	}
	if (ferror(f))
		rc = kd_error_set(KD_EIO, "%s: read error", path);
	else if (!b->data && (rc = kd_buf_grow(b, 0)) == 0)
		b->data[0] = '\0';
cleanup:
	fclose(f);
	return rc;
}
