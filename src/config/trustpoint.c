/* Loading a trustpoint's PEM files with OpenSSL: read each file whole
 * (bounded, never blocking on a FIFO or a device), check the key file's
 * owner and mode on the descriptor that is read (no race with a rename),
 * parse, then check that the key matches the certificate. Each step
 * returns -1 with the reason; the caller names the configuration line. */
#include "config/trustpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The file read into memory: owned by the caller (tp_buf_free). */
struct tp_buf {
	char *data;
	size_t len;
};

static int tp_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int tp_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static void tp_buf_free(struct tp_buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->len);
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

/* A private key is readable by its owner only, and the owner is who
 * fpvpnd runs as: anyone else who can read it can impersonate us. */
static int tp_key_mode(const char *path, const struct stat *st, char *err, size_t errlen)
{
	if (st->st_mode & 0177)
		return tp_err(err, errlen, "private-key-file %s: mode %04o: must be 0600 or "
			      "stricter (chmod 600 %s)", path, (unsigned)(st->st_mode & 07777), path);
	if (st->st_uid != geteuid())
		return tp_err(err, errlen, "private-key-file %s: owned by uid %u, but fpvpnd runs "
			      "as uid %u", path, (unsigned)st->st_uid, (unsigned)geteuid());
	return 0;
}

static int tp_read_fd(int fd, const char *what, const char *path, struct tp_buf *b,
		      char *err, size_t errlen)
{
	b->data = malloc(FP_TRUSTPOINT_FILE_MAX + 1);
	if (!b->data)
		return tp_err(err, errlen, "%s %s: out of memory", what, path);
	for (;;) {
		ssize_t n = read(fd, b->data + b->len, FP_TRUSTPOINT_FILE_MAX + 1 - b->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return tp_err(err, errlen, "%s %s: %s", what, path, strerror(errno));
		if (n == 0)
			return 0;
		b->len += (size_t)n;
		if (b->len > FP_TRUSTPOINT_FILE_MAX)
			return tp_err(err, errlen, "%s %s: longer than %u bytes", what, path,
				      FP_TRUSTPOINT_FILE_MAX);
	}
}

/* what: the line's keyword, for errors. O_NONBLOCK: a FIFO must not hang
 * validation (it is refused as not a regular file right after). */
static int tp_read(const char *what, const char *path, bool key, struct tp_buf *b,
		   char *err, size_t errlen)
{
	struct stat st;
	int rc = -1, fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	memset(b, 0, sizeof(*b));
	if (fd < 0)
		return tp_err(err, errlen, "%s %s: cannot open: %s", what, path, strerror(errno));
	if (fstat(fd, &st) < 0)
		tp_err(err, errlen, "%s %s: %s", what, path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		tp_err(err, errlen, "%s %s: not a regular file", what, path);
	else if (!key || tp_key_mode(path, &st, err, errlen) == 0)
		rc = tp_read_fd(fd, what, path, b, err, errlen);
	close(fd);
	if (rc < 0)
		tp_buf_free(b);
	return rc;
}

/* OpenSSL's reason for the last failure, for the message; the queue is
 * emptied so that the next load starts clean. */
static const char *tp_ssl_reason(char *buf, size_t n)
{
	unsigned long e = ERR_peek_last_error();
	if (e)
		ERR_error_string_n(e, buf, n);
	else
		snprintf(buf, n, "no PEM data");
	ERR_clear_error();
	return buf;
}

/* Every certificate of a PEM buffer, in order; -1 when none parses. */
static int tp_certs(const struct tp_buf *b, STACK_OF(X509) *out)
{
	BIO *bio = BIO_new_mem_buf(b->data, (int)b->len);
	X509 *x;
	if (!bio)
		return -1;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
		if (!sk_X509_push(out, x)) {
			X509_free(x);
			break;
		}
	BIO_free(bio);
	if (sk_X509_num(out) == 0)
		return -1;
	ERR_clear_error(); /* the end of the data is reported as an error */
	return 0;
}

static int tp_load_certs(const struct fp_cfg_trustpoint *tp, struct fp_trustpoint *out,
			 char *err, size_t errlen)
{
	struct tp_buf b;
	char why[160];
	if (tp_read("certificate-file", tp->cert_file, false, &b, err, errlen) < 0)
		return -1;
	out->chain = sk_X509_new_null();
	int rc = out->chain ? tp_certs(&b, out->chain) : -1;
	tp_buf_free(&b);
	if (rc < 0)
		return tp_err(err, errlen, "certificate-file %s: no PEM certificate (%s)",
			      tp->cert_file, tp_ssl_reason(why, sizeof(why)));
	out->cert = sk_X509_shift(out->chain);
	return 0;
}

/* An encrypted key asks for a passphrase: there is no one to ask. */
static int tp_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

static int tp_load_key(const struct fp_cfg_trustpoint *tp, struct fp_trustpoint *out,
		       char *err, size_t errlen)
{
	struct tp_buf b;
	char why[160];
	if (tp_read("private-key-file", tp->key_file, true, &b, err, errlen) < 0)
		return -1;
	BIO *bio = BIO_new_mem_buf(b.data, (int)b.len);
	if (bio)
		out->key = PEM_read_bio_PrivateKey(bio, NULL, tp_no_passphrase, NULL);
	BIO_free(bio);
	tp_buf_free(&b);
	if (!out->key)
		return tp_err(err, errlen, "private-key-file %s: no unencrypted PEM private key "
			      "(%s)", tp->key_file, tp_ssl_reason(why, sizeof(why)));
	if (X509_check_private_key(out->cert, out->key) != 1) {
		ERR_clear_error();
		return tp_err(err, errlen, "private-key-file %s does not match the certificate "
			      "of certificate-file %s", tp->key_file, tp->cert_file);
	}
	return 0;
}

static int tp_load_cas(const struct fp_cfg_trustpoint *tp, struct fp_trustpoint *out,
		       char *err, size_t errlen)
{
	struct tp_buf b;
	char why[160];
	STACK_OF(X509) *cas = sk_X509_new_null();
	int rc = -1;
	if (!cas || tp_read("ca-file", tp->ca_file, false, &b, err, errlen) < 0) {
		sk_X509_free(cas);
		return -1;
	}
	if (tp_certs(&b, cas) < 0)
		tp_err(err, errlen, "ca-file %s: no PEM certificate (%s)", tp->ca_file,
		       tp_ssl_reason(why, sizeof(why)));
	else if ((out->cas = X509_STORE_new()))
		rc = 0;
	for (int i = 0; rc == 0 && i < sk_X509_num(cas); i++)
		if (X509_STORE_add_cert(out->cas, sk_X509_value(cas, i)) != 1)
			rc = tp_err(err, errlen, "ca-file %s: certificate %d: %s", tp->ca_file,
				    i + 1, tp_ssl_reason(why, sizeof(why)));
	sk_X509_pop_free(cas, X509_free); /* the store holds its own references */
	tp_buf_free(&b);
	return rc;
}

int fp_trustpoint_load(const struct fp_cfg_trustpoint *tp, struct fp_trustpoint *out,
		       char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	int rc = 0;
	if (!tp->cert_file[0] != !tp->key_file[0])
		rc = tp_err(err, errlen, "%s without %s: the two come together",
			    tp->cert_file[0] ? "certificate-file" : "private-key-file",
			    tp->cert_file[0] ? "private-key-file" : "certificate-file");
	if (rc == 0 && tp->cert_file[0])
		rc = tp_load_certs(tp, out, err, errlen) < 0 ? -1 : tp_load_key(tp, out, err, errlen);
	if (rc == 0 && tp->ca_file[0])
		rc = tp_load_cas(tp, out, err, errlen);
	if (rc < 0)
		fp_trustpoint_free(out);
	return rc;
}

void fp_trustpoint_free(struct fp_trustpoint *t)
{
	X509_free(t->cert);
	sk_X509_pop_free(t->chain, X509_free);
	EVP_PKEY_free(t->key);
	X509_STORE_free(t->cas);
	memset(t, 0, sizeof(*t));
}
