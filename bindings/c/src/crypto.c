/*
 * The library's only use of libsodium: Ed25519 signature checks, the
 * prime-order check of trusted keys, and SHA-256 for the state file's
 * list-sha256. A build for a platform without libsodium's headers
 * (LM_SODIUM_DECLS, as the Windows cross build) declares the few functions
 * itself and links against libsodium's DLL.
 */
#include "internal.h"

#ifdef LM_SODIUM_DECLS
int sodium_init(void);
int crypto_sign_verify_detached(const unsigned char *sig, const unsigned char *m, unsigned long long mlen,
                                const unsigned char *pk);
int crypto_hash_sha256(unsigned char *out, const unsigned char *in, unsigned long long inlen);
int crypto_core_ed25519_is_valid_point(const unsigned char *p);
#else
#include <sodium.h>
#endif

LM__PART int lm__crypto_init(void) { return sodium_init() < 0 ? -1 : 0; }

/*
 * FORMAT.md section 13: S < L, R not of small order, and [S]B - [k]A
 * encoding to R, cofactorless. That is crypto_sign_verify_detached's rule
 * exactly, for keys that passed lm__prime_order_point.
 */
LM__PART int lm__ed25519_verify(const uint8_t pub[32], const uint8_t *msg, size_t len, const uint8_t sig[64]) {
	return crypto_sign_verify_detached(sig, msg, (unsigned long long)len, pub) == 0;
}

LM__PART int lm__prime_order_point(const uint8_t pub[32]) { return crypto_core_ed25519_is_valid_point(pub) == 1; }

LM__PART void lm__sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
	crypto_hash_sha256(out, data, (unsigned long long)len);
}
