//go:build !unix

package js_test

// cpuTime reports 0 where the CPU time is not at hand; BenchmarkNodeVsGo's
// CPU figures then read 0.
func cpuTime() int64 { return 0 }
