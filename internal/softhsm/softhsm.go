// Package softhsm makes throwaway SoftHSM2 tokens for the PKCS#11 tests.
package softhsm

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Token is the label and PINs of the tokens that Setup makes.
const (
	Token = "licmint"
	PIN   = "1234"
	SOPIN = "12345678"
)

// modulePaths are where distributions put the SoftHSM2 library.
var modulePaths = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
	"/usr/lib/pkcs11/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
	"/opt/homebrew/lib/softhsm/libsofthsm2.so",
}

// Module returns the path of the SoftHSM2 library, or "" when SoftHSM2
// is not installed.
func Module() string {
	for _, p := range modulePaths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// Missing says why the PKCS#11 tests are skipped, for t.Skip.
const Missing = "SoftHSM2 is not installed, so the PKCS#11 tests cannot run: apt-get install softhsm2 (.ci/run does)"

// Setup makes a token store in dir with one token, Token, with the user
// PIN PIN, and returns the configuration file for SOFTHSM2_CONF.
func Setup(dir string) (conf string, err error) {
	tokens := filepath.Join(dir, "tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		return "", err
	}
	conf = filepath.Join(dir, "softhsm2.conf")
	text := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n", tokens)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		return "", err
	}
	cmd := exec.Command("softhsm2-util", "--init-token", "--free", "--label", Token, "--so-pin", SOPIN, "--pin", PIN)
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+conf)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("softhsm2-util --init-token: %v\n%s", err, out)
	}
	return conf, nil
}
