// Command genvectors writes the language-neutral test vectors in
// testdata/vectors. It encodes with its own bit-serial implementation of
// FORMAT.md, written apart from the package's table-driven one, and
// cross-checks the two, so the vectors test the spec and not just the
// package against itself. From the module's root:
//
//	go generate ./formats
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"log"
	"os"
	"path/filepath"
)

// outDir is testdata/vectors at the module's root, wherever in the module
// the generator runs, or the directory -out names (TestVectorsUpToDate
// writes to a temporary one and compares).
var outDir string

// moduleRoot returns the nearest directory up from the working directory
// that holds a go.mod.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		log.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			log.Fatal("genvectors: run it inside the licmint module: no go.mod above the working directory")
		}
		dir = up
	}
}

// testSeed is the TEST ONLY signing key's seed, derived from a public string
// so that anyone can rebuild it. Never sign a real license with it.
var testSeed = sha256.Sum256([]byte("licmint TEST ONLY signing key - never use for real licenses"))

func writeJSON(name string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(outDir+name, append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}

func main() {
	out := flag.String("out", filepath.Join(moduleRoot(), "testdata", "vectors"), "write the vector files to `DIR`")
	flag.Parse()
	outDir = *out + string(filepath.Separator)
	valid, rks := validCodes()
	genActivationCodes(valid)
	genRegistrationKeys(rks)
	genRevocationLists()
	genRenewalRequests(valid)
	genCatalogs()
	genKeyFiles()
	genJWTs(valid)
	resetVectors(testPriv().Public().(ed25519.PublicKey))
	genStateFiles()
	genRenewals()
}

// testKeyJSON describes the TEST ONLY key in every vector file.
func testKeyJSON() map[string]string {
	return map[string]string{
		"warning":        "TEST ONLY: this key's seed is public; never sign or trust real licenses with it",
		"seed_hex":       hex.EncodeToString(testSeed[:]),
		"public_key_hex": hex.EncodeToString(ed25519.NewKeyFromSeed(testSeed[:]).Public().(ed25519.PublicKey)),
	}
}

func testPriv() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(testSeed[:]) }

// otherSeed is a second TEST ONLY key: a key the verifiers do not trust,
// and the second key of keyring vectors.
var otherSeed = sha256.Sum256([]byte("licmint TEST ONLY second key - never use for real licenses"))
