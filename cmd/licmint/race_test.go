//go:build race

package main

// raceEnabled tells whether the race detector is on, which multiplies
// the memory of the licmint processes that the tests start.
const raceEnabled = true
