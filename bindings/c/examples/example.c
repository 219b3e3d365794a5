// Verify an Activation Code from C: cc example.c $(pkg-config --cflags --libs licmint)
// ./a.out PUBLIC_KEY_HEX CODE
#include <stdio.h>
#include <string.h>
#include "licmint.h"

int main(int argc, char **argv) {
	lm_key key = {.id = 1}; /* the vendor public key with id 1, given in hex */
	if (argc < 3 || strlen(argv[1]) != 64) return 2;
	for (int i = 0; i < 32; i++) sscanf(argv[1] + 2 * i, "%2hhx", &key.public_key[i]);
	lm_options opts = {.install_id = NULL, .state_path = NULL}; /* zero: defaults */
	lm_verifier *v;
	char msg[256];
	if (lm_verifier_new("PC", &key, 1, &opts, &v) != LM_OK) {
		lm_error_message(v, msg, sizeof msg);
		fprintf(stderr, "licmint: %s\n", msg);
		lm_verifier_free(v);
		return 1;
	}
	lm_license lic;
	lm_result r = lm_verify(v, argv[2], strlen(argv[2]), &lic);
	if (r != LM_OK) {
		lm_error_message(v, msg, sizeof msg);
		printf("%s: %s\n", lm_result_name(r), msg);
	} else {
		int update = lm_feature_bit(v, lic.edition_number, "update");
		printf("%s %s, %d days left, update %s\n", lm_status_name(lic.status), lic.edition, lic.days_left,
		       update >= 0 && (lic.features >> update & 1) ? "on" : "off");
	}
	lm_verifier_free(v);
	return r == LM_OK && lic.status >= LM_STATUS_VALID && lic.status <= LM_STATUS_GRACE ? 0 : 1;
}
