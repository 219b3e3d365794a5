package ledger

import (
	"encoding/json"
	"strconv"

	"github.com/licmint/licmint/formats"
)

// The events a batch writes, one or two a row, build their bodies here
// without reflection: encoding/json cost a batch more in allocations and
// time than hashing the chain. Every byte must be what json.Marshal writes
// (eventBodyJSON), since the body is what the chain hashes;
// TestEventBodyCanonical and FuzzEventBody hold the two to each other.

// fieldAppender is an event's own fields, appended after the head's as
// json.Marshal of the struct would write them, each preceded by a comma.
type fieldAppender interface {
	appendFields(dst []byte) []byte
}

// appendHead appends the head's members: the body's opening brace, with
// no closing one.
func appendHead(dst []byte, seq int64, at, actor, kind, product string, serial formats.Serial) []byte {
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendInt(dst, seq, 10)
	dst = append(dst, `,"at":`...)
	dst = appendJSONString(dst, at)
	dst = append(dst, `,"actor":`...)
	dst = appendJSONString(dst, actor)
	dst = append(dst, `,"kind":`...)
	dst = appendJSONString(dst, kind)
	dst = append(dst, `,"product":`...)
	dst = appendJSONString(dst, product)
	// Digits only: nothing to escape.
	dst = append(dst, `,"serial":"`...)
	dst = serial.AppendText(dst)
	return append(dst, '"')
}

// appendJSONString appends s as json.Marshal writes a string. Printable
// ASCII other than the characters it escapes (" \ and, for HTML, < > &)
// is copied; anything else is left to json.Marshal.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always marshals
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

func appendMember(dst []byte, name, v string) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return appendJSONString(dst, v)
}

func appendIntMember(dst []byte, name string, v int64) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	return strconv.AppendInt(dst, v, 10)
}

func (e codeEvent) appendFields(dst []byte) []byte {
	dst = appendIntMember(dst, "generation", int64(e.Generation))
	dst = appendMember(dst, "edition", e.Edition)
	if e.InstallID != "" {
		dst = appendMember(dst, "install_id", e.InstallID)
	}
	dst = appendIntMember(dst, "key_id", int64(e.KeyID))
	dst = appendMember(dst, "issued", e.Issued)
	dst = appendMember(dst, "expires", e.Expires)
	dst = appendMember(dst, "code_sha256", e.CodeSHA256)
	if e.JWTSHA256 != "" {
		dst = appendMember(dst, "jwt_sha256", e.JWTSHA256)
	}
	if e.RK != "" {
		dst = appendMember(dst, "rk", e.RK)
	}
	if e.Owner != "" {
		dst = appendMember(dst, "owner", e.Owner)
	}
	if e.PreviousExpires != "" {
		dst = appendMember(dst, "previous_expires", e.PreviousExpires)
	}
	return dst
}

func (e mintEvent) appendFields(dst []byte) []byte {
	dst = appendMember(dst, "rk", e.RK)
	dst = append(dst, `,"trial":`...)
	dst = strconv.AppendBool(dst, e.Trial)
	return e.appendFieldsAfterTrial(dst)
}

// appendFieldsAfterTrial appends the members after rk and trial.
func (e mintEvent) appendFieldsAfterTrial(dst []byte) []byte {
	dst = appendMember(dst, "edition", e.Edition)
	dst = appendIntMember(dst, "days", int64(e.Days))
	dst = appendMember(dst, "purpose", e.Purpose)
	if e.Order != "" {
		dst = appendMember(dst, "order", e.Order)
	}
	if e.Customer != "" {
		dst = appendMember(dst, "customer", e.Customer)
	}
	if e.Reason != "" {
		dst = appendMember(dst, "reason", e.Reason)
	}
	return dst
}
