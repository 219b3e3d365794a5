// safety checks that bad arguments are refused, never crash, and that one
// verifier serves many threads, also with a state file and lists loaded
// meanwhile: safety PUBLIC_KEY_HEX CODE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "licmint.h"

static int failures;
#define EXPECT(cond) do { if (!(cond)) { fprintf(stderr, "FAIL line %d: %s\n", __LINE__, #cond); failures++; } } while (0)

static lm_verifier *shared;
static const char *code;

static void *worker(void *arg) {
	char buf[256];
	for (int i = 0; i < 50; i++) {
		lm_license l;
		if (lm_verify(shared, code, strlen(code), &l) != LM_OK || l.status == LM_STATUS_INVALID) failures++;
		if (arg) {
			/* A refused list and the messages, meanwhile. */
			if (lm_load_revocation_list(shared, (const uint8_t *)"LMRL", 4) != LM_ERR_LIST_MALFORMED) failures++;
			if (lm_verify_token(shared, "e30.e30.", 8, &l) != LM_ERR_BAD_TOKEN) failures++;
			lm_error_message(shared, buf, sizeof buf);
			lm_state_error(shared, buf, sizeof buf);
		}
	}
	return NULL;
}

int main(int argc, char **argv) {
	if (argc != 3) return 2;
	lm_key key = {.id = 1};
	for (int i = 0; i < 32; i++) sscanf(argv[1] + 2 * i, "%2hhx", &key.public_key[i]);
	code = argv[2];
	lm_verifier *v = NULL;
	lm_license l;
	char buf[64], big[2000];

	EXPECT(lm_verifier_new("PC", &key, 1, NULL, NULL) == LM_ERR_ARGUMENT);
	EXPECT(lm_verifier_new(NULL, &key, 1, NULL, &v) == LM_ERR_ARGUMENT);
	EXPECT(lm_error_message(v, buf, sizeof buf) > 0 && strstr(buf, "product"));
	lm_verifier_free(v);
	EXPECT(lm_verifier_new("PC", NULL, 1, NULL, &v) == LM_ERR_ARGUMENT);
	lm_verifier_free(v);
	EXPECT(lm_verifier_new("PC", &key, 100000, NULL, &v) == LM_ERR_ARGUMENT);
	lm_verifier_free(v);
	memset(big, 'x', sizeof big - 1), big[sizeof big - 1] = 0;
	lm_options o = {.install_id = big};
	EXPECT(lm_verifier_new("PC", &key, 1, &o, &v) == LM_ERR_ARGUMENT);
	EXPECT(lm_verify(v, code, strlen(code), &l) == LM_ERR_HANDLE);
	lm_verifier_free(v);
	lm_options bad_days = {.warn_days = -7};
	EXPECT(lm_verifier_new("PC", &key, 1, &bad_days, &v) == LM_ERR_ARGUMENT);
	lm_verifier_free(v);
	lm_options bad_catalog = {.catalog_json = "{", .catalog_len = 1};
	EXPECT(lm_verifier_new("PC", &key, 1, &bad_catalog, &v) == LM_ERR_ARGUMENT);
	lm_verifier_free(v);

	EXPECT(lm_verifier_new("PC", &key, 1, NULL, &v) == LM_OK);
	EXPECT(lm_verify(v, code, strlen(code), NULL) == LM_ERR_ARGUMENT);
	EXPECT(lm_verify(v, NULL, 10, &l) == LM_ERR_ARGUMENT);
	EXPECT(lm_verify(v, NULL, 0, &l) == LM_ERR_MALFORMED);
	EXPECT(lm_verify(v, big, (size_t)-1, &l) == LM_ERR_MALFORMED && l.error == LM_ERR_MALFORMED);
	EXPECT(lm_verify(v, big, sizeof big, &l) == LM_ERR_MALFORMED);
	EXPECT(lm_load_revocation_list(v, NULL, 5) == LM_ERR_ARGUMENT);
	EXPECT(lm_load_revocation_list(v, (const uint8_t *)big, (size_t)-1) == LM_ERR_ARGUMENT);
	EXPECT(lm_load_revocation_list(v, NULL, 0) == LM_ERR_LIST_MALFORMED);
	EXPECT(lm_feature_name(v, 1, 99, buf, sizeof buf) == LM_ERR_ARGUMENT);
	EXPECT(lm_feature_name(v, 1, 0, NULL, 0) == LM_ERR_ARGUMENT);
	EXPECT(lm_feature_name(v, 1, 0, buf, 2) == LM_ERR_ARGUMENT);
	EXPECT(lm_feature_name(v, 1, 0, buf, sizeof buf) == LM_OK && !strcmp(buf, "update"));
	EXPECT(lm_feature_bit(v, 1, NULL) == -1 && lm_feature_bit(v, 1, "scan") == 1);
	EXPECT(lm_error_message(v, NULL, 0) > 0);
	EXPECT(lm_error_message(v, buf, 1) > 0 && buf[0] == 0);
	EXPECT(lm_error_message(NULL, buf, sizeof buf) > 0);
	EXPECT(lm_state_error(v, buf, sizeof buf) == 0);

	/* Registration Keys, key files and tokens: NULL and oversized input. */
	lm_registration_key rk;
	lm_error err;
	lm_key keys[LM_MAX_KEYS];
	size_t nk = 7;
	EXPECT(lm_parse_registration_key(NULL, 5, &rk, &err) == LM_ERR_ARGUMENT && err.kind == LM_ERR_ARGUMENT);
	EXPECT(lm_parse_registration_key("PC-0314-1592-6535-8978", 22, NULL, NULL) == LM_ERR_ARGUMENT);
	EXPECT(lm_parse_registration_key(NULL, 0, &rk, NULL) == LM_ERR_MALFORMED);
	EXPECT(lm_parse_registration_key(big, (size_t)-1, &rk, &err) == LM_ERR_MALFORMED && err.line == 0);
	EXPECT(lm_parse_registration_key("PC-0314-1592-6535-8978", 22, &rk, NULL) == LM_OK && rk.serial == 31415926535897ULL);
	EXPECT(lm_parse_keys(NULL, 5, keys, LM_MAX_KEYS, &nk, &err) == LM_ERR_ARGUMENT && nk == 0);
	EXPECT(lm_parse_keys("{}", 2, keys, LM_MAX_KEYS, NULL, &err) == LM_ERR_ARGUMENT);
	EXPECT(lm_parse_keys("{}", 2, NULL, 5, &nk, &err) == LM_ERR_ARGUMENT);
	EXPECT(lm_parse_keys(NULL, 0, NULL, 0, &nk, &err) == LM_ERR_KEYS_INVALID && strstr(err.message, "no PEM block"));
	EXPECT(lm_parse_keys(big, (size_t)-1, keys, LM_MAX_KEYS, &nk, NULL) == LM_ERR_KEYS_INVALID);
	EXPECT(lm_parse_keys("{\"keys\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	                     146, keys, LM_MAX_KEYS, &nk, &err) == LM_ERR_KEYS_INVALID && strstr(err.message, "deeply"));
	EXPECT(lm_verify_token(v, code, strlen(code), NULL) == LM_ERR_ARGUMENT);
	EXPECT(lm_verify_token(v, NULL, 10, &l) == LM_ERR_ARGUMENT);
	EXPECT(lm_verify_token(v, NULL, 0, &l) == LM_ERR_BAD_TOKEN && l.error == LM_ERR_BAD_TOKEN);
	EXPECT(lm_verify_token(v, big, (size_t)-1, &l) == LM_ERR_BAD_TOKEN);
	EXPECT(lm_verify_token(v, "a.b.c", 5, &l) == LM_ERR_BAD_TOKEN);
	EXPECT(strcmp(lm_result_name(LM_ERR_BAD_TOKEN), "bad_token") == 0 && strcmp(lm_result_name(LM_ERR_NO_KEY_ID), "no_key_id") == 0);

	shared = v;
	pthread_t t[8];
	for (int i = 0; i < 8; i++) pthread_create(&t[i], NULL, worker, i % 2 ? shared : NULL);
	for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);

	/* The same with a state file, which the threads save to. */
	char path[256];
	snprintf(path, sizeof path, "%s/licmint-safety-%ld.state", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
	lm_options so = {.state_path = path};
	lm_verifier *sv;
	EXPECT(lm_verifier_new("PC", &key, 1, &so, &sv) == LM_OK);
	shared = sv;
	for (int i = 0; i < 8; i++) pthread_create(&t[i], NULL, worker, i % 2 ? shared : NULL);
	for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
	EXPECT(lm_state_error(sv, buf, sizeof buf) == 0);
	lm_verifier_free(sv);
	char other[300];
	remove(path);
	snprintf(other, sizeof other, "%s.lock", path);
	remove(other);
	shared = v;

	lm_verifier_free(v);
	lm_verifier_free(NULL);
	v = NULL;
	EXPECT(lm_verify(v, code, strlen(code), &l) == LM_ERR_HANDLE && l.error == LM_ERR_HANDLE);
	EXPECT(lm_load_revocation_list(v, NULL, 0) == LM_ERR_HANDLE);
	EXPECT(lm_feature_bit(v, 1, "scan") == -1);
	EXPECT(lm_reset(v, code, strlen(code), &l) == LM_ERR_HANDLE);
	EXPECT(lm_verify_token(v, code, strlen(code), &l) == LM_ERR_HANDLE && l.error == LM_ERR_HANDLE);
	EXPECT(strcmp(lm_result_name(LM_ERR_TYPO), "typo") == 0 && strcmp(lm_status_name(99), "invalid") == 0);
	EXPECT(strcmp(lm_version(), LM_VERSION) == 0);
	printf("safety: %d failures\n", failures);
	return failures ? 1 : 0;
}
