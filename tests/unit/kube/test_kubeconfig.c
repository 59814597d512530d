/*
 * Tests for core/kube/kubeconfig.c and core/kube/kubeexec.c: merging kubeconfig files
 * as kubectl does, every credential form, and exec plugins run for real.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/base.h"
#include "kube/kube.h"

static char dir[64];

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static char *path_of(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/kdrift-kubeconfig-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	mkdir(path_of("certs"), 0700);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char first_config[] =
	"apiVersion: v1\n"
	"kind: Config\n"
	"current-context: prod\n"
	"clusters:\n"
	"- name: prod\n"
	"  cluster:\n"
	"    server: https://prod.example.test:6443/\n"
	"    certificate-authority: certs/ca.pem\n"
	"- name: shared\n"
	"  cluster:\n"
	"    server: https://first.example.test\n"
	"users:\n"
	"- name: admin\n"
	"  user:\n"
	"    token: first-secret-token\n"
	"contexts:\n"
	"- name: prod\n"
	"  context: {cluster: prod, user: admin, namespace: payments}\n"
	"- name: shared\n"
	"  context: {cluster: shared, user: admin}\n";

static const char second_config[] =
	"apiVersion: v1\n"
	"kind: Config\n"
	"current-context: dev\n"
	"clusters:\n"
	"- name: shared\n"
	"  cluster:\n"
	"    server: https://second.example.test\n"
	"- name: dev\n"
	"  cluster:\n"
	"    server: https://127.0.0.1:8443/clusters/dev\n"
	"    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n"
	"    tls-server-name: api.dev.test\n"
	"    proxy-url: http://proxy.test:3128\n"
	"- name: lab\n"
	"  cluster:\n"
	"    server: https://lab.test\n"
	"    insecure-skip-tls-verify: true\n"
	"users:\n"
	"- name: admin\n"
	"  user:\n"
	"    token: second-token-must-lose\n"
	"- name: dev-user\n"
	"  user:\n"
	"    tokenFile: dev-token\n"
	"- name: cert-user\n"
	"  user:\n"
	"    client-certificate-data: Q0VSVA==\n"
	"    client-key-data: S0VZ\n"
	"contexts:\n"
	"- name: dev\n"
	"  context: {cluster: dev, user: dev-user}\n"
	"- name: lab\n"
	"  context: {cluster: lab, user: cert-user}\n"
	"- name: dangling\n"
	"  context: {cluster: nowhere, user: admin}\n";

static kd_kubeconfig *load_both(void)
{
	kd_kubeconfig *kc = NULL;
	char list[600];

	write_file("first", first_config, 0600);
	write_file("second", second_config, 0600);
	write_file("certs/ca.pem", "CA FROM FILE\n", 0600);
	snprintf(list, sizeof(list), "%s/first:%s/missing:%s/second", dir, dir, dir);
	setenv("KUBECONFIG", list, 1);
	assert_int_equal(kd_kubeconfig_load(&kc, NULL), 0);
	unsetenv("KUBECONFIG");
	return kc;
}

static void test_merge_first_file_wins(void **state)
{
	kd_kubeconfig *kc = load_both();
	kd_kube_target *t = NULL;
	json_t *names;

	(void)state;
	assert_string_equal(kd_kubeconfig_current_context(kc), "prod");
	names = kd_kubeconfig_contexts(kc);
	assert_int_equal(json_array_size(names), 5);
	assert_string_equal(json_string_value(json_array_get(names, 0)), "prod");
	json_decref(names);

	assert_int_equal(kd_kube_target_new(&t, kc, NULL), 0);
	assert_string_equal(t->context, "prod");
	assert_string_equal(t->server, "https://prod.example.test:6443");
	assert_string_equal(t->namespace, "payments");
	assert_string_equal(t->token, "first-secret-token");
	/* relative to the file that named it */
	assert_string_equal(kd_buf_cstr(&t->ca_pem), "CA FROM FILE\n");
	kd_kube_target_free(t);

	assert_int_equal(kd_kube_target_new(&t, kc, "shared"), 0);
	assert_string_equal(t->server, "https://first.example.test");
	kd_kube_target_free(t);
	kd_kubeconfig_free(kc);
}

static void test_cluster_fields(void **state)
{
	kd_kubeconfig *kc = load_both();
	kd_kube_target *t = NULL;

	(void)state;
	assert_int_equal(kd_kube_target_new(&t, kc, "dev"), 0);
	assert_string_equal(t->server, "https://127.0.0.1:8443/clusters/dev");
	assert_string_equal(kd_buf_cstr(&t->ca_pem), "-----BEGIN CERTIFICATE-----\n");
	assert_string_equal(t->tls_server_name, "api.dev.test");
	assert_string_equal(t->proxy_url, "http://proxy.test:3128");
	assert_false(t->insecure);
	assert_null(t->namespace);
	kd_kube_target_free(t);

	assert_int_equal(kd_kube_target_new(&t, kc, "lab"), 0);
	assert_true(t->insecure);
	assert_string_equal(kd_buf_cstr(&t->client_cert_pem), "CERT");
	assert_string_equal(kd_buf_cstr(&t->client_key_pem), "KEY");
	kd_kube_target_free(t);
	kd_kubeconfig_free(kc);
}

static void test_token_file_reread(void **state)
{
	kd_kubeconfig *kc = load_both();
	kd_kube_target *t = NULL;

	(void)state;
	write_file("dev-token", "token-one\n", 0600);
	assert_int_equal(kd_kube_target_new(&t, kc, "dev"), 0);
	assert_int_equal(kd_kube_target_refresh(t, time(NULL)), 0);
	assert_string_equal(t->token, "token-one");
	write_file("dev-token", "token-two", 0600);
	assert_int_equal(kd_kube_target_refresh(t, time(NULL)), 0);
	assert_string_equal(t->token, "token-two");
	unlink(path_of("dev-token"));
	assert_int_not_equal(kd_kube_target_refresh(t, time(NULL)), 0);
	assert_non_null(strstr(kd_error_last(), "tokenFile"));
	assert_null(strstr(kd_error_last(), "token-two"));
	kd_kube_target_free(t);
	kd_kubeconfig_free(kc);
}

static void test_errors_name_the_problem(void **state)
{
	kd_kubeconfig *kc = load_both(), *bad = NULL;
	kd_kube_target *t = NULL;
	static const char bad_cert[] =
		"clusters: [{name: c, cluster: {server: https://x.test}}]\n"
		"users: [{name: u, user: {token: hunter2-secret, client-certificate-data: Q0VSVA==}}]\n"
		"contexts: [{name: c, context: {cluster: c, user: u}}]\n";
	static const char bad_server[] =
		"clusters: [{name: c, cluster: {server: ftp://x.test}}]\n"
		"contexts: [{name: c, context: {cluster: c}}]\n";
	static const char bad_yaml[] = "clusters:\n- name: c\n  cluster: [unclosed\n";
	static const char token_list[] =
		"clusters: [{name: c, cluster: {server: https://x.test}}]\n"
		"users:\n- name: u\n  user:\n    token: [hunter2, other]\n"
		"contexts: [{name: c, context: {cluster: c, user: u}}]\n";
	static const char insecure_text[] =
		"clusters:\n- name: c\n  cluster:\n    server: https://x.test\n"
		"    insecure-skip-tls-verify: 'yes'\n";

	(void)state;
	/* Typed fields as kubectl types them: refused at their line. */
	assert_int_equal(kd_kubeconfig_parse(&bad, token_list, sizeof(token_list) - 1, "kc", "."),
			 KD_EINVAL);
	assert_null(bad);
	assert_non_null(strstr(kd_error_last(), "kc:5:5: users"));
	assert_non_null(strstr(kd_error_last(), "'token' must be a string, not a list"));
	assert_null(strstr(kd_error_last(), "hunter2"));
	assert_int_equal(kd_kubeconfig_parse(&bad, insecure_text, sizeof(insecure_text) - 1, "kc", "."),
			 KD_EINVAL);
	assert_null(bad);
	assert_non_null(strstr(kd_error_last(), "'insecure-skip-tls-verify' must be a boolean"));
	assert_int_equal(kd_kube_target_new(&t, kc, "dangling"), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "cluster 'nowhere'"));
	assert_int_equal(kd_kube_target_new(&t, kc, "absent"), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "no context 'absent'"));
	kd_kubeconfig_free(kc);

	assert_int_equal(kd_kubeconfig_parse(&kc, bad_cert, sizeof(bad_cert) - 1, "x", "."), 0);
	assert_int_equal(kd_kube_target_new(&t, kc, "c"), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "client key"));
	assert_null(strstr(kd_error_last(), "hunter2"));
	kd_kubeconfig_free(kc);

	assert_int_equal(kd_kubeconfig_parse(&kc, bad_server, sizeof(bad_server) - 1, "x", "."), 0);
	assert_int_equal(kd_kube_target_new(&t, kc, "c"), KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "not an http(s) URL"));
	kd_kubeconfig_free(kc);

	assert_int_equal(kd_kubeconfig_parse(&kc, bad_yaml, sizeof(bad_yaml) - 1, "broken.yaml", "."),
			 KD_EINVAL);
	assert_non_null(strstr(kd_error_last(), "broken.yaml:"));

	assert_int_equal(kd_kubeconfig_load(&kc, path_of("does-not-exist")), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "does-not-exist"));
}

/* No kubeconfig at all is one error naming what was looked for; a named
 * file, or any one file of $KUBECONFIG or ~/.kube/config, is enough. */
static void test_require_names_what_was_looked_for(void **state)
{
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL, list[600];

	(void)state;
	unsetenv("KUBECONFIG");
	setenv("HOME", dir, 1);   /* no .kube/config there */
	assert_int_equal(kd_kubeconfig_require(NULL), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "no kubeconfig: --kubeconfig not given, $KUBECONFIG "
					       "not set and "));
	assert_non_null(strstr(kd_error_last(), "/.kube/config does not exist"));
	assert_int_equal(kd_kubeconfig_require(path_of("anything")), 0);

	snprintf(list, sizeof(list), "%s/gone-1:%s/gone-2", dir, dir);
	setenv("KUBECONFIG", list, 1);
	assert_int_equal(kd_kubeconfig_require(NULL), KD_ENOTFOUND);
	assert_non_null(strstr(kd_error_last(), "none of the files $KUBECONFIG names exists"));
	assert_non_null(strstr(kd_error_last(), "gone-2"));

	write_file("present", first_config, 0600);
	snprintf(list, sizeof(list), "%s/gone-1:%s/present", dir, dir);
	setenv("KUBECONFIG", list, 1);
	assert_int_equal(kd_kubeconfig_require(NULL), 0);
	unsetenv("KUBECONFIG");
	if (home)
		setenv("HOME", home, 1);
	free(home);
}

/* An exec plugin that counts its runs, checks what it was given and prints
 * a credential of the requested version. */
static const char plugin[] =
	"#!/bin/sh\n"
	"n=$(cat \"$COUNTER\" 2>/dev/null || echo 0); echo $((n + 1)) > \"$COUNTER\"\n"
	"case \"$KUBERNETES_EXEC_INFO\" in *'\"interactive\":false'*) ;; *) echo 'not told non-interactive' >&2; exit 3;; esac\n"
	"[ \"$1\" = get-token ] || { echo \"bad args: $*\" >&2; exit 4; }\n"
	"[ \"$PLUGIN_MODE\" = fail ] && { echo 'login required for tenant' >&2; exit 7; }\n"
	"printf '{\"apiVersion\":\"%s\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"exec-token-%s\",\"expirationTimestamp\":\"%s\"}}' \"$2\" \"$((n + 1))\" \"$EXPIRY\"\n";

static void write_exec_config(const char *api, const char *expiry, const char *mode)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "clusters: [{name: c, cluster: {server: https://127.0.0.1:1}}]\n"
		 "users:\n"
		 "- name: u\n"
		 "  user:\n"
		 "    exec:\n"
		 "      apiVersion: %s\n"
		 "      command: ./plugin.sh\n"
		 "      args: [get-token, %s]\n"
		 "      interactiveMode: %s\n"
		 "      env:\n"
		 "      - {name: COUNTER, value: %s/counter}\n"
		 "      - {name: EXPIRY, value: '%s'}\n"
		 "contexts: [{name: c, context: {cluster: c, user: u}}]\n",
		 api, api, mode, dir, expiry);
	write_file("exec-config", text, 0600);
	write_file("plugin.sh", plugin, 0700);
	unlink(path_of("counter"));
}

static kd_kube_target *exec_target(kd_kubeconfig **kc)
{
	kd_kube_target *t = NULL;

	assert_int_equal(kd_kubeconfig_load(kc, path_of("exec-config")), 0);
	assert_int_equal(kd_kube_target_new(&t, *kc, "c"), 0);
	assert_non_null(t->exec);
	return t;
}

static void test_exec_plugin_cached_until_expiry(void **state)
{
	kd_kubeconfig *kc = NULL;
	kd_kube_target *t;
	int64_t expiry_ms;
	time_t expiry;

	(void)state;
	write_exec_config("client.authentication.k8s.io/v1", "2030-01-01T10:00:00Z", "Never");
	t = exec_target(&kc);
	assert_int_equal(kd_time_parse(&expiry_ms, "2030-01-01T10:00:00Z"), 0);
	expiry = (time_t)(expiry_ms / 1000);

	assert_int_equal(kd_kube_target_refresh(t, expiry - 3600), 0);
	assert_string_equal(t->token, "exec-token-1");
	assert_int_equal(t->credential_expiry, expiry);
	/* still valid: the plugin does not run again */
	assert_int_equal(kd_kube_target_refresh(t, expiry - 60), 0);
	assert_string_equal(t->token, "exec-token-1");
	/* about to expire: it does */
	assert_int_equal(kd_kube_target_refresh(t, expiry - 5), 0);
	assert_string_equal(t->token, "exec-token-2");
	/* after a 401 the caller invalidates it */
	kd_kube_target_invalidate(t);
	assert_int_equal(kd_kube_target_refresh(t, expiry - 3600), 0);
	assert_string_equal(t->token, "exec-token-3");
	kd_kube_target_free(t);
	kd_kubeconfig_free(kc);
}

static void test_exec_plugin_v1beta1(void **state)
{
	kd_kubeconfig *kc = NULL;
	kd_kube_target *t;

	(void)state;
	write_exec_config("client.authentication.k8s.io/v1beta1", "2030-01-01T10:00:00+02:00",
			  "IfAvailable");
	t = exec_target(&kc);
	assert_int_equal(kd_kube_target_refresh(t, 0), 0);
	assert_string_equal(t->token, "exec-token-1");
	assert_int_equal(t->credential_expiry, 1893484800); /* 08:00Z */
	kd_kube_target_free(t);
	kd_kubeconfig_free(kc);
}

static void test_exec_plugin_failure(void **state)
{
	kd_kubeconfig *kc = NULL;
	kd_kube_target *t;

	(void)state;
	write_exec_config("client.authentication.k8s.io/v1", "2030-01-01T10:00:00Z", "Never");
	t = exec_target(&kc);
	setenv("PLUGIN_MODE", "fail", 1);
	assert_int_equal(kd_kube_target_refresh(t, 0), KD_EIO);
	unsetenv("PLUGIN_MODE");
	assert_non_null(strstr(kd_error_last(), "exit status 7"));
	assert_non_null(strstr(kd_error_last(), "login required"));
	assert_null(t->token);
	kd_kube_target_free(t);
	kd_kubeconfig_free(kc);

	write_exec_config("client.authentication.k8s.io/v1", "2030-01-01T10:00:00Z", "Always");
	assert_int_equal(kd_kubeconfig_load(&kc, path_of("exec-config")), 0);
	assert_int_equal(kd_kube_target_new(&t, kc, "c"), KD_EUNSUPPORTED);
	assert_non_null(strstr(kd_error_last(), "interactive"));
	kd_kubeconfig_free(kc);
}

static void test_base64(void **state)
{
	kd_buf b = KD_BUF_INIT;
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	size_t i;

	(void)state;
	for (i = 0; i < 7; i++) {
		kd_buf_clear(&b);
		assert_int_equal(kd_base64_encode(&b, plain[i], strlen(plain[i])), 0);
		assert_string_equal(kd_buf_cstr(&b), coded[i]);
		kd_buf_clear(&b);
		assert_int_equal(kd_base64_decode(&b, coded[i], strlen(coded[i])), 0);
		assert_string_equal(kd_buf_cstr(&b), plain[i]);
	}
	kd_buf_clear(&b);
	assert_int_equal(kd_base64_decode(&b, "Zm9v\nYmFy", 9), 0);
	assert_string_equal(kd_buf_cstr(&b), "foobar");
	assert_int_equal(kd_base64_decode(&b, "Zm9*", 4), KD_EINVAL);
	/* the API server's reading of Secret data: padded, no white space */
	kd_buf_clear(&b);
	assert_int_equal(kd_base64_decode_strict(&b, "Zm9vYg==", 8), 0);
	assert_string_equal(kd_buf_cstr(&b), "foob");
	assert_int_equal(kd_base64_decode_strict(&b, "Zm9vYg", 6), KD_EINVAL);
	assert_int_equal(kd_base64_decode_strict(&b, "Zm9v\nYmFy", 9), KD_EINVAL);
	assert_int_equal(kd_base64_decode_strict(&b, "Zm=vYmFy", 8), KD_EINVAL);
	assert_string_equal(kd_buf_cstr(&b), "foob");
	kd_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_first_file_wins),
		cmocka_unit_test(test_cluster_fields),
		cmocka_unit_test(test_token_file_reread),
		cmocka_unit_test(test_errors_name_the_problem),
		cmocka_unit_test(test_require_names_what_was_looked_for),
		cmocka_unit_test(test_exec_plugin_cached_until_expiry),
		cmocka_unit_test(test_exec_plugin_v1beta1),
		cmocka_unit_test(test_exec_plugin_failure),
		cmocka_unit_test(test_base64),
	};

	return cmocka_run_group_tests_name("kubeconfig", tests, setup, teardown);
}
