package keyring_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/licmint/licmint/formats"
	"github.com/licmint/licmint/formats/keyring"
	"github.com/licmint/licmint/internal/torsion"
)

func testKey(b byte) ed25519.PrivateKey { return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, 32)) }

func TestPEMRoundTripAndStdlibAgreement(t *testing.T) {
	priv := testKey(1)
	pub := priv.Public().(ed25519.PublicKey)
	file := keyring.MarshalPublicPEM(7, pub)
	if !strings.HasPrefix(string(file), "key-id: 7\n-----BEGIN PUBLIC KEY-----\n") {
		t.Fatalf("%s", file)
	}
	// The DER is what crypto/x509 writes and reads.
	block, _ := pem.Decode(file)
	want, _ := x509.MarshalPKIXPublicKey(pub)
	if !bytes.Equal(block.Bytes, want) {
		t.Fatal("SPKI differs from crypto/x509's")
	}
	r, err := keyring.Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := r.Lookup(7); !ok || !got.Equal(pub) {
		t.Fatal("lookup")
	}
	if _, ok := r.Lookup(1); ok {
		t.Fatal("found a key that is not there")
	}

	sec := keyring.MarshalPrivatePEM(7, priv)
	block, _ = pem.Decode(sec)
	want, _ = x509.MarshalPKCS8PrivateKey(priv)
	if !bytes.Equal(block.Bytes, want) {
		t.Fatal("PKCS#8 differs from crypto/x509's")
	}
	id, back, err := keyring.ParsePrivatePEM(sec)
	if err != nil || id != 7 || !back.Equal(priv) {
		t.Fatalf("private round trip: %v", err)
	}
}

func TestKeyringFiles(t *testing.T) {
	a, b := testKey(1).Public().(ed25519.PublicKey), testKey(2).Public().(ed25519.PublicKey)
	r, err := keyring.New(keyring.Key{ID: 2, Public: b}, keyring.Key{ID: 1, Public: a})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"pem": r.AppendPEM([]byte("# rotation keyring\n")), "jwks": must(r.MarshalJWKS())} {
		back, err := keyring.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		keys := back.Keys()
		if len(keys) != 2 || keys[0].ID != 1 || !keys[0].Public.Equal(a) || keys[1].ID != 2 || !keys[1].Public.Equal(b) {
			t.Fatalf("%s: %+v", name, keys)
		}
	}
	// A single JWK is a keyring of one.
	jwk := `{"kty":"OKP","crv":"Ed25519","x":"` + keyring.JWK(3, a).X + `","kid":"3"}`
	if one, err := keyring.Parse([]byte(jwk)); err != nil || len(one.Keys()) != 1 {
		t.Fatalf("single JWK: %v", err)
	}
	// JSON is UTF-8 text: é in a member of its own is read, byte 0xff is
	// refused rather than read as U+FFFD.
	if _, err := keyring.Parse([]byte(`{"x-note":"é",` + jwk[1:])); err != nil {
		t.Fatalf("a JWK with é: %v", err)
	}
	if _, err := keyring.Parse([]byte("{\"x-note\":\"\xff\"," + jwk[1:])); err == nil || !strings.Contains(err.Error(), "not UTF-8") {
		t.Fatalf("a JWK with byte 0xff: %v", err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestRFC8037 reads the public key of RFC 8037 Appendix A.2.
func TestRFC8037(t *testing.T) {
	jwk := `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"0"}`
	r, err := keyring.Parse([]byte(jwk))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := r.Lookup(0)
	seed := []byte{0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
		0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60}
	if !pub.Equal(ed25519.NewKeyFromSeed(seed).Public()) {
		t.Fatal("RFC 8037 A.2 public key does not match its seed")
	}
}

func TestParseErrors(t *testing.T) {
	pub := testKey(1).Public().(ed25519.PublicKey)
	good := string(keyring.MarshalPublicPEM(1, pub))
	noID := good[strings.Index(good, "-----BEGIN"):]
	x := keyring.JWK(1, pub).X
	for name, tc := range map[string]struct{ in, want string }{
		"empty":                         {"", "no PEM block"},
		"no key id":                     {noID, "key-id"},
		"bad key id":                    {"key-id: 300\n" + noID, "0 to 255"},
		"duplicate id":                  {good + good, "twice"},
		"private key":                   {string(keyring.MarshalPrivatePEM(1, testKey(1))), "give the public key"},
		"truncated":                     {good[:len(good)-30], "no -----END PUBLIC KEY----- line"},
		"pem header":                    {strings.Replace(good, "-----\n", "-----\nComment: x\n\n", 1), "not base64"},
		"blank line":                    {strings.Replace(good, "-----\n", "-----\n\n", 1), "not base64"},
		"inner space":                   {strings.Replace(good, "-----\nMC", "-----\nM C", 1), "not base64"},
		"damaged block then a good one": {strings.Replace(good, "-----\nMC", "-----\nM!", 1) + string(keyring.MarshalPublicPEM(2, testKey(2).Public().(ed25519.PublicKey))), "not base64"},
		"bad begin":                     {strings.Replace(good, "-----BEGIN PUBLIC KEY-----", "-----BEGIN PUBLIC KEY----", 1), "not a PEM BEGIN line"},
		"stray end":                     {"key-id: 1\n-----END PUBLIC KEY-----\n" + good, "no -----BEGIN line"},
		"wrong DER":                     {"key-id: 1\n-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VxAyEA\n-----END PUBLIC KEY-----\n", "not an Ed25519"},
		"jwk private":                   {`{"kty":"OKP","crv":"Ed25519","x":"` + x + `","kid":"1","d":"secret"}`, "private part"},
		"jwk curve":                     {`{"kty":"EC","crv":"P-256","x":"` + x + `","kid":"1"}`, "OKP"},
		"jwk kid":                       {`{"kty":"OKP","crv":"Ed25519","x":"` + x + `","kid":"01"}`, "kid"},
		"jwk short x":                   {`{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"1"}`, "32 bytes"},
		"jwk padded x":                  {`{"kty":"OKP","crv":"Ed25519","x":"` + x + `=","kid":"1"}`, "32 bytes"},
		"jwk alg":                       {`{"kty":"OKP","crv":"Ed25519","x":"` + x + `","kid":"1","alg":"HS256"}`, "alg"},
		"json syntax":                   {`{"keys": [}`, "JSON"},
		"too large":                     {strings.Repeat(" ", keyring.MaxFileSize+1), "more than"},
	} {
		_, err := keyring.Parse([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error repeats key material: %v", name, err)
		}
	}
	if _, err := keyring.New(keyring.Key{ID: 1, Public: pub[:31]}); err == nil {
		t.Error("31-byte key accepted")
	}
}

// TestWeakKeys: a keyring never holds a key of small order, under which
// anyone can forge signatures, nor a non-canonical encoding, whether it is
// built, read from PEM or read from a JWK Set.
func TestWeakKeys(t *testing.T) {
	good := testKey(1).Public().(ed25519.PublicKey)
	nonCanonical := append([]byte{0xf0}, bytes.Repeat([]byte{0xff}, 30)...) // y = p + 3
	nonCanonical = append(nonCanonical, 0x7f)
	weak := [][]byte{nonCanonical}
	for _, e := range torsion.Encodings() {
		weak = append(weak, e.Bytes)
	}
	weak = append(weak, torsion.MixedOrder()...)
	for _, w := range weak {
		pemFile := append(keyring.MarshalPublicPEM(1, good), keyring.MarshalPublicPEM(2, w)...)
		jwks := `{"keys":[` + jwkJSON(1, good) + `,` + jwkJSON(2, w) + `]}`
		for name, f := range map[string]func() error{
			"New": func() error {
				_, err := keyring.New(keyring.Key{ID: 1, Public: good}, keyring.Key{ID: 2, Public: w})
				return err
			},
			"PEM":  func() error { _, err := keyring.Parse(pemFile); return err },
			"JWKS": func() error { _, err := keyring.Parse([]byte(jwks)); return err },
		} {
			err := f()
			if !errors.Is(err, formats.ErrWeakKey) {
				t.Errorf("%s: key %x: got %v, want ErrWeakKey", name, w, err)
				continue
			}
			where := map[string]string{"New": "key id 2", "PEM": "PEM block 2 (from line 5)", "JWKS": "JWK 2"}[name]
			if !strings.Contains(err.Error(), where) {
				t.Errorf("%s: %q does not say where (%s)", name, err, where)
			}
		}
	}
}

func jwkJSON(id uint8, pub []byte) string {
	b, err := json.Marshal(keyring.JWK(id, pub))
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestParsePrivateErrors(t *testing.T) {
	good := keyring.MarshalPrivatePEM(1, testKey(9))
	for name, in := range map[string][]byte{
		"empty":     nil,
		"public":    keyring.MarshalPublicPEM(1, testKey(9).Public().(ed25519.PublicKey)),
		"truncated": good[:len(good)/2],
		"no id":     good[bytes.Index(good, []byte("-----BEGIN")):],
	} {
		if _, _, err := keyring.ParsePrivatePEM(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParse(f *testing.F) {
	pub := testKey(1).Public().(ed25519.PublicKey)
	r, _ := keyring.New(keyring.Key{ID: 1, Public: pub}, keyring.Key{ID: 2, Public: testKey(2).Public().(ed25519.PublicKey)})
	f.Add(keyring.MarshalPublicPEM(1, pub))
	f.Add(r.AppendPEM(nil))
	f.Add(must(r.MarshalJWKS()))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := keyring.Parse(data)
		if err != nil {
			return
		}
		// Whatever parses survives both encodings unchanged.
		for _, enc := range [][]byte{r.AppendPEM(nil), must(r.MarshalJWKS())} {
			back, err := keyring.Parse(enc)
			if err != nil || len(back.Keys()) != len(r.Keys()) {
				t.Fatalf("re-encoding does not parse: %v", err)
			}
		}
	})
}
