package main

import "time"

// now is the clock every command reads for "today": the default issue day,
// the day a code is checked on and the time in a renewal request. Only the
// tests replace it, in-process, to prove that no script depends on the day
// it runs.
var now = time.Now
