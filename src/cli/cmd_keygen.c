/* cmd_keygen.c: `modctl keygen --out FILE`: a new secret signing key. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "modgate/error.h"
#include "modgate/keys.h"
#include "modctl.h"

static void keygen_usage(FILE *out)
{
    fprintf(out, "usage: modctl keygen --out FILE\n"
                    "Writes a new Ed25519 secret key file with mode 0600; "
                    "never overwrites.\n");
}

int modctl_cmd_keygen(const struct modctl_globals *g, int argc, char **argv)
{
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "modctl keygen: %s needs a value\n", a);
                keygen_usage(stderr);
                return 2;
            }
            out = argv[++i];
        } else if (strncmp(a, "--out=", 6) == 0) {
            out = a + 6;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            keygen_usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "modctl keygen: unexpected argument \"%s\"\n", a);
            keygen_usage(stderr);
            return 2;
        }
    }
    if (!out || !*out) {
        fprintf(stderr, "modctl keygen: --out FILE is required\n");
        keygen_usage(stderr);
        return 2;
    }

    char key_id[17];
    struct mg_error err = {0};
    if (mg_key_generate_file(out, key_id, &err) != MG_OK) {
        char msg[1100];
        fprintf(stderr, "modctl keygen: %s\n",
                mg_error_format(&err, msg, sizeof msg));
        return 1;
    }
    if (g->json) {
        json_t *obj = json_pack("{s:s, s:s}", "file", out, "key_id", key_id);
        if (obj) {
            json_dumpf(obj, stdout, JSON_COMPACT);
            json_decref(obj);
        }
        putchar('\n');
    } else {
        printf("wrote %s (key_id %s)\n", out, key_id);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
