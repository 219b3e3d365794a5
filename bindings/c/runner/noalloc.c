// noalloc checks that lm_verify, lm_verify_token, lm_parse_keys and
// lm_parse_registration_key allocate nothing on a verifier without a state
// file, by counting the calls into glibc's allocator while they run:
// noalloc PUBLIC_KEY_HEX CODE [TOKEN_KEY_HEX TOKEN], the token's key
// trusted under ids 1 and 2. Elsewhere, or under a sanitizer that owns
// malloc, it says so and passes.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "licmint.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define SANITIZED 1
#endif
#endif

#if defined(__GLIBC__) && !defined(SANITIZED)
#define COUNTING 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static volatile int counting, calls;
void *malloc(size_t n) { calls += counting; return __libc_malloc(n); }
void *calloc(size_t n, size_t m) { calls += counting; return __libc_calloc(n, m); }
void *realloc(void *p, size_t n) { calls += counting; return __libc_realloc(p, n); }
#endif

int main(int argc, char **argv) {
	if (argc != 3 && argc != 5) return 2;
	lm_key key = {.id = 1};
	for (int i = 0; i < 32; i++) sscanf(argv[1] + 2 * i, "%2hhx", &key.public_key[i]);
	lm_verifier *v;
	if (lm_verifier_new("PC", &key, 1, NULL, &v) != LM_OK) return 1;
	lm_verifier *tv = NULL;
	if (argc == 5) {
		lm_key keys[2] = {{.id = 1}, {.id = 2}};
		for (int i = 0; i < 32; i++) sscanf(argv[3] + 2 * i, "%2hhx", &keys[0].public_key[i]);
		memcpy(keys[1].public_key, keys[0].public_key, 32);
		if (lm_verifier_new("PC", keys, 2, NULL, &tv) != LM_OK) return 1;
	}
	const char *bad = "PC-0000";
	const char *pem = "key-id: 1\n-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGfE7ZZVTuSRl9d9qVmw9D9wMGB+REmOqpMO2ZF371IA=\n"
	                  "-----END PUBLIC KEY-----\n";
	const char *jwks = "{\"keys\": [{\"kty\": \"OKP\", \"crv\": \"Ed25519\", \"kid\": \"0\", "
	                   "\"x\": \"wvml1bFCNfzXPQIdEAPO9vbN6SwFnN11jkPSUTwLlCU\"}]}";
	lm_license l;
	lm_key got[LM_MAX_KEYS];
	size_t n;
	lm_error e;
	lm_registration_key k;
	int ok = 1;
#ifdef COUNTING
	counting = 1;
#endif
	for (int i = 0; i < 100; i++) {
		lm_verify(v, argv[2], strlen(argv[2]), &l);
		lm_verify(v, bad, strlen(bad), &l);
		ok &= lm_parse_keys(pem, strlen(pem), got, LM_MAX_KEYS, &n, &e) == LM_OK;
		ok &= lm_parse_keys(jwks, strlen(jwks), got, LM_MAX_KEYS, &n, &e) == LM_OK;
		ok &= lm_parse_registration_key("pc-o314-l592-6535-8978", 22, &k, &e) == LM_OK;
		if (tv) {
			ok &= lm_verify_token(tv, argv[4], strlen(argv[4]), &l) == LM_OK;
			lm_verify_token(tv, bad, strlen(bad), &l);
		}
	}
#ifdef COUNTING
	counting = 0;
	printf("noalloc: %d allocations in %d calls of lm_verify, lm_parse_keys, lm_parse_registration_key%s\n", calls,
	       tv ? 900 : 700, tv ? " and lm_verify_token" : "");
	lm_verifier_free(v);
	lm_verifier_free(tv);
	if (!ok) fprintf(stderr, "noalloc: a call failed\n");
	return calls || !ok ? 1 : 0;
	return calls ? 1 : 0;
#else
	printf("noalloc: not counted here (glibc only, without sanitizers)\n");
	lm_verifier_free(v);
	lm_verifier_free(tv);
	return ok ? 0 : 1;
#endif
}
