/*
 * api_tls.c — TLS on torgd's own port (server.tls), for a small floor without a proxy.
 * torgd reads the certificate chain and the key itself (OpenSSL, from memory, one read
 * of each file), checks that they belong together and says in one line which file is
 * wrong; lws only gets an SSL_CTX to fill (LWS_SERVER_OPTION_CREATE_VHOST_SSL_CTX with
 * no file paths: lws then hands the vhost's SSL_CTX to the http protocol's callback,
 * LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS). On SIGHUP the files are read
 * again into a new pair and, only when that pair is whole, put into the same SSL_CTX
 * with SSL_CTX_use_cert_and_key: each connection's SSL holds its own reference to the
 * pair it was made with, so open connections keep going and new handshakes get the
 * new certificate; a bad new pair changes nothing and is logged.
 */
#include "api_int.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define TLS_FILE_MAX (1 << 20) /* a certificate chain or key file is far smaller */

/* Mozilla's "intermediate" TLS 1.2 suites (TLS 1.3 keeps OpenSSL's own list): forward
 * secret, AEAD only. */
#define TLS12_CIPHERS                                                                              \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" \
	"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

/* A certificate (the leaf), the rest of its chain and its private key. */
struct tls_pair {
	X509 *leaf;
	STACK_OF(X509) * chain;
	EVP_PKEY *key;
};

struct api_tls {
	SSL_CTX *ctx;		 /* the vhost's, owned by lws; NULL until lws made it */
	struct tls_pair pending; /* read at start, put into ctx when lws asks */
};

static void pair_free(struct tls_pair *t)
{
	X509_free(t->leaf);
	sk_X509_pop_free(t->chain, X509_free);
	EVP_PKEY_free(t->key);
	memset(t, 0, sizeof(*t));
}

/* OpenSSL's reason for the latest failure, or what when it has none. */
static const char *ssl_reason(const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	ERR_clear_error();
	return r ? r : what;
}

/* Reads the whole file at path into a memory BIO; NULL with *cause set. */
static BIO *read_file(const char *what, const char *path, char **cause)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		*cause = xasprintf("%s %s: cannot read: %s", what, path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > TLS_FILE_MAX) {
		*cause =
		    xasprintf("%s %s: not a file of at most %d bytes", what, path, TLS_FILE_MAX);
		close(fd);
		return NULL;
	}
	char *buf = xmalloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	int err = errno;
	close(fd);
	if (got < (size_t)st.st_size) {
		*cause = xasprintf("%s %s: cannot read: %s", what, path,
				   got ? "it changed while being read" : strerror(err));
		free(buf);
		return NULL;
	}
	BIO *b = BIO_new(BIO_s_mem());
	if (!b || BIO_write(b, buf, (int)got) != (int)got) {
		BIO_free(b);
		b = NULL;
		*cause = xasprintf("%s %s: out of memory", what, path);
	}
	OPENSSL_cleanse(buf, got); /* it may be the key */
	free(buf);
	return b;
}

/* A passphrase callback that gives none: torgd runs unattended and never prompts. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

/* Reads the certificate chain of cert_path into t; 0 or -EINVAL with *cause. */
static int read_chain(const char *cert_path, struct tls_pair *t, char **cause)
{
	BIO *b = read_file("server.tls.cert", cert_path, cause);
	if (!b)
		return -EINVAL;
	t->leaf = PEM_read_bio_X509(b, NULL, no_passphrase, NULL);
	if (!t->leaf) {
		*cause = xasprintf("server.tls.cert %s: no PEM certificate in it (%s)", cert_path,
				   ssl_reason("unreadable"));
		BIO_free(b);
		return -EINVAL;
	}
	t->chain = sk_X509_new_null();
	X509 *x;
	while ((x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL)))
		sk_X509_push(t->chain, x);
	unsigned long e = ERR_peek_last_error();
	bool clean = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
	BIO_free(b);
	if (e && !clean) {
		*cause = xasprintf("server.tls.cert %s: a certificate after the first is "
				   "damaged (%s)",
				   cert_path, ssl_reason("unreadable"));
		return -EINVAL;
	}
	ERR_clear_error();
	return 0;
}

/* Reads cert_path and key_path into *out and checks that the key is the certificate's;
 * 0, or -EINVAL with *cause: one line naming the file. */
static int pair_read(const char *cert_path, const char *key_path, struct tls_pair *out,
		     char **cause)
{
	struct tls_pair t = {0};
	ERR_clear_error();
	if (read_chain(cert_path, &t, cause) != 0) {
		pair_free(&t);
		return -EINVAL;
	}
	BIO *b = read_file("server.tls.key", key_path, cause);
	if (!b) {
		pair_free(&t);
		return -EINVAL;
	}
	t.key = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
	BIO_free(b);
	if (!t.key) {
		*cause = xasprintf("server.tls.key %s: no unencrypted PEM private key in it (%s)",
				   key_path, ssl_reason("unreadable"));
		pair_free(&t);
		return -EINVAL;
	}
	if (X509_check_private_key(t.leaf, t.key) != 1) {
		ERR_clear_error();
		*cause = xasprintf("server.tls.key %s: not the key of the certificate in %s",
				   key_path, cert_path);
		pair_free(&t);
		return -EINVAL;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(t.leaf)) < 0)
		log_warn("server.tls.cert %s: the certificate has expired; browsers will refuse it",
			 cert_path);
	*out = t;
	return 0;
}

/* Puts the pair into ctx (a whole new certificate, chain and key at once). */
static int pair_install(SSL_CTX *ctx, struct tls_pair *t, char **cause)
{
	if (SSL_CTX_use_cert_and_key(ctx, t->leaf, t->key, t->chain, 1) != 1) {
		*cause = xasprintf("server.tls: OpenSSL refused the certificate and key (%s)",
				   ssl_reason("unknown"));
		return -EINVAL;
	}
	return 0;
}

/* The name of a key's type for a message. */
static const char *key_kind(int id)
{
	switch (id) {
	case EVP_PKEY_RSA:
		return "RSA";
	case EVP_PKEY_EC:
		return "EC";
	case EVP_PKEY_ED25519:
		return "Ed25519";
	default:
		return OBJ_nid2sn(id);
	}
}

int api__tls_prepare(struct api *a, char **cause)
{
	if (!a->cfg->tls_cert)
		return 0;
	a->tls = xcalloc(1, sizeof(*a->tls));
	return pair_read(a->cfg->tls_cert, a->cfg->tls_key, &a->tls->pending, cause);
}

int api__tls_vhost_ctx(struct api *a, void *ssl_ctx)
{
	SSL_CTX *ctx = ssl_ctx;
	if (!a->tls || !ctx || a->tls->ctx)
		return 0;
	char *cause = NULL;
	/* TLS 1.2 and later only, no renegotiation, and HTTP/1.1 alone is offered (lws's
	 * vhost alpn): torgd is tested over HTTP/1.1 only. */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	if (SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1 ||
	    pair_install(ctx, &a->tls->pending, &cause) != 0) {
		log_err("%s", cause ? cause : "server.tls: OpenSSL refused the cipher list");
		free(cause);
		return -1;
	}
	pair_free(&a->tls->pending);
	a->tls->ctx = ctx;
	return 0;
}

bool api__tls_on(const struct api *a)
{
	return a->tls != NULL;
}

bool api__tls_ready(const struct api *a)
{
	return a->tls && a->tls->ctx;
}

int api_tls_reload(struct api *a, char **cause)
{
	*cause = NULL;
	if (!a->tls || !a->tls->ctx)
		return 1;
	struct tls_pair t;
	if (pair_read(a->cfg->tls_cert, a->cfg->tls_key, &t, cause) != 0)
		return -EINVAL;
	/* OpenSSL keeps one certificate per key type: a new EC pair beside a running RSA one
	 * would leave the old RSA certificate served to some clients. */
	X509 *now = SSL_CTX_get0_certificate(a->tls->ctx);
	EVP_PKEY *now_key = now ? X509_get0_pubkey(now) : NULL;
	if (now_key && EVP_PKEY_get_base_id(now_key) != EVP_PKEY_get_base_id(t.key)) {
		*cause = xasprintf("server.tls.key %s: a key of another type (%s) than the "
				   "running one (%s); restart torgd to change the key type",
				   a->cfg->tls_key, key_kind(EVP_PKEY_get_base_id(t.key)),
				   key_kind(EVP_PKEY_get_base_id(now_key)));
		pair_free(&t);
		return -EINVAL;
	}
	int rc = pair_install(a->tls->ctx, &t, cause);
	pair_free(&t); /* the ctx holds its own references */
	return rc;
}

void api__tls_free(struct api *a)
{
	if (!a->tls)
		return;
	pair_free(&a->tls->pending);
	free(a->tls);
	a->tls = NULL;
}
