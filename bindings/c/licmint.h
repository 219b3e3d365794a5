/*
 * licmint.h - the licmint verifier as a C library (liblicmint.so,
 * liblicmint.a, or licmint.dll on Windows), written in C99 on libsodium
 * (bindings/c/src; built by bindings/c/Makefile and scripts/build-dist.sh).
 *
 * It checks Activation Codes offline (FORMAT.md) exactly as the Go package
 * verifier does: same statuses, same error kinds, positions and hints, the
 * same state file, same results for every case of
 * testdata/conformance/cases.json; it also reads Registration Keys, key
 * files and JWT license tokens as packages formats, formats/keyring and
 * verifier/licjwt do. It keeps no global state and, without a state file,
 * lm_verify, lm_verify_token, lm_parse_keys and lm_parse_registration_key
 * allocate nothing.
 *
 * Threads: every function may be called from any thread, concurrently,
 * also on the same verifier, but a thread must not be cancelled
 * (pthread_cancel) inside one. lm_error_message reports the latest failure
 * on a verifier, whichever thread made it; the lm_license of each call is
 * that call's own.
 *
 * Memory: the library never keeps a pointer it is given; it copies what it
 * needs before returning. Every output goes into memory the caller owns.
 * The only library-owned objects are verifiers (lm_verifier_new, released
 * by lm_verifier_free) and the static strings of lm_version,
 * lm_result_name and lm_status_name, which are never freed.
 *
 * Arguments: a NULL, oversized or out-of-range argument is reported as
 * LM_ERR_ARGUMENT (or, for a code, LM_ERR_MALFORMED) and never crashes.
 * A NULL verifier, or one whose lm_verifier_new failed, is LM_ERR_HANDLE.
 * A verifier is a pointer: like a FILE *, it must not be used once
 * released (a library without global state cannot tell).
 */
#ifndef LICMINT_H
#define LICMINT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header; lm_version() gives the library's. */
#define LM_VERSION "1.2.0"

/* Sizes and bounds. */
#define LM_PUBLIC_KEY_SIZE 32       /* an Ed25519 public key */
#define LM_MAX_KEYS 256             /* key ids are 0 to 255 */
#define LM_MAX_CODE_LEN 1024        /* longer input is LM_ERR_MALFORMED */
#define LM_MAX_INSTALL_ID_LEN 255
#define LM_MAX_PATH_LEN 4096
#define LM_MAX_CATALOG_LEN (1 << 20)
#define LM_MAX_LIST_LEN (28 + 8 * (1 << 24) + 64) /* FORMAT.md section 11 */
#define LM_MAX_NAME_LEN 63          /* edition and feature names, in bytes */
#define LM_MAX_FEATURES 64
#define LM_PERPETUAL 65535          /* lm_license.expires of a perpetual code */
#define LM_MAX_REQUEST_LEN 1024     /* a renewal request's text, with its NUL */
#define LM_MAX_TOKEN_LEN (16 << 10) /* a license token, without surrounding white space */
#define LM_MAX_KEY_FILE_LEN (1 << 20) /* a key file or keyring */
#define LM_MAX_RK_LEN 1024          /* a Registration Key as typed */
/* JSON (key files, tokens) nests at most this deep, and an object being
 * read holds at most LM_MAX_JSON_MEMBERS members with those of the
 * objects around it; deeper or larger JSON is refused. */
#define LM_MAX_JSON_DEPTH 64
#define LM_MAX_JSON_MEMBERS 1024
/* Days count from 2020-01-01 UTC; this gives the Unix time of a day. */
#define LM_DAY_TO_UNIX(day) (((int64_t)(day) + 18262) * 86400)

/* lm_result: what a call did. The names (lm_result_name) are the error
 * kinds of FORMAT.md section 7 and licmint --json. */
typedef int32_t lm_result;
enum {
	LM_OK = 0,                  /* for lm_verify: authentic; see status */
	LM_ERR_MALFORMED = 1,       /* not an Activation Code */
	LM_ERR_TYPO = 2,            /* check symbols do not match: mistyped */
	LM_ERR_UNSIGNED = 3,        /* the short form, which has no signature */
	LM_ERR_WRONG_PRODUCT = 4,   /* a code for another product */
	LM_ERR_UNKNOWN_KEY = 5,     /* signed with a key id not trusted */
	LM_ERR_BAD_SIGNATURE = 6,   /* altered or forged */
	LM_ERR_INSTALL_MISMATCH = 7,/* bound to another install, or none given */
	LM_ERR_NOT_RENEWAL = 8,     /* lm_verify_renewal: not a renewal of the installed code */
	LM_ERR_BAD_TOKEN = 9,       /* lm_verify_token: not an acceptable license token */
	LM_ERR_LIST_MALFORMED = 20, /* lm_load_revocation_list: not a list */
	LM_ERR_LIST_UNKNOWN_KEY = 21,
	LM_ERR_LIST_BAD_SIGNATURE = 22,
	LM_ERR_LIST_WRONG_PRODUCT = 23,
	LM_ERR_LIST_REPLAYED = 24,  /* older than a list already accepted, or
	                               as new with other entries */
	LM_ERR_RESET_USED = 30,     /* lm_reset: this reset code was used here */
	LM_ERR_RESET_NOT_LOCKED = 31, /* no lock at the reset code's day */
	LM_ERR_RESET_TOO_EARLY = 32,  /* the clock is before the code's issue day */
	LM_ERR_ARGUMENT = 40,       /* NULL, too long, or out of range */
	LM_ERR_HANDLE = 41,         /* not a verifier, freed, or failed to start */
	LM_ERR_KEYS_INVALID = 50,   /* lm_parse_keys: not a key file (name "invalid") */
	LM_ERR_NO_KEY_ID = 51       /* lm_parse_keys: a PEM block without its key-id line */
};

/* Whether this header's declarations of the functions after LM_VERSION
 * 1.0.0 (lm_error_hint, lm_verify_renewal, lm_reset, lm_renewal_request)
 * are present. */
#define LM_HAS_RENEWAL 1
/* Whether the declarations after LM_VERSION 1.1.0 (lm_parse_registration_key,
 * lm_parse_keys, lm_verify_token) are present. */
#define LM_HAS_TOKENS 1

/* lm_status: where a license stands on the verifier's clock. Features are
 * on in VALID, EXPIRING and GRACE only. */
typedef int32_t lm_status;
enum {
	LM_STATUS_INVALID = 0,      /* no license: lm_verify failed */
	LM_STATUS_VALID = 1,
	LM_STATUS_EXPIRING = 2,     /* within the warning days of expiry */
	LM_STATUS_GRACE = 3,        /* expired, within the grace days */
	LM_STATUS_EXPIRED = 4,
	LM_STATUS_NOT_YET_VALID = 5,
	LM_STATUS_REVOKED = 6,      /* by the revocation list in force */
	LM_STATUS_SUPERSEDED = 7,   /* a replacement has been seen (state) */
	LM_STATUS_CLOCK_ROLLBACK = 8 /* the clock went back (state) */
};

/* A verifier. Opaque: made by lm_verifier_new, released by
 * lm_verifier_free. */
typedef struct lm_verifier lm_verifier;

/* A trusted public key and the id codes name it by. */
typedef struct lm_key {
	uint8_t id;
	uint8_t public_key[LM_PUBLIC_KEY_SIZE];
} lm_key;

/* Options. All-zero (or a NULL options pointer) means the defaults. */
typedef struct lm_options {
	/* This install's id, NUL-terminated, 1 to 255 bytes, for
	 * install-bound codes. NULL: none. */
	const char *install_id;
	/* A fixed clock, in seconds since 1970-01-01 UTC. 0: the system
	 * clock. */
	int64_t now_unix;
	/* Warning and grace days: 0 takes the catalog's (60 and 30 by
	 * default); -1 means none; otherwise 1 to 36500. */
	int32_t warn_days;
	int32_t grace_days;
	/* A state file (FORMAT.md section 13), NUL-terminated: remembers the
	 * clock, revocation lists and generations between runs. NULL: none. */
	const char *state_path;
	/* A catalog (FORMAT.md section 9) as JSON, catalog_len bytes, that
	 * names the product's editions and features. NULL: the built-in
	 * catalog's entry if it has the product, else editions by number and
	 * no features. */
	const char *catalog_json;
	size_t catalog_len;
} lm_options;

/* A verified license, filled in by lm_verify. */
typedef struct lm_license {
	lm_status status;
	lm_result error;             /* as returned */
	/* Where a decoding error is, when known, else 0: group (1 is the
	 * product code) and character in the canonical form, and line and
	 * column (bytes, from 1) in the input. */
	int32_t error_group, error_char, error_line, error_column;
	/* The rest is zero unless lm_verify returned LM_OK. */
	char product[3];             /* NUL-terminated */
	char edition[LM_MAX_NAME_LEN + 1]; /* catalog name, or the number in decimal */
	uint8_t edition_number;
	uint8_t trial;               /* 0 or 1 */
	uint8_t install_bound;       /* 0 or 1 */
	uint8_t generation;
	uint8_t key_id;
	uint64_t serial;             /* the Registration Key's 14-digit serial */
	int32_t issued;              /* days since 2020-01-01: first day covered */
	int32_t expires;             /* first day not covered, or LM_PERPETUAL */
	int32_t days_left;           /* to expires; 0 or less after; 0 if perpetual */
	uint32_t n_features;         /* the edition's features, 0 to 64 */
	uint64_t features;           /* bit i set: feature i is on (lm_feature_name) */
} lm_license;

/* An error of a call without a verifier (lm_parse_registration_key,
 * lm_parse_keys): its kind, where it is when known (else 0), as lm_license
 * has them, and its message and hint as lm_error_message and lm_error_hint
 * give them, NUL-terminated and cut to fit. */
typedef struct lm_error {
	lm_result kind;
	int32_t group, character, line, column;
	char message[768];
	char hint[256];
} lm_error;

/* A Registration Key (FORMAT.md section 2). */
typedef struct lm_registration_key {
	char product[3];            /* NUL-terminated, upper case */
	uint8_t trial;              /* 0 or 1 */
	uint64_t serial;            /* 0 to 99999999999999 */
	char text[23];              /* canonical: PC-TSSS-SSSS-SSSS-SSSK */
} lm_registration_key;

#ifndef LM_NO_PROTOTYPES

/* LM_API marks the library's functions: exported from the DLL that
 * defines LM_BUILDING_DLL, and the only symbols visible in liblicmint.so. */
#if defined(_WIN32) && defined(LM_BUILDING_DLL)
#define LM_API __declspec(dllexport)
#elif defined(__GNUC__) && !defined(_WIN32)
#define LM_API __attribute__((visibility("default")))
#else
#define LM_API
#endif

/* The library's version, LM_VERSION of the header it was built with.
 * Static. */
LM_API const char *lm_version(void);

/* A verifier for product (two letters, such as "PC") that trusts n_keys
 * keys, with distinct ids. On LM_OK, *out is a new verifier. On failure,
 * *out is a verifier that only reports why, through lm_error_message, and
 * returns LM_ERR_HANDLE from every other call. Either way the caller owns
 * *out and releases it with lm_verifier_free. out NULL: LM_ERR_ARGUMENT. */
LM_API lm_result lm_verifier_new(const char *product, const lm_key *keys, size_t n_keys,
                          const lm_options *options, lm_verifier **out);

/* Checks a signed Activation Code of len bytes, as typed or pasted (any
 * case, spaces and line breaks anywhere; not NUL-terminated), and fills in
 * *out, which the caller owns. Returns LM_OK for an authentic code, whatever
 * its status, or the error kind. */
LM_API lm_result lm_verify(lm_verifier *v, const char *code, size_t len, lm_license *out);

/* Checks a signed revocation list of len bytes (FORMAT.md section 11) and
 * puts it in force; it is copied. After a refusal the last good list stays
 * in force. */
LM_API lm_result lm_load_revocation_list(lm_verifier *v, const uint8_t *data, size_t len);

/* The name of feature index (0 to n_features - 1) of edition number
 * edition, as the verifier's catalog has it, NUL-terminated into buf of
 * len bytes (LM_MAX_NAME_LEN + 1 always suffices). */
LM_API lm_result lm_feature_name(lm_verifier *v, uint8_t edition, uint32_t index, char *buf, size_t len);

/* The bit of feature name (NUL-terminated) of edition number edition in
 * lm_license.features, or -1 if the edition has no such feature. */
LM_API int32_t lm_feature_bit(lm_verifier *v, uint8_t edition, const char *name);

/* Copies the message of the latest failure on v, NUL-terminated and cut to
 * fit, into buf of len bytes, and returns its whole length (without the
 * NUL), as snprintf does. No secret is ever in it. v may be NULL. */
LM_API size_t lm_error_message(lm_verifier *v, char *buf, size_t len);

/* Copies what went wrong with the state file, if anything, as
 * lm_error_message does; returns 0 when all is well. A state problem never
 * changes a license's status: products log it. */
LM_API size_t lm_state_error(lm_verifier *v, char *buf, size_t len);

/* Copies the hint of the latest failure on v, as lm_error_message does:
 * what the product's user can do about it, in words a product can show
 * that user (it names no API, flag or file). Empty when there is none. */
LM_API size_t lm_error_hint(lm_verifier *v, char *buf, size_t len);

/* Checks next, a new code (a renewal the vendor sent, or the portal's
 * answer), as a renewal of installed, the code in use (FORMAT.md section
 * 12): both verify, same serial, same or higher generation, a later
 * expiry, and next neither revoked nor superseded. On LM_OK *out is next's
 * license and the state remembers it; otherwise *out holds the error (and
 * the position in whichever code failed to decode) and nothing is
 * remembered. */
LM_API lm_result lm_verify_renewal(lm_verifier *v, const char *installed, size_t installed_len,
                            const char *next, size_t next_len, lm_license *out);

/* Applies a reset code (FORMAT.md section 16) that the vendor issued for
 * this install to clear a clock lock (LM_STATUS_CLOCK_ROLLBACK): it needs a
 * state_path and an install_id. out, if not NULL, gets the error kind and,
 * for a code that does not decode, its position; its status stays
 * LM_STATUS_INVALID. */
LM_API lm_result lm_reset(lm_verifier *v, const char *code, size_t len, lm_license *out);

/* Writes the renewal request (FORMAT.md section 12) for a signed code, as
 * text the customer sends the vendor: the code, this install's id if the
 * code is bound, and the verifier's clock. buf gets it NUL-terminated
 * (LM_MAX_REQUEST_LEN bytes always suffice); *out_len, if not NULL, its
 * length. A buffer too small is LM_ERR_ARGUMENT, with *out_len the length
 * needed. */
LM_API lm_result lm_renewal_request(lm_verifier *v, const char *code, size_t len, char *buf, size_t buf_len,
                             size_t *out_len);

/* Reads a Registration Key of len bytes as typed (any case, spaces,
 * hyphens and line breaks anywhere; O for 0 and I or L for 1) into *out.
 * On failure err, if not NULL, gets the kind (LM_ERR_MALFORMED or
 * LM_ERR_TYPO), its position and hint; *out is zeroed. */
LM_API lm_result lm_parse_registration_key(const char *s, size_t len, lm_registration_key *out, lm_error *err);

/* Reads a key file or keyring of len bytes (FORMAT.md section 10): public
 * key PEM blocks each after its key-id line, a JWK or a JWK Set, into
 * keys, which has room for cap keys (LM_MAX_KEYS always suffices), in id
 * order; *n_keys gets their number. The keys are checked as
 * lm_verifier_new checks them, so they can be given to it. A file that
 * holds more keys than cap is LM_ERR_ARGUMENT. Other failures are
 * LM_ERR_KEYS_INVALID or LM_ERR_NO_KEY_ID, with err, if not NULL, saying
 * why; a private key is refused and never shown. */
LM_API lm_result lm_parse_keys(const char *data, size_t len, lm_key *keys, size_t cap, size_t *n_keys, lm_error *err);

/* Checks a license token (FORMAT.md section 14) of len bytes, an EdDSA
 * JWT signed by one of v's keys (kid) and carrying an Activation Code, as
 * lm_verify checks a code, and fills in *out with that code's license.
 * Returns LM_OK, or the first of LM_ERR_UNKNOWN_KEY, LM_ERR_BAD_SIGNATURE,
 * LM_ERR_INSTALL_MISMATCH, LM_ERR_WRONG_PRODUCT and LM_ERR_BAD_TOKEN that
 * applies; lm_error_message and lm_error_hint say why. White space around
 * the token is ignored; len over LM_MAX_KEY_FILE_LEN is refused unread.
 * It decodes the token on the stack: about 40 KB of it. */
LM_API lm_result lm_verify_token(lm_verifier *v, const char *token, size_t len, lm_license *out);

/* Releases v. NULL is ignored. */
LM_API void lm_verifier_free(lm_verifier *v);

/* Static names: "typo", "bad_signature", ...; "valid", "expiring", ... */
LM_API const char *lm_result_name(lm_result r);
LM_API const char *lm_status_name(lm_status s);

#endif /* LM_NO_PROTOTYPES */

#ifdef __cplusplus
}
#endif

#endif /* LICMINT_H */
