/* Internal declarations of the C verifier; not installed. */
#ifndef LICMINT_INTERNAL_H
#define LICMINT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "../licmint.h"

/* The parts' functions: static when src/licmint.c compiles the library as
 * one unit, so that calls between parts need no relocation entries. */
#ifndef LM__PART
#define LM__PART
#endif

/* crypto.c: the one boundary to libsodium. */
LM__PART int lm__ed25519_verify(const uint8_t pub[32], const uint8_t *msg, size_t len, const uint8_t sig[64]);
LM__PART void lm__sha256(const uint8_t *data, size_t len, uint8_t out[32]);
LM__PART int lm__crypto_init(void);
LM__PART int lm__prime_order_point(const uint8_t pub[32]);

/* curve.c */
enum { LM_KEY_OK, LM_KEY_NOT_ON_CURVE, LM_KEY_SMALL_ORDER, LM_KEY_Y_NOT_REDUCED, LM_KEY_X_ZERO_SIGN, LM_KEY_MIXED_ORDER };
LM__PART int lm__check_public_key(const uint8_t pub[32]);

/* An error as the Go verifier reports it: kind, position, message (its
 * Error()) and hint. */
typedef struct lm__error {
	lm_result res;
	int32_t group, chr, line, column;
	char msg[1536];
	char hint[1536];
} lm__error;

LM__PART void lm__set(lm__error *e, lm_result res, const char *hint, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;
/* snprintf, called through one function of the library's own: each call
 * of a libc function is a relocation entry in the static library. */
LM__PART int lm__fmt(char *buf, size_t n, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
/* Appends formatted text to buf (of size n) at its NUL. */
LM__PART void lm__append(char *buf, size_t n, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
/* Appends s quoted as Go's %q does. */
LM__PART void lm__append_quoted(char *buf, size_t n, const char *s, size_t len);
/* Writes day d (days since 2020-01-01, or 65535) as YYYY-MM-DD or perpetual. */
LM__PART void lm__day_string(int64_t d, char out[16]);
/* Days since 1970-01-01 of a civil date, and back. */
LM__PART int64_t lm__days_from_civil(int64_t y, int m, int d);
LM__PART void lm__civil_from_days(int64_t z, int64_t *y, int *m, int *d);

/* codes.c */
#define LM__SYM_INVALID 0xFF
#define LM__SYM_SEPARATOR 0xFE
/* A character's symbol value (Crockford base32 with its aliases), or one
 * of the two above. */
LM__PART uint8_t lm__symbol_value(uint8_t c);
/* Line and column (from 1, bytes; only LF ends a line) of offset off. */
LM__PART void lm__line_column(const char *s, size_t len, size_t off, int32_t *line, int32_t *col);
/* A byte as Go's formats.quoteByte shows it: 'x' or byte 0x00. */
LM__PART void lm__quote_byte(uint8_t c, char out[16]);
/* Sets e as FormatError.Error() reads: kind, group and character, line
 * and column (those already in e), then msg. */
LM__PART void lm__format_error(lm__error *e, const char *kind, lm_result res, const char *hint, const char *msg);
#define LM__HEADER_SYMBOLS 23
#define LM__CHECK_SYMBOLS 6
#define LM__SIG_SYMBOLS 103
#define LM__SHORT_SYMBOLS 29
#define LM__SIGNED_SYMBOLS 138
#define LM__RESET_HEADER_SYMBOLS 16
#define LM__RESET_SYMBOLS 125
#define LM__MAX_SERIAL 99999999999999ULL
#define LM__MAX_DAY 65534
#define LM__CONTEXT_AC "licmint/activation-code/v1"      /* and a NUL */
#define LM__CONTEXT_RESET "licmint/reset-code/v1"        /* and a NUL */
#define LM__CONTEXT_LIST "licmint/revocation-list/v1"    /* and a NUL */
#define LM__MAX_MESSAGE (27 + 2 + 15 + 255)

typedef struct lm__ac {
	char product[2];
	uint8_t version, key_id, edition, trial, bound, generation, is_signed;
	uint16_t issued, expires;
	uint64_t serial;
	uint8_t sig[64];
} lm__ac;

typedef struct lm__reset {
	char product[2];
	uint8_t version, key_id;
	uint16_t remembered, issued;
	uint32_t nonce;
	uint8_t sig[64];
} lm__reset;

/* product NULL accepts any. Return 0 on success, else fill e. */
LM__PART int lm__parse_ac(const char *s, size_t n, int want_signed, const char *product, lm__ac *c, lm__error *e);
LM__PART int lm__parse_reset(const char *s, size_t n, const char *product, lm__reset *c, lm__error *e);
/* The signed messages; return their length. */
LM__PART size_t lm__ac_message(const lm__ac *c, const char *install_id, size_t id_len, uint8_t out[LM__MAX_MESSAGE]);
LM__PART size_t lm__reset_message(const lm__reset *c, const char *install_id, size_t id_len, uint8_t out[LM__MAX_MESSAGE]);
LM__PART void lm__reset_id(const lm__reset *c, char out[21]);
/* The canonical text of a signed code, NUL-terminated (169 bytes). */
LM__PART void lm__ac_text(const lm__ac *c, char out[169]);

/* catalog.c: a catalog (FORMAT.md section 9), parsed as package
 * formats/catalog does, with FORMAT.md's stricter rules (no null, no
 * repeated member). */
typedef struct lm__cat_edition {
	char *name;
	uint32_t number;
	uint32_t n_features;
	char **features;
} lm__cat_edition;

typedef struct lm__cat_product {
	char code[3];
	uint32_t n_editions;
	lm__cat_edition *editions;
	int64_t trial_days, maintenance_days, warning_days, grace_days;
} lm__cat_product;

typedef struct lm__catalog {
	uint32_t n_products;
	lm__cat_product *products;
} lm__catalog;

/* Returns 0, or -1 with the reason in err (err_len bytes). */
LM__PART int lm__catalog_parse(const char *data, size_t len, lm__catalog *c, char *err, size_t err_len);
LM__PART void lm__catalog_free(lm__catalog *c);
/* Whether s is not empty and neither begins nor ends with Unicode white
 * space (strings.TrimSpace(s) == s). */
LM__PART int lm__trimmed(const char *s);
/* The length of the Unicode white space rune at u (unicode.IsSpace), or 0. */
LM__PART int lm__space_rune_at(const unsigned char *u, size_t n);

/* json.c: strict JSON (FORMAT.md section 1), read without allocating. */
typedef struct lm__json_opts {
	/* Names the format defines (lower case, NULL-terminated list): a
	 * member equal to one only after case folding is refused; with
	 * top_level, only in the outermost object. */
	const char *const *names;
	int top_level;
	/* null: 0 refused, 1 anywhere, 2 only as a member of the outermost
	 * object. */
	int null_ok;
} lm__json_opts;
/* Checks that s holds one JSON value between white space; 0, or -1 with
 * "line L, column C: what" in err. */
LM__PART int lm__json_check(const char *s, size_t n, const lm__json_opts *o, char *err, size_t err_len);
/* On checked JSON, offsets of values (0: none): the first element or
 * member name of the container at i, the next after the one at i, the
 * value of the member whose name is at i, the value of member name in the
 * object at obj; the offset past the value at i. */
LM__PART size_t lm__json_first(const char *s, size_t n, size_t i);
LM__PART size_t lm__json_next(const char *s, size_t n, size_t i);
LM__PART size_t lm__json_value(const char *s, size_t n, size_t name);
LM__PART size_t lm__json_member(const char *s, size_t n, size_t obj, const char *name);
LM__PART size_t lm__json_skip(const char *s, size_t n, size_t i);
/* Whether the string at i is lit; the string at i into buf (cut to fit,
 * NUL-terminated), returning its whole length. */
LM__PART int lm__json_is(const char *s, size_t n, size_t i, const char *lit);
LM__PART size_t lm__json_string(const char *s, size_t n, size_t i, char *buf, size_t cap);

/* keys.c */
/* Strict base64 (url: RFC 4648 section 5 without padding; else with
 * padding); pad bits must be zero. Returns the length, or -1 if invalid
 * or longer than cap. out NULL: only checks. */
LM__PART long lm__base64(const char *s, size_t n, int url, uint8_t *out, size_t cap);
/* verifier.c: what is wrong with a public key (lm__check_public_key). */
LM__PART const char *lm__key_problem(int problem);
/* Copies an internal error into the public one. */
LM__PART void lm__error_out(lm_error *out, const lm__error *e);

/* verifier.c, for jwt.c */
LM__PART int lm__verifier_ok(const lm_verifier *v);
LM__PART const uint8_t *lm__verifier_key(const lm_verifier *v, uint8_t id); /* NULL: not trusted */
LM__PART void lm__verifier_product(const lm_verifier *v, char out[3]);
LM__PART void lm__verifier_fail(lm_verifier *v, const lm__error *e);
/* lm_verify, with the code's fields in *c and the error in *e, and the
 * verifier's message left alone. */
LM__PART lm_result lm__verify_code(lm_verifier *v, const char *code, size_t len, lm_license *out, lm__ac *c, lm__error *e);

/* state.c: the verifier state (FORMAT.md section 13), in the file format
 * of package verifier/state. */
#define LM__MAX_SERIALS 10000
#define LM__MAX_RESETS 100
#define LM__ZERO_SEC (-62135596800LL) /* 0001-01-01T00:00:00Z, "never" */

typedef struct lm__time {
	int64_t sec; /* Unix seconds */
	int32_t nsec;
} lm__time;

typedef struct lm__gen {
	uint64_t serial;
	uint8_t gen;
} lm__gen;

typedef struct lm__reset_rec {
	char id[21];
	int64_t day; /* Unix seconds of the remembered day */
} lm__reset_rec;

typedef struct lm__state {
	lm__time last_seen;
	uint64_t list_sequence;
	uint8_t *list; /* NULL: none */
	size_t list_len;
	lm__gen *gens; /* sorted by serial; LM__MAX_SERIALS allocated */
	uint32_t n_gens;
	lm__reset_rec resets[LM__MAX_RESETS];
	uint32_t n_resets;
} lm__state;

LM__PART int lm__time_before(lm__time a, lm__time b);
LM__PART int lm__time_is_zero(lm__time t);
LM__PART lm__time lm__time_add(lm__time t, int64_t sec);
LM__PART int lm__state_init(lm__state *s);
LM__PART void lm__state_free(lm__state *s);
/* Copies o into s (both initialised); -1 if out of memory. */
LM__PART int lm__state_copy(lm__state *s, const lm__state *o);
LM__PART int lm__state_find_gen(const lm__state *s, uint64_t serial, uint8_t *gen);
LM__PART void lm__state_see_gen(lm__state *s, uint64_t serial, uint8_t gen);
LM__PART int lm__state_has_reset(const lm__state *s, const char *id);
LM__PART void lm__state_add_reset(lm__state *s, const char *id, int64_t day);
LM__PART int lm__state_merge(lm__state *s, const lm__state *o);

/* File operations. Errors are written into err (err_len bytes). */
enum { LM__LOAD_OK, LM__LOAD_MISSING, LM__LOAD_CORRUPT, LM__LOAD_ERROR };
LM__PART int lm__state_load(const char *path, lm__state *s, char *err, size_t err_len);
/* Updates the file under its lock: loads it, calls fn, writes the result.
 * Returns fn's result if not 0 (nothing written); otherwise as load (a
 * corrupt file is set aside and replaced: LM__LOAD_CORRUPT). */
typedef int (*lm__update_fn)(lm__state *s, void *arg);
LM__PART int lm__state_update(const char *path, lm__update_fn fn, void *arg, char *err, size_t err_len);

#endif
