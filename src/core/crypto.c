/* crypto.c: the one wrapper around libsodium (the only sodium.h user). */
#include "modgate/crypto.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modgate/alloc.h"

int mg_crypto_init(void)
{
    /* 0 = started now, 1 = already started; both are fine. */
    return sodium_init() < 0 ? MG_EIO : MG_OK;
}

void mg_crypto_random(void *buf, size_t len)
{
    randombytes_buf(buf, len);
}

/* The per-thread generator: a fast-key-erasure ChaCha20 RNG. Each refill
 * runs ChaCha20 under the current key for 32 + sizeof out bytes: the first
 * 32 become the next key, the rest are handed out and wiped as they go, so
 * a later look at the memory tells nothing of bytes already given. Seeded
 * from the OS (getrandom, through libsodium) on a thread's first use and
 * again in a child after fork(), which would otherwise repeat its
 * parent's stream: pthread_atfork bumps fork_generation in the child. */
#define FAST_OUT 480
static _Thread_local struct {
    unsigned generation; /* fork_generation when seeded; 0: never */
    uint8_t key[32];
    uint8_t out[FAST_OUT];
    size_t used; /* bytes of out already handed out (and wiped) */
} fast;
static atomic_uint fork_generation = 1;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void on_fork_child(void)
{
    atomic_fetch_add(&fork_generation, 1);
}

static void fork_hook(void)
{
    (void)pthread_atfork(NULL, NULL, on_fork_child);
}

static void fast_refill(void)
{
    static const uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = {0};
    uint8_t block[32 + FAST_OUT];
    crypto_stream_chacha20(block, sizeof block, nonce, fast.key);
    memcpy(fast.key, block, 32);
    memcpy(fast.out, block + 32, FAST_OUT);
    sodium_memzero(block, sizeof block);
    fast.used = 0;
}

void mg_crypto_random_fast(void *buf, size_t len)
{
    unsigned gen = atomic_load_explicit(&fork_generation, memory_order_relaxed);
    if (fast.generation != gen) {
        (void)pthread_once(&fork_once, fork_hook);
        randombytes_buf(fast.key, sizeof fast.key);
        fast.generation = gen;
        fast_refill();
    }
    uint8_t *p = buf;
    while (len > 0) {
        if (fast.used == FAST_OUT)
            fast_refill();
        size_t n = FAST_OUT - fast.used;
        if (n > len)
            n = len;
        memcpy(p, fast.out + fast.used, n);
        sodium_memzero(fast.out + fast.used, n);
        fast.used += n;
        p += n;
        len -= n;
    }
}

void mg_crypto_sha256(const void *data, size_t len, uint8_t out[32])
{
    crypto_hash_sha256(out, data, (unsigned long long)len);
}

int mg_crypto_equal(const void *a, const void *b, size_t n)
{
    /* sodium_memcmp returns 0 on equal, -1 otherwise, without early exit. */
    return sodium_memcmp(a, b, n) == 0;
}

size_t mg_crypto_base64_len(size_t bin_len)
{
    return sodium_base64_ENCODED_LEN(bin_len, sodium_base64_VARIANT_ORIGINAL);
}

void mg_crypto_base64_encode(const void *bin, size_t bin_len, char *out,
                             size_t out_size)
{
    sodium_bin2base64(out, out_size, bin, bin_len,
                      sodium_base64_VARIANT_ORIGINAL);
}

int mg_crypto_base64_decode(const char *b64, size_t b64_len, void *out,
                            size_t out_len)
{
    /* Decode into a scratch buffer one byte larger than wanted, so input that
     * decodes to more than out_len is seen as wrong rather than as "buffer
     * full". The scratch may hold secrets (key seeds), so it is wiped. */
    size_t cap = out_len + 1;
    unsigned char *tmp = mg_malloc(cap);
    size_t got = 0;
    const char *end = NULL;
    int rc = sodium_base642bin(tmp, cap, b64, b64_len, NULL, &got, &end,
                               sodium_base64_VARIANT_ORIGINAL);
    int status = MG_EINVAL;
    if (rc == 0 && end == b64 + b64_len && got == out_len) {
        memcpy(out, tmp, out_len);
        status = MG_OK;
    }
    sodium_memzero(tmp, cap);
    mg_free(tmp);
    return status;
}

void mg_crypto_hex(const void *bin, size_t bin_len, char *out)
{
    sodium_bin2hex(out, 2 * bin_len + 1, bin, bin_len);
}

void mg_crypto_ed25519_from_seed(const uint8_t seed[32], uint8_t pk[32],
                                 uint8_t sk[64])
{
    crypto_sign_seed_keypair(pk, sk, seed);
}

void mg_crypto_wipe(void *buf, size_t len)
{
    sodium_memzero(buf, len);
}

void mg_crypto_ed25519_sign_detached(const uint8_t sk[64], const void *msg,
                                     size_t len, uint8_t sig[64])
{
    crypto_sign_detached(sig, NULL, msg, (unsigned long long)len, sk);
}

int mg_crypto_ed25519_verify(const uint8_t pk[32], const void *msg, size_t len,
                             const uint8_t sig[64])
{
    return crypto_sign_verify_detached(sig, msg, (unsigned long long)len, pk) ==
                   0
               ? 0
               : -1;
}

/* Guarded memory failing is as fatal as running out of memory: the process
 * cannot keep its key safe, so it stops (as alloc.c does). */
static void secret_fatal(const char *what, size_t size)
{
    fprintf(stderr, "modgate: %s guarded memory (%zu bytes) failed\n", what,
            size);
    abort();
}

void *mg_crypto_secret_alloc(size_t size)
{
    /* sodium_malloc needs the page size that sodium_init records. */
    if (sodium_init() < 0)
        secret_fatal("starting libsodium for", size);
    void *p = sodium_malloc(size ? size : 1);
    if (!p)
        secret_fatal("allocating", size);
    return p;
}

void mg_crypto_secret_readonly(void *secret)
{
    if (sodium_mprotect_readonly(secret) != 0)
        secret_fatal("protecting", 0);
}

void mg_crypto_secret_free(void *secret)
{
    /* sodium_free makes the pages writable, checks the canary, zeroes. */
    if (secret)
        sodium_free(secret);
}

void mg_crypto_secret_relock(void *secret, size_t size)
{
    if (secret)
        (void)sodium_mlock(secret, size); /* as sodium_malloc: best effort */
}
