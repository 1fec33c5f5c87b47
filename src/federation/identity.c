/*
** identity.c: this node's identity in the federation: an Ed25519 key pair
** (libsodium crypto_sign) in a key file, its public key as partners
** register it, hit references, and the checks on what peers are
** registered with (agency ids, base URLs, public keys).
**
** NOTES ON THE KEY FILE
**
**  1. Where: a file of its own, by default next to the SQLite store
**     ("<db>.key"), never in the store.  The store is read by every
**     liaison process and every backup, and on PostgreSQL by every server
**     and replica; a secret there would spread to all of them.  A file
**     with mode 0600 is confined to the node's operating-system account,
**     can live on a separate (encrypted, or secret-mounted) volume with
**     --key, and is replaced to rotate the key, as TLS keys (--tls-key)
**     and ssh host keys are handled.
**  2. What: one line, "liaison-ed25519-v1 " and the base64 of the 32-byte
**     seed; the key pair is derived from it (crypto_sign_seed_keypair).
**  3. Creation is O_CREAT|O_EXCL|O_NOFOLLOW with mode 0600: an existing
**     file (or a planted symlink) is never overwritten or followed; the
**     file and its folder are fsynced so the key survives a crash.
**  4. Loading refuses a file that is not a regular file owned by the
**     current user, or that group or others may access, as ssh does.
**  5. In memory the secret sits in one block locked with sodium_mlock
**     (never swapped out) and wiped on free; buffers that held the file
**     or the seed are wiped at once.  No message ever quotes the file.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "federation/fed.h"

#define KEY_TAG "liaison-ed25519-v1 "
#define KEY_FILE_MAX 4096

struct fed_identity {
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char refkey[crypto_kdf_KEYBYTES];
    char agency[FED_AGENCY_MAX + 1];
    char pk_b64[FED_PK_B64_LEN + 1];
};

const unsigned char *fed_identity_sk_(const fed_identity *id)
{
    return id->sk;
}

int fed_agency_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0, i;
    if (n == 0 || n > FED_AGENCY_MAX)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
              c == '@'))
            return 0;
    }
    return 1;
}

static int is_pg(const char *db)
{
    return !strncmp(db, "postgres://", 11) ||
           !strncmp(db, "postgresql://", 13) || strstr(db, "dbname=");
}

int fed_key_default_path(const char *db, char *out, size_t n)
{
    if (!db || !*db || is_pg(db))
        return LIAISON_EINVAL;
    if ((size_t)snprintf(out, n, "%s.key", db) >= n)
        return LIAISON_ETOOBIG;
    return LIAISON_OK;
}

/* fsync the folder holding path, so a new file's entry is durable. */
static void sync_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    int fd;
    if (!slash) {
        util_strlcpy(dir, ".", sizeof(dir));
    } else {
        size_t n = (size_t)(slash - path);
        if (n == 0)
            n = 1;
        if (n >= sizeof(dir))
            return;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int fed_identity_create(const char *path, char *pk_b64,
                        struct liaison_err *err)
{
    unsigned char seed[crypto_sign_SEEDBYTES];
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    char line[sizeof(KEY_TAG) + 64];
    int fd, rc = LIAISON_OK;
    size_t n;

    if (!path || !*path)
        return util_err(err, LIAISON_EINVAL, 0, 0, "no key file given");
    if (sodium_init() < 0)
        return util_err(err, LIAISON_ECRYPTO, 0, 0, "libsodium failed");
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              0600);
    if (fd < 0)
        return util_err(err, errno == EEXIST ? LIAISON_EEXIST : LIAISON_EIO,
                        0, 0, "%s: %s", path,
                        errno == EEXIST ? "a key file is already there "
                                          "(left as it is)"
                                        : strerror(errno));
    randombytes_buf(seed, sizeof(seed));
    crypto_sign_seed_keypair(pk, sk, seed);
    n = strlen(KEY_TAG);
    memcpy(line, KEY_TAG, n);
    sodium_bin2base64(line + n, sizeof(line) - n - 1, seed, sizeof(seed),
                      sodium_base64_VARIANT_ORIGINAL);
    n = strlen(line);
    line[n++] = '\n';
    if (fchmod(fd, 0600) || write_all(fd, line, n) || fsync(fd)) {
        rc = util_err(err, LIAISON_EIO, 0, 0, "%s: cannot write the key: %s",
                      path, strerror(errno));
        close(fd);
        unlink(path);
    } else if (close(fd)) {
        rc = util_err(err, LIAISON_EIO, 0, 0, "%s: %s", path,
                      strerror(errno));
        unlink(path);
    } else {
        sync_dir(path);
        if (pk_b64)
            sodium_bin2base64(pk_b64, FED_PK_B64_LEN + 1, pk, sizeof(pk),
                              sodium_base64_VARIANT_ORIGINAL);
    }
    sodium_memzero(seed, sizeof(seed));
    sodium_memzero(sk, sizeof(sk));
    sodium_memzero(line, sizeof(line));
    return rc;
}

/* Read the key file into buf (note 4); *n its length. */
static int read_key_file(const char *path, char *buf, size_t cap, size_t *n,
                         struct liaison_err *err)
{
    struct stat st;
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return util_err(err, errno == ENOENT ? LIAISON_ENOTFOUND : LIAISON_EIO,
                        0, 0, "key file %s: %s", path, strerror(errno));
    if (fstat(fd, &st)) {
        close(fd);
        return util_err(err, LIAISON_EIO, 0, 0, "key file %s: %s", path,
                        strerror(errno));
    }
    if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 077)) {
        close(fd);
        return util_err(err, LIAISON_EPERM, 0, 0,
                        "key file %s must be a regular file owned by this "
                        "user and readable by it only (chmod 600)", path);
    }
    for (;;) {
        ssize_t k = read(fd, buf + len, cap - 1 - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            close(fd);
            return util_err(err, LIAISON_EIO, 0, 0, "key file %s: %s", path,
                            strerror(errno));
        }
        if (k == 0)
            break;
        len += (size_t)k;
        if (len >= cap - 1) {
            close(fd);
            return util_err(err, LIAISON_EFORMAT, 0, 0, "%s is not a "
                            "liaison key file", path);
        }
    }
    close(fd);
    buf[len] = '\0';
    *n = len;
    return LIAISON_OK;
}

int fed_identity_load(const char *path, const char *agency,
                      fed_identity **out, struct liaison_err *err)
{
    char buf[KEY_FILE_MAX];
    unsigned char seed[crypto_sign_SEEDBYTES];
    size_t len = 0, tag = strlen(KEY_TAG), seed_len = 0, b64_len;
    fed_identity *id;
    int rc;

    *out = NULL;
    if (!fed_agency_ok(agency))
        return util_err(err, LIAISON_EINVAL, 0, 0, "federation needs the "
                        "store's agency id (liaison init --agency ID)");
    if (sodium_init() < 0)
        return util_err(err, LIAISON_ECRYPTO, 0, 0, "libsodium failed");
    rc = read_key_file(path, buf, sizeof(buf), &len, err);
    if (rc)
        goto out;
    b64_len = len > tag ? len - tag : 0;
    while (b64_len && (buf[tag + b64_len - 1] == '\n' ||
                       buf[tag + b64_len - 1] == '\r'))
        b64_len--;
    if (len <= tag || memcmp(buf, KEY_TAG, tag) ||
        sodium_base642bin(seed, sizeof(seed), buf + tag, b64_len, NULL,
                          &seed_len, NULL, sodium_base64_VARIANT_ORIGINAL) ||
        seed_len != sizeof(seed)) {
        rc = util_err(err, LIAISON_EFORMAT, 0, 0, "%s is not a liaison key "
                      "file", path);
        goto out;
    }
    id = util_calloc(1, sizeof(*id));
    if (!id) {
        rc = util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
        goto out;
    }
    sodium_mlock(id, sizeof(*id));  /* best effort (RLIMIT_MEMLOCK) */
    crypto_sign_seed_keypair(id->pk, id->sk, seed);
    crypto_kdf_derive_from_key(id->refkey, sizeof(id->refkey), 1, "lsnhitrf",
                               seed);
    util_strlcpy(id->agency, agency, sizeof(id->agency));
    sodium_bin2base64(id->pk_b64, sizeof(id->pk_b64), id->pk, sizeof(id->pk),
                      sodium_base64_VARIANT_ORIGINAL);
    *out = id;
out:
    sodium_memzero(buf, sizeof(buf));
    sodium_memzero(seed, sizeof(seed));
    return rc;
}

void fed_identity_free(fed_identity *id)
{
    if (!id)
        return;
    sodium_munlock(id, sizeof(*id));  /* wipes it too */
    sodium_memzero(id, sizeof(*id));
    util_free(id);
}

const char *fed_identity_agency(const fed_identity *id)
{
    return id->agency;
}

const char *fed_identity_public_key(const fed_identity *id)
{
    return id->pk_b64;
}

int fed_public_key_parse(const char *b64, unsigned char pk[32],
                         struct liaison_err *err)
{
    size_t n = 0;
    if (!b64 || strlen(b64) != FED_PK_B64_LEN ||
        sodium_base642bin(pk, 32, b64, FED_PK_B64_LEN, NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) || n != 32) {
        memset(pk, 0, 32);
        return util_err(err, LIAISON_EINVAL, 0, 0, "a public key is 44 "
                        "characters of base64 (liaison key show on the "
                        "partner's node prints it)");
    }
    return LIAISON_OK;
}

/* A URL is checked with libcurl's own parser, so that what is accepted
** here is what the client will connect to. */
int fed_peer_url_check(const char *url, struct liaison_err *err)
{
    CURLU *u;
    char *scheme = NULL, *host = NULL, *path = NULL, *x = NULL;
    int rc = LIAISON_OK;
    if (!url || !*url || strlen(url) > FED_URL_MAX)
        return util_err(err, LIAISON_EINVAL, 0, 0, "a peer URL is "
                        "https://HOST[:PORT], at most %d bytes", FED_URL_MAX);
    if (strncmp(url, "https://", 8))
        return util_err(err, LIAISON_EINVAL, 0, 0, "peer URLs must be "
                        "https:// (peer traffic is always encrypted)");
    u = curl_url();
    if (!u)
        return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    if (curl_url_set(u, CURLUPART_URL, url, 0) ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
        curl_url_get(u, CURLUPART_HOST, &host, 0)) {
        rc = util_err(err, LIAISON_EINVAL, 0, 0, "not a URL: %.100s", url);
        goto out;
    }
    if (strcmp(scheme, "https") || !*host) {
        rc = util_err(err, LIAISON_EINVAL, 0, 0, "peer URLs are "
                      "https://HOST[:PORT]");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_USER, &x, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_QUERY, &path, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_FRAGMENT, &path, 0) == CURLUE_OK) {
        rc = util_err(err, LIAISON_EINVAL, 0, 0, "a peer URL has no user, "
                      "query or fragment: https://HOST[:PORT]");
        goto out;
    }
    curl_free(path);
    path = NULL;
    if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
        strcmp(path, "/") && *path) {
        rc = util_err(err, LIAISON_EINVAL, 0, 0, "a peer URL has no path: "
                      "https://HOST[:PORT]");
        goto out;
    }
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(path);
    curl_free(x);
    curl_url_cleanup(u);
    return rc;
}

/* ---------------------------------------------------------------- hit references */

static void hitref_raw(const fed_identity *id, const char *requester,
                       const char *record_id, unsigned char out[16])
{
    static const char tag[] = "liaison-hitref-v1";
    crypto_generichash_state st;
    crypto_generichash_init(&st, id->refkey, sizeof(id->refkey), 16);
    /* NUL-separated: neither an agency nor a JSON string holds one. */
    crypto_generichash_update(&st, (const unsigned char *)tag, sizeof(tag));
    crypto_generichash_update(&st, (const unsigned char *)requester,
                              strlen(requester) + 1);
    crypto_generichash_update(&st, (const unsigned char *)record_id,
                              strlen(record_id) + 1);
    crypto_generichash_final(&st, out, 16);
}

int fed_hitref(const fed_identity *id, const char *requester,
               const char *record_id, char *out)
{
    unsigned char raw[16];
    if (!id || !requester || !record_id)
        return LIAISON_EINVAL;
    hitref_raw(id, requester, record_id, raw);
    sodium_bin2base64(out, FED_REF_LEN + 1, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return LIAISON_OK;
}

int fed_hitref_ok(const fed_identity *id, const char *requester,
                  const char *record_id, const char *ref)
{
    char want[FED_REF_LEN + 1];
    if (!ref || strlen(ref) != FED_REF_LEN ||
        fed_hitref(id, requester, record_id, want))
        return 0;
    return sodium_memcmp(want, ref, FED_REF_LEN) == 0;
}
