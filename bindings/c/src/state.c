/*
 * The verifier state file (FORMAT.md section 13), read and written in the
 * format of package verifier/state, so that a product can move between the
 * Go and the C verifier, or run both, on one file: the same lock (flock on
 * Unix, an exclusive lock file elsewhere), the same atomic replacement,
 * the same merge.
 */
#if !defined(_WIN32)
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* flock, fsync, mkstemp */
#endif
#endif

#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifdef _WIN32
#include <windows.h>
#include <io.h>
#else
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#endif

#define MAX_FILE_SIZE (1L << 20)
#define MAX_LIST_SIZE ((1L << 27) + (1L << 10))
static const char header[] = "licmint verifier state v1";

/* ---- time ---- */

LM__PART int lm__time_before(lm__time a, lm__time b) { return a.sec < b.sec || (a.sec == b.sec && a.nsec < b.nsec); }
LM__PART int lm__time_is_zero(lm__time t) { return t.sec == LM__ZERO_SEC && t.nsec == 0; }
LM__PART lm__time lm__time_add(lm__time t, int64_t sec) { t.sec += sec; return t; }

static int digits(const char *s, size_t n) {
	size_t i;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9') return 0;
	return 1;
}
static int num(const char *s, size_t n) {
	int v = 0;
	size_t i;
	for (i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
	return v;
}
static int days_in(int y, int m) {
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) return 29;
	return d[m - 1];
}

/* YYYY-MM-DD at s, as time.Parse(time.DateOnly) reads it. */
static int parse_date(const char *s, size_t n, int64_t *days) {
	int y, m, d;
	if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) || !digits(s + 8, 2)) return -1;
	y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
	if (m < 1 || m > 12 || d < 1 || d > days_in(y, m)) return -1;
	*days = lm__days_from_civil(y, m, d);
	return 0;
}

/* An RFC 3339 time as FORMAT.md section 13 has it: upper-case T and Z,
 * seconds 00 to 59, an optional fraction, Z or an offset. */
static int parse_time(const char *s, size_t n, lm__time *t) {
	int64_t days;
	int h, mi, sec, ns = 0;
	size_t i;
	if (n < 20 || n > 64 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || !digits(s + 11, 2) || !digits(s + 14, 2) ||
	    !digits(s + 17, 2) || parse_date(s, 10, &days))
		return -1;
	h = num(s + 11, 2), mi = num(s + 14, 2), sec = num(s + 17, 2);
	if (h > 23 || mi > 59 || sec > 59) return -1;
	i = 19;
	if (i + 1 < n && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
		int scale = 100000000;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			ns += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	/* Truncated to the second, as it is written, so that a state read
	 * back compares as the one saved. */
	(void)ns;
	t->sec = days * 86400 + h * 3600 + mi * 60 + sec;
	t->nsec = 0;
	if (n - i == 1 && s[i] == 'Z') return 0;
	if (n - i == 6 && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':' && digits(s + i + 1, 2) && digits(s + i + 4, 2)) {
		int oh = num(s + i + 1, 2), om = num(s + i + 4, 2);
		if (oh > 23 || om > 59) return -1;
		t->sec -= (s[i] == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60);
		return 0;
	}
	return -1;
}

static void format_time(lm__time t, char out[40]) {
	int64_t days = t.sec >= 0 ? t.sec / 86400 : (t.sec - 86399) / 86400, rem = t.sec - days * 86400, y;
	int m, d;
	lm__civil_from_days(days, &y, &m, &d);
	lm__fmt(out, 40, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d, (int)(rem / 3600), (int)(rem / 60 % 60),
	         (int)(rem % 60));
}

/* ---- the state in memory ---- */

LM__PART int lm__state_init(lm__state *s) {
	memset(s, 0, sizeof *s);
	s->last_seen.sec = LM__ZERO_SEC;
	s->gens = malloc(LM__MAX_SERIALS * sizeof *s->gens);
	return s->gens ? 0 : -1;
}

LM__PART void lm__state_free(lm__state *s) {
	free(s->gens);
	free(s->list);
	memset(s, 0, sizeof *s);
}

static int set_list(lm__state *s, const uint8_t *list, size_t len) {
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy) return -1;
	if (len) memcpy(copy, list, len);
	free(s->list);
	s->list_len = len;
	s->list = copy;
	return 0;
}

LM__PART int lm__state_copy(lm__state *s, const lm__state *o) {
	lm__gen *gens = s->gens;
	uint8_t *list = s->list;
	memcpy(gens, o->gens, o->n_gens * sizeof *gens);
	free(list);
	*s = *o;
	s->gens = gens;
	s->list = NULL;
	s->list_len = 0;
	if (o->list) return set_list(s, o->list, o->list_len);
	return 0;
}

static uint32_t gen_index(const lm__state *s, uint64_t serial) {
	uint32_t lo = 0, hi = s->n_gens;
	while (lo < hi) {
		uint32_t m = (lo + hi) / 2;
		if (s->gens[m].serial < serial) lo = m + 1;
		else hi = m;
	}
	return lo;
}

LM__PART int lm__state_find_gen(const lm__state *s, uint64_t serial, uint8_t *gen) {
	uint32_t i = gen_index(s, serial);
	if (i < s->n_gens && s->gens[i].serial == serial) {
		*gen = s->gens[i].gen;
		return 1;
	}
	return 0;
}

/* state.SeeGeneration: remembers the higher generation; a new serial when
 * the state is full forgets the lowest serial. */
LM__PART void lm__state_see_gen(lm__state *s, uint64_t serial, uint8_t gen) {
	uint32_t i = gen_index(s, serial);
	if (i < s->n_gens && s->gens[i].serial == serial) {
		if (s->gens[i].gen < gen) s->gens[i].gen = gen;
		return;
	}
	if (s->n_gens >= LM__MAX_SERIALS) {
		memmove(s->gens, s->gens + 1, (s->n_gens - 1) * sizeof *s->gens);
		s->n_gens--;
		if (i > 0) i--;
	}
	memmove(s->gens + i + 1, s->gens + i, (s->n_gens - i) * sizeof *s->gens);
	s->gens[i].serial = serial;
	s->gens[i].gen = gen;
	s->n_gens++;
}

LM__PART int lm__state_has_reset(const lm__state *s, const char *id) {
	uint32_t i;
	for (i = 0; i < s->n_resets; i++)
		if (!strcmp(s->resets[i].id, id)) return 1;
	return 0;
}

/* state.AddReset, keeping the ids in order. */
LM__PART void lm__state_add_reset(lm__state *s, const char *id, int64_t day) {
	uint32_t i, oldest = 0;
	if (lm__state_has_reset(s, id)) return;
	if (s->n_resets >= LM__MAX_RESETS) {
		for (i = 1; i < s->n_resets; i++) {
			const lm__reset_rec *r = &s->resets[i], *o = &s->resets[oldest];
			if (r->day < o->day || (r->day == o->day && strcmp(r->id, o->id) < 0)) oldest = i;
		}
		memmove(&s->resets[oldest], &s->resets[oldest + 1], (s->n_resets - oldest - 1) * sizeof s->resets[0]);
		s->n_resets--;
	}
	for (i = 0; i < s->n_resets && strcmp(s->resets[i].id, id) < 0; i++) {}
	memmove(&s->resets[i + 1], &s->resets[i], (s->n_resets - i) * sizeof s->resets[0]);
	memcpy(s->resets[i].id, id, 21);
	s->resets[i].day = day;
	s->n_resets++;
}

/* Whether a reset in resets, unknown to known, clears time t. */
static int cleared_by(const lm__state *resets, const lm__state *known, lm__time t) {
	uint32_t i;
	for (i = 0; i < resets->n_resets; i++) {
		lm__time day;
		day.sec = resets->resets[i].day, day.nsec = 0;
		if (!lm__state_has_reset(known, resets->resets[i].id) && !lm__time_before(t, day)) return 1;
	}
	return 0;
}

/* state.Merge: the later time (unless a reset the other side has not seen
 * cleared it), the union of resets, the higher list, the higher
 * generations. */
LM__PART int lm__state_merge(lm__state *s, const lm__state *o) {
	lm__time mine = s->last_seen, theirs = o->last_seen, zero;
	uint32_t i;
	zero.sec = LM__ZERO_SEC, zero.nsec = 0;
	if (cleared_by(o, s, mine)) mine = zero;
	if (cleared_by(s, o, theirs)) theirs = zero;
	s->last_seen = lm__time_before(mine, theirs) ? theirs : mine;
	for (i = 0; i < o->n_resets; i++) lm__state_add_reset(s, o->resets[i].id, o->resets[i].day);
	if (o->list_sequence > s->list_sequence || (o->list_sequence == s->list_sequence && !s->list)) {
		if (o->list) {
			if (set_list(s, o->list, o->list_len)) return -1;
		} else {
			free(s->list);
			s->list = NULL, s->list_len = 0;
		}
	}
	if (o->list_sequence > s->list_sequence) s->list_sequence = o->list_sequence;
	for (i = 0; i < o->n_gens; i++) lm__state_see_gen(s, o->gens[i].serial, o->gens[i].gen);
	return 0;
}

/* ---- the text ---- */

static void hex(const uint8_t *b, size_t n, char *out) {
	size_t i;
	for (i = 0; i < n; i++) lm__fmt(out + 2 * i, 3, "%02x", b[i]);
}

/* A decimal number with no leading zero (0 itself allowed), at most max. */
static int canonical_uint(const char *s, size_t n, uint64_t max, uint64_t *v) {
	size_t i;
	*v = 0;
	if (n == 0 || n > 20 || !digits(s, n) || (n > 1 && s[0] == '0')) return -1;
	for (i = 0; i < n; i++) {
		if (*v > (max - (uint64_t)(s[i] - '0')) / 10) return -1;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return 0;
}

static int is_reset_id(const char *s, size_t n) {
	size_t i;
	if (n != 20) return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
	return 1;
}

/* Decodes the text of a state file; list_sum gets its list-sha256, or "". */
static int decode_state(const char *data, size_t len, lm__state *s, char list_sum[65], char *err, size_t err_len) {
	size_t pos = 0, line_no = 1;
	int seen_last = 0, seen_seq = 0, seen_sum = 0;
	uint32_t n_gen_lines = 0, n_reset_lines = 0;
	list_sum[0] = 0;
	if (len > 0 && data[len - 1] == '\n') len--;
	while (pos <= len) {
		const char *line = data + pos, *nl = memchr(line, '\n', len - pos), *sep;
		size_t n = nl ? (size_t)(nl - line) : len - pos, klen, vlen;
		const char *val;
		pos += n + 1;
		if (line_no++ == 1) {
			if (n != sizeof header - 1 || memcmp(line, header, n)) {
				lm__fmt(err, err_len, "first line is not \"%s\"", header);
				return -1;
			}
			continue;
		}
		sep = NULL;
		{
			size_t i;
			for (i = 0; i + 1 < n; i++)
				if (line[i] == ':' && line[i + 1] == ' ') {
					sep = line + i;
					break;
				}
		}
		if (!sep) goto syntax;
		klen = (size_t)(sep - line), val = sep + 2, vlen = n - klen - 2;
#define KEY(k) (klen == sizeof k - 1 && !memcmp(line, k, klen))
		if (KEY("last-seen")) {
			if (seen_last++) goto syntax;
			if (parse_time(val, vlen, &s->last_seen)) {
				char q[200] = "";
				lm__append_quoted(q, sizeof q, val, vlen < 64 ? vlen : 64);
				lm__fmt(err, err_len,
				         "line %lu: time %s: want RFC 3339 in the form 2027-10-01T09:30:00Z (a fraction and an offset such as +02:00 are allowed)",
				         (unsigned long)line_no - 1, q);
				return -1;
			}
		} else if (KEY("list-sequence")) {
			if (seen_seq++) goto syntax;
			if (canonical_uint(val, vlen, UINT64_MAX, &s->list_sequence)) goto bad_number;
		} else if (KEY("list-sha256")) {
			size_t i;
			if (seen_sum++) goto syntax;
			for (i = 0; i < vlen && vlen == 64; i++)
				if (!((val[i] >= '0' && val[i] <= '9') || (val[i] >= 'a' && val[i] <= 'f'))) break;
			if (vlen != 64 || i != 64) {
				lm__fmt(err, err_len, "line %lu: want 64 lower-case hexadecimal digits", (unsigned long)line_no - 1);
				return -1;
			}
			memcpy(list_sum, val, 64);
			list_sum[64] = 0;
		} else if (KEY("generation")) {
			const char *sp = memchr(val, ' ', vlen);
			uint64_t serial, gen;
			uint8_t old;
			if (!sp || canonical_uint(val, (size_t)(sp - val), LM__MAX_SERIAL, &serial) ||
			    canonical_uint(sp + 1, vlen - (size_t)(sp - val) - 1, 255, &gen)) {
				lm__fmt(err, err_len,
				         "line %lu: want \"SERIAL GENERATION\": a serial of at most 14 digits and a generation from 0 to 255, in decimal with no leading zeros",
				         (unsigned long)line_no - 1);
				return -1;
			}
			if (lm__state_find_gen(s, serial, &old)) {
				lm__fmt(err, err_len, "line %lu: serial %llu is listed twice", (unsigned long)line_no - 1, (unsigned long long)serial);
				return -1;
			}
			if (++n_gen_lines > LM__MAX_SERIALS) {
				lm__fmt(err, err_len, "line %lu: more than %d generation lines", (unsigned long)line_no - 1, LM__MAX_SERIALS);
				return -1;
			}
			lm__state_see_gen(s, serial, (uint8_t)gen);
		} else if (KEY("reset")) {
			const char *sp = memchr(val, ' ', vlen);
			int64_t day;
			char id[21];
			if (!sp || parse_date(val, (size_t)(sp - val), &day) || !is_reset_id(sp + 1, vlen - (size_t)(sp - val) - 1)) {
				lm__fmt(err, err_len, "line %lu: want \"YYYY-MM-DD ID\", the ID 20 lower-case hexadecimal digits",
				         (unsigned long)line_no - 1);
				return -1;
			}
			memcpy(id, sp + 1, 20);
			id[20] = 0;
			if (lm__state_has_reset(s, id)) {
				lm__fmt(err, err_len, "line %lu: reset code %s is listed twice", (unsigned long)line_no - 1, id);
				return -1;
			}
			if (++n_reset_lines > LM__MAX_RESETS) {
				lm__fmt(err, err_len, "line %lu: more than %d reset lines", (unsigned long)line_no - 1, LM__MAX_RESETS);
				return -1;
			}
			lm__state_add_reset(s, id, day * 86400);
		} else {
			char k[96] = "";
			lm__append_quoted(k, sizeof k, line, klen < 40 ? klen : 40);
			lm__fmt(err, err_len, "line %lu: unknown name %s", (unsigned long)line_no - 1, k);
			return -1;
		}
#undef KEY
		continue;
	syntax:
		lm__fmt(err, err_len, "line %lu: want \"name: value\", each name once", (unsigned long)line_no - 1);
		return -1;
	bad_number:
		lm__fmt(err, err_len, "line %lu: want the sequence in decimal, no leading zeros", (unsigned long)line_no - 1);
		return -1;
	}
	return 0;
}

/* Writes the text of s into f, as state.encode does. */
static int encode(FILE *f, const lm__state *s) {
	char t[40], sum[65];
	uint32_t i;
	format_time(s->last_seen, t);
	fprintf(f, "%s\nlast-seen: %s\nlist-sequence: %llu\n", header, t, (unsigned long long)s->list_sequence);
	if (s->list) {
		uint8_t h[32];
		lm__sha256(s->list, s->list_len, h);
		hex(h, 32, sum);
		fprintf(f, "list-sha256: %s\n", sum);
	}
	for (i = 0; i < s->n_gens; i++) fprintf(f, "generation: %llu %u\n", (unsigned long long)s->gens[i].serial, s->gens[i].gen);
	for (i = 0; i < s->n_resets; i++) {
		char d[16];
		lm__day_string(s->resets[i].day / 86400 - 18262, d);
		fprintf(f, "reset: %s %s\n", d, s->resets[i].id);
	}
	return ferror(f) ? -1 : 0;
}

/* ---- files ---- */

/* Reads at most limit bytes of a regular file: 0, or -1 (errno set; EFBIG
 * past limit, EINVAL not a regular file). */
static int read_bounded(const char *path, long limit, char **out, size_t *len) {
	struct stat st;
	FILE *f;
	char *buf;
	size_t n;
	if (stat(path, &st) != 0) return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	f = fopen(path, "rb");
	if (!f) return -1;
	buf = malloc((size_t)limit + 1);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return -1;
	}
	n = fread(buf, 1, (size_t)limit + 1, f);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		errno = EIO;
		return -1;
	}
	fclose(f);
	if (n > (size_t)limit) {
		free(buf);
		errno = EFBIG;
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

static void list_path(const char *path, char *out, size_t n) { lm__fmt(out, n, "%s.list", path); }

LM__PART int lm__state_load(const char *path, lm__state *s, char *err, size_t err_len) {
	char *data = NULL, sum[65], why[512], lp[LM_MAX_PATH_LEN + 16];
	size_t len;
	if (read_bounded(path, MAX_FILE_SIZE, &data, &len) != 0) {
		if (errno == ENOENT) {
			lm__fmt(err, err_len, "no saved verifier state: %s does not exist", path);
			return LM__LOAD_MISSING;
		}
		if (errno == EFBIG) {
			lm__fmt(err, err_len, "verifier state is corrupt: %s: too large: more than %ld bytes", path, MAX_FILE_SIZE);
			return LM__LOAD_CORRUPT;
		}
		if (errno == EINVAL) lm__fmt(err, err_len, "reading verifier state: %s: not a regular file", path);
		else lm__fmt(err, err_len, "reading verifier state: %s: %s", path, strerror(errno));
		return LM__LOAD_ERROR;
	}
	if (decode_state(data, len, s, sum, why, sizeof why)) {
		lm__state_free(s);
		free(data);
		if (lm__state_init(s)) {
			lm__fmt(err, err_len, "reading verifier state: out of memory");
			return LM__LOAD_ERROR;
		}
		lm__fmt(err, err_len, "verifier state is corrupt: %s: %s", path, why);
		return LM__LOAD_CORRUPT;
	}
	free(data);
	if (sum[0]) {
		char *list = NULL, got[65];
		size_t list_len;
		uint8_t h[32];
		list_path(path, lp, sizeof lp);
		if (read_bounded(lp, MAX_LIST_SIZE, &list, &list_len) == 0) {
			lm__sha256((const uint8_t *)list, list_len, h);
			hex(h, 32, got);
		}
		if (!list || strcmp(got, sum)) {
			free(list);
			lm__fmt(err, err_len, "verifier state is corrupt: %s: the revocation list saved with it is missing or altered", lp);
			return LM__LOAD_CORRUPT;
		}
		free(s->list);
		s->list = (uint8_t *)list;
		s->list_len = list_len;
	}
	return LM__LOAD_OK;
}

static void sleep_ms(int ms) {
#ifdef _WIN32
	Sleep((DWORD)ms);
#else
	struct timespec ts;
	ts.tv_sec = 0;
	ts.tv_nsec = ms * 1000000L;
	nanosleep(&ts, NULL);
#endif
}

/* The lock of package verifier/state, so that Go and C processes sharing a
 * state file exclude each other: flock on path.lock on Unix, an
 * exclusively created path.lock elsewhere. Waits up to 10 seconds. */
typedef struct file_lock {
#ifdef _WIN32
	char path[LM_MAX_PATH_LEN + 16];
#else
	int fd;
#endif
} file_lock;

static int lock(const char *path, file_lock *l, char *err, size_t err_len) {
	char lp[LM_MAX_PATH_LEN + 16];
	int waited = 0;
	lm__fmt(lp, sizeof lp, "%s.lock", path);
#ifdef _WIN32
	for (;;) {
		HANDLE h = CreateFileA(lp, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
		if (h != INVALID_HANDLE_VALUE) {
			CloseHandle(h);
			lm__fmt(l->path, sizeof l->path, "%s", lp);
			return 0;
		}
		if (GetLastError() != ERROR_FILE_EXISTS) {
			lm__fmt(err, err_len, "locking verifier state: cannot create %s", lp);
			return -1;
		}
		{
			struct stat st;
			if (stat(lp, &st) == 0 && time(NULL) - st.st_mtime > 60) {
				DeleteFileA(lp);
				continue;
			}
		}
		if (waited >= 10000) {
			lm__fmt(err, err_len, "locking verifier state %s: still locked after 10s", lp);
			return -1;
		}
		sleep_ms(5);
		waited += 5;
	}
#else
	l->fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (l->fd < 0) {
		lm__fmt(err, err_len, "locking verifier state: open %s: %s", lp, strerror(errno));
		return -1;
	}
	for (;;) {
		if (flock(l->fd, LOCK_EX | LOCK_NB) == 0) return 0;
		if (errno != EWOULDBLOCK || waited >= 10000) {
			lm__fmt(err, err_len, "locking verifier state %s: %s (is another process stuck updating it?)", lp, strerror(errno));
			close(l->fd);
			return -1;
		}
		sleep_ms(5);
		waited += 5;
	}
#endif
}

static void unlock(file_lock *l) {
#ifdef _WIN32
	DeleteFileA(l->path);
#else
	flock(l->fd, LOCK_UN);
	close(l->fd);
#endif
}

/* Writes a file whole or not at all: a temporary file beside it, synced,
 * renamed over it, and the directory synced. */
static int write_atomic(const char *path, const lm__state *s, const uint8_t *raw, size_t raw_len, char *err, size_t err_len) {
	char tmp[LM_MAX_PATH_LEN + 32];
	FILE *f;
	int ok;
#ifdef _WIN32
	lm__fmt(tmp, sizeof tmp, "%s.tmp%lu", path, (unsigned long)GetCurrentThreadId());
	f = fopen(tmp, "wb");
#else
	int fd;
	lm__fmt(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
	fd = mkstemp(tmp);
	f = fd < 0 ? NULL : fdopen(fd, "wb");
	if (!f && fd >= 0) close(fd);
#endif
	if (!f) {
		lm__fmt(err, err_len, "saving verifier state: %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (s) ok = encode(f, s) == 0;
	else ok = raw_len == 0 || fwrite(raw, 1, raw_len, f) == raw_len;
	ok = fflush(f) == 0 && ok;
#ifdef _WIN32
	ok = ok && _commit(_fileno(f)) == 0;
#else
	ok = ok && fsync(fileno(f)) == 0;
#endif
	ok = fclose(f) == 0 && ok;
#ifdef _WIN32
	ok = ok && MoveFileExA(tmp, path, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
#else
	ok = ok && rename(tmp, path) == 0;
#endif
	if (!ok) {
		lm__fmt(err, err_len, "saving verifier state: %s: %s", path, strerror(errno));
		remove(tmp);
		return -1;
	}
#ifndef _WIN32
	{
		char dir[LM_MAX_PATH_LEN + 16];
		char *slash;
		int dfd;
		lm__fmt(dir, sizeof dir, "%s", path);
		slash = strrchr(dir, '/');
		if (slash) *(slash == dir ? slash + 1 : slash) = 0;
		else lm__fmt(dir, sizeof dir, ".");
		dfd = open(dir, O_RDONLY);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
#endif
	return 0;
}

LM__PART int lm__state_update(const char *path, lm__update_fn fn, void *arg, char *err, size_t err_len) {
	file_lock l;
	lm__state s;
	int load, r;
	uint8_t old_sum[32], new_sum[32];
	int had_list;
	if (lock(path, &l, err, err_len)) return LM__LOAD_ERROR;
	if (lm__state_init(&s)) {
		unlock(&l);
		lm__fmt(err, err_len, "saving verifier state: out of memory");
		return LM__LOAD_ERROR;
	}
	load = lm__state_load(path, &s, err, err_len);
	switch (load) {
	case LM__LOAD_OK:
	case LM__LOAD_MISSING:
		load = LM__LOAD_OK;
		err[0] = 0;
		break;
	case LM__LOAD_CORRUPT: {
		char aside[LM_MAX_PATH_LEN + 16];
		lm__fmt(aside, sizeof aside, "%s.corrupt", path);
#ifdef _WIN32
		if (!MoveFileExA(path, aside, MOVEFILE_REPLACE_EXISTING)) {
#else
		if (rename(path, aside) != 0) {
#endif
			lm__fmt(err, err_len, "setting aside corrupt verifier state: %s", strerror(errno));
			load = LM__LOAD_ERROR;
		}
		break;
	}
	}
	if (load == LM__LOAD_ERROR) {
		lm__state_free(&s);
		unlock(&l);
		return LM__LOAD_ERROR;
	}
	had_list = s.list != NULL;
	if (had_list) lm__sha256(s.list, s.list_len, old_sum);
	r = fn(&s, arg);
	if (r != 0) {
		lm__state_free(&s);
		unlock(&l);
		return r;
	}
	if (s.list) {
		char lp[LM_MAX_PATH_LEN + 16];
		lm__sha256(s.list, s.list_len, new_sum);
		list_path(path, lp, sizeof lp);
		if ((!had_list || memcmp(old_sum, new_sum, 32)) && write_atomic(lp, NULL, s.list, s.list_len, err, err_len)) {
			lm__state_free(&s);
			unlock(&l);
			return LM__LOAD_ERROR;
		}
	}
	if (write_atomic(path, &s, NULL, 0, err, err_len)) {
		lm__state_free(&s);
		unlock(&l);
		return LM__LOAD_ERROR;
	}
	lm__state_free(&s);
	unlock(&l);
	return load;
}
