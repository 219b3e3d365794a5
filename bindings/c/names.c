//go:build cgo

// Static strings, in C so that no Go memory is handed out.
#include "licmint.h"

const char *lm_version(void) { return LM_VERSION; }

const char *lm_result_name(lm_result r) {
	switch (r) {
	case LM_OK: return "";
	case LM_ERR_MALFORMED: return "malformed";
	case LM_ERR_TYPO: return "typo";
	case LM_ERR_UNSIGNED: return "unsigned";
	case LM_ERR_WRONG_PRODUCT: return "wrong_product";
	case LM_ERR_UNKNOWN_KEY: return "unknown_key";
	case LM_ERR_BAD_SIGNATURE: return "bad_signature";
	case LM_ERR_INSTALL_MISMATCH: return "install_mismatch";
	case LM_ERR_LIST_MALFORMED: return "list_malformed";
	case LM_ERR_LIST_UNKNOWN_KEY: return "list_unknown_key";
	case LM_ERR_LIST_BAD_SIGNATURE: return "list_bad_signature";
	case LM_ERR_LIST_WRONG_PRODUCT: return "list_wrong_product";
	case LM_ERR_LIST_REPLAYED: return "list_replayed";
	case LM_ERR_ARGUMENT: return "argument";
	case LM_ERR_HANDLE: return "handle";
	}
	return "unknown";
}

const char *lm_status_name(lm_status s) {
	static const char *const names[] = {"invalid", "valid", "expiring", "grace", "expired",
		"not_yet_valid", "revoked", "superseded", "clock_rollback"};
	if (s < 0 || s >= (lm_status)(sizeof names / sizeof names[0])) return "invalid";
	return names[s];
}
