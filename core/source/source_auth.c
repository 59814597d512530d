/*
 * source_auth — credentials for fetching a repository URL, read from
 * files (a mounted Secret) at each fetch: an HTTPS token or password, or
 * an SSH private key with the known_hosts entries the server's host key
 * must match (see kd_source_auth in source.h).
 *
 * Owns libgit2's credential and certificate callbacks.  Secret bytes are
 * held only for the call that needs them, wiped after, and never put in a
 * message.
 */
#include "source_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"

/* libgit2 asks again after a rejected credential; more than this many
 * tries in one fetch means the server refuses it. */
#define MAX_CRED_TRIES 2

static void wipe_buf(kd_buf *b)
{
	if (b->data)
		memset(b->data, 0, b->cap ? b->cap : b->len);
	kd_buf_free(b);
}

static int dup_opt(char **out, const char *s)
{
	*out = NULL;
	if (s && *s && !(*out = strdup(s)))
		return kd_error_set(KD_ENOMEM, "out of memory");
	return 0;
}

int kd_source_auth_copy(kd_source *src, const kd_source_auth *a)
{
	int rc;

	if (!a)
		return 0;
	if (a->ssh_key_file && *a->ssh_key_file && (!a->known_hosts_file || !*a->known_hosts_file))
		return kd_error_set(KD_EINVAL, "an SSH key needs a known_hosts file to check the "
				    "server's host key with");
	if ((rc = dup_opt(&src->auth_username, a->username)) < 0 ||
	    (rc = dup_opt(&src->auth_token_file, a->token_file)) < 0 ||
	    (rc = dup_opt(&src->auth_ssh_key_file, a->ssh_key_file)) < 0 ||
	    (rc = dup_opt(&src->auth_known_hosts, a->known_hosts_file)) < 0)
		return rc;
	return 0;
}

void kd_source_auth_free(kd_source *src)
{
	free(src->auth_username);
	free(src->auth_token_file);
	free(src->auth_ssh_key_file);
	free(src->auth_known_hosts);
}

static int credentials(git_credential **out, const char *url, const char *user_from_url,
		       unsigned int allowed, void *payload)
{
	kd_source *src = payload;
	const char *user = src->auth_username ? src->auth_username :
			   user_from_url && *user_from_url ? user_from_url : "git";
	kd_buf token = KD_BUF_INIT;
	size_t n;
	int rc;

	(void)url;
	if (++src->cred_tries > MAX_CRED_TRIES) {
		git_error_set_str(GIT_ERROR_NET, "the server refused the credentials");
		return GIT_EUSER;
	}
	if ((allowed & GIT_CREDENTIAL_SSH_KEY) && src->auth_ssh_key_file) {
		if (!src->auth_known_hosts) {
			git_error_set_str(GIT_ERROR_SSH, "an SSH key needs a known_hosts file to check the server");
			return GIT_EUSER;
		}
		return git_credential_ssh_key_new(out, user, NULL, src->auth_ssh_key_file, NULL);
	}
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && src->auth_token_file) {
		if (kd_buf_read_file(&token, src->auth_token_file, 64u << 10) < 0) {
			git_error_set_str(GIT_ERROR_NET, "cannot read the token file");
			return GIT_EUSER;
		}
		for (n = token.len; n && (token.data[n - 1] == '\n' || token.data[n - 1] == '\r' ||
					  token.data[n - 1] == ' '); n--)
			;
		kd_buf_truncate(&token, n);
		rc = git_credential_userpass_plaintext_new(out, user, kd_buf_cstr(&token));
		wipe_buf(&token);
		return rc;
	}
	/* nothing configured for what the server asks: let libgit2 say so */
	return GIT_PASSTHROUGH;
}

/* ---- known_hosts ---------------------------------------------------------- */

/* True when the comma-separated host patterns name host (or [host]:port). */
static bool host_listed(const char *hosts, size_t len, const char *host, int port)
{
	char want[300];
	const char *p = hosts, *end = hosts + len;

	if (port > 0 && port != 22)
		snprintf(want, sizeof(want), "[%s]:%d", host, port);
	else
		snprintf(want, sizeof(want), "%s", host);
	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		size_t n = (size_t)((c ? c : end) - p);

		if (n == strlen(want) && strncasecmp(p, want, n) == 0)
			return true;
		p = c ? c + 1 : end;
	}
	return false;
}

int kd_source_known_hosts_match(const char *text, const char *host, int port,
				const unsigned char *key, size_t key_len)
{
	const char *line = text;

	while (line && *line) {
		const char *eol = strchr(line, '\n'), *end = eol ? eol : line + strlen(line);
		const char *p = line, *hosts, *type, *b64;
		size_t hlen, tlen, blen;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		/* markers (@cert-authority, @revoked) and comments are not host keys */
		if (p < end && *p != '#' && *p != '@' && *p != '|') {
			hosts = p;
			while (p < end && *p != ' ' && *p != '\t')
				p++;
			hlen = (size_t)(p - hosts);
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			type = p;
			while (p < end && *p != ' ' && *p != '\t')
				p++;
			tlen = (size_t)(p - type);
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			b64 = p;
			while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
				p++;
			blen = (size_t)(p - b64);
			if (tlen && blen && host_listed(hosts, hlen, host, port)) {
				kd_buf k = KD_BUF_INIT;
				char *copy = strndup(b64, blen);
				bool same = copy && kd_base64_decode(&k, copy, blen) == 0 &&
					    k.len == key_len && memcmp(k.data, key, key_len) == 0;

				free(copy);
				kd_buf_free(&k);
				if (same)
					return 1;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return 0;
}

static int certificate_check(git_cert *cert, int valid, const char *host, void *payload)
{
	kd_source *src = payload;
	git_cert_hostkey *hk;
	kd_buf kh = KD_BUF_INIT;
	int ok;

	if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2)
		return valid ? 0 : GIT_PASSTHROUGH;   /* TLS: the system's trust store decides */
	hk = (git_cert_hostkey *)cert;
	if (!src->auth_known_hosts) {
		git_error_set_str(GIT_ERROR_SSH, "SSH needs a known_hosts file to check the server's host key");
		return GIT_ECERTIFICATE;
	}
	if (!(hk->type & GIT_CERT_SSH_RAW)) {
		git_error_set_str(GIT_ERROR_SSH, "the server's host key cannot be checked");
		return GIT_ECERTIFICATE;
	}
	if (kd_buf_read_file(&kh, src->auth_known_hosts, 4u << 20) < 0) {
		git_error_set_str(GIT_ERROR_SSH, "cannot read the known_hosts file");
		return GIT_ECERTIFICATE;
	}
	ok = kd_source_known_hosts_match(kd_buf_cstr(&kh), host, src->ssh_port,
					 (const unsigned char *)hk->hostkey, hk->hostkey_len);
	kd_buf_free(&kh);
	if (!ok) {
		git_error_set_str(GIT_ERROR_SSH, "the server's host key is not in the known_hosts file");
		return GIT_ECERTIFICATE;
	}
	return 0;
}

void kd_source_auth_callbacks(kd_source *src, git_remote_callbacks *cb)
{
	src->cred_tries = 0;
	cb->credentials = credentials;
	cb->certificate_check = certificate_check;
	cb->payload = src;
}
