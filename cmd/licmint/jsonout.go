package main

import (
	"bytes"
	"encoding/json"
)

// jsonMarshal is json.MarshalIndent without HTML escaping, so that codes
// and messages print as they are.
func jsonMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
