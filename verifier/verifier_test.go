package verifier_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/internal/torsion"
	"github.com/licmint/licmint/verifier"
)

// TestVectors verifies the normative Activation Code vectors, signed with
// their published TEST ONLY key.
func TestVectors(t *testing.T) {
	vecs, pub := loadVectors(t)
	var ring []verifier.Key
	for _, id := range []uint8{0, 1, 2, 255} {
		ring = append(ring, verifier.Key{ID: id, Public: pub})
	}
	for _, tc := range vecs.Valid {
		t.Run(tc.Comment, func(t *testing.T) {
			f := tc.Fields
			opts := []verifier.Option{verifier.WithNow(at(f.Issued))}
			if tc.InstallID != "" {
				opts = append(opts, verifier.WithInstallID(tc.InstallID))
			} else {
				opts = append(opts, verifier.WithInstallID("an unbound code ignores this"))
			}
			v, err := verifier.New(f.Product, ring, opts...)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range append([]string{tc.Signed}, tc.Spellings...) {
				l, err := v.Verify(s)
				if err != nil {
					t.Fatalf("%q: %v", s, err)
				}
				wantExpires := formats.Perpetual
				if f.Expires != "perpetual" {
					wantExpires = day(f.Expires)
				}
				if l.Product.String() != f.Product || l.KeyID != f.KeyID || l.EditionNumber != f.Edition ||
					l.Edition != strconv.Itoa(int(f.Edition)) || l.Trial != f.Trial || l.Bound != f.Bound ||
					l.Generation != f.Generation || l.Issued != day(f.Issued) || l.Expires != wantExpires ||
					l.Serial.String() != f.Serial {
					t.Fatalf("license %+v, want %+v", l, f)
				}
				if l.Status != verifier.StatusValid && l.Status != verifier.StatusExpiring {
					t.Fatalf("status %v on the issue day", l.Status)
				}
			}
			if _, err := v.Verify(tc.Short); !errors.Is(err, verifier.ErrUnsigned) {
				t.Fatalf("short form: %v, want ErrUnsigned", err)
			}
			if tc.InstallID != "" {
				v2, err := verifier.New(f.Product, ring, verifier.WithNow(at(f.Issued)))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := v2.Verify(tc.Signed); !errors.Is(err, verifier.ErrInstallMismatch) {
					t.Fatalf("bound code without install id: %v", err)
				}
				v3, err := verifier.New(f.Product, ring, verifier.WithNow(at(f.Issued)), verifier.WithInstallID("Z"+tc.InstallID[1:]))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := v3.Verify(tc.Signed); !errors.Is(err, verifier.ErrInstallMismatch) {
					t.Fatalf("bound code on another install: %v", err)
				}
			}
		})
	}
	kinds := map[string]error{
		"typo": verifier.ErrTypo, "malformed": verifier.ErrMalformed, "unsigned": verifier.ErrUnsigned,
		"wrong_product": verifier.ErrWrongProduct, "unknown_version": verifier.ErrUnknownVersion,
	}
	for _, tc := range vecs.Invalid {
		if tc.Want == "any" && len(tc.Input) == formats.ShortLen {
			continue // Verify needs the signed form: its vector says "signed"
		}
		t.Run(tc.Comment, func(t *testing.T) {
			product := tc.Product
			if product == "" {
				product = "PC"
			}
			v, err := verifier.New(product, ring)
			if err != nil {
				t.Fatal(err)
			}
			l, err := v.Verify(tc.Input)
			if !errors.Is(err, kinds[tc.Error]) || kinds[tc.Error] == nil {
				t.Fatalf("got %v, want %s", err, tc.Error)
			}
			if l.Status != verifier.StatusInvalid {
				t.Fatalf("failed verification returned status %v", l.Status)
			}
			var fe *formats.FormatError
			if !errors.As(err, &fe) || fe.Group != tc.Group || fe.Char != tc.Char {
				t.Fatalf("position of %v, want group %d char %d", err, tc.Group, tc.Char)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	h := header() // 2026-11-27 to 2027-11-27
	code := sign(t, testKey, h, "")
	perpetual := h
	perpetual.Expires = formats.Perpetual
	perpetualCode := sign(t, testKey, perpetual, "")
	for _, tc := range []struct {
		code, date string
		opts       []verifier.Option
		want       verifier.Status
		left       int
	}{
		{code, "2026-11-26", nil, verifier.StatusNotYetValid, 366},
		{code, "2019-12-31", nil, verifier.StatusNotYetValid, 2887 + 1},
		{code, "2026-11-27", nil, verifier.StatusValid, 365},
		{code, "2027-09-27", nil, verifier.StatusValid, 61},
		{code, "2027-09-28", nil, verifier.StatusExpiring, 60},
		{code, "2027-11-26", nil, verifier.StatusExpiring, 1},
		{code, "2027-11-27", nil, verifier.StatusGrace, 0},
		{code, "2027-12-26", nil, verifier.StatusGrace, -29},
		{code, "2027-12-27", nil, verifier.StatusExpired, -30},
		{code, "2027-11-27", []verifier.Option{verifier.WithGraceDays(0)}, verifier.StatusExpired, 0},
		{code, "2027-11-26", []verifier.Option{verifier.WithWarnDays(0)}, verifier.StatusValid, 1},
		{code, "2027-11-16", []verifier.Option{verifier.WithWarnDays(10)}, verifier.StatusValid, 11},
		{code, "2027-11-17", []verifier.Option{verifier.WithWarnDays(10)}, verifier.StatusExpiring, 10},
		{perpetualCode, "2026-11-27", nil, verifier.StatusValid, 0},
		{perpetualCode, "2199-06-05", nil, verifier.StatusValid, 0},
		{perpetualCode, "2026-11-26", nil, verifier.StatusNotYetValid, 0},
	} {
		v := newVerifier(t, append([]verifier.Option{verifier.WithNow(at(tc.date))}, tc.opts...)...)
		l, err := v.Verify(tc.code)
		if err != nil {
			t.Fatal(err)
		}
		if l.Status != tc.want || l.DaysLeft != tc.left {
			t.Errorf("%s on %s: %v with %d days left, want %v with %d", l.Expires, tc.date, l.Status, l.DaysLeft, tc.want, tc.left)
		}
		if on := l.Features.Enabled("update") && l.Features.Enabled("scan"); on != tc.want.InForce() {
			t.Errorf("%s on %s: features on = %v in status %v", l.Expires, tc.date, on, l.Status)
		}
	}

	// A clock far outside the format's dates still gives an answer.
	for date, want := range map[time.Time]verifier.Status{
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC): verifier.StatusNotYetValid,
		time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC): verifier.StatusExpired,
		time.Unix(1<<62, 0):                         verifier.StatusExpired,
		time.Unix(-1<<62, 0):                        verifier.StatusNotYetValid,
	} {
		v := newVerifier(t, verifier.WithNow(func() time.Time { return date }))
		if l, err := v.Verify(code); err != nil || l.Status != want {
			t.Errorf("clock %v: %v %v, want %v", date, l.Status, err, want)
		}
	}

	// The catalog's terms apply unless an option overrides them.
	p := &catalog.Product{Code: formats.MustProduct("PC"), WarningDays: 10, GraceDays: 5,
		Editions: []catalog.Edition{{Name: "standard", Number: 1, Features: []string{"update"}}}}
	v, err := verifier.New("PC", testKeys(), verifier.WithCatalog(p), verifier.WithNow(at("2027-11-16")))
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := v.Verify(code); l.Status != verifier.StatusValid {
		t.Errorf("11 days left with 10 warning days: %v", l.Status)
	}
	v, _ = verifier.New("PC", testKeys(), verifier.WithCatalog(p), verifier.WithNow(at("2027-12-02")))
	if l, _ := v.Verify(code); l.Status != verifier.StatusExpired {
		t.Errorf("5 days after expiry with 5 grace days: %v", l.Status)
	}
}

func TestStatusStrings(t *testing.T) {
	want := "invalid valid expiring grace expired not_yet_valid revoked superseded clock_rollback invalid invalid"
	var got []string
	for s := verifier.StatusInvalid; s <= verifier.StatusClockRollback+1; s++ {
		got = append(got, s.String())
	}
	got = append(got, verifier.Status(-1).String())
	if strings.Join(got, " ") != want {
		t.Fatalf("%s", strings.Join(got, " "))
	}
}

func TestFeatures(t *testing.T) {
	h := header()
	h.Edition = 2
	code := sign(t, testKey, h, "")
	l, err := newVerifier(t).Verify(code)
	if err != nil {
		t.Fatal(err)
	}
	if l.Edition != "premium" || l.EditionNumber != 2 {
		t.Fatalf("edition %q %d", l.Edition, l.EditionNumber)
	}
	if m := l.Features.Map(); len(m) != 2 || !m["update"] || !m["scan"] || l.Features.Enabled("nonesuch") {
		t.Fatalf("features %v", m)
	}
	if n := l.Features.Names(); strings.Join(n, ",") != "update,scan" {
		t.Fatalf("names %v", n)
	}

	l, _ = newVerifier(t, verifier.WithNow(at("2030-01-01"))).Verify(code)
	if m := l.Features.Map(); len(m) != 2 || m["update"] || m["scan"] {
		t.Fatalf("expired license's features %v", m)
	}

	// An edition the catalog does not list is shown by number, with no
	// features; so is every edition without a catalog.
	h.Edition = 200
	l, err = newVerifier(t).Verify(sign(t, testKey, h, ""))
	if err != nil || l.Edition != "200" || len(l.Features.Map()) != 0 || l.Status != verifier.StatusValid {
		t.Fatalf("uncatalogued edition: %+v %v", l, err)
	}
	v, _ := verifier.New("PC", testKeys(), verifier.WithNow(at("2027-01-01")))
	l, err = v.Verify(code)
	if err != nil || l.Edition != "2" || l.Features.Enabled("update") {
		t.Fatalf("no catalog: %+v %v", l, err)
	}
}

func TestFailures(t *testing.T) {
	v := newVerifier(t)
	other := ed25519.NewKeyFromSeed([]byte("another key, not in the keyring!"))
	good := sign(t, testKey, header(), "")

	unknown := header()
	unknown.KeyID = 9
	// An altered field keeps valid check symbols (they are recomputed) but
	// breaks the signature.
	c, err := formats.ParseSigned(good, formats.MustProduct("PC"))
	if err != nil {
		t.Fatal(err)
	}
	c.Expires = formats.Perpetual
	altered := c.String()
	typo := []byte(good)
	typo[40] = map[bool]byte{true: '7', false: 'Z'}[typo[40] == 'Z']
	pd := header()
	pd.Product = formats.MustProduct("PD")

	for _, tc := range []struct {
		name, code string
		want       error
	}{
		{"unknown key id", sign(t, testKey, unknown, ""), verifier.ErrUnknownKey},
		{"signed by an untrusted key", sign(t, other, header(), ""), verifier.ErrBadSignature},
		{"altered expiry", altered, verifier.ErrBadSignature},
		{"another product", sign(t, testKey, pd, ""), verifier.ErrWrongProduct},
		{"short form", good[:formats.ShortLen], verifier.ErrUnsigned},
		{"typo", string(typo), verifier.ErrTypo},
		{"garbage", "hello", verifier.ErrMalformed},
		{"too long", strings.Repeat("A", 5000), verifier.ErrMalformed},
		{"empty", "", verifier.ErrMalformed},
	} {
		l, err := v.Verify(tc.code)
		if !errors.Is(err, tc.want) || l.Status != verifier.StatusInvalid || l.Status.InForce() {
			t.Errorf("%s: %v (status %v), want %v", tc.name, err, l.Status, tc.want)
		}
		if _, err2 := v.VerifyBytes([]byte(tc.code)); err2 == nil || err2.Error() != err.Error() {
			t.Errorf("%s: VerifyBytes says %v, Verify %v", tc.name, err2, err)
		}
	}
	var ve *verifier.Error
	if _, err := v.Verify(sign(t, testKey, unknown, "")); !errors.As(err, &ve) || !strings.Contains(ve.Error(), "key id 9") || ve.Hint == "" {
		t.Errorf("unknown key error %v", err)
	}
}

func TestInstallBinding(t *testing.T) {
	h := header()
	h.Bound = true
	code := sign(t, testKey, h, "install-A")

	if l, err := newVerifier(t, verifier.WithInstallID("install-A")).Verify(code); err != nil || !l.Bound {
		t.Fatalf("own install: %v", err)
	}
	var ve *verifier.Error
	_, err := newVerifier(t).Verify(code)
	if !errors.Is(err, verifier.ErrInstallMismatch) || !errors.As(err, &ve) || !strings.Contains(ve.Hint, "did not say which install") {
		t.Fatalf("no install id: %v", err)
	}
	_, err = newVerifier(t, verifier.WithInstallID("install-B")).Verify(code)
	if !errors.Is(err, verifier.ErrInstallMismatch) || !strings.Contains(err.Error(), "bound to another install, or was altered") {
		t.Fatalf("other install: %v", err)
	}
	// An unbound code ignores the install id.
	if _, err := newVerifier(t, verifier.WithInstallID("install-B")).Verify(sign(t, testKey, header(), "")); err != nil {
		t.Fatal(err)
	}
}

func TestNewErrors(t *testing.T) {
	ring := testKeys()
	// Find a 32-byte string that is not a point encoding.
	var notPoint []byte
	for y := byte(2); notPoint == nil; y++ {
		b := make([]byte, 32)
		b[0] = y
		if _, err := verifier.New("PC", []verifier.Key{{ID: 1, Public: b}}); err != nil {
			notPoint = b
		}
	}
	badRing := []verifier.Key{{ID: 1, Public: notPoint}}
	tooMany := make([]string, 65)
	for i := range tooMany {
		tooMany[i] = "f" + strconv.Itoa(i)
	}
	for _, tc := range []struct {
		name    string
		product string
		ring    []verifier.Key
		opts    []verifier.Option
	}{
		{"bad product", "P1", ring, nil},
		{"no keys", "PC", nil, nil},
		{"duplicate key id", "PC", append(testKeys(), testKeys()...), nil},
		{"short key", "PC", []verifier.Key{{ID: 1, Public: make([]byte, 31)}}, nil},
		{"long key", "PC", []verifier.Key{{ID: 1, Public: make([]byte, 33)}}, nil},
		{"private key given as public", "PC", []verifier.Key{{ID: 1, Public: testKey}}, nil},
		{"key not on the curve", "PC", badRing, nil},
		{"empty install id", "PC", ring, []verifier.Option{verifier.WithInstallID("")}},
		{"long install id", "PC", ring, []verifier.Option{verifier.WithInstallID(strings.Repeat("x", 256))}},
		{"negative warning", "PC", ring, []verifier.Option{verifier.WithWarnDays(-1)}},
		{"negative grace", "PC", ring, []verifier.Option{verifier.WithGraceDays(-1)}},
		{"nil clock", "PC", ring, []verifier.Option{verifier.WithNow(nil)}},
		{"catalog of another product", "PD", ring, []verifier.Option{verifier.WithCatalog(pcCatalog(t))}},
		{"too many features", "PC", ring, []verifier.Option{verifier.WithCatalog(&catalog.Product{
			Editions: []catalog.Edition{{Name: "x", Number: 1, Features: tooMany}}})}},
	} {
		if v, err := verifier.New(tc.product, tc.ring, tc.opts...); err == nil || v != nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestConcurrentVerify(t *testing.T) {
	v := newVerifier(t)
	codes := []string{sign(t, testKey, header(), ""), sign(t, testKey, header(), "")[:formats.ShortLen]}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				l, err := v.Verify(codes[i%2])
				if (err == nil) != (i%2 == 0) || (err == nil && l.Edition != "standard") {
					t.Error("concurrent verify disagreed", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestVerifyAllocs(t *testing.T) {
	h := header()
	h.Bound = true
	bound := sign(t, testKey, h, "install-A")
	v := newVerifier(t, verifier.WithInstallID("install-A"))
	for _, code := range []string{sign(t, testKey, header(), ""), bound} {
		b := []byte(code)
		if n := testing.AllocsPerRun(50, func() {
			if _, err := v.Verify(code); err != nil {
				t.Fatal(err)
			}
			if _, err := v.VerifyBytes(b); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("Verify allocates %v times on success", n)
		}
	}
}

// TestWeakKeysRefused: New refuses keys of small order, in any encoding,
// and keys not canonically encoded. Under the identity key the signature
// R = identity, S = 0 verifies for any message, so trusting it would let
// anyone forge codes.
func TestWeakKeysRefused(t *testing.T) {
	identity := make([]byte, ed25519.PublicKeySize)
	identity[0] = 1
	forged := formats.ActivationCode{Header: header(), Signed: true}
	forged.Signature[0] = 1 // R = identity, S = 0
	msg, err := forged.AppendMessage(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(identity, msg, forged.Signature[:]) {
		t.Fatal("the forgery this test guards against does not verify in crypto/ed25519")
	}

	nonCanonical := make([]byte, ed25519.PublicKeySize) // y = p + 3, a point of large order
	for i := range nonCanonical {
		nonCanonical[i] = 0xff
	}
	nonCanonical[0], nonCanonical[31] = 0xf0, 0x7f
	cases := map[string][]byte{"non-canonical": nonCanonical}
	for _, e := range torsion.Encodings() {
		cases[hex.EncodeToString(e.Bytes)] = e.Bytes
	}
	for _, m := range torsion.MixedOrder() {
		cases["mixed order "+hex.EncodeToString(m)] = m
	}
	for name, key := range cases {
		ring := append(testKeys(), verifier.Key{ID: 7, Public: key})
		v, err := verifier.New("PC", ring)
		if v != nil || !errors.Is(err, verifier.ErrWeakKey) {
			t.Errorf("%s: New = %v, %v; want nil, ErrWeakKey", name, v, err)
			continue
		}
		if !strings.Contains(err.Error(), "key id 7") {
			t.Errorf("%s: %q does not name the key id", name, err)
		}
	}
}

// TestInstallIDVectors: the install ids of activation_codes.json that can
// bind a code are exactly those a verifier can be made with.
func TestInstallIDVectors(t *testing.T) {
	b, err := os.ReadFile("../testdata/vectors/activation_codes.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		InstallIDs []struct {
			Comment string `json:"comment"`
			Hex     string `json:"install_id_hex"`
			Valid   bool   `json:"valid"`
		} `json:"install_ids"`
	}
	if err := json.Unmarshal(b, &v); err != nil || len(v.InstallIDs) == 0 {
		t.Fatalf("no install id vectors: %v", err)
	}
	for _, tc := range v.InstallIDs {
		id, err := hex.DecodeString(tc.Hex)
		if err != nil {
			t.Fatal(err)
		}
		if err := formats.CheckInstallID(string(id)); (err == nil) != tc.Valid {
			t.Errorf("%s: CheckInstallID = %v, want valid %v", tc.Comment, err, tc.Valid)
		}
		_, err = verifier.New("PC", testKeys(), verifier.WithInstallID(string(id)))
		if (err == nil) != tc.Valid {
			t.Errorf("%s: New = %v, want valid %v", tc.Comment, err, tc.Valid)
		}
	}
}
