package verifier_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the embeddable core small and offline: no
// networking, process, CLI, encryption or JWT packages, and not
// crypto/x509, which pulls in net.
func TestDependencies(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/licmint/licmint/verifier").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	forbidden := map[string]bool{
		"net": true, "net/http": true, "os/exec": true, "crypto/x509": true, "crypto/tls": true,
		"github.com/spf13/cobra": true, "filippo.io/age": true, "github.com/golang-jwt/jwt/v5": true,
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list printed too little: %q", out)
	}
	for _, d := range deps {
		if forbidden[d] || strings.HasPrefix(d, "net/") {
			t.Errorf("verifier depends on %s", d)
		}
	}
}
