//go:build cgo

package main

/*
#include <stdint.h>
#include <stdlib.h>
// The exported functions' prototypes come from cgo, with the Go types
// below; the hand-written ones in licmint.h are for C callers.
#define LM_NO_PROTOTYPES
#include "licmint.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/state"
)

// A verifier handle reaches C as an integer id in a pointer-sized
// lm_verifier *, never as a Go pointer: C cannot keep Go memory, and a
// stale or forged handle is just an unknown id (LM_ERR_HANDLE), not a
// crash. The exported functions therefore take the handle as uintptr_t,
// which has the same size and calling convention as the pointer.

//export lm_verifier_new
func lm_verifier_new(product *C.char, keys *C.lm_key, nKeys C.size_t, opts *C.lm_options, out *C.uintptr_t) C.lm_result {
	if out == nil {
		return C.LM_ERR_ARGUMENT
	}
	v, entry, res, err := newVerifier(product, keys, nKeys, opts)
	h := &handle{v: v}
	if err != nil {
		h.fail(err)
	}
	if entry != nil {
		h.setCatalog(entry)
	}
	*out = C.uintptr_t(handles.add(h))
	return res
}

func newVerifier(product *C.char, keys *C.lm_key, nKeys C.size_t, opts *C.lm_options) (*verifier.Verifier, *catalog.Product, C.lm_result, error) {
	p, ok := cString(product, 2)
	if !ok {
		return nil, nil, C.LM_ERR_ARGUMENT, errors.New("product: want two letters, such as \"PC\"")
	}
	if keys == nil || nKeys == 0 || nKeys > C.LM_MAX_KEYS {
		return nil, nil, C.LM_ERR_ARGUMENT, fmt.Errorf("keys: want 1 to %d keys, got %d", C.LM_MAX_KEYS, nKeys)
	}
	var vkeys []verifier.Key
	for _, k := range unsafe.Slice(keys, nKeys) {
		vkeys = append(vkeys, verifier.Key{ID: uint8(k.id), Public: C.GoBytes(unsafe.Pointer(&k.public_key[0]), C.LM_PUBLIC_KEY_SIZE)})
	}
	var o C.lm_options
	if opts != nil {
		o = *opts
	}
	vopts := []verifier.Option{}
	if o.install_id != nil {
		id, ok := cString(o.install_id, C.LM_MAX_INSTALL_ID_LEN)
		if !ok {
			return nil, nil, C.LM_ERR_ARGUMENT, fmt.Errorf("install_id: more than %d bytes", C.LM_MAX_INSTALL_ID_LEN)
		}
		vopts = append(vopts, verifier.WithInstallID(id))
	}
	if o.now_unix != 0 {
		now := time.Unix(int64(o.now_unix), 0).UTC()
		vopts = append(vopts, verifier.WithNow(func() time.Time { return now }))
	}
	for _, d := range []struct {
		name string
		n    C.int32_t
		opt  func(int) verifier.Option
	}{{"warn_days", o.warn_days, verifier.WithWarnDays}, {"grace_days", o.grace_days, verifier.WithGraceDays}} {
		switch {
		case d.n == -1:
			vopts = append(vopts, d.opt(0))
		case d.n < -1 || d.n > catalog.MaxTermDays:
			return nil, nil, C.LM_ERR_ARGUMENT, fmt.Errorf("%s is %d: want 0 (the catalog's), -1 (none) or 1 to %d", d.name, d.n, catalog.MaxTermDays)
		case d.n > 0:
			vopts = append(vopts, d.opt(int(d.n)))
		}
	}
	if o.state_path != nil {
		path, ok := cString(o.state_path, C.LM_MAX_PATH_LEN)
		if !ok || path == "" {
			return nil, nil, C.LM_ERR_ARGUMENT, fmt.Errorf("state_path: empty or more than %d bytes", C.LM_MAX_PATH_LEN)
		}
		vopts = append(vopts, verifier.WithState(state.NewFile(path)))
	}
	cat := catalog.Default()
	if o.catalog_json != nil {
		if o.catalog_len > C.LM_MAX_CATALOG_LEN {
			return nil, nil, C.LM_ERR_ARGUMENT, fmt.Errorf("catalog: %d bytes, more than %d", o.catalog_len, C.LM_MAX_CATALOG_LEN)
		}
		var err error
		if cat, err = catalog.Parse(C.GoBytes(unsafe.Pointer(o.catalog_json), C.int(o.catalog_len))); err != nil {
			return nil, nil, C.LM_ERR_ARGUMENT, err
		}
	}
	entry, err := cat.Product(p)
	switch {
	case err == nil:
		if err := checkNames(entry); err != nil {
			return nil, nil, C.LM_ERR_ARGUMENT, err
		}
		vopts = append(vopts, verifier.WithCatalog(entry))
	case o.catalog_json != nil:
		return nil, nil, C.LM_ERR_ARGUMENT, err
	default:
		entry = nil // the built-in catalog does not name the product
	}
	v, err := verifier.New(p, vkeys, vopts...)
	if err != nil {
		return nil, nil, C.LM_ERR_ARGUMENT, err
	}
	return v, entry, C.LM_OK, nil
}

// checkNames refuses names lm_license and lm_feature_name could not hold
// whole.
func checkNames(p *catalog.Product) error {
	for _, e := range p.Editions {
		if len(e.Name) > C.LM_MAX_NAME_LEN {
			return fmt.Errorf("catalog: edition name %q is longer than %d bytes", e.Name, C.LM_MAX_NAME_LEN)
		}
		for _, f := range e.Features {
			if len(f) > C.LM_MAX_NAME_LEN {
				return fmt.Errorf("catalog: feature name %q is longer than %d bytes", f, C.LM_MAX_NAME_LEN)
			}
		}
	}
	return nil
}

// cString copies a NUL-terminated C string of at most max bytes, reading
// no further than max+1 bytes.
func cString(s *C.char, max int) (string, bool) {
	if s == nil {
		return "", false
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(s)), max+1)
	for i, c := range b {
		if c == 0 {
			return string(b[:i]), true
		}
	}
	return "", false
}

//export lm_verify
func lm_verify(hv C.uintptr_t, code *C.char, n C.size_t, out *C.lm_license) C.lm_result {
	if out == nil {
		return C.LM_ERR_ARGUMENT
	}
	*out = C.lm_license{}
	h := handles.get(uintptr(hv))
	if h == nil || h.v == nil {
		out.error = C.LM_ERR_HANDLE
		return C.LM_ERR_HANDLE
	}
	var lic verifier.License
	var err error
	switch {
	case code == nil && n > 0:
		out.error = C.LM_ERR_ARGUMENT
		h.fail(errors.New("code is NULL"))
		return C.LM_ERR_ARGUMENT
	case n > C.LM_MAX_CODE_LEN:
		// Refused before reading, as FORMAT.md section 6 asks.
		_, err = h.v.Verify(string(make([]byte, formats.MaxInputLen+1)))
	case n == 0:
		lic, err = h.v.Verify("")
	default:
		// Read in place: the verifier keeps nothing of the code.
		lic, err = h.v.VerifyBytes(unsafe.Slice((*byte)(unsafe.Pointer(code)), n))
	}
	if err != nil {
		res := resultOf(err)
		out.error = res
		var fe *formats.FormatError
		if errors.As(err, &fe) {
			out.error_group, out.error_char = C.int32_t(fe.Group), C.int32_t(fe.Char)
			out.error_line, out.error_column = C.int32_t(fe.Line), C.int32_t(fe.Column)
		}
		h.fail(err)
		return res
	}
	out.status = C.lm_status(lic.Status)
	out.product[0], out.product[1] = C.char(lic.Product[0]), C.char(lic.Product[1])
	for i := 0; i < len(lic.Edition); i++ { // checkNames made it fit
		out.edition[i] = C.char(lic.Edition[i])
	}
	out.edition_number = C.uint8_t(lic.EditionNumber)
	out.trial, out.install_bound = cBool(lic.Trial), cBool(lic.Bound)
	out.generation, out.key_id = C.uint8_t(lic.Generation), C.uint8_t(lic.KeyID)
	out.serial = C.uint64_t(lic.Serial)
	out.issued, out.expires = C.int32_t(lic.Issued), C.int32_t(lic.Expires)
	out.days_left = C.int32_t(lic.DaysLeft)
	names := h.features(lic.EditionNumber)
	out.n_features = C.uint32_t(len(names))
	var on uint64
	for i, f := range names {
		if lic.Features.Enabled(f) {
			on |= 1 << i
		}
	}
	out.features = C.uint64_t(on)
	return C.LM_OK
}

func cBool(b bool) C.uint8_t {
	if b {
		return 1
	}
	return 0
}

// results maps the verifier's error kinds to lm_result.
var results = map[string]C.lm_result{
	"malformed": C.LM_ERR_MALFORMED, "typo": C.LM_ERR_TYPO, "unsigned": C.LM_ERR_UNSIGNED,
	"wrong_product": C.LM_ERR_WRONG_PRODUCT, "unknown_key": C.LM_ERR_UNKNOWN_KEY,
	"bad_signature": C.LM_ERR_BAD_SIGNATURE, "install_mismatch": C.LM_ERR_INSTALL_MISMATCH,
	"list_malformed": C.LM_ERR_LIST_MALFORMED, "list_unknown_key": C.LM_ERR_LIST_UNKNOWN_KEY,
	"list_bad_signature": C.LM_ERR_LIST_BAD_SIGNATURE, "list_wrong_product": C.LM_ERR_LIST_WRONG_PRODUCT,
	"list_replayed": C.LM_ERR_LIST_REPLAYED,
}

func resultOf(err error) C.lm_result {
	if r, ok := results[verifier.ErrorKind(err)]; ok {
		return r
	}
	return C.LM_ERR_ARGUMENT
}

//export lm_load_revocation_list
func lm_load_revocation_list(hv C.uintptr_t, data *C.uint8_t, n C.size_t) C.lm_result {
	h := handles.get(uintptr(hv))
	if h == nil || h.v == nil {
		return C.LM_ERR_HANDLE
	}
	if (data == nil && n > 0) || n > C.LM_MAX_LIST_LEN {
		h.fail(fmt.Errorf("revocation list: NULL, or more than %d bytes", C.LM_MAX_LIST_LEN))
		return C.LM_ERR_ARGUMENT
	}
	var list []byte
	if n > 0 {
		list = C.GoBytes(unsafe.Pointer(data), C.int(n)) // the verifier keeps it
	}
	if err := h.v.LoadRevocationList(list); err != nil {
		h.fail(err)
		return resultOf(err)
	}
	return C.LM_OK
}

//export lm_feature_name
func lm_feature_name(hv C.uintptr_t, edition C.uint8_t, index C.uint32_t, buf *C.char, n C.size_t) C.lm_result {
	h := handles.get(uintptr(hv))
	if h == nil || h.v == nil {
		return C.LM_ERR_HANDLE
	}
	names := h.features(uint8(edition))
	if int64(index) >= int64(len(names)) {
		h.fail(fmt.Errorf("feature index %d: edition %d has %d features", index, edition, len(names)))
		return C.LM_ERR_ARGUMENT
	}
	name := names[index]
	if buf == nil || n < C.size_t(len(name)+1) {
		h.fail(fmt.Errorf("feature name buffer: want %d bytes", len(name)+1))
		return C.LM_ERR_ARGUMENT
	}
	copyOut(buf, n, name)
	return C.LM_OK
}

//export lm_feature_bit
func lm_feature_bit(hv C.uintptr_t, edition C.uint8_t, name *C.char) C.int32_t {
	h := handles.get(uintptr(hv))
	if h == nil || h.v == nil {
		return -1
	}
	want, ok := cString(name, C.LM_MAX_NAME_LEN)
	if !ok {
		return -1
	}
	for i, f := range h.features(uint8(edition)) {
		if f == want {
			return C.int32_t(i)
		}
	}
	return -1
}

//export lm_error_message
func lm_error_message(hv C.uintptr_t, buf *C.char, n C.size_t) C.size_t {
	msg := "no verifier: the handle is NULL"
	if hv != 0 {
		if h := handles.get(uintptr(hv)); h == nil {
			msg = "not a verifier, or one already freed"
		} else {
			msg = h.message()
		}
	}
	return copyOut(buf, n, msg)
}

//export lm_state_error
func lm_state_error(hv C.uintptr_t, buf *C.char, n C.size_t) C.size_t {
	h := handles.get(uintptr(hv))
	if h == nil || h.v == nil {
		return copyOut(buf, n, "not a verifier, or one already freed")
	}
	err := h.v.StateError()
	if err == nil {
		return copyOut(buf, n, "")
	}
	return copyOut(buf, n, err.Error())
}

// copyOut writes s into buf as snprintf would and returns len(s).
func copyOut(buf *C.char, n C.size_t, s string) C.size_t {
	if buf != nil && n > 0 {
		b := unsafe.Slice((*byte)(unsafe.Pointer(buf)), n)
		b[copy(b[:n-1], s)] = 0
	}
	return C.size_t(len(s))
}

//export lm_verifier_free
func lm_verifier_free(hv C.uintptr_t) { handles.remove(uintptr(hv)) }
