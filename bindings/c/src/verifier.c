/*
 * The verifier: a port of package verifier behind licmint.h. Everything a
 * verifier knows lives in its struct; the mutex guards the parts that
 * change after lm_verifier_new (the list in force, the state, the latest
 * error).
 */
#if !defined(_WIN32)
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif
#endif

#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _WIN32
#include <windows.h>
typedef CRITICAL_SECTION mutex;
static void mutex_init(mutex *m) { InitializeCriticalSection(m); }
static void mutex_lock(mutex *m) { EnterCriticalSection(m); }
static void mutex_unlock(mutex *m) { LeaveCriticalSection(m); }
static void mutex_destroy(mutex *m) { DeleteCriticalSection(m); }
#else
#include <pthread.h>
typedef pthread_mutex_t mutex;
static void mutex_init(mutex *m) { pthread_mutex_init(m, NULL); }
static void mutex_lock(mutex *m) { pthread_mutex_lock(m); }
static void mutex_unlock(mutex *m) { pthread_mutex_unlock(m); }
static void mutex_destroy(mutex *m) { pthread_mutex_destroy(m); }
#endif

#define MAX_TERM_DAYS 36500
#define DEFAULT_WARN 60
#define DEFAULT_GRACE 30
#define TOLERANCE (24 * 3600)  /* verifier.DefaultRollbackTolerance */
#define SAVE_INTERVAL 3600     /* saveInterval */
#define EPOCH_UNIX 1577836800LL /* 2020-01-01T00:00:00Z */
#define LIST_HEADER 28
#define LIST_SIG 64
#define CONTEXT_LEN (sizeof LM__CONTEXT_LIST) /* with its NUL */

typedef struct edition {
	char *name; /* NULL: the number */
	uint32_t n_features;
	char **features;
} edition;

typedef struct list {
	uint8_t *buf; /* the context string, then the list as given */
	size_t len;   /* of the list */
	uint8_t key_id;
	uint64_t sequence;
	uint32_t entries;
} list;

struct lm_verifier {
	int ok; /* 0: lm_verifier_new failed; only the error is set */
	char product[2];
	uint8_t has_key[256];
	uint8_t keys[256][32];
	edition editions[256];
	char numbers[256][4];
	int32_t warn, grace;
	char install_id[LM_MAX_INSTALL_ID_LEN + 1];
	size_t install_len;
	int has_install;
	int64_t now_unix;
	char *state_path;

	mutex mu;
	list *list; /* in force, or NULL */
	int has_state;
	lm__state seen;
	lm__time saved;
	char state_err[2048], save_err[1024];
	char msg[1536], hint[1536];
};

/* ---- errors ---- */

static void fail(lm_verifier *v, const lm__error *e) {
	mutex_lock(&v->mu);
	memcpy(v->msg, e->msg, sizeof v->msg);
	memcpy(v->hint, e->hint, sizeof v->hint);
	mutex_unlock(&v->mu);
}

static lm_result failf(lm_verifier *v, lm_result r, const char *msg) {
	mutex_lock(&v->mu);
	lm__fmt(v->msg, sizeof v->msg, "%s", msg);
	v->hint[0] = 0;
	mutex_unlock(&v->mu);
	return r;
}

static size_t copy_out(char *buf, size_t len, const char *s) {
	size_t n = strlen(s);
	if (buf && len > 0) {
		size_t k = n < len - 1 ? n : len - 1;
		memcpy(buf, s, k);
		buf[k] = 0;
	}
	return n;
}

/* Puts p before the text in buf, cutting its end to fit. */
static void prefix(char *buf, size_t n, const char *p) {
	size_t pl = strlen(p), bl = strlen(buf);
	if (pl + bl + 1 > n) bl = n - pl - 1;
	memmove(buf + pl, buf, bl);
	buf[pl + bl] = 0;
	memcpy(buf, p, pl);
}

/* Appends b to a joined error text, as errors.Join does. */
static void join(char *a, size_t n, const char *b) {
	if (!b[0]) return;
	if (a[0]) lm__append(a, n, "\n");
	lm__append(a, n, "%s", b);
}

/* ---- time ---- */

static lm__time now(const lm_verifier *v) {
	lm__time t;
	if (v->now_unix != 0) {
		t.sec = v->now_unix, t.nsec = 0;
		return t;
	}
#ifdef _WIN32
	{
		FILETIME ft;
		ULARGE_INTEGER u;
		GetSystemTimeAsFileTime(&ft);
		u.LowPart = ft.dwLowDateTime, u.HighPart = ft.dwHighDateTime;
		t.sec = (int64_t)(u.QuadPart / 10000000ULL) - 11644473600LL;
		t.nsec = (int32_t)(u.QuadPart % 10000000ULL * 100);
	}
#else
	{
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		t.sec = (int64_t)ts.tv_sec, t.nsec = (int32_t)ts.tv_nsec;
	}
#endif
	return t;
}

static int64_t today(lm__time t) {
	int64_t d = t.sec - EPOCH_UNIX;
	return d < 0 ? (d - 86400 + 1) / 86400 : d / 86400;
}

static void day_of(lm__time t, char out[16]) { lm__day_string(today(t), out); }

/* verifier.status */
static lm_status status_of(int64_t day, uint16_t issued, uint16_t expires, int32_t warn, int32_t grace, int32_t *left) {
	int64_t l;
	*left = 0;
	if (day < issued) {
		if (expires != LM_PERPETUAL) {
			l = (int64_t)expires - day;
			*left = (int32_t)(l > (1 << 30) ? (1 << 30) : l);
		}
		return LM_STATUS_NOT_YET_VALID;
	}
	if (expires == LM_PERPETUAL) return LM_STATUS_VALID;
	l = (int64_t)expires - day;
	*left = (int32_t)(l < -(1 << 30) ? -(1 << 30) : l > (1 << 30) ? (1 << 30) : l);
	if (l > warn) return LM_STATUS_VALID;
	if (l > 0) return LM_STATUS_EXPIRING;
	if (-l < grace) return LM_STATUS_GRACE;
	return LM_STATUS_EXPIRED;
}

/* ---- revocation lists (FORMAT.md section 11) ---- */

static uint64_t be(const uint8_t *b, int n) {
	uint64_t v = 0;
	int i;
	for (i = 0; i < n; i++) v = v << 8 | b[i];
	return v;
}

static void free_list(list *l) {
	if (l) free(l->buf);
	free(l);
}

/* Parses and checks a list for v (formats/revocation.Parse). */
static list *parse_list(const lm_verifier *v, const uint8_t *data, size_t len, lm__error *e) {
	uint64_t count, want, prev = 0, i;
	list *l;
	const uint8_t *entries;
	memset(e, 0, sizeof *e);
	if (len < LIST_HEADER + LIST_SIG) {
		lm__set(e, LM_ERR_LIST_MALFORMED, NULL, "malformed revocation list: %lu bytes, shorter than any list (truncated?)",
		        (unsigned long)len);
		return NULL;
	}
	if (memcmp(data, "LMRL\0\0\0\1", 8)) {
		if (!memcmp(data, "LMRL", 4))
			lm__set(e, LM_ERR_LIST_MALFORMED, NULL, "malformed revocation list: format version %lu; this licmint reads version 1",
			        (unsigned long)be(data + 4, 4));
		else
			lm__set(e, LM_ERR_LIST_MALFORMED, NULL, "malformed revocation list: not a licmint revocation list");
		return NULL;
	}
	count = be(data + 24, 4);
	want = LIST_HEADER + count * 8 + LIST_SIG;
	if ((uint64_t)len != want) {
		lm__set(e, LM_ERR_LIST_MALFORMED, NULL,
		        "malformed revocation list: %lu bytes, but its header promises %lu entries (%llu bytes): truncated or padded",
		        (unsigned long)len, (unsigned long)count, (unsigned long long)want);
		return NULL;
	}
	if (data[11] || data[22] || data[23] || data[8] < 'A' || data[8] > 'Z' || data[9] < 'A' || data[9] > 'Z' ||
	    be(data + 20, 2) > LM__MAX_DAY || count > (1u << 24)) {
		lm__set(e, LM_ERR_LIST_MALFORMED, NULL, "malformed revocation list: header fields out of range");
		return NULL;
	}
	if (data[8] != (uint8_t)v->product[0] || data[9] != (uint8_t)v->product[1]) {
		lm__set(e, LM_ERR_LIST_WRONG_PRODUCT, NULL, "revocation list for another product: list for %c%c, not %.2s", data[8],
		        data[9], v->product);
		return NULL;
	}
	if (!v->has_key[data[10]]) {
		lm__set(e, LM_ERR_LIST_UNKNOWN_KEY, NULL, "revocation list signed by an unknown key: key id %d", data[10]);
		return NULL;
	}
	l = calloc(1, sizeof *l);
	if (l) l->buf = malloc(CONTEXT_LEN + len);
	if (!l || !l->buf) {
		free(l);
		lm__set(e, LM_ERR_ARGUMENT, NULL, "revocation list: out of memory");
		return NULL;
	}
	memcpy(l->buf, LM__CONTEXT_LIST, CONTEXT_LEN);
	memcpy(l->buf + CONTEXT_LEN, data, len);
	l->len = len;
	if (!lm__ed25519_verify(v->keys[data[10]], l->buf, CONTEXT_LEN + len - LIST_SIG, l->buf + CONTEXT_LEN + len - LIST_SIG)) {
		lm__set(e, LM_ERR_LIST_BAD_SIGNATURE, NULL,
		        "revocation list signature does not verify: the list was altered, or signed by an untrusted key under key id %d",
		        data[10]);
		free_list(l);
		return NULL;
	}
	entries = l->buf + CONTEXT_LEN + LIST_HEADER;
	for (i = 0; i < count; i++) {
		uint64_t serial = be(entries + 8 * i, 8) >> 8;
		if (serial > LM__MAX_SERIAL || (i > 0 && serial <= prev)) {
			lm__set(e, LM_ERR_LIST_MALFORMED, NULL, "malformed revocation list: entry %lu out of order or out of range",
			        (unsigned long)(i + 1));
			free_list(l);
			return NULL;
		}
		prev = serial;
	}
	l->key_id = data[10];
	l->sequence = be(data + 12, 8);
	l->entries = (uint32_t)count;
	return l;
}

static int revoked(const list *l, uint64_t serial, uint8_t gen) {
	const uint8_t *entries = l->buf + CONTEXT_LEN + LIST_HEADER;
	uint32_t lo = 0, hi = l->entries;
	while (lo < hi) {
		uint32_t m = lo + (hi - lo) / 2;
		if (be(entries + 8 * (size_t)m, 8) >> 8 < serial) lo = m + 1;
		else hi = m;
	}
	if (lo < l->entries) {
		uint64_t e = be(entries + 8 * (size_t)lo, 8);
		uint8_t below = (uint8_t)e;
		if (e >> 8 == serial) return below == 0 || gen < below;
	}
	return 0;
}

/* ---- state ---- */

typedef struct merge_arg {
	const lm__state *snap;
	lm__state *merged;
} merge_arg;

static int merge_fn(lm__state *s, void *arg) {
	merge_arg *a = arg;
	if (lm__state_merge(s, a->snap)) return 16;
	return lm__state_copy(a->merged, s) ? 16 : 0;
}

/* verifier.save: merges what this verifier knows into the file, and what
 * the file knows (other processes' work) back. */
static void save(lm_verifier *v) {
	lm__state snap, merged;
	merge_arg a;
	char err[1024] = "";
	int r;
	if (lm__state_init(&snap) || lm__state_init(&merged)) {
		lm__state_free(&snap);
		mutex_lock(&v->mu);
		lm__fmt(v->save_err, sizeof v->save_err, "saving verifier state: out of memory");
		mutex_unlock(&v->mu);
		return;
	}
	mutex_lock(&v->mu);
	r = lm__state_copy(&snap, &v->seen);
	mutex_unlock(&v->mu);
	a.snap = &snap, a.merged = &merged;
	if (r == 0) r = lm__state_update(v->state_path, merge_fn, &a, err, sizeof err);
	else lm__fmt(err, sizeof err, "saving verifier state: out of memory"), r = LM__LOAD_ERROR;
	mutex_lock(&v->mu);
	if (r == LM__LOAD_OK || r == LM__LOAD_CORRUPT) {
		v->save_err[0] = 0;
		if (r == LM__LOAD_CORRUPT && !v->state_err[0]) lm__fmt(v->state_err, sizeof v->state_err, "%s", err);
		lm__state_merge(&v->seen, &merged);
		if (lm__time_before(v->saved, snap.last_seen)) v->saved = snap.last_seen;
	} else {
		lm__fmt(v->save_err, sizeof v->save_err, "%s", err[0] ? err : "saving verifier state failed");
	}
	mutex_unlock(&v->mu);
	lm__state_free(&snap);
	lm__state_free(&merged);
}

/* verifier.observeState */
static void observe(lm_verifier *v, uint64_t serial, uint8_t gen, lm__time t, int record, int *superseded, int *rolled_back) {
	uint8_t highest = 0;
	int known, do_save = 0;
	mutex_lock(&v->mu);
	known = lm__state_find_gen(&v->seen, serial, &highest);
	*superseded = known && highest > gen;
	*rolled_back = lm__time_before(t, lm__time_add(v->seen.last_seen, -TOLERANCE));
	if (record) {
		if (!known || gen > highest) {
			lm__state_see_gen(&v->seen, serial, gen);
			do_save = 1;
		}
		if (lm__time_before(v->seen.last_seen, t)) {
			v->seen.last_seen = t;
			do_save = do_save || !lm__time_before(t, lm__time_add(v->saved, SAVE_INTERVAL));
		}
	}
	mutex_unlock(&v->mu);
	if (do_save) save(v);
}

/* ---- verifying ---- */

static lm_result verify_error(lm__error *e, lm_result r, const char *hint, const char *msg) {
	memset(e, 0, sizeof *e);
	e->res = r;
	lm__fmt(e->msg, sizeof e->msg, "activation code: %s", msg);
	lm__fmt(e->hint, sizeof e->hint, "%s", hint);
	return r;
}

/* verifier.check: the signature, then the status. */
static lm_result check(lm_verifier *v, const lm__ac *c, int record, lm_license *out, lm__error *e) {
	uint8_t msg[LM__MAX_MESSAGE];
	size_t n;
	char m[256];
	lm__time t;
	lm_status st;
	int32_t left;
	int superseded = 0, rolled_back = 0, is_revoked = 0;
	const edition *ed;
	if (!v->has_key[c->key_id]) {
		lm__fmt(m, sizeof m, "signed with key id %d, which this verifier does not trust", c->key_id);
		return verify_error(e, LM_ERR_UNKNOWN_KEY,
		                    "the code may come from another vendor, or be signed with a newer key than this version of the "
		                    "product knows: ask the vendor for a code it accepts",
		                    m);
	}
	if (c->bound && !v->has_install)
		return verify_error(e, LM_ERR_INSTALL_MISMATCH,
		                    "this code is bound to one install, and the product did not say which install it is on: ask the "
		                    "vendor for help",
		                    "this code is bound to an install, and no install id was given");
	n = lm__ac_message(c, v->install_id, v->install_len, msg);
	if (!lm__ed25519_verify(v->keys[c->key_id], msg, n, c->sig)) {
		if (c->bound)
			return verify_error(e, LM_ERR_INSTALL_MISMATCH,
			                    "enter the code on the install it was issued for, or ask the vendor for a code for this install",
			                    "the signature does not verify with this install id: the code is bound to another install, or "
			                    "was altered");
		lm__fmt(m, sizeof m, "the signature does not verify with key id %d: the code was altered or forged", c->key_id);
		return verify_error(e, LM_ERR_BAD_SIGNATURE, "copy the code again from the original; a code that still fails is not genuine", m);
	}
	t = now(v);
	st = status_of(today(t), c->issued, c->expires, v->warn, v->grace, &left);
	if (v->has_state) observe(v, c->serial, c->generation, t, record, &superseded, &rolled_back);
	mutex_lock(&v->mu);
	is_revoked = v->list && revoked(v->list, c->serial, c->generation);
	mutex_unlock(&v->mu);
	if (is_revoked) st = LM_STATUS_REVOKED;
	else if (superseded) st = LM_STATUS_SUPERSEDED;
	else if (rolled_back) st = LM_STATUS_CLOCK_ROLLBACK;
	ed = &v->editions[c->edition];
	memset(out, 0, sizeof *out);
	out->status = st;
	out->product[0] = c->product[0], out->product[1] = c->product[1];
	lm__fmt(out->edition, sizeof out->edition, "%s", ed->name ? ed->name : v->numbers[c->edition]);
	out->edition_number = c->edition;
	out->trial = c->trial, out->install_bound = c->bound;
	out->generation = c->generation, out->key_id = c->key_id;
	out->serial = c->serial;
	out->issued = c->issued, out->expires = c->expires;
	out->days_left = left;
	out->n_features = ed->n_features;
	if (st == LM_STATUS_VALID || st == LM_STATUS_EXPIRING || st == LM_STATUS_GRACE)
		out->features = ed->n_features >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << ed->n_features) - 1);
	return LM_OK;
}

static void error_out(lm_license *out, const lm__error *e) {
	memset(out, 0, sizeof *out);
	out->error = e->res;
	out->error_group = e->group, out->error_char = e->chr;
	out->error_line = e->line, out->error_column = e->column;
}

lm_result lm_verify(lm_verifier *v, const char *code, size_t len, lm_license *out) {
	lm__ac c;
	lm__error e;
	if (!out) return LM_ERR_ARGUMENT;
	memset(out, 0, sizeof *out);
	if (!v || !v->ok) return out->error = LM_ERR_HANDLE;
	if (!code && len > 0) {
		out->error = LM_ERR_ARGUMENT;
		return failf(v, LM_ERR_ARGUMENT, "code is NULL");
	}
	if (lm__parse_ac(code ? code : "", len, 1, v->product, &c, &e) || check(v, &c, 1, out, &e) != LM_OK) {
		error_out(out, &e);
		fail(v, &e);
		return e.res;
	}
	return LM_OK;
}

/* For jwt.c: a verifier's parts, and lm_verify without its message. */
LM__PART int lm__verifier_ok(const lm_verifier *v) { return v && v->ok; }
LM__PART const uint8_t *lm__verifier_key(const lm_verifier *v, uint8_t id) { return v->has_key[id] ? v->keys[id] : NULL; }
LM__PART void lm__verifier_product(const lm_verifier *v, char out[3]) { out[0] = v->product[0], out[1] = v->product[1], out[2] = 0; }
LM__PART void lm__verifier_fail(lm_verifier *v, const lm__error *e) { fail(v, e); }
LM__PART lm_result lm__verify_code(lm_verifier *v, const char *code, size_t len, lm_license *out, lm__ac *c, lm__error *e) {
	if (lm__parse_ac(code, len, 1, v->product, c, e) || check(v, c, 1, out, e) != LM_OK) return e->res;
	return LM_OK;
}

lm_result lm_verify_renewal(lm_verifier *v, const char *installed, size_t installed_len, const char *next, size_t next_len,
                            lm_license *out) {
	lm__ac cur_code, next_code;
	lm_license cur, l;
	lm__error e;
	char m[512];
	const char *hint = "ask the vendor for a renewal of the installed code";
	int superseded, rolled_back;
	if (!out) return LM_ERR_ARGUMENT;
	memset(out, 0, sizeof *out);
	if (!v || !v->ok) return out->error = LM_ERR_HANDLE;
	if ((!installed && installed_len > 0) || (!next && next_len > 0)) {
		out->error = LM_ERR_ARGUMENT;
		return failf(v, LM_ERR_ARGUMENT, "code is NULL");
	}
	if (lm__parse_ac(installed ? installed : "", installed_len, 1, v->product, &cur_code, &e) ||
	    check(v, &cur_code, 0, &cur, &e) != LM_OK) {
		prefix(e.msg, sizeof e.msg, "installed code: ");
		error_out(out, &e);
		fail(v, &e);
		return e.res;
	}
	if (lm__parse_ac(next ? next : "", next_len, 1, v->product, &next_code, &e) || check(v, &next_code, 0, &l, &e) != LM_OK) {
		prefix(e.msg, sizeof e.msg, "new code: ");
		error_out(out, &e);
		fail(v, &e);
		return e.res;
	}
	m[0] = 0;
	if (l.serial != cur.serial) {
		lm__fmt(m, sizeof m, "the new code is for serial %014llu, the installed one for serial %014llu",
		         (unsigned long long)l.serial, (unsigned long long)cur.serial);
	} else if (l.generation < cur.generation) {
		hint = "keep the installed code: the new one is older";
		lm__fmt(m, sizeof m, "the new code is generation %d, lower than the installed generation %d", l.generation, cur.generation);
	} else if (cur.expires == LM_PERPETUAL) {
		hint = "keep the installed code";
		lm__fmt(m, sizeof m, "the installed code is perpetual: nothing extends it");
	} else if (l.expires <= cur.expires) {
		char a[16], b[16];
		lm__day_string(l.expires, a);
		lm__day_string(cur.expires, b);
		lm__fmt(m, sizeof m, "the new code expires %s, which does not extend the installed code's expiry, %s", a, b);
	} else if (l.status == LM_STATUS_REVOKED) {
		lm__fmt(m, sizeof m, "the new code is revoked by the revocation list in force");
	} else if (l.status == LM_STATUS_SUPERSEDED) {
		hint = "enter the latest code the vendor issued for this serial";
		lm__fmt(m, sizeof m, "a higher generation of serial %014llu than the new code's %d has been seen here",
		         (unsigned long long)l.serial, l.generation);
	}
	if (m[0]) {
		memset(&e, 0, sizeof e);
		e.res = LM_ERR_NOT_RENEWAL;
		lm__fmt(e.msg, sizeof e.msg, "activation code: not a renewal: %s", m);
		lm__fmt(e.hint, sizeof e.hint, "%s", hint);
		error_out(out, &e);
		fail(v, &e);
		return LM_ERR_NOT_RENEWAL;
	}
	if (v->has_state) observe(v, l.serial, l.generation, now(v), 1, &superseded, &rolled_back);
	*out = l;
	return LM_OK;
}

lm_result lm_load_revocation_list(lm_verifier *v, const uint8_t *data, size_t len) {
	lm__error e;
	list *l, *old;
	uint64_t highest = 0;
	const uint8_t *same = NULL; /* the bytes of the list at the highest sequence, if known */
	size_t same_len = 0;
	int newer = 0;
	if (!v || !v->ok) return LM_ERR_HANDLE;
	if ((!data && len > 0) || len > (size_t)LM_MAX_LIST_LEN) {
		char m[128];
		lm__fmt(m, sizeof m, "revocation list: NULL, or more than %ld bytes", (long)LM_MAX_LIST_LEN);
		return failf(v, LM_ERR_ARGUMENT, m);
	}
	l = parse_list(v, data ? data : (const uint8_t *)"", len, &e);
	if (!l) {
		fail(v, &e);
		return e.res;
	}
	mutex_lock(&v->mu);
	if (v->list) highest = v->list->sequence, same = v->list->buf + CONTEXT_LEN, same_len = v->list->len;
	if (v->has_state && (v->seen.list_sequence > highest || (v->seen.list_sequence == highest && !same)))
		highest = v->seen.list_sequence, same = v->seen.list, same_len = v->seen.list_len;
	/* FORMAT.md section 11: a list older than one accepted, or as new
	 * with other entries, would undo a revocation. */
	if (l->sequence < highest || (l->sequence == highest && same && (same_len != len || memcmp(same, data, len)))) {
		char m[256];
		mutex_unlock(&v->mu);
		if (l->sequence < highest)
			lm__fmt(m, sizeof m, "revocation list replayed: its sequence %llu is lower than sequence %llu, already accepted; keeping the newer list",
			         (unsigned long long)l->sequence, (unsigned long long)highest);
		else
			lm__fmt(m, sizeof m, "revocation list replayed: another list with sequence %llu was accepted already; keeping it (a newer list has a higher sequence)",
			         (unsigned long long)l->sequence);
		free_list(l);
		return failf(v, LM_ERR_LIST_REPLAYED, m);
	}
	old = v->list;
	v->list = l;
	if (v->has_state) {
		newer = l->sequence > v->seen.list_sequence || !v->seen.list;
		if (newer) {
			uint8_t *copy = malloc(len ? len : 1);
			if (copy) {
				memcpy(copy, data, len);
				free(v->seen.list);
				v->seen.list = copy, v->seen.list_len = len;
				v->seen.list_sequence = l->sequence;
			} else {
				newer = 0;
				lm__fmt(v->save_err, sizeof v->save_err, "saving verifier state: out of memory");
			}
		}
	}
	mutex_unlock(&v->mu);
	free_list(old);
	if (newer) save(v);
	return LM_OK;
}

/* ---- reset codes (FORMAT.md section 16) ---- */

typedef struct reset_arg {
	lm_verifier *v;
	const lm__reset *c;
	const lm__state *snap;
	lm__state *result;
	lm__time now;
	const char *id;
	lm__error *e;
	int applied;
} reset_arg;

static int refuse_reset(lm__error *e, lm_result r, const char *hint, const char *msg) {
	memset(e, 0, sizeof *e);
	e->res = r;
	lm__fmt(e->msg, sizeof e->msg, "reset code: %s", msg);
	lm__fmt(e->hint, sizeof e->hint, "%s", hint);
	return 32;
}

static int reset_fn(lm__state *s, void *arg) {
	reset_arg *a = arg;
	lm_verifier *v = a->v;
	lm__time seen, issued;
	char m[1024], h[1024], d1[16], d2[16], q[600] = "";
	if (lm__state_merge(s, a->snap)) return 16;
	seen = s->last_seen;
	issued.sec = ((int64_t)a->c->issued + 18262) * 86400, issued.nsec = 0;
	lm__append_quoted(q, sizeof q, v->install_id, v->install_len);
	if (lm__state_has_reset(s, a->id)) {
		lm__fmt(h, sizeof h, "if this install is locked again, ask the vendor for a new reset code for install %s and the day it remembers", q);
		return refuse_reset(a->e, LM_ERR_RESET_USED, h,
		                    "this reset code was already used on this install; a reset code clears one lock once");
	}
	if (lm__time_is_zero(seen))
		return refuse_reset(a->e, LM_ERR_RESET_NOT_LOCKED, "nothing needs resetting", "this install remembers no time: there is no lock to clear");
	day_of(seen, d1);
	if (today(seen) != (int64_t)a->c->remembered) {
		lm__day_string(a->c->remembered, d2);
		lm__fmt(h, sizeof h, "if the clock is right, ask the vendor for a reset code for install %s and day %s", q, d1);
		lm__fmt(m, sizeof m, "the code clears a lock at %s, but this install remembers %s", d2, d1);
		return refuse_reset(a->e, LM_ERR_RESET_NOT_LOCKED, h, m);
	}
	if (!lm__time_before(a->now, lm__time_add(seen, -TOLERANCE))) {
		day_of(a->now, d2);
		lm__fmt(m, sizeof m, "the clock reads %s, not behind the remembered %s: there is no lock to clear", d2, d1);
		return refuse_reset(a->e, LM_ERR_RESET_NOT_LOCKED, "nothing needs resetting; keep the code in case the clock is set back", m);
	}
	if (lm__time_before(a->now, lm__time_add(issued, -TOLERANCE))) {
		day_of(a->now, d2);
		lm__day_string(a->c->issued, d1);
		lm__fmt(m, sizeof m, "the clock reads %s, before %s, the day the code was issued: the clock is wrong", d2, d1);
		return refuse_reset(a->e, LM_ERR_RESET_TOO_EARLY, "set the clock right, then give the same reset code again", m);
	}
	s->last_seen = lm__time_before(a->now, issued) ? issued : a->now;
	lm__state_add_reset(s, a->id, ((int64_t)a->c->remembered + 18262) * 86400);
	if (lm__state_copy(a->result, s)) return 16;
	a->applied = 1;
	return 0;
}

lm_result lm_reset(lm_verifier *v, const char *code, size_t len, lm_license *out) {
	lm__reset c;
	lm__error e;
	lm__state snap, result;
	reset_arg a;
	uint8_t msg[LM__MAX_MESSAGE];
	size_t n;
	char id[21], err[1024] = "", m[1024], q[600] = "";
	int r;
	if (out) memset(out, 0, sizeof *out);
	if (!v || !v->ok) {
		if (out) out->error = LM_ERR_HANDLE;
		return LM_ERR_HANDLE;
	}
	if (!code && len > 0) {
		if (out) out->error = LM_ERR_ARGUMENT;
		return failf(v, LM_ERR_ARGUMENT, "code is NULL");
	}
	if (!v->has_state) {
		if (out) out->error = LM_ERR_ARGUMENT;
		return failf(v, LM_ERR_ARGUMENT, "verifier: Reset needs a state (WithState): without one there is no remembered time to clear");
	}
	if (lm__parse_reset(code ? code : "", len, v->product, &c, &e)) goto failed;
	if (!v->has_key[c.key_id]) {
		lm__fmt(m, sizeof m, "signed with key id %d, which this verifier does not trust", c.key_id);
		refuse_reset(&e, LM_ERR_UNKNOWN_KEY, "ask the vendor for a reset code signed with a key this product trusts", m);
		goto failed;
	}
	if (!v->has_install) {
		refuse_reset(&e, LM_ERR_INSTALL_MISMATCH,
		             "a reset code is for one install, and the product did not say which install it is on: ask the vendor for help",
		             "a reset code is for one install, and no install id was given");
		goto failed;
	}
	n = lm__reset_message(&c, v->install_id, v->install_len, msg);
	if (!lm__ed25519_verify(v->keys[c.key_id], msg, n, c.sig)) {
		char h[1024];
		lm__append_quoted(q, sizeof q, v->install_id, v->install_len);
		lm__fmt(h, sizeof h, "ask the vendor for a reset code for install %s, or copy the code again from the original", q);
		lm__fmt(m, sizeof m, "the signature does not verify with install id %s: the code was issued for another install, or altered", q);
		refuse_reset(&e, LM_ERR_INSTALL_MISMATCH, h, m);
		goto failed;
	}
	if (lm__state_init(&snap) || lm__state_init(&result)) {
		lm__state_free(&snap);
		if (out) out->error = LM_ERR_ARGUMENT;
		return failf(v, LM_ERR_ARGUMENT, "reset code: out of memory");
	}
	lm__reset_id(&c, id);
	mutex_lock(&v->mu);
	r = lm__state_copy(&snap, &v->seen);
	mutex_unlock(&v->mu);
	memset(&a, 0, sizeof a);
	a.v = v, a.c = &c, a.snap = &snap, a.result = &result, a.now = now(v), a.id = id, a.e = &e;
	if (r == 0) r = lm__state_update(v->state_path, reset_fn, &a, err, sizeof err);
	else r = 16;
	if (r == 32) {
		lm__state_free(&snap);
		lm__state_free(&result);
		goto failed;
	}
	if (!(r == LM__LOAD_OK || (a.applied && r == LM__LOAD_CORRUPT))) {
		lm__state_free(&snap);
		lm__state_free(&result);
		if (out) out->error = LM_ERR_ARGUMENT;
		return failf(v, LM_ERR_ARGUMENT, err[0] ? err : "reset code: out of memory");
	}
	mutex_lock(&v->mu);
	if (r == LM__LOAD_CORRUPT) join(v->state_err, sizeof v->state_err, err);
	lm__state_merge(&v->seen, &result);
	v->saved = v->seen.last_seen;
	mutex_unlock(&v->mu);
	lm__state_free(&snap);
	lm__state_free(&result);
	return LM_OK;
failed:
	if (out) {
		out->error = e.res;
		out->error_group = e.group, out->error_char = e.chr;
		out->error_line = e.line, out->error_column = e.column;
	}
	fail(v, &e);
	return e.res;
}

/* ---- renewal requests (FORMAT.md section 12) ---- */

lm_result lm_renewal_request(lm_verifier *v, const char *code, size_t len, char *buf, size_t buf_len, size_t *out_len) {
	lm__ac c;
	lm__error e;
	char text[LM_MAX_REQUEST_LEN], canon[169], t[40];
	lm__time tm;
	int64_t days, rem, y;
	int mo, d, n;
	size_t i;
	if (out_len) *out_len = 0;
	if (!v || !v->ok) return LM_ERR_HANDLE;
	if (!code && len > 0) return failf(v, LM_ERR_ARGUMENT, "code is NULL");
	if (lm__parse_ac(code ? code : "", len, 1, NULL, &c, &e)) {
		fail(v, &e);
		return e.res;
	}
	if (c.bound && v->has_install) {
		/* formats/renewal's rule: one line, no surrounding white space. */
		int bad = !lm__trimmed(v->install_id);
		for (i = 0; i < v->install_len; i++) bad |= v->install_id[i] == '\r' || v->install_id[i] == '\n';
		if (bad)
			return failf(v, LM_ERR_ARGUMENT,
			             "renewal request: install id must be at most 255 bytes on one line, without surrounding spaces");
	}
	lm__ac_text(&c, canon);
	tm = now(v);
	days = tm.sec >= 0 ? tm.sec / 86400 : (tm.sec - 86399) / 86400;
	rem = tm.sec - days * 86400;
	lm__civil_from_days(days, &y, &mo, &d);
	lm__fmt(t, sizeof t, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, mo, d, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	n = lm__fmt(text, sizeof text, "-----BEGIN LICMINT RENEWAL REQUEST-----\nproduct: %.2s\ncode: %s\n", c.product, canon);
	if (c.bound && v->has_install) n += lm__fmt(text + n, sizeof text - (size_t)n, "install-id: %s\n", v->install_id);
	n += lm__fmt(text + n, sizeof text - (size_t)n, "time: %s\n-----END LICMINT RENEWAL REQUEST-----\n", t);
	if (out_len) *out_len = (size_t)n;
	if (!buf || buf_len < (size_t)n + 1) return failf(v, LM_ERR_ARGUMENT, "renewal request buffer: too small");
	memcpy(buf, text, (size_t)n + 1);
	return LM_OK;
}

/* ---- features ---- */

lm_result lm_feature_name(lm_verifier *v, uint8_t ed, uint32_t index, char *buf, size_t len) {
	const char *name;
	char m[160];
	if (!v || !v->ok) return LM_ERR_HANDLE;
	if (index >= v->editions[ed].n_features) {
		lm__fmt(m, sizeof m, "feature index %lu: edition %d has %lu features", (unsigned long)index, ed,
		         (unsigned long)v->editions[ed].n_features);
		return failf(v, LM_ERR_ARGUMENT, m);
	}
	name = v->editions[ed].features[index];
	if (!buf || len < strlen(name) + 1) {
		lm__fmt(m, sizeof m, "feature name buffer: want %lu bytes", (unsigned long)strlen(name) + 1);
		return failf(v, LM_ERR_ARGUMENT, m);
	}
	copy_out(buf, len, name);
	return LM_OK;
}

int32_t lm_feature_bit(lm_verifier *v, uint8_t ed, const char *name) {
	uint32_t i;
	size_t n;
	if (!v || !v->ok || !name) return -1;
	for (n = 0; n <= LM_MAX_NAME_LEN && name[n]; n++) {}
	if (n > LM_MAX_NAME_LEN) return -1;
	for (i = 0; i < v->editions[ed].n_features; i++)
		if (!strcmp(v->editions[ed].features[i], name)) return (int32_t)i;
	return -1;
}

/* ---- messages ---- */

size_t lm_error_message(lm_verifier *v, char *buf, size_t len) {
	size_t n;
	if (!v) return copy_out(buf, len, "no verifier: the handle is NULL");
	mutex_lock(&v->mu);
	n = copy_out(buf, len, v->msg);
	mutex_unlock(&v->mu);
	return n;
}

size_t lm_error_hint(lm_verifier *v, char *buf, size_t len) {
	size_t n;
	if (!v) return copy_out(buf, len, "");
	mutex_lock(&v->mu);
	n = copy_out(buf, len, v->hint);
	mutex_unlock(&v->mu);
	return n;
}

size_t lm_state_error(lm_verifier *v, char *buf, size_t len) {
	char joined[sizeof v->state_err + sizeof v->save_err + 2];
	if (!v || !v->ok) return copy_out(buf, len, "not a verifier, or one that failed to start");
	mutex_lock(&v->mu);
	lm__fmt(joined, sizeof joined, "%s", v->state_err);
	join(joined, sizeof joined, v->save_err);
	mutex_unlock(&v->mu);
	return copy_out(buf, len, joined);
}

const char *lm_version(void) { return LM_VERSION; }

const char *lm_result_name(lm_result r) {
	switch (r) {
	case LM_OK: return "";
	case LM_ERR_MALFORMED: return "malformed";
	case LM_ERR_TYPO: return "typo";
	case LM_ERR_UNSIGNED: return "unsigned";
	case LM_ERR_WRONG_PRODUCT: return "wrong_product";
	case LM_ERR_UNKNOWN_KEY: return "unknown_key";
	case LM_ERR_BAD_SIGNATURE: return "bad_signature";
	case LM_ERR_INSTALL_MISMATCH: return "install_mismatch";
	case LM_ERR_NOT_RENEWAL: return "not_renewal";
	case LM_ERR_BAD_TOKEN: return "bad_token";
	case LM_ERR_KEYS_INVALID: return "invalid";
	case LM_ERR_NO_KEY_ID: return "no_key_id";
	case LM_ERR_LIST_MALFORMED: return "list_malformed";
	case LM_ERR_LIST_UNKNOWN_KEY: return "list_unknown_key";
	case LM_ERR_LIST_BAD_SIGNATURE: return "list_bad_signature";
	case LM_ERR_LIST_WRONG_PRODUCT: return "list_wrong_product";
	case LM_ERR_LIST_REPLAYED: return "list_replayed";
	case LM_ERR_RESET_USED: return "reset_used";
	case LM_ERR_RESET_NOT_LOCKED: return "reset_not_locked";
	case LM_ERR_RESET_TOO_EARLY: return "reset_too_early";
	case LM_ERR_ARGUMENT: return "argument";
	case LM_ERR_HANDLE: return "handle";
	}
	return "unknown";
}

const char *lm_status_name(lm_status s) {
	static const char *const names[] = {"invalid", "valid", "expiring", "grace", "expired",
	                                    "not_yet_valid", "revoked", "superseded", "clock_rollback"};
	if (s < 0 || s >= (lm_status)(sizeof names / sizeof names[0])) return "invalid";
	return names[s];
}

/* ---- making and releasing verifiers ---- */

static const char default_catalog[] =
	"{\n  \"products\": {\n    \"PC\": {\n      \"name\": \"Example product\",\n      \"editions\": [\n"
	"        {\"name\": \"standard\", \"number\": 1, \"features\": [\"update\", \"scan\"]},\n"
	"        {\"name\": \"premium\", \"number\": 2, \"features\": [\"update\", \"scan\"]}\n      ]\n    }\n  }\n}";

/* The length of a NUL-terminated string of at most max bytes, reading no
 * further than max + 1 bytes; -1 if longer. */
static long bounded_len(const char *s, size_t max) {
	size_t i;
	for (i = 0; i <= max; i++)
		if (!s[i]) return (long)i;
	return -1;
}

static void free_editions(lm_verifier *v) {
	int i;
	uint32_t f;
	for (i = 0; i < 256; i++) {
		for (f = 0; f < v->editions[i].n_features; f++) free(v->editions[i].features[f]);
		free(v->editions[i].features);
		free(v->editions[i].name);
		memset(&v->editions[i], 0, sizeof v->editions[i]);
	}
}

static char *dup_string(const char *s) {
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d) memcpy(d, s, n);
	return d;
}

/* Takes the product's entry from a catalog: names, features and terms. */
static int use_catalog(lm_verifier *v, const lm__cat_product *p, char *err, size_t err_len) {
	uint32_t i, f;
	for (i = 0; i < p->n_editions; i++) {
		const lm__cat_edition *e = &p->editions[i];
		edition *d = &v->editions[e->number];
		if (strlen(e->name) > LM_MAX_NAME_LEN) {
			char q[300] = "";
			lm__append_quoted(q, sizeof q, e->name, strlen(e->name));
			lm__fmt(err, err_len, "catalog: edition name %s is longer than %d bytes", q, LM_MAX_NAME_LEN);
			return -1;
		}
		for (f = 0; f < e->n_features; f++) {
			if (strlen(e->features[f]) > LM_MAX_NAME_LEN) {
				char q[300] = "";
				lm__append_quoted(q, sizeof q, e->features[f], strlen(e->features[f]));
				lm__fmt(err, err_len, "catalog: feature name %s is longer than %d bytes", q, LM_MAX_NAME_LEN);
				return -1;
			}
		}
		if (e->n_features > LM_MAX_FEATURES) {
			lm__fmt(err, err_len, "verifier: edition %s has %lu features; at most %d are supported", e->name,
			         (unsigned long)e->n_features, LM_MAX_FEATURES);
			return -1;
		}
		d->name = dup_string(e->name);
		d->features = calloc(e->n_features ? e->n_features : 1, sizeof *d->features);
		if (!d->name || !d->features) goto oom;
		for (f = 0; f < e->n_features; f++) {
			d->features[f] = dup_string(e->features[f]);
			if (!d->features[f]) goto oom;
			d->n_features = f + 1;
		}
	}
	v->warn = p->warning_days ? (int32_t)p->warning_days : DEFAULT_WARN;
	v->grace = p->grace_days ? (int32_t)p->grace_days : DEFAULT_GRACE;
	return 0;
oom:
	lm__fmt(err, err_len, "verifier: out of memory");
	return -1;
}

LM__PART const char *lm__key_problem(int k) {
	switch (k) {
	case LM_KEY_NOT_ON_CURVE: return "not a point on the Ed25519 curve";
	case LM_KEY_SMALL_ORDER:
		return "of small order ([8]A is the identity): anyone can forge signatures that verify under it; no key made by "
		       "licmint keygen is";
	case LM_KEY_Y_NOT_REDUCED: return "not canonically encoded (y is not reduced modulo 2^255-19); no key made by licmint keygen is";
	case LM_KEY_X_ZERO_SIGN:
		return "not canonically encoded (x is zero but its sign bit is set); no key made by licmint keygen is";
	case LM_KEY_MIXED_ORDER:
		return "of mixed order (a small-order component: [L]A is not the identity); no key made by licmint keygen is";
	}
	return "";
}

/* verifier.attachState: loads the state once; a missing file is a fresh
 * start, a corrupt one is reported by lm_state_error. */
static void attach_state(lm_verifier *v) {
	char err[1024] = "";
	int r = lm__state_load(v->state_path, &v->seen, err, sizeof err);
	v->has_state = 1;
	if (r == LM__LOAD_CORRUPT || r == LM__LOAD_ERROR) lm__fmt(v->state_err, sizeof v->state_err, "%s", err);
	v->saved = v->seen.last_seen;
	if (v->seen.list) {
		lm__error e;
		list *l = parse_list(v, v->seen.list, v->seen.list_len, &e);
		char m[sizeof e.msg + 64];
		if (!l) {
			lm__fmt(m, sizeof m, "the saved revocation list does not load: %s", e.msg);
			join(v->state_err, sizeof v->state_err, m);
		} else if (l->sequence < v->seen.list_sequence) {
			lm__fmt(m, sizeof m, "the saved revocation list has sequence %llu, below the %llu accepted",
			         (unsigned long long)l->sequence, (unsigned long long)v->seen.list_sequence);
			join(v->state_err, sizeof v->state_err, m);
			free_list(l);
		} else {
			v->list = l;
		}
	}
}

static lm_result setup(lm_verifier *v, const char *product, const lm_key *keys, size_t n_keys, const lm_options *opts) {
	lm_options o;
	lm__catalog cat;
	const char *json = default_catalog;
	size_t json_len = sizeof default_catalog - 1, i;
	char *err = v->msg;
	size_t err_len = sizeof v->msg;
	long n;
	uint32_t k;
	int r, warn_set = 0, grace_set = 0;
	int32_t warn = 0, grace = 0;
	if (!product || bounded_len(product, 2) < 0) {
		lm__fmt(err, err_len, "product: want two letters, such as \"PC\"");
		return LM_ERR_ARGUMENT;
	}
	if (!keys || n_keys == 0 || n_keys > LM_MAX_KEYS) {
		lm__fmt(err, err_len, "keys: want 1 to %d keys, got %lu", LM_MAX_KEYS, (unsigned long)n_keys);
		return LM_ERR_ARGUMENT;
	}
	memset(&o, 0, sizeof o);
	if (opts) o = *opts;
	if (o.install_id) {
		n = bounded_len(o.install_id, LM_MAX_INSTALL_ID_LEN);
		if (n < 0) {
			lm__fmt(err, err_len, "install_id: more than %d bytes", LM_MAX_INSTALL_ID_LEN);
			return LM_ERR_ARGUMENT;
		}
		memcpy(v->install_id, o.install_id, (size_t)n + 1);
		v->install_len = (size_t)n;
		v->has_install = 1;
	}
	v->now_unix = o.now_unix;
	if (o.warn_days == -1) warn_set = 1, warn = 0;
	else if (o.warn_days < -1 || o.warn_days > MAX_TERM_DAYS) {
		lm__fmt(err, err_len, "warn_days is %ld: want 0 (the catalog's), -1 (none) or 1 to %d", (long)o.warn_days, MAX_TERM_DAYS);
		return LM_ERR_ARGUMENT;
	} else if (o.warn_days > 0) warn_set = 1, warn = o.warn_days;
	if (o.grace_days == -1) grace_set = 1, grace = 0;
	else if (o.grace_days < -1 || o.grace_days > MAX_TERM_DAYS) {
		lm__fmt(err, err_len, "grace_days is %ld: want 0 (the catalog's), -1 (none) or 1 to %d", (long)o.grace_days, MAX_TERM_DAYS);
		return LM_ERR_ARGUMENT;
	} else if (o.grace_days > 0) grace_set = 1, grace = o.grace_days;
	if (o.state_path) {
		n = bounded_len(o.state_path, LM_MAX_PATH_LEN);
		if (n <= 0) {
			lm__fmt(err, err_len, "state_path: empty or more than %d bytes", LM_MAX_PATH_LEN);
			return LM_ERR_ARGUMENT;
		}
		v->state_path = dup_string(o.state_path);
		if (!v->state_path) {
			lm__fmt(err, err_len, "verifier: out of memory");
			return LM_ERR_ARGUMENT;
		}
	}
	if (o.catalog_json) {
		if (o.catalog_len > LM_MAX_CATALOG_LEN) {
			lm__fmt(err, err_len, "catalog: %lu bytes, more than %d", (unsigned long)o.catalog_len, LM_MAX_CATALOG_LEN);
			return LM_ERR_ARGUMENT;
		}
		json = o.catalog_json, json_len = o.catalog_len;
	}
	/* verifier.New: the product, the keys, the install id, the catalog. */
	if (strlen(product) != 2 || !((product[0] | 0x20) >= 'a' && (product[0] | 0x20) <= 'z') ||
	    !((product[1] | 0x20) >= 'a' && (product[1] | 0x20) <= 'z')) {
		char q[32] = "";
		lm__append_quoted(q, sizeof q, product, strlen(product));
		lm__fmt(err, err_len, "verifier: product code %s: want two letters A-Z, such as PC", q);
		return LM_ERR_ARGUMENT;
	}
	v->product[0] = (char)(product[0] & ~0x20), v->product[1] = (char)(product[1] & ~0x20);
	for (i = 0; i < n_keys; i++) {
		int problem;
		if (v->has_key[keys[i].id]) {
			lm__fmt(err, err_len, "verifier: key id %d appears twice", keys[i].id);
			return LM_ERR_ARGUMENT;
		}
		problem = lm__check_public_key(keys[i].public_key);
		if (problem != LM_KEY_OK) {
			lm__fmt(err, err_len, "verifier: key id %d: public key: %s", keys[i].id, lm__key_problem(problem));
			lm__fmt(v->hint, sizeof v->hint,
			         "the key file was altered or holds no key made by licmint keygen: take the .pub.pem that keygen wrote");
			return LM_ERR_ARGUMENT;
		}
		v->has_key[keys[i].id] = 1;
		memcpy(v->keys[keys[i].id], keys[i].public_key, 32);
	}
	if (v->has_install) {
		const char *id = v->install_id;
		size_t len = v->install_len;
		if (len == 0) {
			lm__fmt(err, err_len, "verifier: install id is 0 bytes; an install-bound code needs 1 to %d", LM_MAX_INSTALL_ID_LEN);
			return LM_ERR_ARGUMENT;
		}
#define SPACE(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')
		if (SPACE(id[0]) || SPACE(id[len - 1])) {
			char q[1100] = "";
			lm__append_quoted(q, sizeof q, id, len);
			lm__fmt(err, err_len,
			         "verifier: install id %s begins or ends with white space, which copying could lose; products must pass it trimmed", q);
			return LM_ERR_ARGUMENT;
		}
#undef SPACE
	}
	for (k = 0; k < 256; k++) lm__fmt(v->numbers[k], sizeof v->numbers[k], "%u", (unsigned)k);
	v->warn = DEFAULT_WARN, v->grace = DEFAULT_GRACE;
	if (lm__catalog_parse(json, json_len, &cat, err, err_len)) return LM_ERR_ARGUMENT;
	for (k = 0; k < cat.n_products; k++)
		if (cat.products[k].code[0] == v->product[0] && cat.products[k].code[1] == v->product[1]) break;
	if (k < cat.n_products) {
		r = use_catalog(v, &cat.products[k], err, err_len);
	} else if (o.catalog_json) {
		char codes[600] = "";
		uint32_t j, m;
		/* sorted, as catalog.codes does */
		for (j = 0; j < cat.n_products; j++) {
			const char *best = NULL, *last = codes[0] ? codes + strlen(codes) - 2 : "";
			for (m = 0; m < cat.n_products; m++)
				if (strcmp(cat.products[m].code, last) > 0 && (!best || strcmp(cat.products[m].code, best) < 0)) best = cat.products[m].code;
			if (best) lm__append(codes, sizeof codes, "%s%s", codes[0] ? ", " : "", best);
		}
		lm__fmt(err, err_len, "unknown product \"%.2s\"; the catalog has %s", product, codes);
		r = -1;
	} else {
		r = 0;
	}
	lm__catalog_free(&cat);
	if (r) return LM_ERR_ARGUMENT;
	if (warn_set) v->warn = warn;
	if (grace_set) v->grace = grace;
	if (lm__crypto_init()) {
		lm__fmt(err, err_len, "verifier: libsodium failed to start");
		return LM_ERR_ARGUMENT;
	}
	if (v->state_path) {
		if (lm__state_init(&v->seen)) {
			lm__fmt(err, err_len, "verifier: out of memory");
			return LM_ERR_ARGUMENT;
		}
		attach_state(v);
	}
	return LM_OK;
}

lm_result lm_verifier_new(const char *product, const lm_key *keys, size_t n_keys, const lm_options *options, lm_verifier **out) {
	lm_verifier *v;
	lm_result r;
	if (!out) return LM_ERR_ARGUMENT;
	*out = NULL;
	v = calloc(1, sizeof *v);
	if (!v) return LM_ERR_HANDLE;
	mutex_init(&v->mu);
	r = setup(v, product, keys, n_keys, options);
	if (r != LM_OK) {
		/* Keep only the reason. */
		char msg[sizeof v->msg], hint[sizeof v->hint];
		memcpy(msg, v->msg, sizeof msg);
		memcpy(hint, v->hint, sizeof hint);
		free_editions(v);
		free(v->state_path);
		if (v->has_state || v->seen.gens) lm__state_free(&v->seen);
		free_list(v->list);
		mutex_destroy(&v->mu);
		memset(v, 0, sizeof *v);
		mutex_init(&v->mu);
		memcpy(v->msg, msg, sizeof msg);
		memcpy(v->hint, hint, sizeof hint);
	} else {
		v->ok = 1;
		v->msg[0] = 0;
		v->hint[0] = 0;
	}
	*out = v;
	return r;
}

void lm_verifier_free(lm_verifier *v) {
	if (!v) return;
	free_editions(v);
	free(v->state_path);
	if (v->seen.gens) lm__state_free(&v->seen);
	free_list(v->list);
	mutex_destroy(&v->mu);
	memset(v, 0, sizeof *v);
	free(v);
}
