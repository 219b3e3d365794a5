/*
 * ProcessPrng, which Go's runtime (1.22 and later) loads from
 * bcryptprimitives.dll at start-up on Windows 10 and later. Wine 8 (Debian
 * 12) has no such DLL, so the Go test binary cannot start under it;
 * wine-check.sh puts this one into the Wine prefix's system32, and only
 * there. It draws on RtlGenRandom (advapi32's SystemFunction036), as
 * Windows' own did before. The licmint library never calls it.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!SystemFunction036(data, n)) return FALSE;
		data += n, len -= n;
	}
	return TRUE;
}
