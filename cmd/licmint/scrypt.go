package main

import "filippo.io/age"

// scryptWorkFactor is the log2 of the scrypt work factor of the keys keygen
// encrypts with a passphrase; 0 leaves age's default, which takes about a
// second each way on purpose. Only the tests lower it, in-process, as they
// set the clock: a passphrase-protected key file always gets the default.
var scryptWorkFactor = 0

// passphraseRecipient returns the age recipient that encrypts a key file
// with passphrase p.
func passphraseRecipient(p string) (*age.ScryptRecipient, error) {
	r, err := age.NewScryptRecipient(p)
	if err != nil {
		return nil, err
	}
	if scryptWorkFactor > 0 {
		r.SetWorkFactor(scryptWorkFactor)
	}
	return r, nil
}
