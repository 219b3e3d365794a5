package verifier_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/state"
)

// TestRenewalVectors checks VerifyRenewal against
// testdata/vectors/renewals.json (FORMAT.md section 15.4).
func TestRenewalVectors(t *testing.T) {
	b, err := os.ReadFile("../testdata/vectors/renewals.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Cases []struct {
			Comment   string   `json:"comment"`
			Now       string   `json:"now"`
			InstallID string   `json:"install_id"`
			ListHex   string   `json:"revocation_list_hex"`
			Seen      []string `json:"seen"`
			Installed string   `json:"installed"`
			New       string   `json:"new"`
			Want      struct {
				ErrorKind      string `json:"error_kind"`
				Status         string `json:"status"`
				Generation     uint8  `json:"generation"`
				EditionNumber  uint8  `json:"edition_number"`
				Trial          bool   `json:"trial"`
				Bound          bool   `json:"install_bound"`
				Expires        string `json:"expires"`
				InstalledAfter string `json:"installed_after"`
			} `json:"want"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) == 0 {
		t.Fatal("no cases")
	}
	_, pub := loadVectors(t)
	for _, tc := range v.Cases {
		t.Run(tc.Comment, func(t *testing.T) {
			now, err := time.Parse(time.RFC3339, tc.Now)
			if err != nil {
				t.Fatal(err)
			}
			opts := []verifier.Option{verifier.WithCatalog(pcCatalog(t)), verifier.WithNow(func() time.Time { return now }),
				verifier.WithState(&state.Memory{})}
			if tc.InstallID != "" {
				opts = append(opts, verifier.WithInstallID(tc.InstallID))
			}
			vf, err := verifier.New("PC", []verifier.Key{{ID: 1, Public: pub}}, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if tc.ListHex != "" {
				list, _ := hex.DecodeString(tc.ListHex)
				if err := vf.LoadRevocationList(list); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range tc.Seen {
				if _, err := vf.Verify(c); err != nil {
					t.Fatal(err)
				}
			}
			l, err := vf.VerifyRenewal(tc.Installed, tc.New)
			w := tc.Want
			if got := verifier.ErrorKind(err); got != w.ErrorKind {
				t.Fatalf("error kind %q (%v), want %q", got, err, w.ErrorKind)
			}
			if err == nil && (l.Status.String() != w.Status || l.Generation != w.Generation || l.EditionNumber != w.EditionNumber ||
				l.Trial != w.Trial || l.Bound != w.Bound || l.Expires.String() != w.Expires) {
				t.Fatalf("license %+v, want %+v", l, w)
			}
			after, _ := vf.Verify(tc.Installed)
			if after.Status.String() != w.InstalledAfter {
				t.Fatalf("the installed code afterwards: %v, want %s", after.Status, w.InstalledAfter)
			}
		})
	}
}
