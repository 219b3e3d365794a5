// Package python holds the Go test that runs the Python verifier's suite
// (bindings/python/tests, with pytest) and README's Python example, so
// that `go test ./...` checks the Python package as it checks the Go one.
package python
