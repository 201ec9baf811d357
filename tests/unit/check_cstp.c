/* Unit tests for CSTP framing (src/common/cstp.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslvpnd/cstp.h"
#include "sslvpnd/util.h"

static uint8_t frame[CSTP_HDR_LEN + CSTP_MAX_PAYLOAD + 16];

/* Build header + payload of len bytes (a counting pattern) in frame[]. */
static size_t build(uint8_t type, uint16_t len)
{
	size_t i;

	cstp_hdr(frame, type, len);
	for (i = 0; i < len; i++)
		frame[CSTP_HDR_LEN + i] = (uint8_t)(i * 7 + 1);
	return CSTP_HDR_LEN + len;
}

/* cstp_parse on an exact-size heap copy of frame[0..n). */
static int parse_n(size_t n, uint8_t *type, uint16_t *plen, size_t *poff)
{
	uint8_t *copy = malloc(n ? n : 1);
	const uint8_t *payload = NULL;
	int r;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, frame, n);
	r = cstp_parse(copy, n, type, &payload, plen);
	if (r > 0)
		*poff = (size_t)(payload - copy);
	free(copy);
	return r;
}

/* ---- core ---------------------------------------------------------------- */

static const struct {
	uint8_t type;
	uint16_t len;
	const char *name;
} types[] = {
	{ CSTP_DATA, 1400, "DATA" },
	{ CSTP_DATA, 0, "DATA" },
	{ CSTP_DPD_REQ, 0, "DPD-REQ" },
	{ CSTP_DPD_REQ, 1200, "DPD-REQ" },
	{ CSTP_DPD_RESP, 1200, "DPD-RESP" },
	{ CSTP_DISCONNECT, 1, "DISCONNECT" },
	{ CSTP_DISCONNECT, 18, "DISCONNECT" },
	{ CSTP_KEEPALIVE, 0, "KEEPALIVE" },
	{ CSTP_COMPRESSED, 300, "COMPRESSED" },
	{ CSTP_TERMINATE, 0, "TERMINATE" },
	{ CSTP_DATA, CSTP_MAX_PAYLOAD, "DATA" },
	{ 0x06, 3, "unknown (0x06)" }, /* unknown types parse: caller decides */
	{ 0xff, 0, "unknown (0xff)" },
};

START_TEST(test_roundtrip)
{
	uint8_t type = 0xee;
	uint16_t plen = 0xeeee;
	size_t n = build(types[_i].type, types[_i].len), off = 0, i;
	int r = parse_n(n, &type, &plen, &off);

	ck_assert_msg(r == (int)n, "case %d: expected %zu, got %d", _i, n, r);
	ck_assert_uint_eq(type, types[_i].type);
	ck_assert_uint_eq(plen, types[_i].len);
	ck_assert_uint_eq(off, CSTP_HDR_LEN);
	for (i = 0; i < plen; i++)
		ck_assert_uint_eq(frame[CSTP_HDR_LEN + i],
				  (uint8_t)(i * 7 + 1));
	ck_assert_str_eq(cstp_type_name(types[_i].type), types[_i].name);
}
END_TEST

START_TEST(test_hdr_bytes)
{
	static const uint8_t want[] = { 'S', 'T', 'F', 1, 0x05, 0x78, 0x03, 0 };
	uint8_t h[CSTP_HDR_LEN];

	memset(h, 0xaa, sizeof(h));
	cstp_hdr(h, CSTP_DPD_REQ, 0x0578);
	ck_assert_mem_eq(h, want, sizeof(want));
}
END_TEST

/* Every strict prefix of a valid frame asks for more bytes. */
START_TEST(test_partial)
{
	size_t n = build(types[_i].type, types[_i].len), k, off;
	uint16_t plen;
	uint8_t type;
	int r;

	for (k = 0; k < n; k++) {
		r = parse_n(k, &type, &plen, &off);
		ck_assert_msg(r == 0, "case %d prefix %zu: expected 0, got %d",
			      _i, k, r);
	}
}
END_TEST

/* Frames back to back in one stream are parsed one at a time. */
START_TEST(test_stream)
{
	static const uint8_t want[] = { CSTP_DATA, CSTP_KEEPALIVE, CSTP_DPD_REQ,
					CSTP_DISCONNECT };
	const uint8_t *p = frame, *payload;
	size_t n = 0, i;
	uint16_t plen;
	uint8_t type;
	int r;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		cstp_hdr(frame + n, want[i], (uint16_t)i);
		memset(frame + n + CSTP_HDR_LEN, (int)i, i);
		n += CSTP_HDR_LEN + i;
	}
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		r = cstp_parse(p, n - (size_t)(p - frame), &type, &payload,
			       &plen);
		ck_assert_int_eq(r, CSTP_HDR_LEN + (int)i);
		ck_assert_uint_eq(type, want[i]);
		ck_assert_uint_eq(plen, i);
		p += r;
	}
	ck_assert_ptr_eq(p, frame + n);
	ck_assert_int_eq(cstp_parse(p, 0, &type, &payload, &plen), 0);
}
END_TEST

static const struct {
	uint8_t code;
	const char *name;
} byes[] = {
	{ CSTP_BYE_USER, "user requested" },
	{ CSTP_BYE_RECONNECT, "reconnecting" },
	{ CSTP_BYE_CLIENT_ERR, "client error" },
	{ CSTP_BYE_PAUSED, "paused" },
	{ 0x00, "unknown (0x00)" },
	{ 0x0a, "unknown (0x0a)" },
	{ 0xb1, "unknown (0xb1)" },
	{ 0xff, "unknown (0xff)" },
};

START_TEST(test_bye_name)
{
	ck_assert_str_eq(cstp_bye_name(byes[_i].code), byes[_i].name);
}
END_TEST

/* Every byte value has a name, and unknown ones spell the value. */
START_TEST(test_unknown_names)
{
	char want[32];
	unsigned int v;

	for (v = 0; v < 256; v++) {
		snprintf(want, sizeof(want), "unknown (0x%02x)", v);
		if (strncmp(cstp_type_name((uint8_t)v), "unknown", 7) == 0)
			ck_assert_str_eq(cstp_type_name((uint8_t)v), want);
		if (strncmp(cstp_bye_name((uint8_t)v), "unknown", 7) == 0)
			ck_assert_str_eq(cstp_bye_name((uint8_t)v), want);
	}
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

/* A wrong magic byte is an error as soon as that byte is in. */
START_TEST(test_bad_magic)
{
	size_t n = build(CSTP_DATA, 4), k, off;
	uint16_t plen;
	uint8_t type;
	int r;

	frame[_i] ^= 0x20;
	for (k = 0; k <= n; k++) {
		r = parse_n(k, &type, &plen, &off);
		ck_assert_msg(r == (k > (size_t)_i ? -1 : 0),
			      "magic byte %d, %zu bytes: expected %d, got %d",
			      _i, k, k > (size_t)_i ? -1 : 0, r);
	}
}
END_TEST

static const uint8_t byte7[] = { 0x01, 0x80, 0xff };

START_TEST(test_byte7)
{
	size_t n = build(CSTP_DATA, 4), off;
	uint16_t plen;
	uint8_t type;
	int r;

	frame[7] = byte7[_i];
	ck_assert_int_eq(parse_n(7, &type, &plen, &off), 0);
	r = parse_n(8, &type, &plen, &off);
	ck_assert_msg(r == -1, "byte7 0x%02x: expected -1, got %d", byte7[_i],
		      r);
	ck_assert_int_eq(parse_n(n, &type, &plen, &off), -1);
}
END_TEST

static const struct {
	unsigned int len;
	int ret; /* for the header alone: 0 = wait for payload */
} sizes[] = {
	{ CSTP_MAX_PAYLOAD - 1, 0 },
	{ CSTP_MAX_PAYLOAD, 0 },
	{ CSTP_MAX_PAYLOAD + 1, -1 },
	{ 0x8000, -1 },
	{ 0xffff, -1 },
};

/* An oversize length is refused from the header, before any payload. */
/* Never "none"; "ssl" only where it is a KeyUpdate (TLS 1.3). */
START_TEST(test_rekey_announce)
{
	uint32_t secs;

	ck_assert_str_eq(cstp_rekey_announce(CSTP_REKEY_NONE, 0, 1, &secs), "new-tunnel");
	ck_assert_uint_eq(secs, 172800);
	ck_assert_str_eq(cstp_rekey_announce(CSTP_REKEY_NONE, 600, 0, &secs), "new-tunnel");
	ck_assert_uint_eq(secs, 172800);
	ck_assert_str_eq(cstp_rekey_announce(CSTP_REKEY_SSL, 600, 1, &secs), "ssl");
	ck_assert_uint_eq(secs, 600);
	ck_assert_str_eq(cstp_rekey_announce(CSTP_REKEY_SSL, 600, 0, &secs), "new-tunnel");
	ck_assert_uint_eq(secs, 600);
	ck_assert_str_eq(cstp_rekey_announce(CSTP_REKEY_NEW_TUNNEL, 0, 1, &secs), "new-tunnel");
	ck_assert_uint_eq(secs, 172800);
}
END_TEST

START_TEST(test_oversize)
{
	size_t off;
	uint16_t plen;
	uint8_t type;
	int r;

	cstp_hdr(frame, CSTP_DATA, (uint16_t)sizes[_i].len);
	r = parse_n(6, &type, &plen, &off);
	ck_assert_msg(r == sizes[_i].ret,
		      "len %u, 6 bytes: expected %d, got %d", sizes[_i].len,
		      sizes[_i].ret, r);
	r = parse_n(CSTP_HDR_LEN, &type, &plen, &off);
	ck_assert_msg(r == sizes[_i].ret, "len %u: expected %d, got %d",
		      sizes[_i].len, sizes[_i].ret, r);
}
END_TEST

static Suite *cstp_suite(void)
{
	Suite *s = suite_create("cstp");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_loop_test(core, test_roundtrip, 0, ARRAY_SIZE(types));
	tcase_add_test(core, test_hdr_bytes);
	tcase_add_loop_test(core, test_partial, 0, ARRAY_SIZE(types));
	tcase_add_test(core, test_stream);
	tcase_add_loop_test(core, test_bye_name, 0, ARRAY_SIZE(byes));
	tcase_add_test(core, test_unknown_names);
	tcase_add_test(core, test_rekey_announce);
	suite_add_tcase(s, core);

	tcase_add_loop_test(limits, test_bad_magic, 0, 4);
	tcase_add_loop_test(limits, test_byte7, 0, ARRAY_SIZE(byte7));
	tcase_add_loop_test(limits, test_oversize, 0, ARRAY_SIZE(sizes));
	suite_add_tcase(s, limits);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cstp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
