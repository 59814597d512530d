/*
 * buf — a growable byte buffer, always NUL-terminated.
 *
 * Used for everything that comes from the network, Git or a user, so that no
 * text of unknown length ever lands in a fixed array.
 */
#ifndef KD_BUF_H
#define KD_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "error.h"

typedef struct kd_buf {
	char *data;  /* NUL-terminated once anything was added; may be NULL when empty */
	size_t len;
	size_t cap;
} kd_buf;

#define KD_BUF_INIT { NULL, 0, 0 }

/* Make room for `extra` more bytes plus the terminator. */
int kd_buf_grow(kd_buf *b, size_t extra);
int kd_buf_add(kd_buf *b, const void *data, size_t len);
int kd_buf_puts(kd_buf *b, const char *s);
int kd_buf_putc(kd_buf *b, char c);
int kd_buf_printf(kd_buf *b, const char *fmt, ...) KD_PRINTF(2, 3);
int kd_buf_vprintf(kd_buf *b, const char *fmt, va_list ap);

/* The contents as a C string; "" for an empty buffer, never NULL. */
const char *kd_buf_cstr(const kd_buf *b);

void kd_buf_clear(kd_buf *b);            /* length 0, keeps the memory */
void kd_buf_truncate(kd_buf *b, size_t len);
char *kd_buf_detach(kd_buf *b);          /* caller frees; buffer becomes empty */
void kd_buf_free(kd_buf *b);             /* frees the memory, buffer becomes empty */

/* Reads a whole file (at most max_bytes, 0 = no limit) into b. */
int kd_buf_read_file(kd_buf *b, const char *path, size_t max_bytes);

#endif
