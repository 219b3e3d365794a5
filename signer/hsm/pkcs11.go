//go:build cgo

package hsm

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/pkcs11"
)

// Supported reports whether this build can reach PKCS#11 tokens: it can
// when built with cgo.
const Supported = true

// PKCS#11 3.0 names for Ed25519, which miekg/pkcs11 (2.40) lacks.
const (
	ckkECEdwards           = 0x40
	ckmECEdwardsKeyPairGen = 0x1055
	ckmEdDSA               = 0x1057
)

// CKA_EC_PARAMS of an Ed25519 key: the DER of OID 1.3.101.112, which
// licmint writes, or the printable string "edwards25519", which PKCS#11
// 3.0 also allows.
var (
	ed25519OID  = []byte{0x06, 0x03, 0x2b, 0x65, 0x70}
	ed25519Name = append([]byte{0x13, 12}, "edwards25519"...)
)

// maxIdleSessions bounds the sessions a Key keeps open between
// signatures: one per concurrent signer, as a batch has one per worker.
const maxIdleSessions = 64

// A module is a loaded PKCS#11 library. A library is initialised once per
// process, so the keys of one process share it.
type module struct {
	ctx  *pkcs11.Ctx
	refs int
}

var (
	modMu   sync.Mutex
	modules = map[string]*module{}
)

func loadModule(path string) (*pkcs11.Ctx, error) {
	modMu.Lock()
	defer modMu.Unlock()
	if m := modules[path]; m != nil {
		m.refs++
		return m.ctx, nil
	}
	if path == "" {
		return nil, fmt.Errorf("%w: the URI names no module: add ?module-path=/path/to/the HSM vendor's PKCS#11 library (for SoftHSM2, /usr/lib/softhsm/libsofthsm2.so)", ErrModule)
	}
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: module-path %s: no such file; install the HSM's PKCS#11 library or correct module-path", ErrModule, path)
		}
		return nil, fmt.Errorf("%w: module-path %s: %v", ErrModule, path, err)
	}
	ctx := pkcs11.New(path)
	if ctx == nil {
		return nil, fmt.Errorf("%w: module-path %s cannot be loaded as a shared library; is it the PKCS#11 library for this system?", ErrModule, path)
	}
	if err := ctx.Initialize(pkcs11.InitializeWithFlags(pkcs11.CKF_OS_LOCKING_OK)); err != nil && !isCode(err, pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		ctx.Destroy()
		return nil, fmt.Errorf("%w: module-path %s: starting the library: %v", ErrModule, path, err)
	}
	modules[path] = &module{ctx: ctx, refs: 1}
	return ctx, nil
}

func releaseModule(path string) {
	modMu.Lock()
	defer modMu.Unlock()
	m := modules[path]
	if m == nil {
		return
	}
	if m.refs--; m.refs == 0 {
		m.ctx.Finalize()
		m.ctx.Destroy()
		delete(modules, path)
	}
}

func isCode(err error, code uint) bool {
	var e pkcs11.Error
	return errors.As(err, &e) && uint(e) == code
}

// Key is an Ed25519 private key in a token, reached through PKCS#11. It
// is a crypto.Signer, safe for concurrent use: each concurrent Sign has a
// session of its own, opened the first time and kept for the next, and
// all of them share the one login made when the Key was opened.
type Key struct {
	name   string // the URI's Name, for errors
	module string
	ctx    *pkcs11.Ctx
	slot   uint
	// anchor is kept open for the Key's life: the login lasts as long as
	// a session does.
	anchor pkcs11.SessionHandle
	priv   pkcs11.ObjectHandle
	pub    ed25519.PublicKey
	id     []byte
	idle   chan pkcs11.SessionHandle
	once   sync.Once
}

// Open opens the private key that u names, logging in to its token with
// pin, or with u's pin-value when pin is empty (u's pin-source is for the
// caller to read). The token must hold the key's public half too, as a
// public key object with the same label and id.
func Open(u *URI, pin string) (*Key, error) {
	k, err := connect(u, pin, false)
	if err != nil {
		return nil, err
	}
	if err := k.find(u); err != nil {
		k.Close()
		return nil, err
	}
	return k, nil
}

// Generate makes a new Ed25519 key pair in the token that u names, with
// CKM_EC_EDWARDS_KEY_PAIR_GEN: the private key sensitive and never
// extractable, both objects labelled u.Object and with the key id kid as
// their CKA_ID. A key already under that label is an ErrExists.
func Generate(u *URI, pin string, kid uint8) (*Key, error) {
	k, err := create(u, pin, kid, func(k *Key, pubT, privT []*pkcs11.Attribute) error {
		_, _, err := k.ctx.GenerateKeyPair(k.anchor, []*pkcs11.Mechanism{pkcs11.NewMechanism(ckmECEdwardsKeyPairGen, nil)}, pubT, privT)
		if err != nil {
			return k.fail("generating the key pair", err)
		}
		return nil
	})
	return k, err
}

// Import puts priv into the token that u names as a sensitive,
// non-extractable private key and its public key, labelled u.Object with
// the key id kid as their CKA_ID, and checks that the token signs as priv
// does. A key already under that label is an ErrExists.
func Import(u *URI, pin string, kid uint8, priv ed25519.PrivateKey) (*Key, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, errors.New("pkcs11: importing: not an Ed25519 private key")
	}
	var privH, pubH pkcs11.ObjectHandle
	k, err := create(u, pin, kid, func(k *Key, pubT, privT []*pkcs11.Attribute) error {
		seed := priv.Seed()
		defer clear(seed)
		value := pkcs11.NewAttribute(pkcs11.CKA_VALUE, seed)
		defer clear(value.Value)
		var err error
		privH, err = k.ctx.CreateObject(k.anchor, append(privT,
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, ckkECEdwards),
			pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, ed25519OID), value))
		if err != nil {
			return k.fail("importing the private key", err)
		}
		point := append([]byte{0x04, ed25519.PublicKeySize}, priv.Public().(ed25519.PublicKey)...)
		pubH, err = k.ctx.CreateObject(k.anchor, append(pubT,
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY), pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, ckkECEdwards),
			pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, point)))
		if err != nil {
			k.ctx.DestroyObject(k.anchor, privH)
			return k.fail("importing the public key", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Ed25519 is deterministic: the token must sign exactly as the file
	// key does, or the codes it signs would differ.
	msg := []byte("licmint: checking the imported key")
	sig, err := k.Sign(nil, msg, crypto.Hash(0))
	if err == nil && (!bytes.Equal(k.pub, priv.Public().(ed25519.PublicKey)) || !bytes.Equal(sig, ed25519.Sign(priv, msg))) {
		err = &Error{Key: k.name, Err: fmt.Errorf("%w: the token does not sign as the imported key does; the import was undone", ErrToken)}
	}
	if err != nil {
		k.ctx.DestroyObject(k.anchor, privH)
		k.ctx.DestroyObject(k.anchor, pubH)
		k.Close()
		return nil, err
	}
	return k, nil
}

// create connects read-write, checks that u's label is free, has make
// the objects from the templates, and opens the new key.
func create(u *URI, pin string, kid uint8, make func(k *Key, pubT, privT []*pkcs11.Attribute) error) (*Key, error) {
	if u.Object == "" {
		return nil, &Error{Key: u.Name(), Err: errors.New("the URI needs object=LABEL, the label of the new key")}
	}
	if u.ID != nil && !bytes.Equal(u.ID, []byte{kid}) {
		return nil, &Error{Key: u.Name(), Err: fmt.Errorf("the URI's id=%x is not the key id %d; leave id out, or give id=%%%02x", u.ID, kid, kid)}
	}
	k, err := connect(u, pin, true)
	if err != nil {
		return nil, err
	}
	objs, err := k.objects(k.anchor, pkcs11.NewAttribute(pkcs11.CKA_LABEL, u.Object))
	if err == nil && len(objs) > 0 {
		err = &Error{Key: k.name, Err: fmt.Errorf("%w: delete the old objects first (pkcs11-tool --delete-object), or choose another object= label", ErrExists)}
	}
	if err == nil {
		common := []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, u.Object),
			pkcs11.NewAttribute(pkcs11.CKA_ID, []byte{kid}),
		}
		pubT := append(slices.Clone(common),
			pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false),
			pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
			pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, ed25519OID))
		privT := append(slices.Clone(common),
			pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
			pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
			pkcs11.NewAttribute(pkcs11.CKA_SIGN, true))
		err = make(k, pubT, privT)
	}
	if err == nil {
		err = k.find(&URI{Object: u.Object, ID: []byte{kid}})
	}
	if err != nil {
		k.Close()
		return nil, err
	}
	return k, nil
}

// connect loads the module, finds the token, opens the anchor session
// and logs in.
func connect(u *URI, pin string, rw bool) (*Key, error) {
	name := u.Name()
	ctx, err := loadModule(u.ModulePath)
	if err != nil {
		return nil, &Error{Key: name, Err: err}
	}
	k := &Key{name: name, module: u.ModulePath, ctx: ctx, idle: make(chan pkcs11.SessionHandle, maxIdleSessions)}
	slot, info, err := findToken(ctx, u)
	if err != nil {
		releaseModule(u.ModulePath)
		return nil, &Error{Key: name, Err: err}
	}
	k.slot = slot
	flags := uint(pkcs11.CKF_SERIAL_SESSION)
	if rw {
		flags |= pkcs11.CKF_RW_SESSION
	}
	if k.anchor, err = ctx.OpenSession(slot, flags); err != nil {
		releaseModule(u.ModulePath)
		return nil, k.fail("opening a session", err)
	}
	if err := k.login(u, pin, info); err != nil {
		k.Close()
		return nil, err
	}
	return k, nil
}

// findToken returns the one slot whose token matches u.
func findToken(ctx *pkcs11.Ctx, u *URI) (uint, pkcs11.TokenInfo, error) {
	slots, err := ctx.GetSlotList(true)
	if err != nil {
		return 0, pkcs11.TokenInfo{}, fmt.Errorf("%w: listing the slots: %v", ErrModule, err)
	}
	var found []uint
	var info pkcs11.TokenInfo
	var labels []string
	for _, s := range slots {
		ti, err := ctx.GetTokenInfo(s)
		if err != nil {
			continue
		}
		labels = append(labels, fmt.Sprintf("%q", trim(ti.Label)))
		if (!u.HasSlotID || s == u.SlotID) && match(u.Token, ti.Label) && match(u.Manufacturer, ti.ManufacturerID) &&
			match(u.Model, ti.Model) && match(u.Serial, ti.SerialNumber) {
			found, info = append(found, s), ti
		}
	}
	switch {
	case len(found) == 1:
		return found[0], info, nil
	case len(labels) == 0:
		return 0, info, fmt.Errorf("%w: the module has no token; initialise one (softhsm2-util --init-token), or plug in the HSM", ErrNoToken)
	case len(found) == 0:
		return 0, info, fmt.Errorf("%w: the module's tokens are %s; correct token= in the URI", ErrNoToken, strings.Join(labels, ", "))
	}
	return 0, info, fmt.Errorf("%w: %d tokens match (%s); name one with token= or serial=", ErrNoToken, len(found), strings.Join(labels, ", "))
}

func trim(s string) string { return strings.TrimRight(s, " \x00") }

func match(want, have string) bool { return want == "" || want == trim(have) }

// login logs the user in, unless the token needs no login or the process
// is logged in already.
func (k *Key) login(u *URI, pin string, info pkcs11.TokenInfo) error {
	if info.Flags&pkcs11.CKF_LOGIN_REQUIRED == 0 {
		return nil
	}
	if info.Flags&pkcs11.CKF_USER_PIN_LOCKED != 0 {
		return &Error{Key: k.name, Err: fmt.Errorf("%w: the token locked its user PIN after too many wrong tries; its security officer must unlock it (for SoftHSM2, softhsm2-util; for an HSM, its admin tool)", ErrPINLocked)}
	}
	if pin == "" {
		pin = u.PINValue
	}
	if pin == "" && info.Flags&pkcs11.CKF_PROTECTED_AUTHENTICATION_PATH == 0 {
		return &Error{Key: k.name, Err: fmt.Errorf("%w: no PIN given", ErrWrongPIN)}
	}
	err := k.ctx.Login(k.anchor, pkcs11.CKU_USER, pin)
	switch {
	case err == nil, isCode(err, pkcs11.CKR_USER_ALREADY_LOGGED_IN):
		return nil
	case isCode(err, pkcs11.CKR_PIN_LOCKED):
		return &Error{Key: k.name, Err: fmt.Errorf("%w: the token locked its user PIN after too many wrong tries; its security officer must unlock it", ErrPINLocked)}
	case isCode(err, pkcs11.CKR_PIN_INCORRECT), isCode(err, pkcs11.CKR_PIN_INVALID), isCode(err, pkcs11.CKR_PIN_LEN_RANGE):
		msg := "the token refused the PIN"
		if ti, ierr := k.ctx.GetTokenInfo(k.slot); ierr == nil && ti.Flags&pkcs11.CKF_USER_PIN_FINAL_TRY != 0 {
			msg += "; one more wrong PIN locks it"
		}
		return &Error{Key: k.name, Err: fmt.Errorf("%w: %s", ErrWrongPIN, msg)}
	}
	return k.fail("logging in", err)
}

// objects finds the objects matching the template.
func (k *Key) objects(s pkcs11.SessionHandle, tmpl ...*pkcs11.Attribute) ([]pkcs11.ObjectHandle, error) {
	if err := k.ctx.FindObjectsInit(s, tmpl); err != nil {
		return nil, k.fail("finding objects", err)
	}
	defer k.ctx.FindObjectsFinal(s)
	var all []pkcs11.ObjectHandle
	for {
		objs, _, err := k.ctx.FindObjects(s, 16)
		if err != nil {
			return nil, k.fail("finding objects", err)
		}
		if len(objs) == 0 || len(all) > 1000 {
			return all, nil
		}
		all = append(all, objs...)
	}
}

func selector(u *URI, class uint) []*pkcs11.Attribute {
	t := []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, class)}
	if u.Object != "" {
		t = append(t, pkcs11.NewAttribute(pkcs11.CKA_LABEL, u.Object))
	}
	if u.ID != nil {
		t = append(t, pkcs11.NewAttribute(pkcs11.CKA_ID, u.ID))
	}
	return t
}

// find finds the private key u names, checks that it is an Ed25519 key,
// and reads its public key from the public key object beside it.
func (k *Key) find(u *URI) error {
	privs, err := k.objects(k.anchor, selector(u, pkcs11.CKO_PRIVATE_KEY)...)
	if err != nil {
		return err
	}
	switch {
	case len(privs) > 1:
		return &Error{Key: k.name, Err: fmt.Errorf("%w: %d private keys match; name one with object= and id=", ErrNoObject, len(privs))}
	case len(privs) == 0:
		others, _ := k.objects(k.anchor, selector(u, pkcs11.CKO_PUBLIC_KEY)...)
		if len(others) > 0 {
			return &Error{Key: k.name, Err: fmt.Errorf("%w: the token has only the public key; the private key is not in this token, or this PIN's user cannot see it", ErrNoObject)}
		}
		return &Error{Key: k.name, Err: fmt.Errorf("%w: the token has no private key with this label or id", ErrNoObject)}
	}
	k.priv = privs[0]
	attrs, err := k.ctx.GetAttributeValue(k.anchor, k.priv, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, nil), pkcs11.NewAttribute(pkcs11.CKA_ID, nil), pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)})
	if err != nil {
		return k.fail("reading the key's attributes", err)
	}
	if kt := ulong(attrs[0].Value); kt != ckkECEdwards {
		return &Error{Key: k.name, Err: fmt.Errorf("%w: it is %s; licmint signs with Ed25519 keys only: make one with licmint keygen --pkcs11", ErrNotEd25519, keyTypeName(kt))}
	}
	k.id = attrs[1].Value
	params, err := k.ctx.GetAttributeValue(k.anchor, k.priv, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, nil)})
	if err == nil && !bytes.Equal(params[0].Value, ed25519OID) && !bytes.Equal(params[0].Value, ed25519Name) {
		return &Error{Key: k.name, Err: fmt.Errorf("%w: it is an Edwards-curve key on another curve (Ed448?); licmint signs with Ed25519 keys only", ErrNotEd25519)}
	}
	pubSel := []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY), pkcs11.NewAttribute(pkcs11.CKA_ID, k.id)}
	if label := attrs[2].Value; len(label) > 0 {
		pubSel = append(pubSel, pkcs11.NewAttribute(pkcs11.CKA_LABEL, label))
	}
	pubs, err := k.objects(k.anchor, pubSel...)
	if err != nil {
		return err
	}
	if len(pubs) != 1 {
		return &Error{Key: k.name, Err: fmt.Errorf("%w: found %d public key objects with the private key's label and id, want one: licmint reads the public key from it", ErrNoObject, len(pubs))}
	}
	point, err := k.ctx.GetAttributeValue(k.anchor, pubs[0], []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil)})
	if err != nil {
		return k.fail("reading the public key", err)
	}
	switch v := point[0].Value; {
	case len(v) == ed25519.PublicKeySize+2 && v[0] == 0x04 && v[1] == ed25519.PublicKeySize:
		k.pub = ed25519.PublicKey(v[2:])
	case len(v) == ed25519.PublicKeySize:
		k.pub = ed25519.PublicKey(v)
	default:
		return &Error{Key: k.name, Err: fmt.Errorf("%w: its public key object holds %d bytes, not an Ed25519 point", ErrNotEd25519, len(v))}
	}
	return nil
}

func ulong(b []byte) uint {
	switch len(b) {
	case 8:
		return uint(binary.NativeEndian.Uint64(b))
	case 4:
		return uint(binary.NativeEndian.Uint32(b))
	}
	return ^uint(0)
}

func keyTypeName(t uint) string {
	switch t {
	case pkcs11.CKK_RSA:
		return "an RSA key"
	case pkcs11.CKK_EC:
		return "an ECDSA key"
	case pkcs11.CKK_DSA:
		return "a DSA key"
	case 0x41:
		return "an X25519/X448 key"
	}
	return fmt.Sprintf("a key of type 0x%x", t)
}

// fail wraps a PKCS#11 error from op.
func (k *Key) fail(op string, err error) error {
	return &Error{Key: k.name, Err: fmt.Errorf("%w: %s: %v", ErrToken, op, err)}
}

// Public returns the ed25519.PublicKey.
func (k *Key) Public() crypto.PublicKey { return k.pub }

// KeyID returns the licmint key id kept as the key's CKA_ID, and whether
// the CKA_ID is one byte, as keygen --pkcs11 and Import write it.
func (k *Key) KeyID() (uint8, bool) {
	if len(k.id) != 1 {
		return 0, false
	}
	return k.id[0], true
}

// Sign signs msg with CKM_EDDSA (pure Ed25519, RFC 8032); opts must be
// crypto.Hash(0). An error from the token wraps ErrToken, and the session
// it came from is not used again.
func (k *Key) Sign(_ io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts != nil && opts.HashFunc() != crypto.Hash(0) {
		return nil, errors.New("pkcs11: Ed25519 signs the message itself: give crypto.Hash(0)")
	}
	var s pkcs11.SessionHandle
	select {
	case s = <-k.idle:
	default:
		var err error
		if s, err = k.ctx.OpenSession(k.slot, pkcs11.CKF_SERIAL_SESSION); err != nil {
			return nil, k.fail("opening a session", err)
		}
	}
	if err := k.ctx.SignInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(ckmEdDSA, nil)}, k.priv); err != nil {
		k.ctx.CloseSession(s)
		return nil, k.fail("signing", err)
	}
	sig, err := k.ctx.Sign(s, msg)
	if err != nil {
		k.ctx.CloseSession(s)
		return nil, k.fail("signing", err)
	}
	select {
	case k.idle <- s:
	default:
		k.ctx.CloseSession(s)
	}
	return sig, nil
}

// Protection reads how the private key object is protected.
func (k *Key) Protection() (Protection, error) {
	attrs, err := k.ctx.GetAttributeValue(k.anchor, k.priv, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, nil), pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, nil),
		pkcs11.NewAttribute(pkcs11.CKA_ALWAYS_SENSITIVE, nil), pkcs11.NewAttribute(pkcs11.CKA_NEVER_EXTRACTABLE, nil)})
	if err != nil {
		return Protection{}, k.fail("reading the key's attributes", err)
	}
	b := func(i int) bool { return len(attrs[i].Value) == 1 && attrs[i].Value[0] != 0 }
	return Protection{Sensitive: b(0), Extractable: b(1), AlwaysSensitive: b(2), NeverExtractable: b(3)}, nil
}

// Close closes the Key's sessions, which logs out, and unloads the
// module when no other Key uses it.
func (k *Key) Close() error {
	k.once.Do(func() {
		for {
			select {
			case s := <-k.idle:
				k.ctx.CloseSession(s)
				continue
			default:
			}
			break
		}
		if k.anchor != 0 {
			// No C_Logout: the login is the process's, shared with any
			// other Key on the token; closing its last session ends it.
			k.ctx.CloseSession(k.anchor)
		}
		releaseModule(k.module)
	})
	return nil
}
