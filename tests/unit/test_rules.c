/* test_rules.c: the rules engine end to end (load, normalize, detect,
 * judge): each condition type on a small set written here, the evasion and
 * innocent-word tables on the shipped starter set in rules/, the loader's
 * error messages, and a catastrophic regular expression that must give up
 * instead of hanging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include "modgate/alloc.h"
#include "modgate/rules.h"
#include "testutil.h"

#define NOW_MS 1764547200000LL /* 2025-12-01T00:00:00Z */
#define DAY_MS (86400LL * 1000)

/* A set made of one rules file (rules.yaml) and the lists given as
 * name, text pairs; loading must succeed. */
static struct mg_rules *load_set(const char *yaml, ...)
{
    const char *names[16] = {"rules.yaml"}, *texts[16] = {yaml};
    size_t lens[16] = {strlen(yaml)}, n = 1;
    va_list ap;
    va_start(ap, yaml);
    const char *name;
    while ((name = va_arg(ap, const char *)) != NULL && n < 16) {
        names[n] = name;
        texts[n] = va_arg(ap, const char *);
        lens[n] = strlen(texts[n]);
        n++;
    }
    va_end(ap);
    struct mg_rules *rules = NULL;
    struct mg_rules_errors errs;
    int rc = mg_rules_load_files(n, names, texts, lens, &rules, &errs);
    if (rc != MG_OK) {
        char line[1200];
        for (size_t i = 0; i < errs.count; i++)
            print_error("%s\n", mg_error_format(&errs.items[i], line, sizeof line));
        fail_msg("the rule set did not load");
    }
    return rules;
}

struct judged {
    enum mg_action action;
    double score;
    char rules[512]; /* fired rule ids, space-separated */
    long span_start, span_end; /* of the first match, -1 when none */
};

static struct judged judge_full(struct mg_rules *rules, const char *body,
                                const char *author_name, int64_t created_ms)
{
    struct mg_rules_input in = {
        .body = body,
        .body_len = strlen(body),
        .author_id = "u-1",
        .author_name = author_name,
        .has_author_created_at = created_ms != 0,
        .author_created_at_ms = created_ms,
        .now_ms = NOW_MS,
    };
    struct mg_verdict v;
    assert_int_equal(mg_rules_judge(rules, &in, &v, NULL), MG_OK);
    struct judged out = {.action = v.action, .score = v.score, .span_start = -1,
                         .span_end = -1};
    size_t i;
    json_t *m;
    json_array_foreach(v.matches, i, m)
    {
        const char *id = json_string_value(json_object_get(m, "rule"));
        size_t used = strlen(out.rules);
        snprintf(out.rules + used, sizeof out.rules - used, "%s%s", used ? " " : "", id);
        json_t *span = json_object_get(m, "span");
        if (i == 0 && json_is_array(span)) {
            out.span_start = (long)json_integer_value(json_array_get(span, 0));
            out.span_end = (long)json_integer_value(json_array_get(span, 1));
        }
    }
    mg_verdict_close(&v);
    return out;
}

static struct judged judge(struct mg_rules *rules, const char *body)
{
    return judge_full(rules, body, NULL, 0);
}

static bool fired(const struct judged *j, const char *id)
{
    size_t n = strlen(id);
    for (const char *p = j->rules; (p = strstr(p, id)) != NULL; p += n)
        if ((p == j->rules || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

/* ---- conditions, one by one ---- */

static const char words_yaml[] =
    "lists:\n"
    "  bad: {file: bad.txt}\n"
    "rules:\n"
    "  - {id: w, reason: bad word, when: {words: bad}, score: 1}\n";

static void test_words_whole_word_and_phrases(void **state)
{
    (void)state;
    struct mg_rules *r = load_set(words_yaml, "bad.txt",
                                  "# comment\nass\nfree money\nkurs\nwank*\n*shit\n",
                                  NULL);
    struct judged j = judge(r, "what an ass");
    assert_true(fired(&j, "w"));
    assert_int_equal(j.span_start, 8);
    assert_int_equal(j.span_end, 11);
    j = judge(r, "Get FREE   money now");
    assert_true(fired(&j, "w"));
    assert_int_equal(j.span_start, 4);
    assert_int_equal(j.span_end, 16);
    assert_true(fired((j = judge(r, "stop wanking"), &j), "w"));
    assert_true(fired((j = judge(r, "bullshit"), &j), "w"));
    /* whole words only: no substring hits */
    const char *innocent[] = {"assassin in Kursk", "a class act", "free of money",
                              "shitake mushrooms", "swank hotel"};
    for (size_t i = 0; i < ARRAY_LEN(innocent); i++) {
        j = judge(r, innocent[i]);
        if (fired(&j, "w"))
            fail_msg("'%s' matched", innocent[i]);
    }
    mg_rules_unref(r);
}

static void test_regex_raw_and_normalized(void **state)
{
    (void)state;
    struct mg_rules *r = load_set(
        "rules:\n"
        "  - {id: raw, reason: r, when: {regex: 'buy\\s+now'}, score: 1}\n"
        "  - {id: norm, reason: n, when: {normalized_regex: '\\bidiot\\b'}, score: 1}\n"
        "  - {id: cs, reason: c, when: {regex: '(?-i)ACME'}, score: 1}\n",
        NULL);
    struct judged j = judge(r, "Please BUY  now");
    assert_true(fired(&j, "raw"));
    assert_int_equal(j.span_start, 7);
    assert_int_equal(j.span_end, 15);
    /* the normalized text holds words as written (after steps 1-5): a
     * leet reading exists only for word lists */
    assert_false(fired((j = judge(r, "you 1d10t"), &j), "norm"));
    j = judge(r, "you ｉｄｉｏｔ!");
    assert_true(fired(&j, "norm"));
    assert_int_equal(j.span_start, 4);
    assert_int_equal(j.span_end, 9);
    assert_false(fired((j = judge(r, "acme corp"), &j), "cs"));
    assert_true(fired((j = judge(r, "ACME corp"), &j), "cs"));
    mg_rules_unref(r);
}

static void test_links(void **state)
{
    (void)state;
    struct mg_rules *r = load_set(
        "lists:\n"
        "  short: {file: s.txt, kind: domains}\n"
        "  ok: {entries: [example.org], kind: domains}\n"
        "rules:\n"
        "  - {id: short, reason: s, when: {link_domain: short}, score: 1}\n"
        "  - {id: many, reason: m, when: {links_at_least: 2}, score: 1}\n"
        "  - {id: out, reason: o, when: {link_outside: ok}, score: 1}\n"
        "  - {id: ip, reason: i, when: {link_ip: true}, score: 1}\n"
        "  - {id: hidden, reason: h, when: {link_hidden: true}, score: 1}\n",
        "s.txt", "bit.ly\n", NULL);
    struct judged j = judge(r, "see https://x.bit.ly/abc");
    assert_true(fired(&j, "short"));
    assert_true(fired(&j, "out"));
    assert_false(fired(&j, "many"));
    j = judge(r, "docs at https://www.example.org/a and example.org/b");
    assert_true(fired(&j, "many"));
    assert_false(fired(&j, "out"));
    assert_false(fired(&j, "short"));
    assert_true(fired((j = judge(r, "go http://203.0.113.7/x"), &j), "ip"));
    assert_true(fired((j = judge(r, "visit casino dot com today"), &j), "hidden"));
    j = judge(r, "Troops reached Kursk.Then the U.S. said no.");
    assert_string_equal(j.rules, "");
    mg_rules_unref(r);
}

static void test_contacts_and_chars(void **state)
{
    (void)state;
    struct mg_rules *r = load_set(
        "rules:\n"
        "  - {id: tg, reason: t, when: {contact: telegram}, score: 1}\n"
        "  - {id: wallet, reason: w, when: {contact: wallet}, score: 1}\n"
        "  - {id: mail, reason: m, when: {contact: email}, score: 1}\n"
        "  - {id: caps, reason: c, when: {caps_ratio_above: 0.8, min_letters: 10}, score: 1}\n"
        "  - {id: run, reason: r, when: {char_run_at_least: 8}, score: 1}\n"
        "  - {id: zalgo, reason: z, when: {combining_marks_at_least: 3}, score: 1}\n"
        "  - {id: mixed, reason: x, when: {mixed_script_words_at_least: 1}, score: 1}\n"
        "  - {id: invisible, reason: i, when: {invisibles_at_least: 2}, score: 1}\n"
        "  - {id: emoji, reason: e, when: {emoji_ratio_above: 0.5}, score: 1}\n",
        NULL);
    struct judged j;
    assert_true(fired((j = judge(r, "write me on t.me/cashking"), &j), "tg"));
    assert_true(fired((j = judge(r, "send to 0x52908400098527886E0F7030069857D2E4169EE7"), &j),
                      "wallet"));
    assert_true(fired((j = judge(r, "mail john.doe@example.com"), &j), "mail"));
    assert_true(fired((j = judge(r, "THIS IS OUTRAGEOUS NEWS"), &j), "caps"));
    assert_false(fired((j = judge(r, "Kim Jong Un met NATO and the UN"), &j), "caps"));
    assert_true(fired((j = judge(r, "nooooooooooo"), &j), "run"));
    assert_true(fired((j = judge(r, "z\xcc\xb8\xcc\xa2\xcd\x93" "algo"), &j), "zalgo"));
    assert_true(fired((j = judge(r, "log in at \xd1\x80" "aypal"), &j), "mixed"));
    assert_false(fired((j = judge(r, "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 hello"), &j),
                       "mixed"));
    assert_true(fired((j = judge(r, "fr\xe2\x80\x8b" "ee mo\xe2\x80\x8c" "ney"), &j),
                      "invisible"));
    assert_true(fired((j = judge(r, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80 ok"), &j),
                      "emoji"));
    mg_rules_unref(r);
}

static void test_author_conditions_and_actions(void **state)
{
    (void)state;
    struct mg_rules *r = load_set(
        "thresholds: {hold: 3, reject: 6}\n"
        "lists:\n"
        "  bad: {entries: [scam]}\n"
        "  staff: {kind: authors, entries: [u-1]}\n"
        "rules:\n"
        "  - {id: new, reason: n, when: {account_age_below: 1d}, score: 1}\n"
        "  - {id: name, reason: a, field: author_name, when: {words: bad}, action: hold}\n"
        "  - {id: three, reason: t, when: {words: bad}, score: 3}\n"
        "  - {id: staff, reason: s, when: {author_in: staff}, score: 0}\n",
        NULL);
    struct judged j = judge_full(r, "hello", NULL, NOW_MS - 3600 * 1000);
    assert_true(fired(&j, "new"));
    assert_int_equal(j.action, MG_ACTION_PUBLISH);
    assert_false(fired((j = judge_full(r, "hello", NULL, NOW_MS - 2 * DAY_MS), &j), "new"));
    assert_false(fired((j = judge_full(r, "hello", NULL, 0), &j), "new"));
    j = judge_full(r, "hello", "Scam Master", 0);
    assert_true(fired(&j, "name"));
    assert_int_equal(j.action, MG_ACTION_HOLD);
    assert_int_equal(j.span_start, -1); /* no span into the name */
    assert_true(fired((j = judge(r, "a scam"), &j), "staff"));
    /* score 3 reaches hold; 3 + 1 (new) still holds; no reject below 6 */
    assert_int_equal((j = judge(r, "a scam"), j.action), MG_ACTION_HOLD);
    mg_rules_unref(r);

    r = load_set("thresholds: {hold: 3, reject: 6}\n"
                 "lists: {bad: {entries: [scam]}}\n"
                 "rules:\n"
                 "  - {id: a, reason: a, when: {words: bad}, score: 4}\n"
                 "  - {id: b, reason: b, when: {regex: scam}, score: 4}\n"
                 "  - {id: ok, reason: o, when: {regex: 'trusted'}, action: publish}\n",
                 NULL);
    assert_int_equal((j = judge(r, "a scam"), j.action), MG_ACTION_REJECT);
    assert_true(j.score >= 8.0 && j.score <= 8.0);
    assert_int_equal((j = judge(r, "a trusted scam"), j.action), MG_ACTION_PUBLISH);
    mg_rules_unref(r);
}

static void test_combinators(void **state)
{
    (void)state;
    struct mg_rules *r = load_set(
        "rules:\n"
        "  - id: combo\n"
        "    reason: c\n"
        "    score: 1\n"
        "    when:\n"
        "      all:\n"
        "        - regex: money\n"
        "        - any: [{regex: telegram}, {regex: whatsapp}]\n"
        "        - not: {regex: news}\n",
        NULL);
    struct judged j;
    assert_true(fired((j = judge(r, "money on whatsapp"), &j), "combo"));
    assert_false(fired((j = judge(r, "money on the phone"), &j), "combo"));
    assert_false(fired((j = judge(r, "money telegram news"), &j), "combo"));
    mg_rules_unref(r);
}

/* A phrase is found with letters doubled in any of its words, as a single
 * word is: the text's words are squeezed, and so are the entry's. */
static void test_phrases_with_doubled_letters(void **state)
{
    (void)state;
    struct mg_rules *r = load_set(
        "lists: {p: {entries: [like this comment, sub me, fuck off, my channel,\n"
        "                      shoot them]}}\n"
        "rules:\n"
        "  - {id: beg, reason: b, when: {words: p}, score: 1}\n",
        NULL);
    static const char *const found[] = {
        "Liikee thiis coommeent foor no reeaasoon",
        "like thiis comment",
        "fuuck ooff",
        "suub mee", /* an entry without doubles meets squeezed words */
        /* a first word with no doubled letter, in the entry and the text */
        "my chaanneel",
        "Pleeaasee looook at my chaanneel",
        "like this coommeent",
        "shooot them",
    };
    for (size_t i = 0; i < ARRAY_LEN(found); i++) {
        struct judged j = judge(r, found[i]);
        if (!fired(&j, "beg"))
            fail_msg("'%s' did not fire", found[i]);
    }
    /* a word the entry has doubled must be doubled in the text too: a text
     * that merely lacks a letter is another phrase ("shot them" is a report,
     * "shoot them" a call) */
    static const char *const not_found[] = {
        "like this coment", "fuck of",          "like that comment",
        "my chanel",        "they shot them",   "liikee thiis coment",
    };
    for (size_t i = 0; i < ARRAY_LEN(not_found); i++) {
        struct judged j = judge(r, not_found[i]);
        if (fired(&j, "beg"))
            fail_msg("'%s' fired", not_found[i]);
    }
    mg_rules_unref(r);
}

/* ---- the shipped starter set ---- */

static struct mg_rules *shipped(void)
{
    struct mg_rules *rules = NULL;
    struct mg_rules_errors errs;
    if (mg_rules_load("rules", &rules, &errs) != MG_OK) {
        char line[1200];
        for (size_t i = 0; i < errs.count; i++)
            print_error("%s\n", mg_error_format(&errs.items[i], line, sizeof line));
        fail_msg("rules/ does not load");
    }
    return rules;
}

/* Each evasion of a listed word must still fire the rule that lists it. */
static void test_evasions_are_caught(void **state)
{
    (void)state;
    struct mg_rules *r = shipped();
    const struct {
        const char *text;
        const char *rule;
    } cases[] = {
        {"you are a faggot", "abuse.slur"},
        {"you are a f4gg0t", "abuse.slur"},                       /* leetspeak */
        {"you are a ｆａｇｇｏｔ", "abuse.slur"},                  /* fullwidth */
        {"you are a f a g g o t", "abuse.slur"},                  /* spaced */
        {"you are a f.a.g.g.o.t", "abuse.slur"},                  /* dotted */
        {"you are a f-a-g-g-o-t", "abuse.slur"},                  /* hyphenated */
        {"you are a fa\xe2\x80\x8bggot", "abuse.slur"},           /* zero-width space */
        {"you are a f\xc2\xad" "aggot", "abuse.slur"},            /* soft hyphen */
        {"you are a f\xd0\xb0ggot", "abuse.slur"},                /* Cyrillic a */
        {"you are a FAGGOOOOOT", "abuse.slur"},                   /* case, letter run */
        {"you are a f4ggooooot", "abuse.slur"},                   /* leet + run */
        {"you are a faaggoot", "abuse.slur"},                     /* letters doubled */
        {"what a stuupiid idea", "abuse.insult"},                 /* letters doubled */
        {"ｆ４ｇｇ０ｔ", "abuse.slur"},                             /* fullwidth leet */
        {"what a sh!t show", "abuse.profanity"},
        {"$hit happens", "abuse.profanity"},
        {"fuuuuuck this", "abuse.profanity"},
        {"motherfuckers all of them", "abuse.profanity"},
        {"이 병신아", "abuse.profanity_ko"},                          /* particle attached */
        {"씨 발 진짜", "abuse.profanity_ko"},                          /* spaced Hangul */
        {"get fr33 m0ney today", "spam.phrase"},
        {"get free\xe2\x80\x8b money today", "spam.phrase"},
        {"c l i c k here", "spam.phrase"},
        {"see bit.ly/abc", "links.shortener"},
        {"see example[.]com", "links.hidden"},
        {"z\xcc\xb8\xcc\xa2\xcd\x93" "a\xcc\xb5\xcc\xa7\xcd\x8e" "lgo", "evasion.zalgo"},
        {"go kill yourself", "abuse.self_harm_taunt"},
        {"you are an IDIOT", "abuse.insult_at_person"},
        {"pleeaasee suub to my chaanneel", "spam.phrase"},        /* phrase, doubled */
        {"dude ch3ck oouut my new song", "spam.opens_with_call"},
        {"adf.ly/KlD3Y", "links.paid_shortener"},
        {"저 도둑년 얼굴 좀 봐", "abuse.insult_suffix_ko"},           /* -년 */
        {"급식충들 또 왔네", "abuse.insult_suffix_ko"},                /* -충 */
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct judged j = judge(r, cases[i].text);
        if (!fired(&j, cases[i].rule))
            fail_msg("'%s' did not fire %s (fired: '%s')", cases[i].text, cases[i].rule,
                     j.rules);
    }
    mg_rules_unref(r);
}

/* Words and names holding a listed word must not fire anything. */
static void test_innocent_words_pass(void **state)
{
    (void)state;
    struct mg_rules *r = shipped();
    const char *texts[] = {
        "Scunthorpe United won at home.",
        "The assassin was never found.",
        "A cocktail party in Sussex.",
        "My therapist says hello.",
        "North Korean troops fought in Kursk.",
        "Kamaz trucks carried the howitzers.",
        "Kim Jong Un met the Russian minister.",
        "The invasion and the terror it brought.",
        "He passed the class with honours.",
        "Click the link in the article to read more.",
        "Dick Van Dyke turns 99.",
        "It was a shitake risotto.",
        "Analysts expect 35,000 more troops by 2025-11-29.",
        "The U.S. and the E.U. responded.",
        "새끼 고양이가 태어났다",
        "작년 청소년 수는 2019년보다 적었고 향년 90세로 별세했다",
        "곤충 보충 확충",
        "I had 3 cups of tea at 7 am.",
        "The book was good, too, and Niger agreed.",
    };
    for (size_t i = 0; i < ARRAY_LEN(texts); i++) {
        struct judged j = judge(r, texts[i]);
        if (j.action != MG_ACTION_PUBLISH || (j.rules[0] && !fired(&j, "abuse.profanity")))
            fail_msg("'%s' was judged %s (fired: '%s')", texts[i],
                     mg_action_name(j.action), j.rules);
    }
    mg_rules_unref(r);
}

/* "Check out" opens self-promotion; later in a comment it is talk, and
 * alone it does not hold. */
static void test_check_out_holds_only_as_an_opener(void **state)
{
    (void)state;
    struct mg_rules *r = shipped();
    struct judged j = judge(r, "The minister said readers should check out the report.");
    assert_int_equal(j.action, MG_ACTION_PUBLISH);
    assert_false(fired(&j, "spam.opens_with_call"));
    assert_true(fired(&j, "spam.call_to_act"));
    j = judge(r, "dude check out psy");
    assert_int_equal(j.action, MG_ACTION_HOLD);
    assert_true(fired(&j, "spam.opens_with_call"));
    mg_rules_unref(r);
}

/* ---- loading ---- */

struct bad_set {
    const char *yaml;
    const char *list; /* list.txt, or NULL */
    const char *file; /* where the error must be */
    const char *at;   /* the text it must point at: the first occurrence of
                         at in that file gives the line and column */
    const char *message;
};

/* Line and column (1-based) of the first occurrence of needle in text. */
static void position_of(const char *text, const char *needle, int *line, int *column)
{
    const char *hit = strstr(text, needle);
    assert_non_null(hit);
    *line = 1;
    const char *line_start = text;
    for (const char *p = text; p < hit; p++)
        if (*p == '\n') {
            (*line)++;
            line_start = p + 1;
        }
    *column = (int)(hit - line_start) + 1;
}

/* Loading the set of c (rules.yaml, and list.txt when it has one) fails,
 * and the first error is at c->at in c->file with c->message in it. */
static void expect_load_error(const char *what, const struct bad_set *c)
{
    const char *names[] = {"rules.yaml", "list.txt"};
    const char *texts[] = {c->yaml, c->list};
    size_t lens[] = {strlen(c->yaml), c->list ? strlen(c->list) : 0};
    struct mg_rules *rules = NULL;
    struct mg_rules_errors errs;
    int rc = mg_rules_load_files(c->list ? 2 : 1, names, texts, lens, &rules, &errs);
    if (rc != MG_EINVAL || rules || errs.count == 0)
        fail_msg("%s: rc %d, want MG_EINVAL with errors", what, rc);
    int line, column;
    position_of(strcmp(c->file, "list.txt") == 0 ? c->list : c->yaml, c->at, &line,
                &column);
    mg_test_expect_error(what, &errs.items[0], c->file, line, column, c->message);
}

static void test_load_errors(void **state)
{
    (void)state;
    const struct bad_set cases[] = {
        {"rules:\n  - {id: a, reason: r, when: {word: x}, score: 1}\n", NULL,
         "rules.yaml", "word:", "unknown condition 'word'"},
        {"rules:\n  - {id: a, reason: r, when: {regex: 'a(b'}, score: 1}\n", NULL,
         "rules.yaml", "'a(b'", "bad regular expression: missing closing parenthesis at offset 3"},
        {"lists: {l: {file: nope.txt}}\nrules: []\n", NULL, "rules.yaml", "nope.txt",
         "list file 'nope.txt' not found"},
        {"rules:\n  - {id: a, reason: r, when: {regex: x}, score: 1}\n"
         "  - {id: b, reason: r, when: {regex: y}, score: 1}\n"
         "  - {id: a, reason: r, when: {regex: z}, score: 1}\n",
         NULL, "rules.yaml", "a, reason: r, when: {regex: z}", "duplicate rule id 'a'"},
        {"rules:\n  - {id: a, reason: r, when: {regex: x}, scor: 1}\n", NULL,
         "rules.yaml", "scor", "unknown key 'scor' in a rule"},
        {"rules:\n  - {id: a, reason: r, when: {words: nolist}, score: 1}\n", NULL,
         "rules.yaml", "nolist", "no list named 'nolist'"},
        {"lists: {l: {file: list.txt}}\nrules: []\n", "ok\nfo*o\n", "list.txt", "*o",
         "'*' may only start or end a word"},
        {"lists: {l: {file: list.txt, kind: domains}}\n", "example.com\nnot a domain\n",
         "list.txt", " a domain", "is not a domain"},
        {"rules:\n  - {id: a, reason: r, when: {regex: x}}\n", NULL, "rules.yaml",
         "id: a", "needs a `score`, an `action` or both"},
        {"thresholds: {hold: 9, reject: 4}\n", NULL, "rules.yaml", "hold: 9",
         "the hold threshold (9) is above the reject threshold (4)"},
        {"rules:\n  - {id: a, reason: r, when: {account_age_below: soon}, action: hold}\n",
         NULL, "rules.yaml", "soon", "wants a duration"},
        {"rules:\n  - {id: a, reason: r, when: {contact: fax}, score: 1}\n", NULL,
         "rules.yaml", "fax", "`contact` wants any of"},
        {"rulez: []\n", NULL, "rules.yaml", "rulez", "unknown key 'rulez'"},
        {"lists: {l: {file: ../secrets.txt}}\n", NULL, "rules.yaml", "../secrets.txt",
         "must be a path inside the rules directory"},
        {"lists: {l: {file: /etc/passwd}}\n", NULL, "rules.yaml", "/etc/passwd",
         "must be a path inside the rules directory"},
        {"lists: {l: {file: list.txt}}\n", "free money*\n", "list.txt", "free",
         "a wildcard entry must be one word"},
        {"lists: {l: {file: list.txt}}\n", "ok\n  ...  \n", "list.txt", "...",
         "has no word in it"},
        {"lists: {l: {file: list.txt}, l: {entries: [x]}}\n", NULL, "rules.yaml",
         "l: {entries", "duplicate key"},
        {"lists: {d: {entries: [example.com], kind: domains}}\n"
         "rules:\n  - {id: a, reason: r, when: {words: d}, score: 1}\n",
         NULL, "rules.yaml", "d}, score", "`words` wants a list of words; 'd' is a list of domains"},
        {"rules:\n  - {id: A!, reason: r, when: {regex: x}, score: 1}\n", NULL,
         "rules.yaml", "A!", "a rule needs an `id` of lowercase letters"},
        {"rules:\n  - {id: a, reason: r, when: {regex: x}, score: 1, action: ban}\n", NULL,
         "rules.yaml", "ban", "`action` is hold, reject or publish"},
        {"rules:\n  - {id: a, reason: r, when: {link_ip: false}, score: 1}\n", NULL,
         "rules.yaml", "false", "`link_ip` takes `true`"},
        {"rules:\n  - {id: a, reason: r, when: {caps_ratio_above: 2}, score: 1}\n", NULL,
         "rules.yaml", "2}", "`caps_ratio_above` wants a number from 0 to 1"},
        {"rules:\n  - {id: a, reason: r, when: {all: []}, score: 1}\n", NULL,
         "rules.yaml", "all: []", "`all` wants at least one condition"},
        /* an empty value has no place of its own: its key's */
        {"rules:\n  - {id: a, reason: r, when: {regex: x}, score: }\n", NULL,
         "rules.yaml", "score: }", "`score` wants a number from -1000 to 1000"},
        {"rules:\n  - id: a\n    reason:\n    when: {regex: x}\n    score: 1\n",
         NULL, "rules.yaml", "reason:", "`reason` wants a sentence for moderators"},
        {"thresholds: {reject: 9, hold: }\n", NULL, "rules.yaml", "hold: }",
         "a threshold is a number above 0"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char what[32];
        snprintf(what, sizeof what, "case %zu", i);
        expect_load_error(what, &cases[i]);
    }
}

/* ---- named conditions ---- */

/* The same two rules, once with the lure written inline in each and once
 * as a named condition both use: every comment must get the same verdict,
 * the same rules and the same span either way. */
static const char inline_yaml[] =
    "lists:\n"
    "  pills: {entries: [viagra, pills]}\n"
    "  coins: {entries: [bitcoin]}\n"
    "  news: {entries: [article, police]}\n"
    "rules:\n"
    "  - id: pharma\n    reason: r\n    score: 3\n"
    "    when:\n"
    "      all:\n"
    "        - words: pills\n"
    "        - any: [{contact: phone}, {regex: '\\bdm me\\b'}, {links_at_least: 1}]\n"
    "        - not: {words: news}\n"
    "  - id: crypto\n    reason: r\n    score: 4\n"
    "    when:\n"
    "      all:\n"
    "        - words: coins\n"
    "        - any: [{contact: phone}, {regex: '\\bdm me\\b'}, {links_at_least: 1}]\n"
    "        - not: {words: news}\n";

static const char named_yaml[] =
    "lists:\n"
    "  pills: {entries: [viagra, pills]}\n"
    "  coins: {entries: [bitcoin]}\n"
    "  news: {entries: [article, police]}\n"
    "conditions:\n"
    "  lure:\n"
    "    any: [{contact: phone}, {regex: '\\bdm me\\b'}, {links_at_least: 1}]\n"
    "  not-news: {not: {words: news}}\n"
    "  pushed: {all: [{condition: lure}, {condition: not-news}]}\n"
    "rules:\n"
    "  - {id: pharma, reason: r, score: 3, when: {words: pills, condition: pushed}}\n"
    "  - id: crypto\n    reason: r\n    score: 4\n"
    "    when: {all: [{words: coins}, {condition: lure}, {condition: not-news}]}\n";

static void test_named_conditions_judge_as_inline(void **state)
{
    (void)state;
    struct mg_rules *a = load_set(inline_yaml, NULL);
    struct mg_rules *b = load_set(named_yaml, NULL);
    static const struct {
        const char *body;
        const char *fired; /* worked out by hand from the rules above */
    } cases[] = {
        {"cheap viagra and bitcoin, dm me", "pharma crypto"},
        {"bitcoin doubles, text +1 555 010 2030", "crypto"},
        {"viagra pills at pills-shop.example", "pharma"},
        {"the article says viagra sellers dm me all day", ""},
        {"viagra and bitcoin", ""},
        {"dm me about nothing", ""},
        {"police seized bitcoin, see www.cops.example", ""},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct judged x = judge(a, cases[i].body), y = judge(b, cases[i].body);
        assert_string_equal(x.rules, cases[i].fired);
        assert_string_equal(y.rules, cases[i].fired);
        assert_int_equal(x.action, y.action);
        assert_true(x.score == y.score);
        assert_int_equal(x.span_start, y.span_start);
        assert_int_equal(x.span_end, y.span_end);
    }
    /* a rule's span is its first test's with a span: "bitcoin"; a rule
     * made of the condition alone takes the condition's: the phone */
    struct judged j = judge(b, "bitcoin doubles, text +1 555 010 2030");
    assert_int_equal(j.span_start, 0);
    assert_int_equal(j.span_end, 7);
    struct mg_rules *c = load_set("conditions:\n  lure: {any: [{regex: zzz}, {contact: phone}]}\n"
                                  "rules:\n  - {id: l, reason: r, score: 1, when: {condition: lure}}\n",
                                  NULL);
    j = judge(c, "bitcoin doubles, text +1 555 010 2030");
    assert_string_equal(j.rules, "l");
    assert_int_equal(j.span_start, 22);
    assert_int_equal(j.span_end, 37);
    mg_rules_unref(c);
    mg_rules_unref(a);
    mg_rules_unref(b);
}

/* The memo is per judgement and per field: a condition true for one
 * comment's body is tested again for the next comment and for the
 * author's name. */
static void test_named_condition_memo_is_per_comment_and_field(void **state)
{
    (void)state;
    struct mg_rules *r = load_set(
        "conditions:\n  shop: {regex: '\\bshop\\b'}\n"
        "rules:\n"
        "  - {id: body, reason: r, score: 1, when: {condition: shop}}\n"
        "  - {id: body2, reason: r, score: 1, when: {any: [{regex: zzz}, {condition: shop}]}}\n"
        "  - {id: name, reason: r, score: 1, field: author_name, when: {condition: shop}}\n",
        NULL);
    struct judged j = judge_full(r, "visit my shop", "Ann", 0);
    assert_string_equal(j.rules, "body body2");
    assert_int_equal(j.span_start, 9);
    assert_int_equal(j.span_end, 13);
    j = judge_full(r, "nothing to see", "the shop guy", 0);
    assert_string_equal(j.rules, "name");
    j = judge_full(r, "shop", "shop", 0);
    assert_string_equal(j.rules, "body body2 name");
    j = judge(r, "nothing");
    assert_string_equal(j.rules, "");
    mg_rules_unref(r);
}

/* A pattern written the same in several rules is matched once a comment
 * and field, and every rule gets its result: the same pattern in another
 * field, or as the other kind (normalized_regex reads "s h o p" as "shop"),
 * is a pattern of its own. */
static void test_shared_patterns(void **state)
{
    (void)state;
    struct mg_rules *r = load_set(
        "rules:\n"
        "  - {id: a, reason: r, score: 1, when: {regex: '\\bshop\\b'}}\n"
        "  - {id: b, reason: r, score: 1, when: {all: [{regex: '\\bshop\\b'}, {regex: now}]}}\n"
        "  - {id: c, reason: r, score: 1, when: {not: {regex: '\\bshop\\b'}}}\n"
        "  - {id: n, reason: r, score: 1, when: {normalized_regex: '\\bshop\\b'}}\n"
        "  - {id: name, reason: r, score: 1, field: author_name, when: {regex: '\\bshop\\b'}}\n",
        NULL);
    struct judged j = judge_full(r, "my shop, buy now", "Ann", 0);
    assert_string_equal(j.rules, "a b n");
    assert_int_equal(j.span_start, 3);
    assert_int_equal(j.span_end, 7);
    j = judge_full(r, "my s h o p", "shop", 0);
    assert_string_equal(j.rules, "c n name");
    j = judge(r, "my shop");
    assert_string_equal(j.rules, "a n");
    j = judge(r, "nothing");
    assert_string_equal(j.rules, "c");
    mg_rules_unref(r);
}

/* A condition defined in one file is used in another, whichever comes
 * first in name order; so is a list. */
static void test_named_conditions_across_files(void **state)
{
    (void)state;
    const char *names[] = {"10-rules.yaml", "90-shared.yaml"};
    const char *texts[] = {
        "rules:\n  - {id: a, reason: r, score: 5, when: {condition: lure}}\n",
        "lists: {lure-words: {entries: [whatsapp me]}}\n"
        "conditions:\n  lure: {any: [{words: lure-words}, {contact: email}]}\n"};
    size_t lens[] = {strlen(texts[0]), strlen(texts[1])};
    struct mg_rules *r = NULL;
    struct mg_rules_errors errs;
    assert_int_equal(mg_rules_load_files(2, names, texts, lens, &r, &errs), MG_OK);
    struct judged j = judge(r, "whatsapp me now");
    assert_string_equal(j.rules, "a");
    assert_int_equal(j.action, MG_ACTION_HOLD);
    j = judge(r, "write to bob@mail.example");
    assert_string_equal(j.rules, "a");
    j = judge(r, "a quiet comment");
    assert_string_equal(j.rules, "");
    mg_rules_unref(r);
}

static void test_named_condition_errors(void **state)
{
    (void)state;
    const struct bad_set cases[] = {
        /* unknown name, at the reference */
        {"conditions:\n  lure: {regex: x}\n"
         "rules:\n  - {id: a, reason: r, when: {condition: lura}, score: 1}\n",
         NULL, "rules.yaml", "lura", "no condition named 'lura'"},
        /* a cycle through two conditions, at the reference that closes it */
        {"conditions:\n  a: {any: [{regex: x}, {condition: b}]}\n"
         "  b: {all: [{regex: y}, {condition: a}]}\n",
         NULL, "rules.yaml", "a}]}\n", "condition 'a' uses itself (a -> b -> a)"},
        /* a condition using itself */
        {"conditions:\n  self: {not: {condition: self}}\n", NULL, "rules.yaml",
         "self}}", "condition 'self' uses itself (self -> self)"},
        /* an error inside an unused condition still counts */
        {"conditions:\n  unused: {wordz: x}\n", NULL, "rules.yaml", "wordz",
         "unknown condition 'wordz'"},
        {"conditions:\n  Bad!: {regex: x}\n", NULL, "rules.yaml", "Bad!",
         "a condition's name is lowercase letters"},
        {"conditions: [a, b]\n", NULL, "rules.yaml", "a, b]",
         "`conditions` wants a mapping of condition names"},
        {"conditions: {a: {regex: x}}\n"
         "rules:\n  - {id: a, reason: r, when: {condition: [a]}, score: 1}\n",
         NULL, "rules.yaml", "a]}", "`condition` wants the name of a condition"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char what[32];
        snprintf(what, sizeof what, "case %zu", i);
        expect_load_error(what, &cases[i]);
    }
}

/* A name defined in two files: the second is the error, and says where the
 * first is. */
static void test_named_condition_defined_twice(void **state)
{
    (void)state;
    const char *names[] = {"a.yaml", "b.yaml"};
    const char *texts[] = {"conditions:\n  lure: {regex: x}\n",
                           "rules: []\nconditions:\n    lure: {regex: y}\n"};
    size_t lens[] = {strlen(texts[0]), strlen(texts[1])};
    struct mg_rules *r = NULL;
    struct mg_rules_errors errs;
    assert_int_equal(mg_rules_load_files(2, names, texts, lens, &r, &errs), MG_EINVAL);
    assert_null(r);
    assert_int_equal(errs.count, 1);
    assert_string_equal(errs.items[0].file, "b.yaml");
    assert_int_equal(errs.items[0].line, 3);
    assert_int_equal(errs.items[0].column, 5);
    assert_non_null(strstr(errs.items[0].message,
                           "condition 'lure' is defined twice (first at a.yaml:2:3)"));
}

/* A set with more named conditions than judge.c keeps on the stack. */
static void test_many_named_conditions(void **state)
{
    (void)state;
    char yaml[8192];
    int used = snprintf(yaml, sizeof yaml, "conditions:\n");
    for (int i = 0; i < 40; i++)
        used += snprintf(yaml + used, sizeof yaml - (size_t)used,
                         "  c%d: {regex: '\\bw%d\\b'}\n", i, i);
    snprintf(yaml + used, sizeof yaml - (size_t)used,
             "rules:\n"
             "  - {id: first, reason: r, score: 1, when: {condition: c0}}\n"
             "  - {id: last, reason: r, score: 1, when: {condition: c39}}\n"
             "  - {id: both, reason: r, score: 1, when: {all: [{condition: c0}, {condition: c39}]}}\n");
    struct mg_rules *r = load_set(yaml, NULL);
    struct judged j = judge(r, "w39 and w0");
    assert_string_equal(j.rules, "first last both");
    j = judge_full(r, "w39 only", "w0", 0);
    assert_string_equal(j.rules, "last");
    mg_rules_unref(r);
}

/* Conditions using conditions are bounded like nesting is. */
static void test_named_condition_chain_limit(void **state)
{
    (void)state;
    char yaml[8192];
    int used = snprintf(yaml, sizeof yaml, "conditions:\n");
    for (int i = 0; i < 40; i++)
        used += snprintf(yaml + used, sizeof yaml - (size_t)used,
                         "  c%d: {condition: c%d}\n", i, i + 1);
    snprintf(yaml + used, sizeof yaml - (size_t)used, "  c40: {regex: x}\n");
    const char *names[] = {"rules.yaml"};
    const char *texts[] = {yaml};
    size_t lens[] = {strlen(yaml)};
    struct mg_rules *rules = NULL;
    struct mg_rules_errors errs;
    assert_int_equal(mg_rules_load_files(1, names, texts, lens, &rules, &errs), MG_EINVAL);
    assert_non_null(strstr(errs.items[0].message, "more than 32 deep"));

    /* The other way round each condition uses one compiled before it, so
     * no chain of conditions being compiled ever grows: the limit must
     * still hold (judging recurses down the whole chain). 32 is fine. */
    for (int n = 32; n <= 40; n += 8) {
        used = snprintf(yaml, sizeof yaml, "conditions:\n  c0: {regex: x}\n");
        for (int i = 1; i < n; i++)
            used += snprintf(yaml + used, sizeof yaml - (size_t)used,
                             "  c%d: {condition: c%d}\n", i, i - 1);
        snprintf(yaml + used, sizeof yaml - (size_t)used,
                 "rules:\n  - {id: r, reason: r, when: {condition: c%d}, score: 1}\n", n - 1);
        lens[0] = strlen(yaml);
        rules = NULL;
        int rc = mg_rules_load_files(1, names, texts, lens, &rules, &errs);
        if (n == 32) {
            assert_int_equal(rc, MG_OK);
            mg_rules_unref(rules);
        } else {
            assert_int_equal(rc, MG_EINVAL);
            assert_non_null(strstr(errs.items[0].message, "more than 32 deep"));
        }
    }
}

/* Past MG_RULES_MAX_ERRORS, errors are counted, not listed. */
static void test_load_error_cap(void **state)
{
    (void)state;
    char yaml[4096] = "rules:\n";
    for (int i = 0; i < 25; i++) {
        size_t used = strlen(yaml);
        snprintf(yaml + used, sizeof yaml - used,
                 "  - {id: r%d, reason: r, when: {nope: 1}, score: 1}\n", i);
    }
    const char *names[] = {"rules.yaml"};
    const char *texts[] = {yaml};
    size_t lens[] = {strlen(yaml)};
    struct mg_rules *rules = NULL;
    struct mg_rules_errors errs;
    assert_int_equal(mg_rules_load_files(1, names, texts, lens, &rules, &errs), MG_EINVAL);
    assert_int_equal(errs.count, MG_RULES_MAX_ERRORS);
    assert_int_equal(errs.more, 25 - MG_RULES_MAX_ERRORS);
    assert_int_equal(errs.items[19].line, 21);
}

/* Conditions nest at most 32 deep: a hostile file cannot exhaust the stack. */
static void test_load_nesting_limit(void **state)
{
    (void)state;
    char yaml[4096];
    int used = snprintf(yaml, sizeof yaml,
                        "rules:\n  - id: deep\n    reason: r\n    score: 1\n    when: ");
    for (int i = 0; i < 40; i++)
        used += snprintf(yaml + used, sizeof yaml - (size_t)used, "{not: ");
    used += snprintf(yaml + used, sizeof yaml - (size_t)used, "{regex: x}");
    for (int i = 0; i < 40; i++)
        used += snprintf(yaml + used, sizeof yaml - (size_t)used, "}");
    snprintf(yaml + used, sizeof yaml - (size_t)used, "\n");
    const char *names[] = {"rules.yaml"};
    const char *texts[] = {yaml};
    size_t lens[] = {strlen(yaml)};
    struct mg_rules *rules = NULL;
    struct mg_rules_errors errs;
    assert_int_equal(mg_rules_load_files(1, names, texts, lens, &rules, &errs), MG_EINVAL);
    assert_non_null(strstr(errs.items[0].message, "nest more than 32 deep"));
}

/* YAML that does not parse fails with libfyaml's place. */
static void test_load_syntax_error(void **state)
{
    (void)state;
    const char *yaml = "rules: [\n";
    const char *names[] = {"broken.yaml"};
    size_t lens[] = {strlen(yaml)};
    struct mg_rules *rules = NULL;
    struct mg_rules_errors errs;
    assert_int_equal(mg_rules_load_files(1, names, &yaml, lens, &rules, &errs), MG_EINVAL);
    assert_string_equal(errs.items[0].file, "broken.yaml");
    assert_true(errs.items[0].line >= 1);

    /* a list declared in two files: the second is the error */
    const char *two[] = {"a.yaml", "b.yaml"};
    const char *texts[] = {"lists: {l: {entries: [x]}}\n", "\nlists: {l: {entries: [y]}}\n"};
    size_t two_lens[] = {strlen(texts[0]), strlen(texts[1])};
    assert_int_equal(mg_rules_load_files(2, two, texts, two_lens, &rules, &errs), MG_EINVAL);
    assert_string_equal(errs.items[0].file, "b.yaml");
    assert_int_equal(errs.items[0].line, 2);
    assert_int_equal(errs.items[0].column, 9);
    assert_non_null(strstr(errs.items[0].message, "list 'l' is declared twice"));
}

/* A set with a broken file loads nothing, and reports every broken rule,
 * not only the first. */
static void test_load_reports_every_error(void **state)
{
    (void)state;
    const char *yaml = "rules:\n"
                       "  - {id: a, reason: r, when: {regex: '('}, score: 1}\n"
                       "  - {id: b, reason: r, when: {regex: ok}, score: 1}\n"
                       "  - {id: c, reason: r, when: {nope: 1}, score: 1}\n";
    const char *names[] = {"r.yaml"};
    const char *texts[] = {yaml};
    size_t lens[] = {strlen(yaml)};
    struct mg_rules *rules = NULL;
    struct mg_rules_errors errs;
    assert_int_equal(mg_rules_load_files(1, names, texts, lens, &rules, &errs), MG_EINVAL);
    assert_int_equal(errs.count, 2);
    assert_int_equal(errs.items[0].line, 2);
    assert_int_equal(errs.items[1].line, 4);
}

static void test_version_is_a_digest_of_the_files(void **state)
{
    (void)state;
    struct mg_rules *a = load_set(words_yaml, "bad.txt", "one\n", NULL);
    struct mg_rules *b = load_set(words_yaml, "bad.txt", "one\n", NULL);
    struct mg_rules *c = load_set(words_yaml, "bad.txt", "two\n", NULL);
    assert_string_equal(mg_rules_version(a), mg_rules_version(b));
    assert_string_not_equal(mg_rules_version(a), mg_rules_version(c));
    assert_int_equal(strlen(mg_rules_version(a)), 14);
    assert_memory_equal(mg_rules_version(a), "r-", 2);
    mg_rules_unref(a);
    mg_rules_unref(b);
    mg_rules_unref(c);
}

/* A pattern that backtracks exponentially on a hostile text gives up at
 * PCRE2's match limit, quickly, and counts as no match. */
static void test_catastrophic_regex_gives_up(void **state)
{
    (void)state;
    struct mg_rules *r = load_set(
        "rules:\n  - {id: evil, reason: e, when: {regex: '^(a+)+$'}, score: 1}\n", NULL);
    char body[300];
    memset(body, 'a', 40);
    body[40] = '!';
    body[41] = '\0';
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct judged j = judge(r, body);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_false(fired(&j, "evil"));
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    /* 2^40 steps without the limit; with it, well under a second even
     * under sanitizers and valgrind */
    if (ms > 2000)
        fail_msg("the match took %.0f ms", ms);
    assert_true(fired((j = judge(r, "aaaa"), &j), "evil"));
    mg_rules_unref(r);
}

static void test_hits_and_inheritance(void **state)
{
    (void)state;
    struct mg_rules *a = load_set(words_yaml, "bad.txt", "spam\n", NULL);
    struct judged j = judge(a, "spam and spam");
    assert_true(fired(&j, "w"));
    (void)judge(a, "spam");
    (void)judge(a, "nothing");
    assert_int_equal(mg_rules_hits(a, 0), 2);
    struct mg_rules *b = load_set(words_yaml, "bad.txt", "eggs\n", NULL);
    mg_rules_inherit_hits(b, a);
    assert_int_equal(mg_rules_hits(b, 0), 2);
    mg_rules_unref(a);
    mg_rules_unref(b);
}

static void test_history_settings(void **state)
{
    (void)state;
    struct mg_rules *r = load_set("history:\n"
                                  "  duplicate: {window: 1h}\n"
                                  "  campaign: {window: 10m, authors: 3, min_chars: 40}\n"
                                  "  new_commenter: {published_below: 2}\n"
                                  "rules:\n"
                                  "  - {id: s, reason: s, when: {regex: spam}, score: 1}\n"
                                  "  - {id: z, reason: z, when: {regex: zero}, score: 0}\n",
                                  NULL);
    const struct mg_rules_history *h = mg_rules_history(r);
    assert_non_null(h);
    assert_int_equal(h->duplicate_window_ms, 3600 * 1000);
    assert_int_equal(h->campaign_window_ms, 600 * 1000);
    assert_int_equal(h->campaign_authors, 3);
    assert_int_equal(h->new_commenter_below, 2);
    assert_int_equal(h->duplicate_min_chars, 0); /* absent: every body */
    assert_int_equal(h->campaign_min_chars, 40);

    /* the digest is of the normalized body; suspect means a positive score
     * or a link */
    struct mg_rules_input in = {.body = "Spam  SPAM!", .body_len = 11, .author_id = "u"};
    struct mg_verdict a, b, c, d;
    assert_int_equal(mg_rules_judge(r, &in, &a, NULL), MG_OK);
    in.body = "spam spam";
    in.body_len = 9;
    assert_int_equal(mg_rules_judge(r, &in, &b, NULL), MG_OK);
    in.body = "zero at example.com";
    in.body_len = strlen(in.body);
    assert_int_equal(mg_rules_judge(r, &in, &c, NULL), MG_OK);
    in.body = "zero";
    in.body_len = 4;
    assert_int_equal(mg_rules_judge(r, &in, &d, NULL), MG_OK);
    assert_int_equal(strlen(a.body_digest), 32);
    assert_string_equal(a.body_digest, b.body_digest);
    assert_string_not_equal(a.body_digest, c.body_digest);
    /* the normalized body's length, for min_chars: "spam spam" */
    assert_int_equal(a.body_chars, 9);
    assert_int_equal(d.body_chars, 4);
    assert_true(a.suspect);
    assert_true(c.suspect);
    assert_false(d.suspect);
    mg_verdict_close(&a);
    mg_verdict_close(&b);
    mg_verdict_close(&c);
    mg_verdict_close(&d);
    mg_rules_unref(r);

    /* a set without `history` has none */
    r = load_set("rules: []\n", NULL);
    assert_null(mg_rules_history(r));
    mg_rules_unref(r);

    const struct bad_set bad[] = {
        {"history: {duplicate: {window: forever}}\n", NULL, "rules.yaml", "forever",
         "`window` wants a duration"},
        {"history: {campaign: {window: 1h, authors: 1}}\n", NULL, "rules.yaml", "1}",
         "`authors` of a campaign is 2 or more"},
        {"history: {campaign: {window: 1h}}\n", NULL, "rules.yaml", "window",
         "`campaign` needs `authors`"},
        {"history: {dupes: {window: 1h}}\n", NULL, "rules.yaml", "dupes",
         "unknown key 'dupes' in `history`"},
        {"history: {duplicate: {window: 1h, min_chars: 0}}\n", NULL, "rules.yaml", "0}",
         "`min_chars` wants a whole number from 1"},
        {"history: {campaign: {window: 1h, authors: 2, min_chars: x}}\n", NULL, "rules.yaml",
         "x}", "`min_chars` wants a whole number from 1"},
        {"history: {duplicate: {window: 1h, min_words: 3}}\n", NULL, "rules.yaml",
         "min_words", "unknown key 'min_words' in `duplicate`"},
        {"history: {new_commenter: {published_below: 3, min_score: 0}}\n", NULL,
         "rules.yaml", "0}", "`min_score` wants a score above 0"},
        {"history: {new_commenter: {published_below: 3, min_score: -2}}\n", NULL,
         "rules.yaml", "-2}", "`min_score` wants a score above 0"},
        {"history: {new_commenter: {published_below: 3, min_score: high}}\n", NULL,
         "rules.yaml", "high}", "`min_score` wants a score above 0"},
        {"history: {new_commenter: {min_score: 4}}\n", NULL, "rules.yaml", "min_score",
         "`new_commenter` needs `published_below`"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        char what[32];
        snprintf(what, sizeof what, "history case %zu", i);
        expect_load_error(what, &bad[i]);
    }
}

/* With min_score, a new commenter's comment is suspect from that score on:
 * one weak rule (3) is not, two together (3 + 2) are, and a link alone no
 * longer is (a link counts only through the rules that score it). Bad
 * values are among test_history_settings' cases. */
static void test_new_commenter_min_score(void **state)
{
    (void)state;
    struct mg_rules *r = load_set("history:\n"
                                  "  new_commenter: {published_below: 3, min_score: 4}\n"
                                  "rules:\n"
                                  "  - {id: weak, reason: w, when: {regex: weak}, score: 3}\n"
                                  "  - {id: mild, reason: m, when: {regex: mild}, score: 2}\n",
                                  NULL);
    const struct mg_rules_history *h = mg_rules_history(r);
    assert_non_null(h);
    assert_int_equal(h->new_commenter_below, 3);
    assert_true(h->new_commenter_has_min_score);
    assert_true(h->new_commenter_min_score == 4.0);
    static const struct {
        const char *body;
        bool suspect;
    } cases[] = {
        {"a weak word", false},          /* 3 < 4 */
        {"weak and mild together", true}, /* 5 >= 4 */
        {"see example.com for it", false},
        {"nothing at all", false},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct mg_rules_input in = {.body = cases[i].body,
                                    .body_len = strlen(cases[i].body),
                                    .author_id = "u"};
        struct mg_verdict v;
        assert_int_equal(mg_rules_judge(r, &in, &v, NULL), MG_OK);
        if (v.suspect != cases[i].suspect)
            fail_msg("%s: suspect %d", cases[i].body, v.suspect);
        mg_verdict_close(&v);
    }
    mg_rules_unref(r);
}

/* A `regex` that does not match the body as written is tried on it folded
 * (NFKC, case, invisibles): "𝐭𝐞𝐱𝐭 me" matches 'text me', without a span,
 * since the folded text's offsets are not the body's. */
static void test_regex_sees_the_folded_body(void **state)
{
    (void)state;
    struct mg_rules *r = load_set("rules:\n"
                                  "  - {id: t, reason: t, when: {regex: 'text me'}, score: 5}\n",
                                  NULL);
    static const struct {
        const char *body;
        bool fires, span;
    } cases[] = {
        {"please text me now", true, true},
        {"please \xf0\x9d\x90\xad\xf0\x9d\x90\x9e\xf0\x9d\x90\xb1\xf0\x9d\x90\xad me now",
         true, false},
        {"please t\xe2\x80\x8b" "ext me", true, false},
        {"please \xef\xbd\x94\xef\xbd\x85\xef\xbd\x98\xef\xbd\x94 me", true, false},
        {"please call me", false, false},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct mg_rules_input in = {.body = cases[i].body,
                                    .body_len = strlen(cases[i].body),
                                    .author_id = "u"};
        struct mg_verdict v;
        assert_int_equal(mg_rules_judge(r, &in, &v, NULL), MG_OK);
        json_t *m = json_array_get(v.matches, 0);
        if ((m != NULL) != cases[i].fires ||
            (m && json_is_array(json_object_get(m, "span")) != cases[i].span))
            fail_msg("%s: fired %d", cases[i].body, m != NULL);
        mg_verdict_close(&v);
    }
    mg_rules_unref(r);
}

static void test_empty_set_publishes(void **state)
{
    (void)state;
    struct mg_rules_input in = {.body = "anything", .body_len = 8, .author_id = "u"};
    struct mg_verdict v;
    char *normalized;
    assert_int_equal(mg_rules_judge(NULL, &in, &v, &normalized), MG_OK);
    assert_int_equal(v.action, MG_ACTION_PUBLISH);
    assert_int_equal(json_array_size(v.matches), 0);
    assert_string_equal(v.rules_version, MG_RULES_EMPTY_VERSION);
    assert_string_equal(normalized, "anything");
    mg_free(normalized);
    mg_verdict_close(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_whole_word_and_phrases),
        cmocka_unit_test(test_regex_raw_and_normalized),
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_contacts_and_chars),
        cmocka_unit_test(test_author_conditions_and_actions),
        cmocka_unit_test(test_combinators),
        cmocka_unit_test(test_phrases_with_doubled_letters),
        cmocka_unit_test(test_evasions_are_caught),
        cmocka_unit_test(test_innocent_words_pass),
        cmocka_unit_test(test_check_out_holds_only_as_an_opener),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_named_conditions_judge_as_inline),
        cmocka_unit_test(test_named_condition_memo_is_per_comment_and_field),
        cmocka_unit_test(test_named_conditions_across_files),
        cmocka_unit_test(test_shared_patterns),
        cmocka_unit_test(test_named_condition_errors),
        cmocka_unit_test(test_named_condition_defined_twice),
        cmocka_unit_test(test_named_condition_chain_limit),
        cmocka_unit_test(test_many_named_conditions),
        cmocka_unit_test(test_load_syntax_error),
        cmocka_unit_test(test_load_error_cap),
        cmocka_unit_test(test_load_nesting_limit),
        cmocka_unit_test(test_load_reports_every_error),
        cmocka_unit_test(test_version_is_a_digest_of_the_files),
        cmocka_unit_test(test_catastrophic_regex_gives_up),
        cmocka_unit_test(test_hits_and_inheritance),
        cmocka_unit_test(test_history_settings),
        cmocka_unit_test(test_new_commenter_min_score),
        cmocka_unit_test(test_regex_sees_the_folded_body),
        cmocka_unit_test(test_empty_set_publishes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
