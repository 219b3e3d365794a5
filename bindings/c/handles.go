package main

import (
	"sync"

	"github.com/licmint/licmint/formats/catalog"
	"github.com/licmint/licmint/verifier"
)

// handle is a verifier as C holds it, with the latest failure on it.
type handle struct {
	v        *verifier.Verifier // nil if lm_verifier_new failed
	editions [256][]string      // each edition's features, in bit order

	mu  sync.Mutex
	msg string
}

func (h *handle) fail(err error) {
	h.mu.Lock()
	h.msg = err.Error()
	h.mu.Unlock()
}

func (h *handle) message() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.msg
}

func (h *handle) features(edition uint8) []string { return h.editions[edition] }

func (h *handle) setCatalog(p *catalog.Product) {
	for _, e := range p.Editions {
		h.editions[e.Number] = e.Features
	}
}

// table holds the live handles by id. Ids are never reused, so a freed
// handle stays unknown.
type table struct {
	mu   sync.RWMutex
	m    map[uintptr]*handle
	next uintptr
}

var handles = table{m: map[uintptr]*handle{}}

// idStep spaces ids out so that a handle is never a small integer that a
// C caller could pass by mistake, such as 1 for true.
const idStep = 0x10

func (t *table) add(h *handle) uintptr {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.next += idStep
	if t.next < 0x10000 {
		t.next = 0x10000
	}
	t.m[t.next] = h
	return t.next
}

func (t *table) get(id uintptr) *handle {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.m[id]
}

func (t *table) remove(id uintptr) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, id)
}
