/*
 * base64 — RFC 4648 encoding and decoding (see base.h).
 */
#include "base/base.h"

#include <stdint.h>


static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int kd_base64_encode(kd_buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;
	int rc;

	if ((rc = kd_buf_grow(out, (len + 2) / 3 * 4)) < 0)
		return rc;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		char q[4] = { alphabet[v >> 18], alphabet[(v >> 12) & 63],
			      alphabet[(v >> 6) & 63], alphabet[v & 63] };

		kd_buf_add(out, q, 4);
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		char q[4] = { alphabet[v >> 18], alphabet[(v >> 12) & 63], '=', '=' };

		kd_buf_add(out, q, 4);
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		char q[4] = { alphabet[v >> 18], alphabet[(v >> 12) & 63],
			      alphabet[(v >> 6) & 63], '=' };

		kd_buf_add(out, q, 4);
	}
	return 0;
}

static int value_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int kd_base64_decode(kd_buf *out, const char *text, size_t len)
{
	uint32_t acc = 0;
	int bits = 0, v, rc;
	size_t i, pad = 0;

	if ((rc = kd_buf_grow(out, len / 4 * 3 + 3)) < 0)
		return rc;
	for (i = 0; i < len; i++) {
		char c = text[i];

		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad || (v = value_of(c)) < 0)
			return kd_error_set(KD_EINVAL,
					    "invalid base64 at offset %zu", i);
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			char byte = (char)((acc >> (bits - 8)) & 0xff);

			bits -= 8;
			kd_buf_putc(out, byte);
		}
	}
	if (pad > 2 || bits >= 6)
		return kd_error_set(KD_EINVAL, "invalid base64 length");
	if (!out->data)
		return kd_buf_add(out, "", 0);
	return 0;
}

int kd_base64_decode_strict(kd_buf *out, const char *text, size_t len)
{
	size_t i, pad = 0, before = out->len;
	int rc;

	if (len % 4 != 0)
		return kd_error_set(KD_EINVAL, "base64 length %zu is not a multiple of 4", len);
	while (pad < 2 && pad < len && text[len - 1 - pad] == '=')
		pad++;
	for (i = 0; i < len - pad; i++)
		if (value_of(text[i]) < 0)
			return kd_error_set(KD_EINVAL, "invalid base64 at offset %zu", i);
	if ((rc = kd_base64_decode(out, text, len)) < 0)
		kd_buf_truncate(out, before);
	return rc;
}
