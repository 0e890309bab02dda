#include "server/policy.h"
#include "test.h"

#include <string.h>

static struct sockaddr_storage v4(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    inet_pton(AF_INET, text, &a->sin_addr);
    return ss;
}

static struct sockaddr_storage v6(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    inet_pton(AF_INET6, text, &a->sin6_addr);
    return ss;
}

#define ALLOWS(p, ss) se_policy_allows(p, (const struct sockaddr *)&(ss))

TEST(cidr_parse)
{
    se_cidr c;
    char err[128];
    CHECK_EQ_INT(se_cidr_parse("10.0.0.0/8", &c, err, sizeof err), 0);
    CHECK_EQ_INT(c.prefix, 96 + 8);
    CHECK_EQ_INT(se_cidr_parse("::1", &c, err, sizeof err), 0);
    CHECK_EQ_INT(c.prefix, 128);
    CHECK_EQ_INT(se_cidr_parse("2001:db8::/32", &c, err, sizeof err), 0);
    CHECK_EQ_INT(c.prefix, 32);
    CHECK_EQ_INT(se_cidr_parse("10.0.0.0/33", &c, err, sizeof err), -1);
    CHECK_EQ_INT(se_cidr_parse("10.0.0.0/", &c, err, sizeof err), -1);
    CHECK_EQ_INT(se_cidr_parse("10.0.0/8", &c, err, sizeof err), -1);
    CHECK_EQ_INT(se_cidr_parse("host.example", &c, err, sizeof err), -1);
    CHECK(strstr(err, "host.example") != NULL);
    CHECK_EQ_INT(se_cidr_parse("", &c, err, sizeof err), -1);
    CHECK_EQ_INT(se_cidr_parse("::/129", &c, err, sizeof err), -1);
}

TEST(policy_allow_deny)
{
    se_policy p;
    char err[128];
    memset(&p, 0, sizeof p);
    struct sockaddr_storage a1 = v4("127.0.0.1"), a2 = v4("127.0.0.2"), b = v4("10.1.2.3");
    struct sockaddr_storage mapped = v6("::ffff:127.0.0.2"), lo6 = v6("::1");
    CHECK(ALLOWS(&p, a1));
    CHECK(se_cidr_parse("127.0.0.2/32", &p.deny[p.deny_count++], err, sizeof err) == 0);
    CHECK(ALLOWS(&p, a1));
    CHECK(!ALLOWS(&p, a2));
    CHECK(!ALLOWS(&p, mapped)); /* a dual-stack listener's IPv4 peer */
    CHECK(se_cidr_parse("127.0.0.0/8", &p.allow[p.allow_count++], err, sizeof err) == 0);
    CHECK(ALLOWS(&p, a1));
    CHECK(!ALLOWS(&p, b));
    CHECK(!ALLOWS(&p, lo6));
    CHECK(se_cidr_parse("::1/128", &p.allow[p.allow_count++], err, sizeof err) == 0);
    CHECK(ALLOWS(&p, lo6));
    CHECK(!ALLOWS(&p, a2)); /* deny wins over allow */
}

TEST(source_counts)
{
    se_source_table *t = se_source_table_create();
    CHECK(t != NULL);
    if (!t)
        return;
    struct sockaddr_storage a = v4("127.0.0.1"), b = v6("::1");
    const struct sockaddr *pa = (const struct sockaddr *)&a, *pb = (const struct sockaddr *)&b;
    CHECK_EQ_INT(se_source_acquire(t, pa, 2), 0);
    CHECK_EQ_INT(se_source_acquire(t, pa, 2), 0);
    CHECK_EQ_INT(se_source_acquire(t, pa, 2), -1);
    CHECK_EQ_INT(se_source_acquire(t, pb, 2), 0);
    se_source_release(t, pa);
    CHECK_EQ_INT(se_source_acquire(t, pa, 2), 0);
    se_source_release(t, pa);
    se_source_release(t, pa);
    se_source_release(t, pb);
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(se_source_acquire(t, pa, 0), 0); /* 0: no cap */
    se_source_table_destroy(t);
}
