// noalloc checks that lm_verify allocates nothing on a verifier without a
// state file, by counting the calls into glibc's allocator while it runs:
// noalloc PUBLIC_KEY_HEX CODE. Elsewhere, or under a sanitizer that owns
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
	if (argc != 3) return 2;
	lm_key key = {.id = 1};
	for (int i = 0; i < 32; i++) sscanf(argv[1] + 2 * i, "%2hhx", &key.public_key[i]);
	lm_verifier *v;
	if (lm_verifier_new("PC", &key, 1, NULL, &v) != LM_OK) return 1;
	const char *bad = "PC-0000";
	lm_license l;
#ifdef COUNTING
	counting = 1;
#endif
	for (int i = 0; i < 100; i++) {
		lm_verify(v, argv[2], strlen(argv[2]), &l);
		lm_verify(v, bad, strlen(bad), &l);
	}
#ifdef COUNTING
	counting = 0;
	printf("noalloc: %d allocations in 200 lm_verify calls\n", calls);
	lm_verifier_free(v);
	return calls ? 1 : 0;
#else
	printf("noalloc: not counted here (glibc only, without sanitizers)\n");
	lm_verifier_free(v);
	return 0;
#endif
}
