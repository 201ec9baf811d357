/* Trustpoint files: identity key pairs (generated or administered), CA
 * certificates and CRLs.
 *
 * Generated identities (the temporary certificate, enrollment self) live in
 * <state-dir>/identity as one PEM file holding key and certificate.  Phones
 * pin the SHA-1 of the identity certificate (CUCM's certHash), so once such a
 * file exists it is the identity: it is loaded, never silently replaced, and
 * a damaged one is an error that tells the administrator what to do.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "sslvpnd/log.h"
#include "sslvpnd/tls.h"
#include "sslvpnd/util.h"
#include "identity.h"

#define IDENTITY_DIR "identity"
#define TEMP_FILE "temporary-rsa.pem"
#define TEMP_FILE_EC "temporary-ec.pem"
#define TEMP_OWNER "temporary"

enum {
	TEMP_RSA_BITS = 2048,
	RSA_MIN_BITS = 2048, /* below this security level 2 refuses the key */
	RSA_MAX_BITS = 8192,
	IDENTITY_DAYS =
		3650, /* 10 years, like the ASA's self-signed certificates */
	SERIAL_BYTES = 16,
	SUBJECT_MAX = 256,
	PATH_BUF = CFG_PATH_MAX + CFG_NAME_MAX + 32,
};

/* What a generated identity looks like. */
struct genspec {
	const char *owner; /* trustpoint name, for messages */
	const char *subject; /* "CN=...,O=..." */
	enum cfg_key_type type;
	int bits; /* RSA modulus or EC curve size */
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int read_ca_certs(const struct cfg_trustpoint *tp, STACK_OF(X509) *sk,
			 char *err, size_t errlen);
static int fail_ssl(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	ERR_clear_error();
	return -1;
}

/* As fail, with OpenSSL's reason appended: the file-level message alone
 * rarely says what is wrong inside the file. */
static int fail_ssl(char *err, size_t errlen, const char *fmt, ...)
{
	char why[256];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	tls_error_string(why, sizeof(why));
	n = strlen(err);
	if (why[0] && n + 1 < errlen)
		snprintf(err + n, errlen - n, " (%s)", why);
	return -1;
}

/* Keys are read by a daemon: never prompt on a terminal for a pass phrase. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

static void time_str(const ASN1_TIME *t, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n = 0;

	if (b && ASN1_TIME_print(b, t))
		n = BIO_read(b, buf, (int)len - 1);
	buf[n > 0 ? n : 0] = '\0';
	BIO_free(b);
}

/* ---- reading */

/* PEM readers end with "no start line" at the end of the file; anything
 * else left on the error queue means a damaged block. */
static int at_pem_end(void)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0 || (ERR_GET_LIB(e) == ERR_LIB_PEM &&
		       ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
		ERR_clear_error();
		return 1;
	}
	return 0;
}

static BIO *open_bio(const char *owner, const char *path, char *err,
		     size_t errlen)
{
	FILE *fp = fopen(path, "re");
	BIO *b;

	if (!fp) {
		fail(err, errlen, "trustpoint %s: %s: %s", owner, path,
		     strerror(errno));
		return NULL;
	}
	b = BIO_new_fp(fp, BIO_CLOSE);
	if (!b) {
		fclose(fp);
		fail_ssl(err, errlen, "trustpoint %s: %s: out of memory", owner,
			 path);
	}
	return b;
}

/* Every certificate of a PEM file (in order), or the one certificate of a
 * DER file: Windows CAs hand out DER-encoded .cer files. */
static int read_certs(const char *owner, const char *path, STACK_OF(X509) *sk,
		      char *err, size_t errlen)
{
	BIO *b = open_bio(owner, path, err, errlen);
	X509 *x;
	int n = 0, ok;

	if (!b)
		return -1;
	ERR_clear_error();
	while ((x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL)) != NULL) {
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			break;
		}
		n++;
	}
	ok = at_pem_end();
	if (ok && n == 0 && BIO_reset(b) == 0 &&
	    (x = d2i_X509_bio(b, NULL)) != NULL) {
		if (sk_X509_push(sk, x))
			n++;
		else
			X509_free(x);
	}
	BIO_free(b);
	if (!ok)
		return fail_ssl(err, errlen,
				"trustpoint %s: %s: damaged certificate", owner,
				path);
	if (n == 0)
		return fail(err, errlen, "trustpoint %s: %s: no certificate",
			    owner, path);
	return 0;
}

static int read_crls(const char *owner, const char *path,
		     STACK_OF(X509_CRL) *sk, char *err, size_t errlen)
{
	BIO *b = open_bio(owner, path, err, errlen);
	X509_CRL *c;
	int n = 0, ok;

	if (!b)
		return -1;
	ERR_clear_error();
	while ((c = PEM_read_bio_X509_CRL(b, NULL, no_passphrase, NULL))) {
		if (!sk_X509_CRL_push(sk, c)) {
			X509_CRL_free(c);
			break;
		}
		n++;
	}
	ok = at_pem_end();
	if (ok && n == 0 && BIO_reset(b) == 0 &&
	    (c = d2i_X509_CRL_bio(b, NULL)) != NULL) {
		if (sk_X509_CRL_push(sk, c))
			n++;
		else
			X509_CRL_free(c);
	}
	BIO_free(b);
	if (!ok)
		return fail_ssl(err, errlen, "trustpoint %s: CRL %s is damaged",
				owner, path);
	if (n == 0)
		return fail(err, errlen, "trustpoint %s: CRL %s: no CRL", owner,
			    path);
	return 0;
}

/* Files holding a private key go through a stdio buffer of ours that is
 * wiped after use: libc would free its own with the key's PEM text in it. */
static FILE *key_fopen(const char *path, char *vbuf, size_t len)
{
	FILE *fp = fopen(path, "re");

	if (fp && setvbuf(fp, vbuf, _IOFBF, len) != 0) {
		fclose(fp);
		errno = ENOMEM;
		return NULL;
	}
	return fp;
}

static void key_fclose(FILE *fp, char *vbuf, size_t len)
{
	fclose(fp);
	explicit_bzero(vbuf, len);
}

static int read_key(const char *owner, const char *path, EVP_PKEY **key,
		    char *err, size_t errlen)
{
	char vbuf[BUFSIZ];
	FILE *fp = key_fopen(path, vbuf, sizeof(vbuf));

	if (!fp)
		return fail(err, errlen, "trustpoint %s: %s: %s", owner, path,
			    strerror(errno));
	ERR_clear_error();
	*key = PEM_read_PrivateKey(fp, NULL, no_passphrase, NULL);
	key_fclose(fp, vbuf, sizeof(vbuf));
	if (!*key)
		return fail_ssl(
			err, errlen,
			"trustpoint %s: %s: no usable private key (encrypted keys are not supported)",
			owner, path);
	return 0;
}

/* identity_certs_only (a worker: tls_keys_remote): no private key is
 * read at all.  A generated identity file holds the key too; its key
 * block is skipped as text, line by line, and never decoded. */
static int certs_only;

void identity_certs_only(void)
{
	certs_only = 1;
}

/* The certificate blocks of fp into a memory BIO (NULL: none, or out of
 * memory).  Every line passes through line[], wiped at the end. */
static BIO *cert_blocks(FILE *fp)
{
	char line[256];
	BIO *b = BIO_new(BIO_s_mem());
	int in = 0, ok = b != NULL;

	while (ok && fgets(line, sizeof(line), fp)) {
		if (!in && strncmp(line, "-----BEGIN CERTIFICATE-----", 27) == 0)
			in = 1;
		if (in)
			ok = BIO_puts(b, line) > 0;
		if (in && strncmp(line, "-----END CERTIFICATE-----", 25) == 0)
			in = 0;
	}
	explicit_bzero(line, sizeof(line));
	if (!ok) {
		BIO_free(b);
		return NULL;
	}
	return b;
}

/* The certificate of a generated identity file, its key left unread. */
static int read_pair_cert(FILE *fp, X509 **cert)
{
	BIO *b = cert_blocks(fp);

	*cert = b ? PEM_read_bio_X509(b, NULL, no_passphrase, NULL) : NULL;
	BIO_free(b);
	return *cert ? 0 : -1;
}

/* A generated identity file: key and certificate in one PEM file.
 * Returns 0 loaded, 1 absent, -1 error. */
static int read_pair(const char *owner, const char *path, X509 **cert,
		     EVP_PKEY **key, char *err, size_t errlen)
{
	char vbuf[BUFSIZ];
	FILE *fp = key_fopen(path, vbuf, sizeof(vbuf));

	if (!fp && errno == ENOENT)
		return 1;
	if (!fp)
		return fail(err, errlen, "trustpoint %s: identity file %s: %s",
			    owner, path, strerror(errno));
	ERR_clear_error();
	if (certs_only) {
		int rc = read_pair_cert(fp, cert);

		key_fclose(fp, vbuf, sizeof(vbuf));
		if (rc == 0)
			return 0;
		return fail_ssl(err, errlen, "trustpoint %s: identity file %s: no certificate",
				owner, path);
	}
	*key = PEM_read_PrivateKey(fp, NULL, no_passphrase, NULL);
	rewind(fp);
	*cert = PEM_read_X509(fp, NULL, no_passphrase, NULL);
	key_fclose(fp, vbuf, sizeof(vbuf));
	if (*key && *cert && X509_check_private_key(*cert, *key)) {
		ERR_clear_error();
		return 0;
	}
	X509_free(*cert);
	EVP_PKEY_free(*key);
	*cert = NULL;
	*key = NULL;
	/* Regenerating would change the SHA-1 every phone has pinned: only
	 * the administrator may decide that. */
	return fail_ssl(
		err, errlen,
		"trustpoint %s: identity file %s is corrupt (needs a private key and its certificate); restore it, "
		"or delete it to generate a new identity (its SHA-1 changes: update the phones' certHash)",
		owner, path);
}

/* ---- generating */

static EVP_PKEY *make_key(const struct genspec *g)
{
	if (g->type == CFG_KEY_EC)
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC",
					 g->bits == 521 ? "P-521" :
					 g->bits == 384 ? "P-384" :
							  "P-256");
	return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)g->bits);
}

static int add_rdn(X509_NAME *n, char *rdn)
{
	char *eq = strchr(rdn, '=');
	char *end;

	if (!eq || eq == rdn || eq[1] == '\0')
		return -1;
	for (end = eq; end > rdn && end[-1] == ' '; end--)
		;
	*end = '\0';
	return X509_NAME_add_entry_by_txt(n, rdn, MBSTRING_UTF8,
					  (unsigned char *)eq + 1, -1, -1, 0) ?
		       0 :
		       -1;
}

/* The ASA's subject-name syntax: "CN=vpn.example.com,O=Example,C=US", RDNs
 * in the order written; a comma inside a value is escaped as "\,". */
static X509_NAME *parse_subject(const char *s)
{
	X509_NAME *n = X509_NAME_new();
	char rdn[SUBJECT_MAX];
	size_t len;

	while (n && *s) {
		while (*s == ' ')
			s++;
		for (len = 0; *s && *s != ','; s++) {
			if (*s == '\\' && s[1])
				s++;
			if (len + 1 >= sizeof(rdn))
				goto bad;
			rdn[len++] = *s;
		}
		rdn[len] = '\0';
		if (*s == ',')
			s++;
		if (add_rdn(n, rdn) < 0)
			goto bad;
	}
	if (n && X509_NAME_entry_count(n) > 0)
		return n;
bad:
	X509_NAME_free(n);
	return NULL;
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!ext)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* keyEncipherment only means something for RSA key transport; an EC
 * certificate that claims it confuses strict clients. */
static int add_server_exts(X509 *x, enum cfg_key_type type)
{
	const char *ku = type == CFG_KEY_EC ?
				 "critical,digitalSignature" :
				 "critical,digitalSignature,keyEncipherment";

	return add_ext(x, NID_basic_constraints, "critical,CA:FALSE") &&
	       add_ext(x, NID_key_usage, ku) &&
	       add_ext(x, NID_ext_key_usage, "serverAuth") &&
	       add_ext(x, NID_subject_key_identifier, "hash");
}

/* Random, positive, always SERIAL_BYTES long (RFC 5280 4.1.2.2). */
static int set_random_serial(X509 *x)
{
	unsigned char r[SERIAL_BYTES];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return 0;
	r[0] = (unsigned char)((r[0] & 0x7f) | 0x40);
	bn = BN_bin2bn(r, sizeof(r), NULL);
	ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	return ok;
}

static X509 *make_cert(EVP_PKEY *key, const X509_NAME *name,
		       enum cfg_key_type type)
{
	X509 *x = X509_new();

	if (x && X509_set_version(x, X509_VERSION_3) && set_random_serial(x) &&
	    X509_set_subject_name(x, name) && X509_set_issuer_name(x, name) &&
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
	    X509_time_adj_ex(X509_getm_notAfter(x), IDENTITY_DAYS, 0, NULL) &&
	    X509_set_pubkey(x, key) && add_server_exts(x, type) &&
	    X509_sign(x, key, EVP_sha256()))
		return x;
	X509_free(x);
	return NULL;
}

static int ensure_dir(const char *owner, const char *dir, char *err,
		      size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0 || errno == EEXIST) {
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			return 0;
		errno = ENOTDIR;
	}
	return fail(err, errlen, "trustpoint %s: cannot create %s: %s", owner,
		    dir, strerror(errno));
}

/* The rename/link must survive a crash too, not only the file content. */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

static int write_pem(int fd, EVP_PKEY *key, X509 *cert)
{
	char vbuf[BUFSIZ];
	FILE *fp;
	int ok;

	if (fchmod(fd, 0600) < 0 || !(fp = fdopen(fd, "w"))) {
		close(fd);
		return -1;
	}
	ok = setvbuf(fp, vbuf, _IOFBF, sizeof(vbuf)) == 0 &&
	     PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL) &&
	     PEM_write_X509(fp, cert) && fflush(fp) == 0 && fsync(fd) == 0;
	if (fclose(fp) != 0)
		ok = 0;
	explicit_bzero(vbuf, sizeof(vbuf));
	return ok ? 0 : -1;
}

/* Write key + certificate to a temporary file, fsync it, then publish it
 * under path.  link() rather than rename(): when two processes generate at
 * once (workers starting together) the first one published wins and the
 * other loads it, so every process presents the same certificate.
 * Returns 0 published, 1 somebody else published first, -1 error. */
static int publish_pair(const char *owner, const char *dir, const char *path,
			EVP_PKEY *key, X509 *cert, char *err, size_t errlen)
{
	char tmp[PATH_BUF + 8];
	int fd, rc;

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, "trustpoint %s: cannot create %s: %s",
			    owner, tmp, strerror(errno));
	if (write_pem(fd, key, cert) < 0) {
		rc = fail(err, errlen, "trustpoint %s: cannot write %s: %s",
			  owner, tmp, strerror(errno));
	} else if (link(tmp, path) == 0) {
		rc = 0;
	} else if (errno == EEXIST) {
		rc = 1;
	} else if (rename(tmp, path) == 0) {
		/* a file system without hard links: last writer wins */
		rc = 0;
	} else {
		rc = fail(err, errlen, "trustpoint %s: cannot create %s: %s",
			  owner, path, strerror(errno));
	}
	unlink(tmp);
	if (rc == 0)
		sync_dir(dir);
	return rc;
}

/* Returns 0 generated and published, 1 lost the race, -1 error. */
static int generate(const struct genspec *g, const char *dir,
		    struct identity *id, char *err, size_t errlen)
{
	X509_NAME *name = parse_subject(g->subject);
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int rc;

	if (!name)
		return fail(err, errlen,
			    "trustpoint %s: bad subject-name \"%s\"", g->owner,
			    g->subject);
	rc = ensure_dir(g->owner, dir, err, errlen);
	if (rc == 0 &&
	    (!(key = make_key(g)) || !(cert = make_cert(key, name, g->type))))
		rc = fail_ssl(err, errlen,
			      "trustpoint %s: cannot generate the identity",
			      g->owner);
	if (rc == 0)
		rc = publish_pair(g->owner, dir, id->path, key, cert, err,
				  errlen);
	X509_NAME_free(name);
	if (rc != 0) {
		X509_free(cert);
		EVP_PKEY_free(key);
		return rc;
	}
	id->cert = cert;
	id->key = key;
	id->generated = 1;
	return 0;
}

static int load_or_generate(const char *state_dir, const char *file,
			    const struct genspec *g, struct identity *id,
			    char *err, size_t errlen)
{
	char dir[PATH_BUF];
	int n, rc, attempt;

	n = snprintf(dir, sizeof(dir), "%s/" IDENTITY_DIR, state_dir);
	if (n < 0 || (size_t)n >= sizeof(dir) ||
	    (size_t)snprintf(id->path, sizeof(id->path), "%s/%s", dir, file) >=
		    sizeof(id->path))
		return fail(err, errlen,
			    "trustpoint %s: state directory %s: path too long",
			    g->owner, state_dir);
	for (attempt = 0; attempt < 2; attempt++) {
		rc = read_pair(g->owner, id->path, &id->cert, &id->key, err,
			       errlen);
		if (rc <= 0)
			return rc;
		if (certs_only) /* main generates identities before workers start */
			return fail(err, errlen, "trustpoint %s: identity file %s is missing",
				    g->owner, id->path);
		rc = generate(g, dir, id, err, errlen);
		if (rc <= 0)
			return rc;
	}
	return fail(err, errlen, "trustpoint %s: %s keeps changing", g->owner,
		    id->path);
}

/* ---- checks */

static int check_dates(X509 *cert, const char *owner, const char *path,
		       char *err, size_t errlen)
{
	char when[64];

	if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0) {
		time_str(X509_get0_notBefore(cert), when, sizeof(when));
		return fail(
			err, errlen,
			"trustpoint %s: certificate %s is not valid before %s (check the clock)",
			owner, path, when);
	}
	if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0) {
		time_str(X509_get0_notAfter(cert), when, sizeof(when));
		return fail(err, errlen,
			    "trustpoint %s: certificate %s expired on %s",
			    owner, path, when);
	}
	return 0;
}

static int key_matches(EVP_PKEY *key, const struct genspec *g)
{
	int want = g->type == CFG_KEY_EC ? EVP_PKEY_EC : EVP_PKEY_RSA;

	return EVP_PKEY_get_base_id(key) == want &&
	       (g->type == CFG_KEY_EC || EVP_PKEY_get_bits(key) == g->bits);
}

/* The configuration changed after the identity was generated.  The file
 * still wins: replacing it would break every phone that pinned it. */
static void warn_if_stale(const struct genspec *g, const struct identity *id)
{
	X509_NAME *want = parse_subject(g->subject);
	char msg[CFG_PATH_MAX + 192];

	if (!want || X509_NAME_cmp(want, X509_get_subject_name(id->cert)) ||
	    !key_matches(X509_get0_pubkey(id->cert), g)) {
		snprintf(msg, sizeof(msg),
			 "%s was generated for another subject-name or key; keeping it "
			 "(phones pin its SHA-1): delete it to generate a new identity",
			 id->path);
		log_event(LM_TRUSTPOINT_WARNING, g->owner, msg);
	}
	X509_NAME_free(want);
}

/* ---- identities */

static int self_spec(const struct cfg_trustpoint *tp, struct genspec *g,
		     char *subject, size_t len, char *err, size_t errlen)
{
	char host[SUBJECT_MAX - 4];

	g->owner = tp->name;
	g->type = tp->key_type == CFG_KEY_EC ? CFG_KEY_EC : CFG_KEY_RSA;
	g->bits = tp->key_size ? tp->key_size :
				 (g->type == CFG_KEY_EC ? 256 : TEMP_RSA_BITS);
	if (g->type == CFG_KEY_EC && g->bits != 256 && g->bits != 384 &&
	    g->bits != 521)
		return fail(err, errlen,
			    "trustpoint %s: EC key-size %d (256, 384 or 521)",
			    tp->name, g->bits);
	if (g->type == CFG_KEY_RSA &&
	    (g->bits < RSA_MIN_BITS || g->bits > RSA_MAX_BITS))
		return fail(err, errlen,
			    "trustpoint %s: RSA key-size %d (%d..%d)", tp->name,
			    g->bits, RSA_MIN_BITS, RSA_MAX_BITS);
	/* The ASA's default subject is its host name. */
	if (tp->subject_name[0]) {
		util_strlcpy(subject, tp->subject_name, len);
	} else {
		if (gethostname(host, sizeof(host)) < 0)
			util_strlcpy(host, "sslvpnd", sizeof(host));
		host[sizeof(host) - 1] = '\0';
		snprintf(subject, len, "CN=%s", host);
	}
	g->subject = subject;
	return 0;
}

/* enrollment self: <state-dir>/identity/<trustpoint>.pem */
static int load_self(const struct sslvpnd_config *cfg,
		     const struct cfg_trustpoint *tp, struct identity *id,
		     char *err, size_t errlen)
{
	char subject[SUBJECT_MAX], file[CFG_NAME_MAX + 8];
	struct genspec g;

	/* the name becomes a file name: no path tricks */
	if (!tp->name[0] || tp->name[0] == '.' || strchr(tp->name, '/'))
		return fail(
			err, errlen,
			"trustpoint \"%s\": name cannot be used as a file name",
			tp->name);
	if (self_spec(tp, &g, subject, sizeof(subject), err, errlen) < 0)
		return -1;
	snprintf(file, sizeof(file), "%s.pem", tp->name);
	if (load_or_generate(cfg->general.state_dir, file, &g, id, err,
			     errlen) < 0)
		return -1;
	if (!id->generated)
		warn_if_stale(&g, id);
	return 0;
}

/* enrollment file: the key, and the leaf followed by its chain */
static int load_file(const struct cfg_trustpoint *tp, struct identity *id,
		     char *err, size_t errlen)
{
	STACK_OF(X509) *sk = sk_X509_new_null();

	if (!sk)
		return fail(err, errlen, "out of memory");
	if (!tp->certificate[0] || !tp->key[0]) {
		sk_X509_free(sk);
		return fail(
			err, errlen,
			"trustpoint %s: enrollment file needs certificate and key",
			tp->name);
	}
	if (read_certs(tp->name, tp->certificate, sk, err, errlen) < 0 ||
	    (!certs_only && read_key(tp->name, tp->key, &id->key, err, errlen) < 0)) {
		sk_X509_pop_free(sk, X509_free);
		return -1;
	}
	id->cert = sk_X509_shift(sk);
	if (sk_X509_num(sk) > 0)
		id->chain = sk;
	else
		sk_X509_free(sk);
	util_strlcpy(id->path, tp->certificate, sizeof(id->path));
	if (!certs_only && !X509_check_private_key(id->cert, id->key))
		return fail(
			err, errlen,
			"trustpoint %s: key %s does not match certificate %s",
			tp->name, tp->key, tp->certificate);
	return 0;
}

/* The file of a generated identity: <state-dir>/identity/<file> */
static int pair_path(const char *state_dir, const char *owner,
		     const char *file, char *path, size_t len, char *err,
		     size_t errlen)
{
	if ((size_t)snprintf(path, len, "%s/" IDENTITY_DIR "/%s", state_dir,
			     file) >= len)
		return fail(err, errlen,
			    "trustpoint %s: state directory %s: path too long",
			    owner, state_dir);
	return 0;
}

static int self_file(const struct cfg_trustpoint *tp, char *file, size_t len,
		     char *err, size_t errlen)
{
	if (!tp->name[0] || tp->name[0] == '.' || strchr(tp->name, '/'))
		return fail(
			err, errlen,
			"trustpoint \"%s\": name cannot be used as a file name",
			tp->name);
	snprintf(file, len, "%s.pem", tp->name);
	return 0;
}

/* The identity's files as they are: 0 loaded, 1 an enrollment self
 * trustpoint without its file yet, -1 error (err filled, id cleared). */
static int peek(const struct sslvpnd_config *cfg,
		const struct cfg_trustpoint *tp, struct identity *id,
		char *err, size_t errlen)
{
	char file[CFG_NAME_MAX + 8];
	int rc;

	memset(id, 0, sizeof(*id));
	if (tp->enrollment == CFG_ENROLL_FILE)
		rc = load_file(tp, id, err, errlen);
	else if (tp->enrollment != CFG_ENROLL_SELF)
		return fail(
			err, errlen,
			"trustpoint %s is a CA trustpoint (enrollment terminal), not an identity",
			tp->name);
	else if (self_file(tp, file, sizeof(file), err, errlen) < 0 ||
		 pair_path(cfg->general.state_dir, tp->name, file, id->path,
			   sizeof(id->path), err, errlen) < 0)
		rc = -1;
	else
		rc = read_pair(tp->name, id->path, &id->cert, &id->key, err,
			       errlen);
	if (rc != 0)
		identity_clear(id);
	return rc;
}

int identity_peek(const struct sslvpnd_config *cfg,
		  const struct cfg_trustpoint *tp, struct identity *id,
		  char *err, size_t errlen)
{
	int rc = peek(cfg, tp, id, err, errlen);

	if (rc == 1)
		rc = fail(
			err, errlen,
			"trustpoint %s has no certificate yet (%s): crypto ca enroll %s",
			tp->name, id->path, tp->name);
	return rc;
}

/* What load_self would refuse before reading or generating anything: the
 * key parameters always, the subject when the identity is still to be
 * generated (rc 1). */
static int self_check(const struct cfg_trustpoint *tp, int rc, char *err,
		      size_t errlen)
{
	char subject[SUBJECT_MAX];
	struct genspec g;
	X509_NAME *name;

	if (self_spec(tp, &g, subject, sizeof(subject), err, errlen) < 0)
		return -1;
	if (rc != 1)
		return 0;
	name = parse_subject(g.subject);
	if (!name)
		return fail(err, errlen, "trustpoint %s: bad subject-name \"%s\"",
			    tp->name, g.subject);
	X509_NAME_free(name);
	return 0;
}

int identity_check(const struct sslvpnd_config *cfg,
		   const struct cfg_trustpoint *tp, struct identity *id,
		   char *err, size_t errlen)
{
	int rc = peek(cfg, tp, id, err, errlen);

	if (rc >= 0 && tp->enrollment == CFG_ENROLL_SELF &&
	    self_check(tp, rc, err, errlen) < 0) {
		identity_clear(id);
		return -1;
	}
	return rc;
}

int identity_peek_temporary(const char *state_dir, enum cfg_key_type type,
			    struct identity *id, char *err, size_t errlen)
{
	const char *file = type == CFG_KEY_EC ? TEMP_FILE_EC : TEMP_FILE;
	int rc;

	memset(id, 0, sizeof(*id));
	if (pair_path(state_dir, TEMP_OWNER, file, id->path, sizeof(id->path),
		      err, errlen) < 0)
		return -1;
	rc = read_pair(TEMP_OWNER, id->path, &id->cert, &id->key, err, errlen);
	if (rc == 1)
		rc = fail(err, errlen,
			  "no temporary certificate yet (%s): start sslvpnd once",
			  id->path);
	return rc;
}

int identity_enroll(const struct sslvpnd_config *cfg,
		    const struct cfg_trustpoint *tp, struct identity *id,
		    char *err, size_t errlen)
{
	struct stat st;
	char path[PATH_BUF], file[CFG_NAME_MAX + 8];

	memset(id, 0, sizeof(*id));
	if (tp->enrollment != CFG_ENROLL_SELF)
		return fail(
			err, errlen,
			"trustpoint %s: crypto ca enroll makes self-signed identities only (enrollment self)",
			tp->name);
	if (self_file(tp, file, sizeof(file), err, errlen) < 0 ||
	    pair_path(cfg->general.state_dir, tp->name, file, path,
		      sizeof(path), err, errlen) < 0)
		return -1;
	/* Replacing it would change the SHA-1 the phones pinned: rollover
	 * goes through a second trustpoint instead. */
	if (stat(path, &st) == 0)
		return fail(
			err, errlen,
			"trustpoint %s is already enrolled (%s); for a new certificate create another "
			"trustpoint and switch ssl trust-point to it (rollover), or delete the file",
			tp->name, path);
	return identity_load(cfg, tp, id, err, errlen);
}

int identity_ca_certs(const struct cfg_trustpoint *tp, STACK_OF(X509) *sk,
		      char *err, size_t errlen)
{
	return read_ca_certs(tp, sk, err, errlen);
}

int identity_load(const struct sslvpnd_config *cfg,
		  const struct cfg_trustpoint *tp, struct identity *id,
		  char *err, size_t errlen)
{
	int rc;

	memset(id, 0, sizeof(*id));
	switch (tp->enrollment) {
	case CFG_ENROLL_SELF:
		rc = load_self(cfg, tp, id, err, errlen);
		break;
	case CFG_ENROLL_FILE:
		rc = load_file(tp, id, err, errlen);
		break;
	default:
		rc = fail(
			err, errlen,
			"trustpoint %s is a CA trustpoint (enrollment terminal), not an identity",
			tp->name);
		break;
	}
	if (rc == 0)
		rc = check_dates(id->cert, tp->name, id->path, err, errlen);
	if (rc < 0)
		identity_clear(id);
	return rc;
}

/* The ASA keeps one temporary certificate per key type (CSCuu02848): RSA
 * for clients that offer only RSA suites, EC (P-256) for the others when
 * the interface has no certificate at all. */
int identity_temporary(const char *state_dir, enum cfg_key_type type,
		       struct identity *id, char *err, size_t errlen)
{
	static const struct genspec rsa = {
		.owner = TEMP_OWNER,
		.subject = TLS_TEMP_SUBJECT_RSA,
		.type = CFG_KEY_RSA,
		.bits = TEMP_RSA_BITS,
	};
	static const struct genspec ec = {
		.owner = TEMP_OWNER,
		.subject = TLS_TEMP_SUBJECT_EC,
		.type = CFG_KEY_EC,
		.bits = 256,
	};
	const struct genspec *g = type == CFG_KEY_EC ? &ec : &rsa;

	memset(id, 0, sizeof(*id));
	if (load_or_generate(state_dir,
			     type == CFG_KEY_EC ? TEMP_FILE_EC : TEMP_FILE, g,
			     id, err, errlen) < 0 ||
	    check_dates(id->cert, g->owner, id->path, err, errlen) < 0) {
		identity_clear(id);
		return -1;
	}
	return 0;
}

void identity_clear(struct identity *id)
{
	X509_free(id->cert);
	EVP_PKEY_free(id->key);
	sk_X509_pop_free(id->chain, X509_free);
	id->cert = NULL;
	id->key = NULL;
	id->chain = NULL;
}

int tls_identity_temporary(const char *state_dir, X509 **cert, EVP_PKEY **key,
			   int *generated, char *err, size_t errlen)
{
	struct identity id, ec;
	uint8_t sha1[20];
	char hex[3 * sizeof(sha1)];

	/* Both now, before any worker starts: every worker then loads the
	 * same pair (the EC one is logged here, main logs the RSA one). */
	if (identity_temporary(state_dir, CFG_KEY_EC, &ec, err, errlen) < 0)
		return -1;
	if (ec.generated) {
		tls_cert_sha1(ec.cert, sha1);
		util_hex_colon(hex, sha1, sizeof(sha1));
		log_event(LM_IDENTITY_GENERATED, "_temporary_ec", ec.path, hex);
	}
	identity_clear(&ec);
	if (identity_temporary(state_dir, CFG_KEY_RSA, &id, err, errlen) < 0)
		return -1;
	*cert = id.cert;
	*key = id.key;
	if (generated)
		*generated = id.generated;
	return 0;
}

/* ---- CA trustpoints */

static int ca_file_filter(const struct dirent *d)
{
	const char *dot = strrchr(d->d_name, '.');

	return d->d_name[0] != '.' && dot &&
	       (!strcasecmp(dot, ".pem") || !strcasecmp(dot, ".crt") ||
		!strcasecmp(dot, ".cer"));
}

/* Every *.pem / *.crt / *.cer file of a directory, in name order so an
 * error always names the same file. */
static int read_ca_dir(const struct cfg_trustpoint *tp, STACK_OF(X509) *sk,
		       char *err, size_t errlen)
{
	struct dirent **list;
	char path[PATH_BUF + 256], msg[CFG_PATH_MAX + 128];
	int i, n, rc = 0;

	n = scandir(tp->certificate, &list, ca_file_filter, alphasort);
	if (n < 0)
		return fail(err, errlen, "trustpoint %s: %s: %s", tp->name,
			    tp->certificate, strerror(errno));
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", tp->certificate,
			 list[i]->d_name);
		if (rc == 0)
			rc = read_certs(tp->name, path, sk, err, errlen);
		free(list[i]);
	}
	free(list);
	/* An empty folder is the normal first start of the embedded default
	 * (<state-dir>/trust): it trusts nothing yet, which fails closed. */
	if (rc == 0 && n == 0) {
		snprintf(msg, sizeof(msg),
			 "directory %s has no *.pem, *.crt or *.cer file: "
			 "no client certificate verifies against it",
			 tp->certificate);
		log_event(LM_TRUSTPOINT_WARNING, tp->name, msg);
	}
	return rc;
}

static int read_ca_certs(const struct cfg_trustpoint *tp, STACK_OF(X509) *sk,
			 char *err, size_t errlen)
{
	struct stat st;

	if (!tp->certificate[0])
		return fail(err, errlen, "trustpoint %s: no certificate",
			    tp->name);
	if (stat(tp->certificate, &st) < 0)
		return fail(err, errlen, "trustpoint %s: %s: %s", tp->name,
			    tp->certificate, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return read_ca_dir(tp, sk, err, errlen);
	return read_certs(tp->name, tp->certificate, sk, err, errlen);
}

static X509 *crl_signer(X509_CRL *crl, STACK_OF(X509) *certs)
{
	int i;

	for (i = 0; i < sk_X509_num(certs); i++) {
		X509 *ca = sk_X509_value(certs, i);

		if (!X509_NAME_cmp(X509_CRL_get_issuer(crl),
				   X509_get_subject_name(ca)) &&
		    X509_CRL_verify(crl, X509_get0_pubkey(ca)) == 1)
			return ca;
	}
	ERR_clear_error();
	return NULL;
}

/* A CRL must be signed by a certificate of its own trustpoint: otherwise
 * the revocation check would silently never apply to it. */
static int add_crls(const struct cfg_trustpoint *tp, STACK_OF(X509) *certs,
		    X509_STORE *store, STACK_OF(X509_NAME) *issuers, char *err,
		    size_t errlen)
{
	STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
	char when[64], msg[CFG_PATH_MAX + 160];
	int i, rc;

	if (!crls)
		return fail(err, errlen, "out of memory");
	rc = read_crls(tp->name, tp->crl, crls, err, errlen);
	for (i = 0; rc == 0 && i < sk_X509_CRL_num(crls); i++) {
		X509_CRL *crl = sk_X509_CRL_value(crls, i);
		X509_NAME *iss = X509_CRL_get_issuer(crl);
		const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);

		if (!crl_signer(crl, certs))
			rc = fail(
				err, errlen,
				"trustpoint %s: CRL %s is not signed by a certificate of this trustpoint",
				tp->name, tp->crl);
		else if (!X509_STORE_add_crl(store, crl) ||
			 !sk_X509_NAME_push(issuers, X509_NAME_dup(iss)))
			rc = fail_ssl(err, errlen, "trustpoint %s: CRL %s",
				      tp->name, tp->crl);
		if (rc == 0 && next && X509_cmp_current_time(next) <= 0) {
			time_str(next, when, sizeof(when));
			snprintf(msg, sizeof(msg),
				 "CRL %s expired on %s: certificates of this CA "
				 "are refused until it is renewed",
				 tp->crl, when);
			log_event(LM_TRUSTPOINT_WARNING, tp->name, msg);
		}
	}
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	return rc;
}

static int anchor_add(struct ca_anchors *a, const struct cfg_trustpoint *tp,
		      X509 *cert)
{
	struct ca_anchor *v;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;

		v = realloc(a->v, cap * sizeof(*v));
		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	v = &a->v[a->n++];
	memset(v, 0, sizeof(*v));
	X509_up_ref(cert);
	v->cert = cert;
	util_strlcpy(v->name, tp->name, sizeof(v->name));
	v->accept_sha1 = tp->accept_sha1;
	v->ignore_expiry = tp->ignore_expiry;
	return 0;
}

void ca_anchors_free(struct ca_anchors *a)
{
	while (a->n > 0)
		X509_free(a->v[--a->n].cert);
	free(a->v);
	a->v = NULL;
	a->cap = 0;
}

static int add_ca_trustpoint(const struct cfg_trustpoint *tp, X509_STORE *store,
			     STACK_OF(X509_NAME) *issuers,
			     struct ca_anchors *anchors, char *err,
			     size_t errlen)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	int i, rc;

	if (!certs)
		return fail(err, errlen, "out of memory");
	rc = read_ca_certs(tp, certs, err, errlen);
	for (i = 0; rc == 0 && i < sk_X509_num(certs); i++)
		if (!X509_STORE_add_cert(store, sk_X509_value(certs, i)))
			rc = fail_ssl(err, errlen, "trustpoint %s: %s",
				      tp->name, tp->certificate);
		else if (anchors &&
			 anchor_add(anchors, tp, sk_X509_value(certs, i)) < 0)
			rc = fail(err, errlen, "out of memory");
	if (rc == 0 && tp->crl[0])
		rc = add_crls(tp, certs, store, issuers, err, errlen);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

static int name_cmp(const X509_NAME *const *a, const X509_NAME *const *b)
{
	return X509_NAME_cmp(*a, *b);
}

int identity_crl_check(const struct cfg_trustpoint *tp, STACK_OF(X509) *certs,
		       char *err, size_t errlen)
{
	X509_STORE *store = X509_STORE_new();
	STACK_OF(X509_NAME) *issuers = sk_X509_NAME_new(name_cmp);
	int rc;

	if (store && issuers)
		rc = add_crls(tp, certs, store, issuers, err, errlen);
	else
		rc = fail(err, errlen, "out of memory");
	sk_X509_NAME_pop_free(issuers, X509_NAME_free);
	X509_STORE_free(store);
	return rc;
}

int identity_ca_store(const struct sslvpnd_config *cfg, X509_STORE *store,
		      STACK_OF(X509_NAME) **crl_issuers,
		      struct ca_anchors *anchors, char *err, size_t errlen)
{
	size_t i;

	if (!*crl_issuers && !(*crl_issuers = sk_X509_NAME_new(name_cmp)))
		return fail(err, errlen, "out of memory");
	for (i = 0; i < cfg->n_trustpoints; i++) {
		const struct cfg_trustpoint *tp = &cfg->trustpoints[i];

		if (tp->enrollment == CFG_ENROLL_TERMINAL &&
		    add_ca_trustpoint(tp, store, *crl_issuers, anchors, err,
				      errlen) < 0)
			return -1;
	}
	return 0;
}
