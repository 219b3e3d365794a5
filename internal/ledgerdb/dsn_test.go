package ledgerdb

import (
	"strings"
	"testing"
)

func TestRedactDSN(t *testing.T) {
	for _, dsn := range []string{
		"postgres://u:s3cret@db/licmint",
		"postgres://u:pa/ss3cret@127.0.0.1:1/x",
		"postgres://127.0.0.1:1/x?password=s3cret",
		"postgres://127.0.0.1:1/x?sslmode=disable&password=s3cret&x=1",
		"postgresql://u:s3cret@[::1]:5432/x?password=s3cret",
		"postgres://u:s3c%ret@db/x",
	} {
		if got := RedactDSN(dsn); strings.Contains(got, "s3c") || strings.Contains(got, "ss3") {
			t.Errorf("RedactDSN(%q) = %q", dsn, got)
		}
	}
	if got := RedactDSN("postgres://licmint@db/licmint?sslmode=require"); got != "postgres://licmint@db/licmint?sslmode=require" {
		t.Errorf("a URL without a password changed: %q", got)
	}
}
