package conformance_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/verifier"
	"github.com/licmint/licmint/verifier/state"
)

// CasesFile is the suite every runner reads.
const CasesFile = "../../testdata/conformance/cases.json"

type suite struct {
	Keys []struct {
		ID     uint8  `json:"id"`
		Public string `json:"public_key_hex"`
	} `json:"keys"`
	Cases []struct {
		Name    string `json:"name"`
		Product string `json:"product"`
		State   bool   `json:"state"`
		Runs    []struct {
			Now       time.Time `json:"now"`
			InstallID string    `json:"install_id"`
			WarnDays  *int      `json:"warn_days"`
			GraceDays *int      `json:"grace_days"`
			Steps     []struct {
				Code      *string  `json:"code"`
				Want      *outcome `json:"want"`
				List      string   `json:"revocation_list_hex"`
				WantError *string  `json:"want_list_error"`
			} `json:"steps"`
		} `json:"runs"`
	} `json:"cases"`
}

type outcome struct {
	Status        string   `json:"status"`
	ErrorKind     string   `json:"error_kind"`
	Group         *int     `json:"group"`
	Char          *int     `json:"char"`
	Product       string   `json:"product"`
	Edition       string   `json:"edition"`
	EditionNumber int      `json:"edition_number"`
	Trial         bool     `json:"trial"`
	Bound         bool     `json:"install_bound"`
	Serial        uint64   `json:"serial"`
	Generation    int      `json:"generation"`
	KeyID         int      `json:"key_id"`
	Issued        string   `json:"issued"`
	Expires       string   `json:"expires"`
	DaysLeft      int      `json:"days_left"`
	Features      []string `json:"features_on"`
}

func load(t *testing.T) *suite {
	t.Helper()
	b, err := os.ReadFile(CasesFile)
	if err != nil {
		t.Fatal(err)
	}
	var s suite
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", CasesFile, err)
	}
	if len(s.Cases) == 0 || len(s.Keys) == 0 {
		t.Fatalf("%s: no cases", CasesFile)
	}
	return &s
}

// result is what Verify reported, in the suite's terms.
func result(lic verifier.License, err error) outcome {
	var group, char int
	o := outcome{Status: lic.Status.String(), ErrorKind: verifier.ErrorKind(err), Group: &group, Char: &char, Features: []string{}}
	if err != nil {
		if fe := (*formats.FormatError)(nil); errors.As(err, &fe) {
			group, char = fe.Group, fe.Char
		}
		return o
	}
	o.Product, o.Edition, o.EditionNumber = lic.Product.String(), lic.Edition, int(lic.EditionNumber)
	o.Trial, o.Bound, o.Serial, o.Generation, o.KeyID = lic.Trial, lic.Bound, uint64(lic.Serial), int(lic.Generation), int(lic.KeyID)
	o.Issued, o.Expires, o.DaysLeft = lic.Issued.String(), lic.Expires.String(), lic.DaysLeft
	for _, f := range lic.Features.Names() {
		if lic.Features.Enabled(f) {
			o.Features = append(o.Features, f)
		}
	}
	return o
}

// TestConformance is the Go runner: the verifier package itself.
func TestConformance(t *testing.T) {
	s := load(t)
	var keys []verifier.Key
	for _, k := range s.Keys {
		pub, err := hex.DecodeString(k.Public)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, verifier.Key{ID: k.ID, Public: pub})
	}
	checked := 0
	for _, c := range s.Cases {
		t.Run(c.Name, func(t *testing.T) {
			var store state.Store
			if c.State {
				store = new(state.Memory)
			}
			for i, r := range c.Runs {
				opts := []verifier.Option{verifier.WithNow(func() time.Time { return r.Now })}
				if p, err := catalog.Default().Product(c.Product); err == nil {
					opts = append(opts, verifier.WithCatalog(p))
				}
				if r.InstallID != "" {
					opts = append(opts, verifier.WithInstallID(r.InstallID))
				}
				if r.WarnDays != nil {
					opts = append(opts, verifier.WithWarnDays(*r.WarnDays))
				}
				if r.GraceDays != nil {
					opts = append(opts, verifier.WithGraceDays(*r.GraceDays))
				}
				if store != nil {
					opts = append(opts, verifier.WithState(store))
				}
				v, err := verifier.New(c.Product, keys, opts...)
				if err != nil {
					t.Fatalf("run %d: %v", i+1, err)
				}
				for j, st := range r.Steps {
					switch {
					case st.Code != nil:
						got, want := result(v.Verify(*st.Code)), *st.Want
						if want.Group == nil {
							got.Group, got.Char = nil, nil // the suite fixes no position
						}
						if !reflect.DeepEqual(got, want) {
							g, _ := json.Marshal(got)
							w, _ := json.Marshal(want)
							t.Errorf("run %d step %d: got\n%s\nwant\n%s", i+1, j+1, g, w)
						}
					case st.WantError != nil:
						list, err := hex.DecodeString(st.List)
						if err != nil {
							t.Fatal(err)
						}
						if got := verifier.ErrorKind(v.LoadRevocationList(list)); got != *st.WantError {
							t.Errorf("run %d step %d: revocation list: got %q, want %q", i+1, j+1, got, *st.WantError)
						}
					default:
						t.Fatalf("run %d step %d: neither a code nor a list", i+1, j+1)
					}
					checked++
				}
			}
		})
	}
	t.Logf("%d cases, %d steps", len(s.Cases), checked)
}
