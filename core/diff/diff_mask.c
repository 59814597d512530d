/*
 * diff_mask — masks for Secret values (see kd_diff_mask in diff.h).
 *
 * A mask is HMAC-SHA256 under a key drawn once per process, truncated to 48
 * bits: stable within the process (so equal values line up in the UI and
 * across clusters), meaningless outside it, and never a plain hash that a
 * dictionary of likely passwords could reverse.
 */
#include "diff/diff.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "data/data.h"

static unsigned char mask_key[32];
static pthread_once_t mask_once = PTHREAD_ONCE_INIT;

static void mask_key_init(void)
{
	if (RAND_bytes(mask_key, sizeof(mask_key)) == 1)
		return;
	if (getentropy(mask_key, sizeof(mask_key)) == 0)
		return;
	/* No entropy source at all: still never fall back to an unkeyed hash.
	 * Mix what varies between processes; weak, but masks stay keyed. */
	{
		struct {
			struct timespec ts;
			pid_t pid;
			const void *addr;
		} seed;
		unsigned int len = sizeof(mask_key);

		clock_gettime(CLOCK_REALTIME, &seed.ts);
		seed.pid = getpid();
		seed.addr = (const void *)&seed;
		EVP_Digest(&seed, sizeof(seed), mask_key, &len, EVP_sha256(), NULL);
	}
}

/* HMAC-SHA256 (RFC 2104) of domain || value, on the EVP digest interface
 * (OpenSSL 3 deprecates the HMAC_CTX one).  Leaves md zero on failure. */
static void hmac(unsigned char md[32], unsigned char domain, const void *value,
		 size_t len)
{
	unsigned char pad[64], inner[32];
	unsigned int n = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t i;
	bool ok;

	memset(md, 0, 32);
	if (!ctx)
		return;
	memset(pad, 0x36, sizeof(pad));
	for (i = 0; i < sizeof(mask_key); i++)
		pad[i] ^= mask_key[i];
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, pad, sizeof(pad)) == 1 &&
	     EVP_DigestUpdate(ctx, &domain, 1) == 1 &&
	     EVP_DigestUpdate(ctx, value, len) == 1 &&
	     EVP_DigestFinal_ex(ctx, inner, &n) == 1;
	memset(pad, 0x5c, sizeof(pad));
	for (i = 0; i < sizeof(mask_key); i++)
		pad[i] ^= mask_key[i];
	ok = ok && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, pad, sizeof(pad)) == 1 &&
	     EVP_DigestUpdate(ctx, inner, sizeof(inner)) == 1 &&
	     EVP_DigestFinal_ex(ctx, md, &n) == 1;
	if (!ok)
		memset(md, 0, 32);
	EVP_MD_CTX_free(ctx);
}

/* Masks `len` bytes with a domain byte in front, so that an undecodable
 * data value never masks like a decoded one. */
static void mask_domain(char out[KD_DIFF_MASK_SIZE], unsigned char domain,
			const void *value, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	size_t i;

	pthread_once(&mask_once, mask_key_init);
	hmac(md, domain, value, len);
	memcpy(out, "<masked:", 8);
	for (i = 0; i < 6; i++) {
		out[8 + 2 * i] = hex[md[i] >> 4];
		out[9 + 2 * i] = hex[md[i] & 15];
	}
	out[20] = '>';
	out[21] = '\0';
}

void kd_diff_mask(char out[KD_DIFF_MASK_SIZE], const void *value, size_t len)
{
	mask_domain(out, 0, value, len);
}

int kd_diff_mask_secret_value(json_t **out, const json_t *value,
			      bool is_base64)
{
	char mask[KD_DIFF_MASK_SIZE];
	kd_buf raw = KD_BUF_INIT;
	const char *s;
	size_t len;
	int rc = 0;

	*out = NULL;
	if (!json_is_string(value) || json_string_length(value) == 0) {
		/* null and "" are "no value"; anything else the server would
		 * refuse, but it must still never be shown: mask its JSON. */
		if (!value || json_is_null(value) || json_is_string(value))
			return 0;
		s = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
		if (!s)
			return kd_error_set(KD_ENOMEM, "out of memory");
		mask_domain(mask, 2, s, strlen(s));
		free((void *)s);
		goto done;
	}
	s = json_string_value(value);
	len = json_string_length(value);
	if (is_base64) {
		rc = kd_base64_decode_strict(&raw, s, len);
		if (rc < 0 && rc != KD_EINVAL)
			goto cleanup;
		if (rc == 0) {
			if (raw.len == 0) {
				rc = 0;
				goto cleanup; /* "" after decoding: no value */
			}
			mask_domain(mask, 0, raw.data, raw.len);
		} else {
			mask_domain(mask, 1, s, len);
		}
		rc = 0;
	} else {
		mask_domain(mask, 0, s, len);
	}
done:
	*out = json_string(mask);
	if (!*out)
		rc = kd_error_set(KD_ENOMEM, "out of memory");
cleanup:
	kd_buf_free(&raw);
	return rc;
}

bool kd_diff_is_secret(const json_t *obj)
{
	const char *kind = kd_json_str(obj, "kind");
	const char *api = kd_json_str(obj, "apiVersion");

	return kind && api && strcmp(kind, "Secret") == 0 &&
	       strcmp(api, "v1") == 0;
}

int kd_diff_secret_masks(json_t **out, const json_t *secret)
{
	static const char *const parts[] = { "data", "stringData" };
	json_t *masks = json_object();
	const char *key;
	json_t *v, *m;
	size_t p;
	int rc = 0;

	*out = NULL;
	if (!masks)
		return kd_error_set(KD_ENOMEM, "out of memory");
	for (p = 0; p < 2; p++) {
		json_object_foreach(kd_json_obj(secret, parts[p]), key, v) {
			if ((rc = kd_diff_mask_secret_value(&m, v, p == 0)) < 0)
				goto cleanup;
			if (!m) {
				json_object_del(masks, key);
				continue;
			}
			if (json_object_set_new(masks, key, m) < 0) {
				rc = kd_error_set(KD_ENOMEM, "out of memory");
				goto cleanup;
			}
		}
	}
	*out = masks;
	masks = NULL;
cleanup:
	json_decref(masks);
	return rc;
}
