/* cmd_keys.c: `modctl pubkey --key FILE`: a signing key's public entry for
 * the retired keys file, the first step of a key rotation. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "modgate/alloc.h"
#include "modgate/error.h"
#include "modgate/keys.h"
#include "modctl.h"

static void pubkey_usage(FILE *out)
{
    fprintf(out,
            "usage: modctl pubkey --key FILE\n"
            "Prints the retired keys entry (key_id, public_key, created_at) "
            "of the secret\nkey file FILE. To rotate keys:\n"
            "  modctl pubkey --key old.key >> retired-keys.yaml\n"
            "  modctl keygen --out new.key\n"
            "then set key: new.key and retired_keys: retired-keys.yaml.\n");
}

int modctl_cmd_pubkey(const struct modctl_globals *g, int argc, char **argv)
{
    const char *key = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--key") == 0 || strcmp(a, "-k") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "modctl pubkey: %s needs a value\n", a);
                pubkey_usage(stderr);
                return EXIT_USAGE;
            }
            key = argv[++i];
        } else if (strncmp(a, "--key=", 6) == 0) {
            key = a + 6;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            pubkey_usage(stdout);
            return EXIT_OK;
        } else {
            fprintf(stderr, "modctl pubkey: unexpected argument \"%s\"\n", a);
            pubkey_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!key || !*key) {
        fprintf(stderr, "modctl pubkey: --key FILE is required\n");
        pubkey_usage(stderr);
        return EXIT_USAGE;
    }

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
