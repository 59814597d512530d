/*
 * base64 — RFC 4648 standard alphabet, as Kubernetes uses for Secret data
 * and for the *-data fields of kubeconfig files.
 */
#ifndef KD_BASE64_H
#define KD_BASE64_H

#include <stddef.h>

#include "buf.h"

/* Appends the encoding of data to out (with '=' padding). */
int kd_base64_encode(kd_buf *out, const void *data, size_t len);

/* Appends the decoded bytes to out.  White space is skipped, padding is
 * optional; any other character outside the alphabet is KD_EINVAL. */
int kd_base64_decode(kd_buf *out, const char *text, size_t len);

/* As the API server reads Secret data: the length a multiple of four, '='
 * padding only at the end, no white space.  KD_EINVAL otherwise, with out
 * left as it was. */
int kd_base64_decode_strict(kd_buf *out, const char *text, size_t len);

#endif
