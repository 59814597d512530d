/*
 * certs — a throw-away CA and a server certificate for 127.0.0.1/localhost,
 * generated at start so that clients verify TLS for real.
 */
#include "ks.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static char *bio_string(BIO *bio)
{
	char *data = NULL, *out;
	long n = BIO_get_mem_data(bio, &data);

	if (n < 0)
		return NULL;
	out = malloc((size_t)n + 1);
	if (!out)
		return NULL;
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	return out;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return 0;
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer,
		       EVP_PKEY *issuer_key, bool ca)
{
	X509 *cert = X509_new();
	ASN1_INTEGER *serial;
	unsigned char rnd[16];

	if (!cert)
		return NULL;
	X509_set_version(cert, 2);
	serial = X509_get_serialNumber(cert);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		goto fail;
	rnd[0] &= 0x7f;
	{
		BIGNUM *bn = BN_bin2bn(rnd, sizeof(rnd), NULL);
		if (!bn || !BN_to_ASN1_INTEGER(bn, serial)) {
			BN_free(bn);
			goto fail;
		}
		BN_free(bn);
	}
	X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(cert), 3600L * 24 * 365);
	X509_set_pubkey(cert, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	if (!issuer)
		issuer = cert;
	X509_set_issuer_name(cert, X509_get_subject_name(issuer));
	if (ca) {
		if (add_ext(cert, issuer, NID_basic_constraints, "critical,CA:TRUE") ||
		    add_ext(cert, issuer, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") ||
		    add_ext(cert, issuer, NID_subject_key_identifier, "hash"))
			goto fail;
	} else {
		if (add_ext(cert, issuer, NID_basic_constraints, "critical,CA:FALSE") ||
		    add_ext(cert, issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
		    add_ext(cert, issuer, NID_ext_key_usage, "serverAuth") ||
		    add_ext(cert, issuer, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"))
			goto fail;
	}
	if (!X509_sign(cert, issuer_key, EVP_sha256()))
		goto fail;
	return cert;
fail:
	X509_free(cert);
	return NULL;
}

static char *cert_pem(X509 *cert)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (bio && PEM_write_bio_X509(bio, cert))
		s = bio_string(bio);
	BIO_free(bio);
	return s;
}

int ks_certs_generate(char **ca_out, char **cert_out, char **key_out)
{
	EVP_PKEY *ca_key = NULL, *key = NULL;
	X509 *ca = NULL, *cert = NULL;
	BIO *bio = NULL;
	int rc = KD_ERROR;

	*ca_out = *cert_out = *key_out = NULL;
	ca_key = EVP_EC_gen("P-256");
	key = EVP_EC_gen("P-256");
	if (!ca_key || !key)
		goto cleanup;
	ca = make_cert(ca_key, "kubesim-ca", NULL, ca_key, true);
	if (!ca)
		goto cleanup;
	cert = make_cert(key, "kubesim", ca, ca_key, false);
	if (!cert)
		goto cleanup;
	bio = BIO_new(BIO_s_mem());
	if (!bio || !PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0, NULL, NULL))
		goto cleanup;
	*key_out = bio_string(bio);
	*ca_out = cert_pem(ca);
	*cert_out = cert_pem(cert);
	if (*key_out && *ca_out && *cert_out)
		rc = 0;
cleanup:
	if (rc < 0) {
		free(*ca_out);
		free(*cert_out);
		free(*key_out);
		*ca_out = *cert_out = *key_out = NULL;
		kd_error_set(KD_ERROR, "generating the TLS certificates failed");
	}
	BIO_free(bio);
	X509_free(ca);
	X509_free(cert);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
	return rc;
}
