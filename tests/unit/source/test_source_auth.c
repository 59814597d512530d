/*
 * Tests for core/source/source_auth.c: matching a server's SSH host key
 * against known_hosts text (plain host names, [host]:port, several names on
 * a line, comments, markers and hashed entries left alone, the wrong key).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "source/source.h"

/* "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
 * decodes to these 51 bytes (the key blob libssh2 hands over raw). */
static const char known[] =
	"# a comment\n"
	"@cert-authority *.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
	"|1|c2FsdA==|aGFzaA== ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
	"git.example.com,10.0.0.7 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
	"[git.example.com]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl comment\n";

static void key(unsigned char *out, size_t *len)
{
	static const unsigned char head[] = {
		0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9', 0, 0, 0, 32,
	};
	static const unsigned char tail[32] = {
		0xe3, 0x2a, 0xaa, 0x79, 0x15, 0xce, 0xb9, 0xb4, 0x49, 0xd1, 0xba, 0x50, 0xea, 0x2a,
		0x28, 0xbb, 0x1a, 0x6e, 0x01, 0xf9, 0x0b, 0xda, 0x24, 0x5a, 0x2d, 0x1d, 0x87, 0x69,
		0x7d, 0x18, 0xa2, 0x65,
	};

	memcpy(out, head, sizeof(head));
	memcpy(out + sizeof(head), tail, sizeof(tail));
	*len = sizeof(head) + sizeof(tail);
}

static void test_match(void **state)
{
	unsigned char k[64];
	size_t n;

	(void)state;
	key(k, &n);
	assert_int_equal(kd_source_known_hosts_match(known, "git.example.com", 0, k, n), 1);
	assert_int_equal(kd_source_known_hosts_match(known, "GIT.example.com", 22, k, n), 1);
	assert_int_equal(kd_source_known_hosts_match(known, "10.0.0.7", 0, k, n), 1);
	assert_int_equal(kd_source_known_hosts_match(known, "git.example.com", 2222, k, n), 1);
	/* a port nobody listed, a host only a marker or a hash names */
	assert_int_equal(kd_source_known_hosts_match(known, "10.0.0.7", 2222, k, n), 0);
	assert_int_equal(kd_source_known_hosts_match(known, "other.example.com", 0, k, n), 0);
	/* another key for a listed host */
	k[n - 1] ^= 1;
	assert_int_equal(kd_source_known_hosts_match(known, "git.example.com", 0, k, n), 0);
	assert_int_equal(kd_source_known_hosts_match("", "git.example.com", 0, k, n), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
