//go:build cgo

package main

/*
#include <stdint.h>
#include <stdlib.h>
#define LM_NO_PROTOTYPES
#include "licmint.h"
// As cgo exports it; this file does not see _cgo_export.h.
extern lm_result lm_verify(uintptr_t, char *, size_t, lm_license *);
// A C caller of lm_verify, for the benchmark: Go calls C, C calls the
// library, as a product would.
static lm_result lm__verify_from_c(uintptr_t h, const void *code, size_t n) {
	lm_license out;
	return lm_verify(h, (char *)code, n, &out);
}
*/
import "C"

import (
	"unsafe"

	"github.com/licmint/licmint/verifier"
)

// These helpers exist for bench_test.go, which cannot use cgo itself.

func addHandle(v *verifier.Verifier) uintptr { return handles.add(&handle{v: v}) }

func cBytes(b []byte) unsafe.Pointer { return C.CBytes(b) }

func cFree(p unsafe.Pointer) { C.free(p) }

func verifyFromC(h uintptr, code unsafe.Pointer, n int) int {
	return int(C.lm__verify_from_c(C.uintptr_t(h), code, C.size_t(n)))
}
