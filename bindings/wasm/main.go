//go:build js && wasm

// Command wasm is the licmint verifier as a WebAssembly module for
// JavaScript, used through the ES module licmint.mjs, which documents the
// API. It has no network and no file system: the verifier's state goes in
// and out as bytes (state.Marshal), and the app keeps it where it likes.
package main

import (
	"errors"
	"fmt"
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
				res = map[string]any{"error": "internal error: " + fmt.Sprint(r)}
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
// catalog (JSON text), state (Uint8Array, or null for a fresh state, or
// undefined for none). It returns {id} or {error}.
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
	product := o.Get("product").String()
	cat := catalog.Default()
	if c := o.Get("catalog"); c.Type() == js.TypeString {
		var err error
		if cat, err = catalog.Parse([]byte(c.String())); err != nil {
			return failure(err)
		}
	}
	if p, err := cat.Product(product); err == nil {
		opts = append(opts, verifier.WithCatalog(p))
	} else if o.Get("catalog").Type() == js.TypeString {
		return failure(err)
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
	v, err := verifier.New(product, keys, opts...)
	if err != nil {
		return failure(err)
	}
	e.v = v
	nextID++
	verifiers[nextID] = e
	return map[string]any{"id": nextID}
}

func lookup(v js.Value) *entry { return verifiers[v.Int()] }

// verify(id, code) returns the outcome as licmint.mjs documents it.
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
	r := map[string]any{"status": lic.Status.String(), "errorKind": verifier.ErrorKind(err), "message": "", "group": 0, "char": 0}
	if err != nil {
		r["message"] = err.Error()
		var fe *formats.FormatError
		if errors.As(err, &fe) {
			r["group"], r["char"], r["line"], r["column"] = fe.Group, fe.Char, fe.Line, fe.Column
		}
		return r
	}
	// An object rather than a map, whose order Go would shuffle: keys in
	// catalog order.
	features := js.Global().Get("Object").New()
	for _, f := range lic.Features.Names() {
		features.Set(f, lic.Features.Enabled(f))
	}
	r["product"], r["edition"], r["editionNumber"] = lic.Product.String(), lic.Edition, int(lic.EditionNumber)
	r["trial"], r["installBound"], r["serial"] = lic.Trial, lic.Bound, float64(lic.Serial) // 14 digits: exact in a double
	r["generation"], r["keyId"] = int(lic.Generation), int(lic.KeyID)
	r["issued"], r["expires"], r["daysLeft"] = lic.Issued.String(), lic.Expires.String(), lic.DaysLeft
	r["features"], r["inForce"] = features, lic.Status.InForce()
	return r
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
