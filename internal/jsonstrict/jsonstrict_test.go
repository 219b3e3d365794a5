package jsonstrict

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		in        string
		allowNull bool
		want      string // "" for nil, else a substring of the error
	}{
		{`{"a":1,"b":[1,2,{"a":2}],"c":{"a":3}}`, false, ""},
		{`{"exp":1,"exp":2}`, true, `member "exp" appears twice`},
		{`{"a":{"x":1,"y":{"z":[{"q":1,"q":2}]}}}`, true, `member "q" appears twice`},
		{`[{"a":1},{"a":1}]`, false, ""},
		{`{"a":{},"a":[]}`, true, `member "a" appears twice`},
		{`{"a":null}`, true, ""},
		{`{"a":null}`, false, "null is not a value here"},
		{`[1,null]`, false, "null is not a value here"},
		{`{"a":1} {"a":2}`, false, ""},
		{`{"a":1,"a"`, true, `member "a" appears twice`},
		{`{"a":`, true, ""},           // syntax errors are the caller's
		{`{"a" 1, "a": 2}`, true, ""}, // likewise
		{"", false, ""},
		{"{\"a\":\"x\xffy\"}", true, "byte 0xff is not UTF-8"},
		{"{\"a\":\"\xed\xa0\x80\"}", true, "byte 0xed is not UTF-8"}, // a surrogate
		{"{\"a\":\"\xc0\xaf\"}", true, "byte 0xc0 is not UTF-8"},     // an overlong
		{"{\"a\":\"\uFFFD \xef\xbf\xbd\"}", true, ""},                // U+FFFD itself, escaped and not
	} {
		err := Check([]byte(c.in), Options{AllowNull: c.allowNull})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v, want nil", c.in, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %q", c.in, err, c.want)
		}
	}
}

func TestCheckPosition(t *testing.T) {
	err := Check([]byte("{\n  \"a\": 1,\n  \"a\": 2\n}"), Options{AllowNull: true})
	var e *Error
	if !errors.As(err, &e) || e.Line != 3 {
		t.Fatalf("%v: want line 3", err)
	}
}

func FuzzCheck(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":null}],"c":"d"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = Check(b, Options{})
		_ = Check(b, Options{AllowNull: true, Names: []string{"exp"}, TopLevel: true})
	})
}

func TestCheckTopLevelNull(t *testing.T) {
	o := Options{AllowTopLevelNull: true}
	for in, ok := range map[string]bool{
		`{"a":null,"b":1}`:           true,
		`{"a":[null]}`:               false,
		`{"a":{"b":null}}`:           false,
		`null`:                       false,
		`[null]`:                     false,
		`{"a":[1,{"c":2}],"d":null}`: true,
	} {
		if err := Check([]byte(in), o); (err == nil) != ok {
			t.Errorf("%s: %v, want ok %v", in, err, ok)
		}
	}
}

func TestCheckNames(t *testing.T) {
	o := Options{AllowNull: true, Names: []string{"exp", "customer"}, TopLevel: true}
	for in, want := range map[string]string{
		`{"exp":1,"customer":{"EXP":"x"}}`: "",
		`{"EXP":1}`:                        `the name is "exp"`,
		`{"Customer":{}}`:                  `the name is "customer"`,
		"{\"\u212Aey\":1}":                 "", // Kelvin sign: not a name here
	} {
		err := Check([]byte(in), o)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
	o.TopLevel = false
	if err := Check([]byte(`{"a":{"Exp":1}}`), o); err == nil {
		t.Error("nested Exp passed without TopLevel")
	}
}
