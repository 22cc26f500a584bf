/* cmd_keys.c: `modctl pubkey --key FILE`: a signing key's public entry for
 * the retired keys file, the first step of a key rotation. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "modgate/alloc.h"
#include "modgate/error.h"
#include "modgate/keys.h"
#include "modctl.h"

struct pubkey_options {
    const char *key;
};

static const struct modctl_option pubkey_options[] = {
    {.name = "key", .letter = 'k', .kind = MODCTL_FILE, .value_name = "FILE",
     .help = "the secret key file to read",
     .offset = offsetof(struct pubkey_options, key), .required = true},
    {.name = NULL},
};

static int run_pubkey(const struct modctl_globals *g, const struct modctl_args *a)
{
    const char *key = ((const struct pubkey_options *)a->options)->key;
    char *entry = NULL;
    struct mg_error err = {0};
    if (mg_key_public_entry(key, &entry, &err) != MG_OK) {
        char msg[1100];
        fprintf(stderr, "modctl pubkey: %s\n",
                mg_error_format(&err, msg, sizeof msg));
        return EXIT_FAILED;
    }
    if (g->json) {
        /* the entry's "key: value" lines as one object */
        json_t *obj = json_object();
        for (char *line = entry; line && *line;) {
            char *end = strchr(line, '\n');
            if (end)
                *end = '\0';
            char *colon = strstr(line, ": ");
            if (colon) {
                char *k = line;
                while (*k == ' ' || *k == '-')
                    k++;
                *colon = '\0';
                json_object_set_new(obj, k, json_string(colon + 2));
            }
            line = end ? end + 1 : NULL;
        }
        json_dumpf(obj, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(obj);
    } else {
        fputs(entry, stdout);
    }
    mg_free(entry);
    return fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_FAILED;
}

const struct modctl_command modctl_pubkey_command = {
    .name = "pubkey",
    .options = pubkey_options,
    .options_size = sizeof(struct pubkey_options),
    .summary = "print a key's entry for the retired keys file",
    .description =
        "Prints the retired keys entry (key_id, public_key, created_at) of the\n"
        "secret key file FILE. To rotate keys:\n"
        "  modctl pubkey --key old.key >> retired-keys.yaml\n"
        "  modctl keygen --out new.key\n"
        "then set key: new.key and retired_keys: retired-keys.yaml.\n",
    .run = run_pubkey,
};
