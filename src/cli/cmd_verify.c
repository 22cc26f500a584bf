/* cmd_verify.c: `modctl verify ID... | --article ID | --all`: fetches the
 * public keys (GET /v1/keys) and the comments (GET /v1/comments/{id}, or
 * the published ones of GET /v1/articles/{id}/comments, over GET
 * /v1/articles for --all) and checks every signature here, with libsodium,
 * on the message docs/signatures.md defines (an edited record's revision
 * and edited_at included). modgate's word is not taken for anything
 * but the bytes. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "client.h"
#include "modgate/alloc.h"
#include "modgate/canon.h"
#include "modgate/crypto.h"
#include "modctl.h"
#include "term.h"

struct key {
    char id[17];
    uint8_t pk[32];
};

struct verify {
    const struct modctl_globals *g;
    struct key *keys;
    size_t nkeys;
    size_t checked, failed, articles;
    bool progress;
    json_t *failures; /* [{"id", "article_id", "why"}] */
};

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static int load_keys(struct verify *v)
{
    json_t *reply = NULL;
    int rc = modctl_call(v->g, "verify", "GET", "/v1/keys", NULL, false, NULL, &reply);
    const json_t *keys = json_object_get(reply, "keys");
    v->keys = mg_calloc(json_array_size(keys) + 1, sizeof *v->keys);
    size_t i;
    const json_t *k;
    json_array_foreach(keys, i, k) {
        const char *id = str(k, "key_id"), *pk = str(k, "public_key");
        struct key *out = &v->keys[v->nkeys];
        if (!id || strlen(id) != 16 || !pk ||
            mg_crypto_base64_decode(pk, strlen(pk), out->pk, 32) != MG_OK) {
            fprintf(stderr, "modctl verify: /v1/keys lists a key that cannot be read\n");
            rc = EXIT_FAILED;
            continue;
        }
        memcpy(out->id, id, 17);
        v->nkeys++;
    }
    json_decref(reply);
    return rc;
}

static const struct key *find_key(const struct verify *v, const char *id)
{
    for (size_t i = 0; id && i < v->nkeys; i++)
        if (strcmp(v->keys[i].id, id) == 0)
            return &v->keys[i];
    return NULL;
}

/* Why record's signature does not hold, or NULL when it does. */
static const char *check_record(const struct verify *v, const json_t *record)
{
    const char *signature = str(record, "signature");
    const char *key_id = str(record, "key_id");
    if (!signature || !key_id)
        return strcmp(str(record, "status") ? str(record, "status") : "", "published") == 0
                   ? "published but not signed"
                   : "not signed (it was never published)";
    const struct key *key = find_key(v, key_id);
    if (!key)
        return "signed with a key /v1/keys does not list";
    uint8_t sig[64];
    if (mg_crypto_base64_decode(signature, strlen(signature), sig, sizeof sig) != MG_OK)
        return "the signature is not 64 bytes of base64";
    const struct mg_signed_fields fields = {
        .id = str(record, "id"),
        .article_id = str(record, "article_id"),
        .author_id = str(record, "author_id"),
        .author_name = str(record, "author_name"),
        .body = str(record, "body"),
        .parent_id = str(record, "parent_id"),
        .created_at = str(record, "created_at"),
        .key_id = key_id,
        /* an edited record (revision above 1) signs its revision and
         * edit time too; one without the member was never edited */
        .revision = (long long)json_integer_value(json_object_get(record, "revision")),
        .edited_at = str(record, "edited_at"),
    };
    if (!fields.id || !fields.article_id || !fields.author_id || !fields.body ||
        !fields.created_at || (fields.revision > 1 && !fields.edited_at))
        return "a signed field is missing";
    size_t len;
    char *message = mg_canon_signed_message(&fields, &len);
    int ok = mg_crypto_ed25519_verify(key->pk, message, len, sig);
    mg_free(message);
    return ok == 0 ? NULL : "the signature does not match the comment";
}

/* Counts record (of article, for the report) and reports it when its
 * signature does not hold. */
static void verify_record(struct verify *v, const json_t *c, const char *article)
{
    const char *why = check_record(v, c);
    v->checked++;
    if (!why)
        return;
    v->failed++;
    json_array_append_new(v->failures, json_pack("{s:s?, s:s?, s:s}", "id", str(c, "id"),
                                                  "article_id", article, "why", why));
    if (!v->g->json) {
        if (v->progress)
            fputc('\n', stderr);
        printf("FAIL %s (article %s): %s\n", str(c, "id") ? str(c, "id") : "?",
               article ? article : "?", why);
    }
}

static void progress(const struct verify *v, bool done)
{
    if (!v->progress)
        return;
    fprintf(stderr, "\rverified %zu comments in %zu articles, %zu failed%s", v->checked,
            v->articles, v->failed, done ? "\n" : "");
}

static int verify_article(struct verify *v, const char *article)
{
    char *earticle = modctl_escape(article);
    char *base = mg_asprintf("/v1/articles/%s/comments", earticle);
    json_t *comments = NULL;
    int rc = modctl_fetch_pages(v->g, "verify", base, "comments", SIZE_MAX, &comments,
                                NULL);
    mg_free(base);
    mg_free(earticle);
    v->articles++;
    size_t i;
    const json_t *c;
    json_array_foreach(comments, i, c)
        verify_record(v, c, article);
    json_decref(comments);
    progress(v, false);
    return rc;
}

/* One comment by id, whatever its status: a held or rejected one has no
 * signature, and fails as "not signed". */
static int verify_id(struct verify *v, const char *id)
{
    char *path = modctl_comment_path(id);
    json_t *record = NULL;
    int rc = modctl_call(v->g, "verify", "GET", path, NULL, false, NULL, &record);
    mg_free(path);
    if (rc == EXIT_OK)
        verify_record(v, record, str(record, "article_id"));
    json_decref(record);
    return rc;
}

struct verify_options {
    const char *article;
    bool all;
};

/* The usage forms: ids (the first), --article (the second), --all. */
static const struct modctl_option verify_options[] = {
    {.name = "article", .kind = MODCTL_TEXT, .value_name = "ID",
     .help = "every published comment of this article",
     .offset = offsetof(struct verify_options, article), .forms = 2,
     .required = true},
    {.name = "all", .kind = MODCTL_FLAG,
     .help = "every published comment of every article",
     .offset = offsetof(struct verify_options, all), .forms = 4,
     .required = true},
    {.name = NULL},
};

static int run_verify(const struct modctl_globals *g, const struct modctl_args *a)
{
    const char *article = ((const struct verify_options *)a->options)->article;
    char *const *ids = a->operands;
    size_t nids = a->count;
    if (mg_crypto_init() != MG_OK) {
        fprintf(stderr, "modctl verify: libsodium did not start\n");
        return EXIT_FAILED;
    }
    struct verify v = {.g = g, .failures = json_array(),
                       .progress = !g->json && isatty(STDERR_FILENO)};
    int rc = load_keys(&v);
    bool unread = false; /* an id modgate refused (it said why): exit 1 */
    if (rc == EXIT_OK && nids) {
        for (size_t i = 0; i < nids && rc == EXIT_OK; i++) {
            int one = verify_id(&v, ids[i]);
            unread |= one == EXIT_FAILED;
            if (one == EXIT_USAGE)
                rc = one;
        }
    } else if (rc == EXIT_OK && article) {
        rc = verify_article(&v, article);
    } else if (rc == EXIT_OK) {
        json_t *articles = NULL;
        rc = modctl_fetch_pages(g, "verify", "/v1/articles", "items", SIZE_MAX,
                                &articles, NULL);
        size_t i;
        const json_t *each;
        json_array_foreach(articles, i, each) {
            if (rc == EXIT_OK)
                rc = verify_article(&v, str(each, "article_id"));
        }
        json_decref(articles);
    }
    progress(&v, true);
    if (rc == EXIT_OK) {
        if (g->json) {
            json_t *out = json_pack("{s:I, s:I, s:I, s:O}", "articles",
                                    (json_int_t)v.articles, "checked",
                                    (json_int_t)v.checked, "failed",
                                    (json_int_t)v.failed, "failures", v.failures);
            modctl_print_json(out);
            json_decref(out);
        } else {
            char where[48] = "";
            if (!nids)
                snprintf(where, sizeof where, " in %zu article%s", v.articles,
                         v.articles == 1 ? "" : "s");
            printf("%zu comment%s%s: %zu signature%s hold%s, %zu fail%s\n", v.checked,
                   v.checked == 1 ? "" : "s", where, v.checked - v.failed,
                   v.checked - v.failed == 1 ? "" : "s",
                   v.checked - v.failed == 1 ? "s" : "", v.failed,
                   v.failed == 1 ? "s" : "");
        }
        if (v.failed || unread)
            rc = EXIT_FAILED;
    }
    json_decref(v.failures);
    mg_free(v.keys);
    return rc;
}

const struct modctl_command modctl_verify_command = {
    .name = "verify",
    .operands = {"ID...", "", ""},
    .options = verify_options,
    .options_size = sizeof(struct verify_options),
    .summary = "check comments' signatures here",
    .description =
        "Checks the Ed25519 signature of the comments given by id (a removed one\n"
        "keeps its signature; a held or rejected one has none, and fails), or of\n"
        "every published comment of an article, or of every article, here,\n"
        "against the keys GET /v1/keys lists. Prints each failure (id, why) and\n"
        "a summary. Exit 0 when every signature holds, 1 when one does not, 2 on\n"
        "a usage or connection error.\n",
    .run = run_verify,
};
