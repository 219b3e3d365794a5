// ed25519 answers, for each line "PUBLIC_KEY_HEX MESSAGE_HEX SIGNATURE_HEX"
// on standard input, 1 if the library trusts the key and accepts the
// signature, else 0: the rule of FORMAT.md section 10 as the library
// applies it (lm__check_public_key at lm_verifier_new, then
// lm__ed25519_verify). Built with the library's src/crypto.c and
// src/curve.c, whose functions it calls (static in the library, one
// translation unit); bindings/c's tests compare its answers with Go's.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/internal.h"

static size_t unhex(const char *s, uint8_t *out, size_t max) {
	size_t n = strlen(s) / 2, i;
	unsigned v;
	if (n > max) return (size_t)-1;
	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1) return (size_t)-1;
		out[i] = (uint8_t)v;
	}
	return n;
}

int main(void) {
	static char line[1 << 16];
	static uint8_t msg[1 << 15];
	uint8_t pub[32], sig[64];
	if (lm__crypto_init()) return 2;
	while (fgets(line, sizeof line, stdin)) {
		char *p = strtok(line, " \n"), *m = strtok(NULL, " \n"), *s = strtok(NULL, " \n");
		size_t n;
		if (!p || !m || !s) return 2;
		if (!strcmp(m, "-")) m = "";
		if (!strcmp(s, "-")) s = "";
		n = unhex(m, msg, sizeof msg);
		if (unhex(p, pub, 32) != 32 || n == (size_t)-1) return 2;
		printf("%d\n", unhex(s, sig, 64) == 64 && lm__check_public_key(pub) == LM_KEY_OK && lm__ed25519_verify(pub, msg, n, sig));
	}
	return 0;
}
