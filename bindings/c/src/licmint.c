/*
 * The library as one translation unit, which the Makefile compiles: calls
 * from one part to another then need no relocation entries, which with
 * the symbols they name made up over a third of the static library. The
 * parts keep their own files, each a section of FORMAT.md.
 */
#define _DEFAULT_SOURCE         /* flock, fsync, mkstemp */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#define LM__PART static

#include "codes.c"
#include "catalog.c"
#include "crypto.c"
#include "curve.c"
#include "json.c"
#include "keys.c"
#include "jwt.c"
#include "state.c"
#include "verifier.c"
