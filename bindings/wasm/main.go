//go:build js && wasm

// Command wasm is the licmint verifier as a WebAssembly module for
// JavaScript, used through the ES module licmint.mjs, which documents the
// API. It has no network and no file system: the verifier's state goes in
// and out as bytes (state.Marshal), and the app keeps it where it likes.
//
// Two things keep the module small and fast, both measured in
// BENCHMARKS.md. It links no encoding/json: licmint.mjs reads the catalog
// with JSON.parse and hands over the one product's entry, and verify
// answers with JSON text it writes by hand. The Ed25519 check is Go's,
// whose field arithmetic has a WebAssembly form (verifier/internal/ed25519v,
// fe32.go); an app may pass another (Node's crypto.verify, say), which the
// verifier then uses through verifier.WithSignatureCheck.
package main

import (
	"bytes"
	"errors"
	"strconv"
	"syscall/js"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/state"
)

// entry is a verifier made by newVerifier.
type entry struct {
	v     *verifier.Verifier
	store *state.Memory // nil without state
	err   error         // a state handed in that did not load
	out   []byte        // verify's answer, reused
}

var (
	verifiers = map[int]*entry{}
	nextID    = 0
)

func main() {
	api := js.Global().Get("Object").New()
	api.Set("newVerifier", export(newVerifier))
	api.Set("verify", export(verify))
	api.Set("loadRevocationList", export(loadRevocationList))
	api.Set("state", export(saveState))
	api.Set("free", export(free))
	// licmint.mjs picks the functions up from here and removes the name.
	js.Global().Set("__licmint_v1", api)
	select {}
}

// export wraps fn for JavaScript. A panic would end the Go program and
// with it every verifier, so it becomes an {error} result instead.
func export(fn func(js.Value, []js.Value) any) js.Func {
	return js.FuncOf(func(this js.Value, args []js.Value) (res any) {
		defer func() {
			if r := recover(); r != nil {
				msg := "internal error"
				switch r := r.(type) {
				case error:
					msg += ": " + r.Error()
				case string:
					msg += ": " + r
				}
				res = map[string]any{"error": msg}
			}
		}()
		return fn(this, args)
	})
}

func bytesOf(v js.Value) []byte {
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

func jsBytes(b []byte) js.Value {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

func failure(err error) any { return map[string]any{"error": err.Error()} }

// newVerifier(opts) takes what licmint.mjs checked and converted: product,
// keys [{id, public: Uint8Array}], installId, nowMs, warnDays, graceDays,
// entry (the product's catalog entry, checked by licmint.mjs's
// parseCatalog, or null), check and scratch (see signatureCheck; both
// undefined for Go's own check), and state (Uint8Array, or null for a
// fresh state, or undefined for none). It returns {id} or {error}.
func newVerifier(_ js.Value, args []js.Value) any {
	o := args[0]
	var keys []verifier.Key
	for i, ks := 0, o.Get("keys"); i < ks.Length(); i++ {
		k := ks.Index(i)
		keys = append(keys, verifier.Key{ID: uint8(k.Get("id").Int()), Public: bytesOf(k.Get("public"))})
	}
	var opts []verifier.Option
	if id := o.Get("installId"); id.Type() == js.TypeString {
		opts = append(opts, verifier.WithInstallID(id.String()))
	}
	if ms := o.Get("nowMs"); ms.Type() == js.TypeNumber {
		now := time.UnixMilli(int64(ms.Float())).UTC()
		opts = append(opts, verifier.WithNow(func() time.Time { return now }))
	}
	if d := o.Get("warnDays"); d.Type() == js.TypeNumber {
		opts = append(opts, verifier.WithWarnDays(d.Int()))
	}
	if d := o.Get("graceDays"); d.Type() == js.TypeNumber {
		opts = append(opts, verifier.WithGraceDays(d.Int()))
	}
	if p := o.Get("entry"); p.Type() == js.TypeObject {
		opts = append(opts, verifier.WithCatalog(catalogEntry(p)))
	}
	if check := o.Get("check"); check.Type() == js.TypeFunction {
		opts = append(opts, verifier.WithSignatureCheck(signatureCheck(keys, check, o.Get("scratch"))))
	}
	e := &entry{}
	if st := o.Get("state"); !st.IsUndefined() {
		e.store = new(state.Memory)
		if !st.IsNull() {
			s, err := state.Unmarshal(bytesOf(st))
			if err != nil {
				// Start afresh, as a corrupt state file does, and say so.
				e.err = err
			} else {
				e.store.Update(func(m *state.State) error { *m = s; return nil })
			}
		}
		opts = append(opts, verifier.WithState(e.store))
	}
	v, err := verifier.New(o.Get("product").String(), keys, opts...)
	if err != nil {
		return failure(err)
	}
	e.v = v
	nextID++
	verifiers[nextID] = e
	return map[string]any{"id": nextID}
}

// catalogEntry converts a product's entry, as licmint.mjs's parseCatalog
// returns it (terms with defaults applied), into a catalog.Product.
func catalogEntry(p js.Value) *catalog.Product {
	c := &catalog.Product{Name: p.Get("name").String(),
		WarningDays: p.Get("warning_days").Int(), GraceDays: p.Get("grace_days").Int()}
	for i, es := 0, p.Get("editions"); i < es.Length(); i++ {
		e := es.Index(i)
		ed := catalog.Edition{Name: e.Get("name").String(), Number: uint8(e.Get("number").Int())}
		for j, fs := 0, e.Get("features"); j < fs.Length(); j++ {
			ed.Features = append(ed.Features, fs.Index(j).String())
		}
		c.Editions = append(c.Editions, ed)
	}
	return c
}

// signatureCheck returns the verifier.WithSignatureCheck function that
// calls check(keyIndex, bytes, messageLength) in JavaScript, keyIndex
// being the key's place in keys and bytes the message followed by the
// signature. They go through scratch, a Uint8Array that licmint.mjs
// allocated once, in one copy: each call across the boundary costs more
// than a small allocation.
func signatureCheck(keys []verifier.Key, check, scratch js.Value) func(pub, msg, sig []byte) bool {
	room := scratch.Get("length").Int()
	var buf []byte
	return func(pub, msg, sig []byte) bool {
		i := 0
		for i < len(keys) && !bytes.Equal(keys[i].Public, pub) {
			i++
		}
		buf = append(append(buf[:0], msg...), sig...)
		to := scratch
		if len(buf) > room { // a revocation list
			to = js.Global().Get("Uint8Array").New(len(buf))
		}
		js.CopyBytesToJS(to, buf)
		return check.Invoke(i, to, len(msg), len(buf)).Bool()
	}
}

func lookup(v js.Value) *entry { return verifiers[v.Int()] }

// verify(id, code) returns the outcome as licmint.mjs documents it, in
// JSON: one string crosses to JavaScript, rather than a property set
// across the boundary for each field.
func verify(_ js.Value, args []js.Value) any {
	e := lookup(args[0])
	if e == nil {
		return failure(errors.New("verifier closed"))
	}
	code := args[1]
	var lic verifier.License
	var err error
	if code.IsNull() {
		// licmint.mjs passes null for a code of more than MaxInputLen
		// UTF-16 units, which is more bytes still: refused before reading,
		// as FORMAT.md section 6 asks.
		_, err = e.v.Verify(string(make([]byte, formats.MaxInputLen+1)))
	} else {
		lic, err = e.v.Verify(code.String())
	}
	e.out = appendResult(e.out[:0], &lic, err)
	return string(e.out)
}

// appendResult appends a verify outcome as a JSON object to b.
func appendResult(b []byte, lic *verifier.License, err error) []byte {
	b = appendString(b, `{"status":`, lic.Status.String())
	b = appendString(b, `,"errorKind":`, verifier.ErrorKind(err))
	if err != nil {
		b = appendString(b, `,"message":`, err.Error())
		var fe *formats.FormatError
		if !errors.As(err, &fe) {
			return append(b, `,"group":0,"char":0}`...)
		}
		b = appendInt(b, `,"group":`, fe.Group)
		b = appendInt(b, `,"char":`, fe.Char)
		b = appendInt(b, `,"line":`, fe.Line)
		b = appendInt(b, `,"column":`, fe.Column)
		return append(b, '}')
	}
	b = append(b, `,"message":"","group":0,"char":0`...)
	b = appendString(b, `,"product":`, lic.Product.String())
	b = appendString(b, `,"edition":`, lic.Edition)
	b = appendInt(b, `,"editionNumber":`, int(lic.EditionNumber))
	b = appendBool(b, `,"trial":`, lic.Trial)
	b = appendBool(b, `,"installBound":`, lic.Bound)
	b = appendInt(b, `,"serial":`, int(lic.Serial)) // 14 digits: exact in a double
	b = appendInt(b, `,"generation":`, int(lic.Generation))
	b = appendInt(b, `,"keyId":`, int(lic.KeyID))
	b = appendString(b, `,"issued":`, lic.Issued.String())
	b = appendString(b, `,"expires":`, lic.Expires.String())
	b = appendInt(b, `,"daysLeft":`, lic.DaysLeft)
	// An object, in catalog order, as JSON.parse keeps it.
	sep := `,"features":{`
	for _, f := range lic.Features.Names() {
		b = appendBool(appendString(b, sep, f), ":", lic.Features.Enabled(f))
		sep = ","
	}
	if sep != "," {
		b = append(b, sep...)
	}
	b = appendBool(b, `},"inForce":`, lic.Status.InForce())
	return append(b, '}')
}

// The appenders are not inlined: in WebAssembly each inlined append costs
// about a kilobyte of code.

//go:noinline
func appendInt(b []byte, prefix string, v int) []byte {
	return strconv.AppendInt(append(b, prefix...), int64(v), 10)
}

//go:noinline
func appendBool(b []byte, prefix string, v bool) []byte {
	return strconv.AppendBool(append(b, prefix...), v)
}

// appendString appends prefix and then s as a JSON string. Go strings from
// JavaScript are valid UTF-8, so only quotes, backslashes and control
// characters need escaping.
//
//go:noinline
func appendString(b []byte, prefix, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(append(b, prefix...), '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// loadRevocationList(id, bytes) returns {errorKind, message}, both empty
// when the list is now in force.
func loadRevocationList(_ js.Value, args []js.Value) any {
	e := lookup(args[0])
	if e == nil {
		return failure(errors.New("verifier closed"))
	}
	if err := e.v.LoadRevocationList(bytesOf(args[1])); err != nil {
		return map[string]any{"errorKind": verifier.ErrorKind(err), "message": err.Error()}
	}
	return map[string]any{"errorKind": "", "message": ""}
}

// state(id) returns {state: Uint8Array or null, error: what went wrong with
// the state, or ""}.
func saveState(_ js.Value, args []js.Value) any {
	e := lookup(args[0])
	if e == nil {
		return failure(errors.New("verifier closed"))
	}
	msg := ""
	if err := errors.Join(e.err, e.v.StateError()); err != nil {
		msg = err.Error()
	}
	if e.store == nil {
		return map[string]any{"state": nil, "error": msg}
	}
	s, err := e.store.Load()
	if err != nil && !errors.Is(err, state.ErrMissing) {
		return failure(err)
	}
	return map[string]any{"state": jsBytes(state.Marshal(s)), "error": msg}
}

func free(_ js.Value, args []js.Value) any {
	delete(verifiers, args[0].Int())
	return nil
}
