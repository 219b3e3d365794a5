package formats_test

import (
	"testing"

	"github.com/licmint/licmint/formats"
)

func TestSerialString(t *testing.T) {
	for s, want := range map[formats.Serial]string{
		0:                     "00000000000000",
		1:                     "00000000000001",
		31415926535897:        "31415926535897",
		formats.MaxSerial:     "99999999999999",
		formats.MaxSerial + 1: "100000000000000",
	} {
		if got := s.String(); got != want {
			t.Errorf("Serial(%d).String() = %q, want %q", uint64(s), got, want)
		}
	}
}
