//go:build cgo

package c

/*
#cgo linux LDFLAGS: -ldl
#include <stdlib.h>
#include <string.h>
#define LM_NO_PROTOTYPES
#include "licmint.h"

// The library's functions, found by dlsym, and callers for Go.
typedef struct lm_fns {
	lm_result (*verifier_new)(const char *, const lm_key *, size_t, const lm_options *, lm_verifier **);
	lm_result (*verify)(lm_verifier *, const char *, size_t, lm_license *);
	lm_result (*load_list)(lm_verifier *, const uint8_t *, size_t);
	lm_result (*feature_name)(lm_verifier *, uint8_t, uint32_t, char *, size_t);
	int32_t (*feature_bit)(lm_verifier *, uint8_t, const char *);
	size_t (*error_message)(lm_verifier *, char *, size_t);
	size_t (*error_hint)(lm_verifier *, char *, size_t);
	size_t (*state_error)(lm_verifier *, char *, size_t);
	lm_result (*verify_renewal)(lm_verifier *, const char *, size_t, const char *, size_t, lm_license *);
	lm_result (*reset)(lm_verifier *, const char *, size_t, lm_license *);
	lm_result (*renewal_request)(lm_verifier *, const char *, size_t, char *, size_t, size_t *);
	void (*verifier_free)(lm_verifier *);
	const char *(*result_name)(lm_result);
	const char *(*status_name)(lm_status);
	const char *(*version)(void);
	lm_result (*parse_registration_key)(const char *, size_t, lm_registration_key *, lm_error *);
	lm_result (*parse_keys)(const char *, size_t, lm_key *, size_t, size_t *, lm_error *);
	lm_result (*verify_token)(lm_verifier *, const char *, size_t, lm_license *);
} lm_fns;

static lm_fns fns;

#ifdef _WIN32
#include <windows.h>
// The search path altered to licmint.dll's folder, so that the
// libsodium-26.dll shipped beside it is the one loaded, as in a product.
static void *lm_open(const char *path) { return (void *)LoadLibraryExA(path, NULL, LOAD_WITH_ALTERED_SEARCH_PATH); }
static const char *lm_open_error(void) { return "LoadLibraryEx failed"; }
static void *lm_sym(void *h, const char *name) { return (void *)GetProcAddress((HMODULE)h, name); }
#else
#include <dlfcn.h>
static void *lm_open(const char *path) { return dlopen(path, RTLD_NOW | RTLD_LOCAL); }
static const char *lm_open_error(void) { return dlerror(); }
static void *lm_sym(void *h, const char *name) { return dlsym(h, name); }
#endif

static const char *lm_load(const char *path) {
	void *h = lm_open(path);
	if (!h) return lm_open_error();
#define SYM(field, name) if (!(*(void **)(&fns.field) = lm_sym(h, name))) return "missing " name;
	SYM(verifier_new, "lm_verifier_new")
	SYM(verify, "lm_verify")
	SYM(load_list, "lm_load_revocation_list")
	SYM(feature_name, "lm_feature_name")
	SYM(feature_bit, "lm_feature_bit")
	SYM(error_message, "lm_error_message")
	SYM(error_hint, "lm_error_hint")
	SYM(state_error, "lm_state_error")
	SYM(verify_renewal, "lm_verify_renewal")
	SYM(reset, "lm_reset")
	SYM(renewal_request, "lm_renewal_request")
	SYM(verifier_free, "lm_verifier_free")
	SYM(result_name, "lm_result_name")
	SYM(status_name, "lm_status_name")
	SYM(version, "lm_version")
	SYM(parse_registration_key, "lm_parse_registration_key")
	SYM(parse_keys, "lm_parse_keys")
	SYM(verify_token, "lm_verify_token")
#undef SYM
	return NULL;
}

static lm_result c_new(const char *p, const lm_key *k, size_t n, const lm_options *o, lm_verifier **out) { return fns.verifier_new(p, k, n, o, out); }
static lm_result c_verify(lm_verifier *v, const void *c, size_t n, lm_license *out) { return fns.verify(v, c, n, out); }
static lm_result c_load_list(lm_verifier *v, const void *d, size_t n) { return fns.load_list(v, d, n); }
static lm_result c_feature_name(lm_verifier *v, uint8_t e, uint32_t i, char *b, size_t n) { return fns.feature_name(v, e, i, b, n); }
static int32_t c_feature_bit(lm_verifier *v, uint8_t e, const char *name) { return fns.feature_bit(v, e, name); }
static size_t c_error_message(lm_verifier *v, char *b, size_t n) { return fns.error_message(v, b, n); }
static size_t c_error_hint(lm_verifier *v, char *b, size_t n) { return fns.error_hint(v, b, n); }
static size_t c_state_error(lm_verifier *v, char *b, size_t n) { return fns.state_error(v, b, n); }
static lm_result c_verify_renewal(lm_verifier *v, const void *a, size_t na, const void *b, size_t nb, lm_license *out) { return fns.verify_renewal(v, a, na, b, nb, out); }
static lm_result c_reset(lm_verifier *v, const void *c, size_t n, lm_license *out) { return fns.reset(v, c, n, out); }
static lm_result c_renewal_request(lm_verifier *v, const void *c, size_t n, char *b, size_t bn, size_t *out) { return fns.renewal_request(v, c, n, b, bn, out); }
static void c_free(lm_verifier *v) { fns.verifier_free(v); }
static const char *c_result_name(lm_result r) { return fns.result_name(r); }
static const char *c_status_name(lm_status s) { return fns.status_name(s); }
static const char *c_version(void) { return fns.version(); }
static lm_result c_parse_rk(const void *s, size_t n, lm_registration_key *k, lm_error *e) { return fns.parse_registration_key(s, n, k, e); }
static lm_result c_parse_keys(const void *d, size_t n, lm_key *k, size_t cap, size_t *nk, lm_error *e) { return fns.parse_keys(d, n, k, cap, nk, e); }
static lm_result c_verify_token(lm_verifier *v, const void *t, size_t n, lm_license *out) { return fns.verify_token(v, t, n, out); }

// A C caller of lm_verify for the benchmark: Go calls C once, C calls the
// library n times, as a product would.
static lm_result c_verify_n(lm_verifier *v, const void *c, size_t len, int n) {
	lm_license out;
	lm_result r = LM_OK;
	int i;
	for (i = 0; i < n && r == LM_OK; i++) r = fns.verify(v, c, len, &out);
	return r;
}
*/
import "C"

import (
	"errors"
	"sync"
	"unsafe"
)

var (
	loadOnce sync.Once
	loadErr  error
)

// load dlopens the library at path, once per process.
func load(path string) error {
	loadOnce.Do(func() {
		cp := C.CString(path)
		defer C.free(unsafe.Pointer(cp))
		if msg := C.lm_load(cp); msg != nil {
			loadErr = errors.New(C.GoString(msg))
		}
	})
	return loadErr
}

// Key is a trusted key, as lm_key.
type Key struct {
	ID     uint8
	Public [32]byte
}

// Options are lm_options; nil pointers and slices are NULL.
type Options struct {
	InstallID  *string
	NowUnix    int64
	WarnDays   int32
	GraceDays  int32
	StatePath  string
	Catalog    []byte
	HasCatalog bool
}

// License is lm_license.
type License struct {
	Status, Error                    int32
	Group, Char, Line, Column        int32
	Product, Edition                 string
	EditionNumber, Generation, KeyID uint8
	Trial, Bound                     bool
	Serial                           uint64
	Issued, Expires, DaysLeft        int32
	NFeatures                        uint32
	Features                         uint64
}

// Verifier is an lm_verifier.
type Verifier struct{ p *C.lm_verifier }

func cbytes(b []byte) (*C.char, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// NewVerifier calls lm_verifier_new; the verifier is returned even on
// failure, for its message, and must be freed.
func NewVerifier(product string, keys []Key, o *Options) (*Verifier, int32) {
	var cp *C.char
	if product != "\x00" {
		cp = C.CString(product)
		defer C.free(unsafe.Pointer(cp))
	}
	ck := (*C.lm_key)(C.calloc(C.size_t(len(keys)+1), C.size_t(unsafe.Sizeof(C.lm_key{}))))
	defer C.free(unsafe.Pointer(ck))
	ks := unsafe.Slice(ck, len(keys)+1)
	for i, k := range keys {
		ks[i].id = C.uint8_t(k.ID)
		for j, b := range k.Public {
			ks[i].public_key[j] = C.uint8_t(b)
		}
	}
	var co *C.lm_options
	if o != nil {
		co = (*C.lm_options)(C.calloc(1, C.size_t(unsafe.Sizeof(C.lm_options{}))))
		defer C.free(unsafe.Pointer(co))
		if o.InstallID != nil {
			co.install_id = C.CString(*o.InstallID)
			defer C.free(unsafe.Pointer(co.install_id))
		}
		co.now_unix = C.int64_t(o.NowUnix)
		co.warn_days, co.grace_days = C.int32_t(o.WarnDays), C.int32_t(o.GraceDays)
		if o.StatePath != "" {
			co.state_path = C.CString(o.StatePath)
			defer C.free(unsafe.Pointer(co.state_path))
		}
		if o.HasCatalog {
			co.catalog_json = (*C.char)(C.CBytes(append(o.Catalog, 0)))
			co.catalog_len = C.size_t(len(o.Catalog))
			defer C.free(unsafe.Pointer(co.catalog_json))
		}
	}
	var v *C.lm_verifier
	var kp *C.lm_key
	if keys != nil {
		kp = ck
	}
	r := C.c_new(cp, kp, C.size_t(len(keys)), co, &v)
	return &Verifier{v}, int32(r)
}

func license(l *C.lm_license) License {
	return License{
		Status: int32(l.status), Error: int32(l.error),
		Group: int32(l.error_group), Char: int32(l.error_char), Line: int32(l.error_line), Column: int32(l.error_column),
		Product: C.GoString(&l.product[0]), Edition: C.GoString(&l.edition[0]),
		EditionNumber: uint8(l.edition_number), Generation: uint8(l.generation), KeyID: uint8(l.key_id),
		Trial: l.trial != 0, Bound: l.install_bound != 0, Serial: uint64(l.serial),
		Issued: int32(l.issued), Expires: int32(l.expires), DaysLeft: int32(l.days_left),
		NFeatures: uint32(l.n_features), Features: uint64(l.features),
	}
}

// Verify calls lm_verify.
func (v *Verifier) Verify(code []byte) (License, int32) {
	var l C.lm_license
	p, n := cbytes(code)
	r := C.c_verify(v.p, unsafe.Pointer(p), n, &l)
	return license(&l), int32(r)
}

// VerifyN calls lm_verify n times from C.
func (v *Verifier) VerifyN(code []byte, n int) int32 {
	p, len := cbytes(code)
	return int32(C.c_verify_n(v.p, unsafe.Pointer(p), len, C.int(n)))
}

// LoadList calls lm_load_revocation_list.
func (v *Verifier) LoadList(data []byte) int32 {
	p, n := cbytes(data)
	return int32(C.c_load_list(v.p, unsafe.Pointer(p), n))
}

// Renewal calls lm_verify_renewal.
func (v *Verifier) Renewal(installed, next []byte) (License, int32) {
	var l C.lm_license
	a, na := cbytes(installed)
	b, nb := cbytes(next)
	r := C.c_verify_renewal(v.p, unsafe.Pointer(a), na, unsafe.Pointer(b), nb, &l)
	return license(&l), int32(r)
}

// Reset calls lm_reset.
func (v *Verifier) Reset(code []byte) (License, int32) {
	var l C.lm_license
	p, n := cbytes(code)
	r := C.c_reset(v.p, unsafe.Pointer(p), n, &l)
	return license(&l), int32(r)
}

// Request calls lm_renewal_request.
func (v *Verifier) Request(code []byte) (string, int32) {
	var buf [C.LM_MAX_REQUEST_LEN]C.char
	var n C.size_t
	p, len := cbytes(code)
	r := C.c_renewal_request(v.p, unsafe.Pointer(p), len, &buf[0], C.size_t(C.LM_MAX_REQUEST_LEN), &n)
	if r != 0 {
		return "", int32(r)
	}
	return C.GoStringN(&buf[0], C.int(n)), 0
}

// FeatureName calls lm_feature_name.
func (v *Verifier) FeatureName(edition uint8, i uint32) (string, int32) {
	var buf [C.LM_MAX_NAME_LEN + 1]C.char
	r := C.c_feature_name(v.p, C.uint8_t(edition), C.uint32_t(i), &buf[0], C.size_t(len(buf)))
	return C.GoString(&buf[0]), int32(r)
}

// FeatureBit calls lm_feature_bit.
func (v *Verifier) FeatureBit(edition uint8, name string) int32 {
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	return int32(C.c_feature_bit(v.p, C.uint8_t(edition), cn))
}

func text(f func(*C.char, C.size_t) C.size_t) string {
	n := f(nil, 0)
	buf := make([]C.char, n+1)
	f(&buf[0], n+1)
	return C.GoStringN(&buf[0], C.int(n))
}

// Message, Hint and StateError call lm_error_message, lm_error_hint and
// lm_state_error.
func (v *Verifier) Message() string {
	return text(func(b *C.char, n C.size_t) C.size_t { return C.c_error_message(v.p, b, n) })
}
func (v *Verifier) Hint() string {
	return text(func(b *C.char, n C.size_t) C.size_t { return C.c_error_hint(v.p, b, n) })
}
func (v *Verifier) StateError() string {
	return text(func(b *C.char, n C.size_t) C.size_t { return C.c_state_error(v.p, b, n) })
}

// Free calls lm_verifier_free.
func (v *Verifier) Free() { C.c_free(v.p) }

// ResultName, StatusName and Version call lm_result_name, lm_status_name
// and lm_version.
func ResultName(r int32) string { return C.GoString(C.c_result_name(C.lm_result(r))) }
func StatusName(s int32) string { return C.GoString(C.c_status_name(C.lm_status(s))) }
func Version() string           { return C.GoString(C.c_version()) }

// Error is lm_error: the error of a call without a verifier.
type Error struct {
	Kind                      int32
	Group, Char, Line, Column int32
	Message, Hint             string
}

func goError(e *C.lm_error) Error {
	return Error{Kind: int32(e.kind), Group: int32(e.group), Char: int32(e.character), Line: int32(e.line),
		Column: int32(e.column), Message: C.GoString(&e.message[0]), Hint: C.GoString(&e.hint[0])}
}

// RegistrationKey is lm_registration_key.
type RegistrationKey struct {
	Product string
	Trial   bool
	Serial  uint64
	Text    string
}

// ParseRegistrationKey calls lm_parse_registration_key.
func ParseRegistrationKey(s []byte) (RegistrationKey, Error, int32) {
	var k C.lm_registration_key
	var e C.lm_error
	p, n := cbytes(s)
	r := C.c_parse_rk(unsafe.Pointer(p), n, &k, &e)
	return RegistrationKey{Product: C.GoString(&k.product[0]), Trial: k.trial != 0, Serial: uint64(k.serial),
		Text: C.GoString(&k.text[0])}, goError(&e), int32(r)
}

// ParseKeys calls lm_parse_keys with room for capacity keys.
func ParseKeys(data []byte, capacity int) ([]Key, Error, int32) {
	var e C.lm_error
	var n C.size_t
	ks := (*C.lm_key)(C.calloc(C.size_t(capacity+1), C.size_t(unsafe.Sizeof(C.lm_key{}))))
	defer C.free(unsafe.Pointer(ks))
	p, l := cbytes(data)
	r := C.c_parse_keys(unsafe.Pointer(p), l, ks, C.size_t(capacity), &n, &e)
	var out []Key
	for _, k := range unsafe.Slice(ks, capacity+1)[:n] {
		var key Key
		key.ID = uint8(k.id)
		for j := range key.Public {
			key.Public[j] = byte(k.public_key[j])
		}
		out = append(out, key)
	}
	return out, goError(&e), int32(r)
}

// VerifyToken calls lm_verify_token.
func (v *Verifier) VerifyToken(token []byte) (License, int32) {
	var l C.lm_license
	p, n := cbytes(token)
	r := C.c_verify_token(v.p, unsafe.Pointer(p), n, &l)
	return license(&l), int32(r)
}
