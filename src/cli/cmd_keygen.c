/* cmd_keygen.c: `modctl keygen --out FILE`: a new secret signing key. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "modgate/error.h"
#include "modgate/keys.h"
#include "modctl.h"

struct keygen_options {
    const char *out;
};

static const struct modctl_option keygen_options[] = {
    {.name = "out", .letter = 'o', .kind = MODCTL_FILE, .value_name = "FILE",
     .help = "the file to write; it must not exist",
     .offset = offsetof(struct keygen_options, out), .required = true},
    {.name = NULL},
};

static int run_keygen(const struct modctl_globals *g, const struct modctl_args *a)
{
    const char *out = ((const struct keygen_options *)a->options)->out;
    char key_id[17];
    struct mg_error err = {0};
    if (mg_key_generate_file(out, key_id, &err) != MG_OK) {
        char msg[1100];
        fprintf(stderr, "modctl keygen: %s\n",
                mg_error_format(&err, msg, sizeof msg));
        return EXIT_FAILED;
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
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILED;
}

const struct modctl_command modctl_keygen_command = {
    .name = "keygen",
    .options = keygen_options,
    .options_size = sizeof(struct keygen_options),
    .summary = "write a new Ed25519 secret signing key file (mode 0600)",
    .description = "Writes a new Ed25519 secret key file with mode 0600; never "
                   "overwrites.\n",
    .run = run_keygen,
};
