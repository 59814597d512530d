/*
 * audit_priv — what the files of core/audit share: the key, MACs and the
 * anchor file (audit_anchor.c).  Not for other parts.
 */
#ifndef KD_AUDIT_PRIV_H
#define KD_AUDIT_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "audit/audit.h"
#include "base/base.h"

/* The key bytes of the configured key file (key_file NULL: the
 * environment).  *have false and key empty when none is configured.
 * Wipe with audit_key_wipe. */
int audit_key_load(kd_buf *key, bool *have, const char *key_file);
void audit_key_wipe(kd_buf *key);

/* HMAC-SHA-256 of data under key, lowercase hex. */
int audit_hmac_hex(char hex[65], const kd_buf *key, const void *data, size_t len);

/* The MAC of a record line: `line` must end with ,"mac":"<64 hex>"};
 * *body_len receives the length of the line without that suffix (its
 * '}' then follows at that offset).  False when the line has no MAC. */
bool audit_line_mac(const char **mac, size_t *body_len, const char *line, size_t len);

/* MAC of a record line without its mac: the text up to body_len plus "}". */
int audit_record_mac(char hex[65], const kd_buf *key, const char *line, size_t body_len);

/* The anchor file.  *found false when there is none. */
typedef struct audit_anchor {
	kd_audit_head head;
	bool has_mac;
	char mac[65];
} audit_anchor;

int audit_anchor_read(audit_anchor *out, bool *found, const char *anchor_path);
/* Writes the anchor atomically, with a MAC when key is non-empty. */
int audit_anchor_write(const char *anchor_path, const kd_audit_head *head,
		       const char *id, const kd_buf *key);
/* The MAC the anchor of `head` carries under key. */
int audit_anchor_mac(char hex[65], const kd_buf *key, const kd_audit_head *head);

#endif
