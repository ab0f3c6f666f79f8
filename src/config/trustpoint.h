/* A trustpoint's files, loaded: the gateway's certificate with its chain
 * and private key, and the CAs it trusts for peers. One API for the two
 * users of "crypto ca trustpoint": IKEv2 certificate authentication and
 * the remote-access headend's TLS server certificate. Validation loads
 * every trustpoint once to refuse a bad file at start; a user loads its
 * own copy when it needs the objects. */
#ifndef FP_TRUSTPOINT_H
#define FP_TRUSTPOINT_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "config/config.h"

#define FP_TRUSTPOINT_FILE_MAX (1u << 20) /* bytes in one PEM file */

struct fp_trustpoint {
	X509 *cert;                   /* the first certificate of certificate-file; NULL without */
	STACK_OF(X509) *chain;        /* the certificates after it (may be empty); NULL without */
	EVP_PKEY *key;                /* private-key-file, matching cert; NULL without */
	X509_STORE *cas;              /* ca-file's certificates; NULL without ca-file */
};

/* Loads tp's files (PEM). certificate-file and private-key-file come
 * together, the key must match the certificate, and the key file must be
 * owned by the user fpvpnd runs as with mode 0600 or stricter; a file
 * must be a regular file of FP_TRUSTPOINT_FILE_MAX bytes at most; an
 * encrypted key is refused (fpvpnd has no one to ask for its passphrase).
 * 0 with out filled (the caller frees it), or -1 with the reason in err
 * (naming the line and file, no place: the caller adds FILE:LINE) and
 * out empty. Key bytes read are wiped. */
int fp_trustpoint_load(const struct fp_cfg_trustpoint *tp, struct fp_trustpoint *out,
		       char *err, size_t errlen);
/* Frees what load filled (the key with EVP_PKEY_free, which cleanses it)
 * and empties t. NULL members are skipped. */
void fp_trustpoint_free(struct fp_trustpoint *t);

#endif
