package hsm

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Scheme starts every PKCS#11 URI.
const Scheme = "pkcs11:"

// MaxURILen bounds a URI; a real one is well under 300 bytes.
const MaxURILen = 4096

// A URI names a key in a token, as RFC 7512 writes it:
//
//	pkcs11:token=licmint;object=vendor?module-path=/usr/lib/softhsm/libsofthsm2.so
//
// The path attributes select the token (token, manufacturer, model,
// serial, slot-id) and the key objects in it (object, the CKA_LABEL, and
// id, the CKA_ID); type, if given, must be private. The query names the
// module (module-path) and where the PIN comes from (pin-source, a file:
// URI or an absolute path; pin-value, the PIN itself).
type URI struct {
	Token, Manufacturer, Model, Serial string
	// SlotID is the slot-id attribute; HasSlotID says whether it was given.
	SlotID    uint
	HasSlotID bool
	// Object is the key objects' label (CKA_LABEL).
	Object string
	// ID is the key objects' CKA_ID; nil when not given.
	ID []byte
	// ModulePath is the PKCS#11 library to load.
	ModulePath string
	// PINSource is where to read the PIN from; PINValue is the PIN. A
	// command line should refuse PINValue, which the process list shows.
	PINSource string
	PINValue  string
}

// ParseURI reads an RFC 7512 PKCS#11 URI. Its errors name the attribute at
// fault and never repeat a value, which may be a PIN.
func ParseURI(s string) (*URI, error) {
	rest, ok := strings.CutPrefix(s, Scheme)
	if !ok {
		return nil, errors.New(`pkcs11: not a PKCS#11 URI, which starts with "pkcs11:"`)
	}
	if len(s) > MaxURILen {
		return nil, fmt.Errorf("pkcs11: the URI is %d bytes, more than %d", len(s), MaxURILen)
	}
	path, query, _ := strings.Cut(rest, "?")
	u := &URI{}
	seen := map[string]bool{}
	for _, part := range []struct {
		text, sep, where string
	}{{path, ";", "path"}, {query, "&", "query"}} {
		if part.text == "" {
			continue
		}
		for attr := range strings.SplitSeq(part.text, part.sep) {
			name, raw, ok := strings.Cut(attr, "=")
			if !ok || name == "" {
				return nil, fmt.Errorf("pkcs11: URI %s attribute %q: want name=value", part.where, clip(name))
			}
			if seen[name] {
				return nil, fmt.Errorf("pkcs11: URI attribute %s is given twice", name)
			}
			seen[name] = true
			val, err := url.PathUnescape(raw)
			if err != nil {
				return nil, fmt.Errorf("pkcs11: URI attribute %s: bad percent-encoding", name)
			}
			if err := u.set(part.where, name, val); err != nil {
				return nil, err
			}
		}
	}
	return u, nil
}

// set stores one attribute.
func (u *URI) set(where, name, val string) error {
	dst := map[string]*string{
		"path/token": &u.Token, "path/manufacturer": &u.Manufacturer, "path/model": &u.Model,
		"path/serial": &u.Serial, "path/object": &u.Object,
		"query/module-path": &u.ModulePath, "query/pin-source": &u.PINSource, "query/pin-value": &u.PINValue,
	}[where+"/"+name]
	switch {
	case dst != nil:
		*dst = val
	case where == "path" && name == "id":
		u.ID = []byte(val)
	case where == "path" && name == "slot-id":
		n, err := strconv.ParseUint(val, 10, 0)
		if err != nil {
			return fmt.Errorf("pkcs11: URI attribute slot-id: %q is not a number", clip(val))
		}
		u.SlotID, u.HasSlotID = uint(n), true
	case where == "path" && name == "type":
		if val != "private" {
			return fmt.Errorf("pkcs11: URI attribute type=%s: a signing key is type=private", clip(val))
		}
	default:
		return fmt.Errorf("pkcs11: URI %s attribute %s is not supported here (path: token, manufacturer, model, serial, slot-id, object, id, type; query: module-path, pin-source, pin-value)", where, clip(name))
	}
	return nil
}

// clip keeps an echoed name short.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// String returns the URI without its pin-value, so that it can be shown.
func (u *URI) String() string {
	var path, query []string
	add := func(dst *[]string, name, val string) {
		if val != "" {
			*dst = append(*dst, name+"="+escape(val, dst == &query))
		}
	}
	add(&path, "token", u.Token)
	add(&path, "manufacturer", u.Manufacturer)
	add(&path, "model", u.Model)
	add(&path, "serial", u.Serial)
	if u.HasSlotID {
		add(&path, "slot-id", strconv.FormatUint(uint64(u.SlotID), 10))
	}
	add(&path, "object", u.Object)
	add(&path, "id", string(u.ID))
	add(&query, "module-path", u.ModulePath)
	add(&query, "pin-source", u.PINSource)
	s := Scheme + strings.Join(path, ";")
	if len(query) > 0 {
		s += "?" + strings.Join(query, "&")
	}
	return s
}

// escape percent-encodes all but RFC 7512's unreserved characters and
// the few others a path or query value may hold as they are.
func escape(s string, query bool) string {
	keep := "-._~:[]@!$'()*+,"
	if query {
		keep += "/"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// Name describes the key for messages: its token and object.
func (u *URI) Name() string {
	tok := "the only token"
	switch {
	case u.Token != "":
		tok = fmt.Sprintf("token %q", u.Token)
	case u.Serial != "":
		tok = fmt.Sprintf("token with serial %q", u.Serial)
	case u.HasSlotID:
		tok = fmt.Sprintf("the token in slot %d", u.SlotID)
	}
	obj := "every key object"
	switch {
	case u.Object != "" && u.ID != nil:
		obj = fmt.Sprintf("object %q (id %x)", u.Object, u.ID)
	case u.Object != "":
		obj = fmt.Sprintf("object %q", u.Object)
	case u.ID != nil:
		obj = fmt.Sprintf("object id %x", u.ID)
	}
	return tok + ", " + obj
}
