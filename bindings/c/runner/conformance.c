// conformance runs testdata/conformance/cases.json through the C library
// and reports every step that disagrees with the suite:
//
//	conformance CASES.json TMPDIR
//
// TMPDIR holds the state files of cases with state. It exits 0 only if
// every step agrees. The small JSON reader below handles what the suite
// uses: objects, arrays, strings, integers, booleans and null.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "licmint.h"

#ifdef _WIN32
#define timegm _mkgmtime /* the same function, by Microsoft's name */
#endif

typedef struct json json;
struct json {
	char type; /* o(bject) a(rray) s(tring) n(umber) t(rue) f(alse) z(null) */
	char *str; size_t len; /* strings; object keys in key */
	long long num;
	char *key;
	json *child, *next;
};

static const char *p;

static void die(const char *msg) { fprintf(stderr, "conformance: %s\n", msg); exit(2); }

static void ws(void) { while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++; }

static char *parse_string(size_t *len) {
	if (*p++ != '"') die("want a string");
	const char *end = p;
	while (*end && *end != '"') end += *end == '\\' && end[1] ? 2 : 1;
	char *out = malloc((size_t)(end - p) + 1), *o = out;
	while (*p != '"') {
		if (!*p) die("unterminated string");
		if (*p != '\\') { *o++ = *p++; continue; }
		p++;
		switch (*p++) {
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'u': {
			unsigned v;
			if (sscanf(p, "%4x", &v) != 1) die("bad \\u escape");
			p += 4;
			if (v < 0x80) *o++ = (char)v;
			else if (v < 0x800) { *o++ = (char)(0xC0 | v >> 6); *o++ = (char)(0x80 | (v & 63)); }
			else { *o++ = (char)(0xE0 | v >> 12); *o++ = (char)(0x80 | (v >> 6 & 63)); *o++ = (char)(0x80 | (v & 63)); }
			break;
		}
		default: o[0] = p[-1]; o++;
		}
	}
	p++;
	*o = 0;
	*len = (size_t)(o - out);
	return out;
}

static json *parse(void) {
	json *j = calloc(1, sizeof *j);
	ws();
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		j->type = *p++ == '{' ? 'o' : 'a';
		json **tail = &j->child;
		ws();
		while (*p != close) {
			char *key = NULL;
			if (j->type == 'o') {
				size_t n;
				key = parse_string(&n);
				ws();
				if (*p++ != ':') die("want ':'");
			}
			*tail = parse();
			(*tail)->key = key;
			tail = &(*tail)->next;
			ws();
			if (*p == ',') { p++; ws(); }
		}
		p++;
	} else if (*p == '"') {
		j->type = 's';
		j->str = parse_string(&j->len);
	} else if (!strncmp(p, "true", 4)) { j->type = 't'; p += 4; }
	else if (!strncmp(p, "false", 5)) { j->type = 'f'; p += 5; }
	else if (!strncmp(p, "null", 4)) { j->type = 'z'; p += 4; }
	else { j->type = 'n'; j->num = strtoll(p, (char **)&p, 10); }
	return j;
}

static void json_free(json *j) {
	while (j) {
		json *next = j->next;
		json_free(j->child);
		free(j->str);
		free(j->key);
		free(j);
		j = next;
	}
}

static json *get(const json *o, const char *key) {
	for (json *c = o ? o->child : NULL; c; c = c->next)
		if (!strcmp(c->key, key)) return c;
	return NULL;
}
static const char *str(const json *o, const char *key) { json *j = get(o, key); return j && j->type == 's' ? j->str : ""; }
static long long num(const json *o, const char *key) { json *j = get(o, key); return j && j->type == 'n' ? j->num : 0; }
static int boolean(const json *o, const char *key) { json *j = get(o, key); return j && j->type == 't'; }

static int hexval(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }
static uint8_t *unhex(const char *s, size_t *n) {
	*n = strlen(s) / 2;
	uint8_t *b = malloc(*n + 1);
	for (size_t i = 0; i < *n; i++) b[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
	return b;
}

// days since 2020-01-01 of "YYYY-MM-DD", or LM_PERPETUAL.
static int32_t day_of(const char *s) {
	if (!strcmp(s, "perpetual")) return LM_PERPETUAL;
	struct tm tm = {0};
	if (sscanf(s, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3) die("bad date");
	tm.tm_year -= 1900, tm.tm_mon -= 1;
	return (int32_t)(timegm(&tm) / 86400 - 18262);
}

// Unix seconds of an RFC 3339 time with Z or a +hh:mm offset.
static int64_t unix_of(const char *s) {
	struct tm tm = {0};
	char zone[8] = "";
	if (sscanf(s, "%d-%d-%dT%d:%d:%d%7s", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, zone) < 6)
		die("bad time");
	tm.tm_year -= 1900, tm.tm_mon -= 1;
	int64_t t = timegm(&tm);
	if (zone[0] == '+' || zone[0] == '-') {
		int64_t off = (atoi(zone + 1) * 60 + atoi(zone + 4)) * 60;
		t -= zone[0] == '+' ? off : -off;
	}
	return t;
}

static int failures;
static const char *case_name;

static void fail(int run, int step, const char *what, const char *got, const char *want) {
	fprintf(stderr, "FAIL %s: run %d step %d: %s: got %s, want %s\n", case_name, run, step, what, got, want);
	failures++;
}
static void check_num(int run, int step, const char *what, long long got, long long want) {
	char g[32], w[32];
	snprintf(g, sizeof g, "%lld", got), snprintf(w, sizeof w, "%lld", want);
	if (got != want) fail(run, step, what, g, w);
}
static void check_str(int run, int step, const char *what, const char *got, const char *want) {
	if (strcmp(got, want)) fail(run, step, what, got, want);
}

static void check_license(lm_verifier *v, int r, int s, lm_result res, const lm_license *l, const json *w) {
	check_str(r, s, "error_kind", lm_result_name(res), str(w, "error_kind"));
	check_str(r, s, "status", lm_status_name(l->status), str(w, "status"));
	if (get(w, "group")->type != 'z') {
		check_num(r, s, "group", l->error_group, num(w, "group"));
		check_num(r, s, "char", l->error_char, num(w, "char"));
	}
	check_str(r, s, "product", l->product, str(w, "product"));
	check_str(r, s, "edition", l->edition, str(w, "edition"));
	check_num(r, s, "edition_number", l->edition_number, num(w, "edition_number"));
	check_num(r, s, "trial", l->trial, boolean(w, "trial"));
	check_num(r, s, "install_bound", l->install_bound, boolean(w, "install_bound"));
	check_num(r, s, "serial", (long long)l->serial, num(w, "serial"));
	check_num(r, s, "generation", l->generation, num(w, "generation"));
	check_num(r, s, "key_id", l->key_id, num(w, "key_id"));
	check_num(r, s, "days_left", l->days_left, num(w, "days_left"));
	if (res == LM_OK) {
		check_num(r, s, "issued", l->issued, day_of(str(w, "issued")));
		check_num(r, s, "expires", l->expires, day_of(str(w, "expires")));
	} else {
		check_num(r, s, "issued", l->issued, 0);
		check_num(r, s, "expires", l->expires, 0);
	}
	// features_on lists the names of the bits set, in bit order.
	uint64_t want = 0;
	for (json *f = get(w, "features_on")->child; f; f = f->next) {
		int32_t bit = lm_feature_bit(v, l->edition_number, f->str);
		if (bit < 0) { fail(r, s, "feature", "no such feature", f->str); continue; }
		char name[LM_MAX_NAME_LEN + 1];
		if (lm_feature_name(v, l->edition_number, (uint32_t)bit, name, sizeof name) != LM_OK) fail(r, s, "feature name", "error", f->str);
		else check_str(r, s, "feature name", name, f->str);
		want |= 1ull << bit;
	}
	check_num(r, s, "features", (long long)l->features, (long long)want);
}

int main(int argc, char **argv) {
	if (argc != 3) die("usage: conformance CASES.json TMPDIR");
	FILE *f = fopen(argv[1], "rb");
	if (!f) die("cannot open the cases file");
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	rewind(f);
	char *text = malloc((size_t)size + 1);
	if (fread(text, 1, (size_t)size, f) != (size_t)size) die("cannot read the cases file");
	text[size] = 0;
	fclose(f);
	p = text;
	json *suite = parse();

	lm_key keys[LM_MAX_KEYS];
	size_t n_keys = 0;
	for (json *k = get(suite, "keys")->child; k; k = k->next, n_keys++) {
		size_t n;
		uint8_t *pub = unhex(str(k, "public_key_hex"), &n);
		if (n != LM_PUBLIC_KEY_SIZE) die("bad key");
		keys[n_keys].id = (uint8_t)num(k, "id");
		memcpy(keys[n_keys].public_key, pub, n);
		free(pub);
	}
	int cases = 0, steps = 0;
	for (json *c = get(suite, "cases")->child; c; c = c->next, cases++) {
		case_name = str(c, "name");
		char state_path[LM_MAX_PATH_LEN];
		snprintf(state_path, sizeof state_path, "%s/state-%d.txt", argv[2], cases);
		int r = 0;
		for (json *run = get(c, "runs")->child; run; run = run->next) {
			r++;
			lm_options o = {0};
			o.now_unix = unix_of(str(run, "now"));
			if (get(run, "install_id")) o.install_id = str(run, "install_id");
			if (get(run, "warn_days")) o.warn_days = num(run, "warn_days") == 0 ? -1 : (int32_t)num(run, "warn_days");
			if (get(run, "grace_days")) o.grace_days = num(run, "grace_days") == 0 ? -1 : (int32_t)num(run, "grace_days");
			if (boolean(c, "state")) o.state_path = state_path;
			lm_verifier *v;
			if (lm_verifier_new(str(c, "product"), keys, n_keys, &o, &v) != LM_OK) {
				char msg[512];
				lm_error_message(v, msg, sizeof msg);
				fail(r, 0, "lm_verifier_new", msg, "LM_OK");
				lm_verifier_free(v);
				continue;
			}
			int s = 0;
			for (json *st = get(run, "steps")->child; st; st = st->next, steps++) {
				s++;
				json *code = get(st, "code"), *from = get(st, "renew_from");
				if (code) {
					lm_license l;
					/* renew_from: the installed code, and code the renewal. */
					lm_result res = from ? lm_verify_renewal(v, from->str, from->len, code->str, code->len, &l)
					                     : lm_verify(v, code->str, code->len, &l);
					check_num(r, s, "lm_license.error", l.error, res);
					check_license(v, r, s, res, &l, get(st, "want"));
				} else {
					size_t n;
					uint8_t *list = unhex(str(st, "revocation_list_hex"), &n);
					lm_result res = lm_load_revocation_list(v, list, n);
					check_str(r, s, "revocation list", lm_result_name(res), str(st, "want_list_error"));
					free(list);
				}
			}
			lm_verifier_free(v);
		}
	}
	json_free(suite);
	free(text);
	printf("C runner (%s): %d cases, %d steps, %d disagreements\n", lm_version(), cases, steps, failures);
	return failures ? 1 : 0;
}
