/*
 * audit_anchor — what makes the audit chain's head checkable from outside
 * the log: the anchor file next to it, the head's trailer text, the key
 * file and the HMACs it keys (see audit.h).  Never prints; never lets the
 * key out of the buffers it is read into.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "audit_priv.h"
#include "base/base.h"
#include "data/data.h"

#define KEY_MIN 16
#define KEY_MAX 4096
#define ANCHOR_MAX 4096
#define MAC_SUFFIX_LEN (sizeof(",\"mac\":\"") - 1 + 64 + 2)

static bool is_hex64(const char *s, size_t len)
{
	size_t i;

	if (len != 64)
		return false;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* ---- the key ---- */

void audit_key_wipe(kd_buf *key)
{
	if (key->data)
		OPENSSL_cleanse(key->data, key->len);
	kd_buf_free(key);
}

const char *kd_audit_key_file_pick(const char *configured)
{
	const char *env = getenv(KD_AUDIT_KEY_ENV);

	return env && env[0] ? NULL : configured;
}

int audit_key_load(kd_buf *key, bool *have, const char *key_file)
{
	kd_buf home = KD_BUF_INIT;
	struct stat st;
	int rc;

	*have = false;
	if (!key_file)
		key_file = getenv(KD_AUDIT_KEY_ENV);
	if (!key_file || !key_file[0])
		return 0;
	if (strncmp(key_file, "~/", 2) == 0) {
		const char *h = getenv("HOME");

		if (!h || h[0] != '/')
			return kd_error_set(KD_EINVAL, "audit key file %s: HOME is not an absolute "
					    "path", key_file);
		if (kd_buf_printf(&home, "%s%s", h, key_file + 1) < 0)
			return kd_error_set(KD_ENOMEM, "out of memory");
		rc = audit_key_load(key, have, kd_buf_cstr(&home));
		kd_buf_free(&home);
		return rc;
	}
	if (stat(key_file, &st) < 0)
		return kd_error_set(errno == ENOENT ? KD_ENOTFOUND : KD_EIO,
				    "audit key file %s: %s", key_file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return kd_error_set(KD_EINVAL, "audit key file %s is not a regular file", key_file);
	/* A key others can read keys nothing. */
	if (st.st_mode & 077)
		return kd_error_set(KD_EINVAL, "audit key file %s is readable by others: "
				    "chmod 600 it", key_file);
	rc = kd_buf_read_file(key, key_file, KEY_MAX);
	if (rc < 0) {
		audit_key_wipe(key);
		return kd_error_wrap(rc, "audit key file %s: ", key_file);
	}
	if (key->len > 0 && key->data[key->len - 1] == '\n')
		key->len--;
	if (key->len > 0 && key->data[key->len - 1] == '\r')
		key->len--;
	if (key->len < KEY_MIN) {
		audit_key_wipe(key);
		return kd_error_set(KD_EINVAL, "audit key file %s holds fewer than %d bytes",
				    key_file, KEY_MIN);
	}
	*have = true;
	return 0;
}

int audit_hmac_hex(char hex[65], const kd_buf *key, const void *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t i;

	if (!HMAC(EVP_sha256(), key->data, (int)key->len, data, len, md, &mdlen) || mdlen != 32)
		return kd_error_set(KD_ERROR, "HMAC-SHA-256 failed");
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

bool audit_line_mac(const char **mac, size_t *body_len, const char *line, size_t len)
{
	const char *tail;

	if (len < MAC_SUFFIX_LEN + 1)
		return false;
	tail = line + len - MAC_SUFFIX_LEN;
	if (strncmp(tail, ",\"mac\":\"", 8) != 0 || strncmp(line + len - 2, "\"}", 2) != 0 ||
	    !is_hex64(tail + 8, 64))
		return false;
	*mac = tail + 8;
	*body_len = (size_t)(tail - line);
	return true;
}

int audit_record_mac(char hex[65], const kd_buf *key, const char *line, size_t body_len)
{
	kd_buf body = KD_BUF_INIT;
	int rc;

	if ((rc = kd_buf_add(&body, line, body_len)) == 0 && (rc = kd_buf_putc(&body, '}')) == 0)
		rc = audit_hmac_hex(hex, key, body.data, body.len);
	kd_buf_free(&body);
	return rc;
}

/* ---- the head as text ---- */

int kd_audit_head_format(kd_buf *out, const kd_audit_head *head)
{
	return kd_buf_printf(out, "%" PRId64 " %s", head->seq, head->hash);
}

int kd_audit_head_parse(kd_audit_head *out, const char *text)
{
	const char *p = text;
	char *end;
	long long seq;
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	errno = 0;
	seq = strtoll(p, &end, 10);
	if (end == p || errno || seq < 0 || (*end != ' ' && *end != '\t'))
		goto bad;
	p = end;
	while (*p == ' ' || *p == '\t')
		p++;
	n = strcspn(p, " \t\r\n");
	if (!is_hex64(p, n) || p[n + strspn(p + n, " \t\r\n")] != '\0')
		goto bad;
	out->seq = seq;
	memcpy(out->hash, p, 64);
	out->hash[64] = '\0';
	return 0;
bad:
	return kd_error_set(KD_EINVAL, "'%s' is not an audit head (SEQ SHA256)", text);
}

/* ---- the anchor file ---- */

int kd_audit_anchor_path(char **out, const char *log_path)
{
	char *def = NULL;
	kd_buf b = KD_BUF_INIT;
	int rc;

	*out = NULL;
	if (!log_path) {
		if ((rc = kd_audit_default_path(&def)) < 0)
			return rc;
		log_path = def;
	}
	rc = kd_buf_printf(&b, "%s.head", log_path);
	free(def);
	if (rc < 0) {
		kd_buf_free(&b);
		return rc;
	}
	*out = kd_buf_detach(&b);
	return 0;
}

int audit_anchor_mac(char hex[65], const kd_buf *key, const kd_audit_head *head)
{
	kd_buf msg = KD_BUF_INIT;
	int rc;

	/* A fixed prefix so an anchor MAC is never valid as a record MAC. */
	if ((rc = kd_buf_printf(&msg, "kdrift audit head %" PRId64 " %s", head->seq,
				head->hash)) == 0)
		rc = audit_hmac_hex(hex, key, msg.data, msg.len);
	kd_buf_free(&msg);
	return rc;
}

int audit_anchor_read(audit_anchor *out, bool *found, const char *anchor_path)
{
	kd_buf b = KD_BUF_INIT;
	json_t *doc = NULL, *seq;
	const char *hash, *mac;
	int rc;

	memset(out, 0, sizeof(*out));
	*found = false;
	rc = kd_buf_read_file(&b, anchor_path, ANCHOR_MAX);
	if (rc == KD_ENOTFOUND || (rc < 0 && errno == ENOENT)) {
		kd_error_clear();
		kd_buf_free(&b);
		return 0;
	}
	if (rc < 0)
		goto cleanup;
	*found = true;
	doc = json_loadb(b.data ? b.data : "", b.len, JSON_REJECT_DUPLICATES, NULL);
	seq = json_object_get(doc, "seq");
	hash = kd_json_str(doc, "hash");
	mac = kd_json_str(doc, "mac");
	if (!json_is_integer(seq) || json_integer_value(seq) < 0 || !hash ||
	    !is_hex64(hash, strlen(hash)) || (mac && !is_hex64(mac, strlen(mac))) ||
	    (json_object_get(doc, "mac") && !mac)) {
		rc = kd_error_set(KD_EINVAL, "%s is not an audit anchor (seq, hash)", anchor_path);
		goto cleanup;
	}
	out->head.seq = (int64_t)json_integer_value(seq);
	memcpy(out->head.hash, hash, 65);
	if (mac) {
		out->has_mac = true;
		memcpy(out->mac, mac, 65);
	}
cleanup:
	json_decref(doc);
	kd_buf_free(&b);
	return rc;
}

int audit_anchor_write(const char *anchor_path, const kd_audit_head *head, const char *id,
		       const kd_buf *key)
{
	kd_buf b = KD_BUF_INIT;
	char mac[65];
	int rc;

	if ((rc = kd_buf_printf(&b, "{\"seq\":%" PRId64 ",\"hash\":\"%s\",\"id\":\"%s\"",
				head->seq, head->hash, id ? id : "")) < 0)
		goto cleanup;
	if (key && key->len > 0) {
		if ((rc = audit_anchor_mac(mac, key, head)) < 0 ||
		    (rc = kd_buf_printf(&b, ",\"mac\":\"%s\"", mac)) < 0)
			goto cleanup;
	}
	if ((rc = kd_buf_puts(&b, "}\n")) < 0)
		goto cleanup;
	rc = kd_fs_write_atomic(anchor_path, b.data, b.len);
	if (rc < 0)
		kd_error_wrap(rc, "the audit record was written, but not its anchor: ");
cleanup:
	kd_buf_free(&b);
	return rc;
}
