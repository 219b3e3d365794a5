package hsm

import (
	"errors"
	"fmt"
)

// Outcomes, matched with errors.Is. Each comes inside an *Error naming the
// token and object.
var (
	// ErrNotSupported: this build has no PKCS#11 support (it was built
	// without cgo).
	ErrNotSupported = errors.New("this licmint was built without cgo and has no PKCS#11 support")
	// ErrModule: the PKCS#11 library cannot be found, loaded or started.
	ErrModule = errors.New("PKCS#11 module unusable")
	// ErrNoToken: no token matches the URI, or more than one does.
	ErrNoToken = errors.New("token not found")
	// ErrWrongPIN: the token refused the PIN.
	ErrWrongPIN = errors.New("wrong PIN")
	// ErrPINLocked: the token locked its user PIN after too many wrong
	// tries; its security officer must unlock it.
	ErrPINLocked = errors.New("PIN locked")
	// ErrNoObject: no private key matches the URI, or more than one does.
	ErrNoObject = errors.New("key not found")
	// ErrNotEd25519: the object is a key of another kind.
	ErrNotEd25519 = errors.New("not an Ed25519 key")
	// ErrExists: keygen or import would add a key under a label or id that
	// the token already holds.
	ErrExists = errors.New("the token already holds a key with this label or id")
	// ErrToken: any other failure of the token: a session closed or
	// dropped, a device removed, a mechanism refused.
	ErrToken = errors.New("token failure")
)

// Error is a failure of the key that a URI names. Its message names the
// token and object, never the PIN.
type Error struct {
	// Key describes the token and object, as URI.Name gives it.
	Key string
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("pkcs11: %s: %v", e.Key, e.Err) }

func (e *Error) Unwrap() error { return e.Err }

// Protection says how a private key object is protected, as its
// attributes tell.
type Protection struct {
	// Sensitive: the token never reveals the key's value (CKA_SENSITIVE).
	Sensitive bool
	// Extractable: the key may leave the token wrapped (CKA_EXTRACTABLE).
	Extractable bool
	// AlwaysSensitive and NeverExtractable: true for a key made in the
	// token, false for one imported into it.
	AlwaysSensitive, NeverExtractable bool
}
