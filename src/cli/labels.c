/* labels.c: see labels.h. The tables are short on purpose: docs/moderators.md
 * prints them, and a moderator who wants a label writes one of the words. */
#include "labels.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

static const char SPAM[] = "spam", ABUSE[] = "abuse", HAM[] = "ham";

/* The moderator's words, whole words. A few inflections are listed rather
 * than matched by prefix, so that "adverse" is not "advert" and "hateful"
 * is abuse without "hat..." being anything. The Korean ones are the bare
 * nouns moderators write as a reason ("스팸", "욕설"). */
static const struct {
    const char *word;
    const char *label;
} REASON_WORDS[] = {
    {"spam", SPAM},      {"spammer", SPAM},     {"spammy", SPAM},
    {"scam", SPAM},      {"scammer", SPAM},     {"advert", SPAM},
    {"advertising", SPAM}, {"advertisement", SPAM}, {"ads", SPAM},
    {"promo", SPAM},     {"promotion", SPAM},   {"promotional", SPAM},
    {"link", SPAM},      {"links", SPAM},       {"bot", SPAM},
    {"bots", SPAM},      {"phishing", SPAM},    {"\xec\x8a\xa4\xed\x8c\xb8", SPAM}, /* 스팸 */
    {"\xea\xb4\x91\xea\xb3\xa0", SPAM},         /* 광고 */
    {"\xed\x99\x8d\xeb\xb3\xb4", SPAM},         /* 홍보 */
    {"abuse", ABUSE},    {"abusive", ABUSE},    {"hate", ABUSE},
    {"hateful", ABUSE},  {"insult", ABUSE},     {"insulting", ABUSE},
    {"threat", ABUSE},   {"threatening", ABUSE}, {"harass", ABUSE},
    {"harassment", ABUSE}, {"harassing", ABUSE}, {"slur", ABUSE},
    {"slurs", ABUSE},    {"troll", ABUSE},      {"trolling", ABUSE},
    {"racist", ABUSE},   {"racism", ABUSE},     {"sexist", ABUSE},
    {"\xec\x9a\x95\xec\x84\xa4", ABUSE},        /* 욕설 */
    {"\xed\x98\x90\xec\x98\xa4", ABUSE},        /* 혐오 */
    {"\xeb\xb9\x84\xeb\xb0\xa9", ABUSE},        /* 비방 */
    {"\xed\x98\x91\xeb\xb0\x95", ABUSE},        /* 협박 */
};

/* Rule families (the id before its first '.'), as the files in rules/ name them. */
static const struct {
    const char *family;
    const char *label;
} FAMILIES[] = {
    {"spam", SPAM},   {"scam", SPAM},    {"lure", SPAM},   {"links", SPAM},
    {"abuse", ABUSE}, {"threat", ABUSE}, {"evasion", ABUSE}, {"hate", ABUSE},
    {"author", ABUSE}, /* author.name_profanity */
};

/* Whole rule ids whose family says nothing by itself (history, context):
 * the same text again and again, a new account's link, are spam's ways. */
static const struct {
    const char *rule;
    const char *label;
} RULES[] = {
    {"history.duplicate", SPAM},
    {"history.campaign", SPAM},
    {"context.new_account_link", SPAM},
};

/* A byte of a word: an ASCII letter or digit, or any byte of a non-ASCII
 * character (Hangul, accented letters). */
static bool word_byte(unsigned char c)
{
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

static const char *by_reason(const char *reason)
{
    const char *p = reason;
    while (p && *p) {
        while (*p && !word_byte((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p && word_byte((unsigned char)*p))
            p++;
        size_t n = (size_t)(p - start);
        for (size_t i = 0; n && i < sizeof REASON_WORDS / sizeof REASON_WORDS[0]; i++)
            if (strlen(REASON_WORDS[i].word) == n &&
                strncasecmp(REASON_WORDS[i].word, start, n) == 0)
                return REASON_WORDS[i].label;
    }
    return NULL;
}

/* A model rule's label: the head it scored highest (its `model` member),
 * else what its id says after "model." (model.spam, model.abuse-high). */
static const char *by_model(const char *rule, const json_t *match)
{
    const char *best = NULL;
    double top = -1.0;
    size_t i;
    const json_t *h;
    json_array_foreach(json_object_get(match, "model"), i, h) {
        double s = json_number_value(json_object_get(h, "score"));
        const char *head = json_string_value(json_object_get(h, "head"));
        if (head && s > top) {
            top = s;
            best = head;
        }
    }
    if (!best)
        best = rule + strlen("model.");
    if (strncmp(best, SPAM, strlen(SPAM)) == 0)
        return SPAM;
    if (strncmp(best, ABUSE, strlen(ABUSE)) == 0)
        return ABUSE;
    return NULL;
}

/* The label a match's rule stands for, NULL when its family says none. */
static const char *by_rule(const json_t *match)
{
    const char *rule = json_string_value(json_object_get(match, "rule"));
    if (!rule)
        return NULL;
    for (size_t i = 0; i < sizeof RULES / sizeof RULES[0]; i++)
        if (strcmp(RULES[i].rule, rule) == 0)
            return RULES[i].label;
    const char *dot = strchr(rule, '.');
    size_t n = dot ? (size_t)(dot - rule) : strlen(rule);
    if (dot && n == strlen("model") && strncmp(rule, "model", n) == 0)
        return by_model(rule, match);
    for (size_t i = 0; i < sizeof FAMILIES / sizeof FAMILIES[0]; i++)
        if (strlen(FAMILIES[i].family) == n && strncmp(FAMILIES[i].family, rule, n) == 0)
            return FAMILIES[i].label;
    return NULL;
}

static const char *by_matches(const json_t *matches)
{
    const char *label = NULL;
    double top = 0.0;
    size_t i;
    const json_t *m;
    json_array_foreach(matches, i, m) {
        const char *l = by_rule(m);
        double s = json_number_value(json_object_get(m, "score"));
        /* the highest score; the first of equals, rules being in order */
        if (l && (!label || s > top)) {
            label = l;
            top = s;
        }
    }
    return label;
}

const char *modctl_decision_label(const char *action, const char *reason,
                                  const json_t *matches)
{
    if (!action)
        return NULL;
    if (strcmp(action, "approve") == 0 || strcmp(action, "dismiss_reports") == 0)
        return HAM;
    if (strcmp(action, "reject") != 0 && strcmp(action, "remove") != 0)
        return NULL;
    const char *label = by_reason(reason);
    if (!label)
        label = by_matches(matches);
    return label ? label : ABUSE;
}
