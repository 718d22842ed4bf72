/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One nfnetlink batch: BATCH_BEGIN, the messages, BATCH_END, built into a
 * growing buffer with no socket in sight; then sent in one sendmsg and every
 * message's ack read back, so a refusal names the message it refused.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "firewall-int.h"
#include "nl.h"

static bool reserve(struct fw_batch *b, size_t more)
{
	char *p;
	size_t cap;

	if (b->error)
		return false;
	if (b->len + more <= b->cap)
		return true;
	cap = b->cap ? b->cap : 16384;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->buf, cap);
	if (!p) {
		b->error = -ENOMEM;
		return false;
	}
	/* libnftnl writes without bounds checks: hand it zeroed room. */
	memset(p + b->cap, 0, cap - b->cap);
	b->buf = p;
	b->cap = cap;
	return true;
}

void fw_batch_init(struct fw_batch *b)
{
	memset(b, 0, sizeof(*b));
	if (!reserve(b, MNL_NLMSG_HDRLEN + 64))
		return;
	b->len = NLMSG_ALIGN(nftnl_batch_begin(b->buf, 0)->nlmsg_len);
}

void fw_batch_release(struct fw_batch *b)
{
	for (unsigned int i = 0; i < b->n_what; i++)
		free(b->what[i]);
	free(b->what);
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

struct nlmsghdr *fw_batch_msg(struct fw_batch *b, uint16_t type, uint16_t family,
			      uint16_t flags, size_t size, const char *fmt, ...)
{
	char **what;
	va_list ap;
	char *s;

	if (!reserve(b, size + MNL_NLMSG_HDRLEN + 64))
		return NULL;
	what = realloc(b->what, (b->n + 1) * sizeof(*what));
	if (!what) {
		b->error = -ENOMEM;
		return NULL;
	}
	b->what = what;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s) {
		b->error = -ENOMEM;
		return NULL;
	}
	/* A message started but never committed leaves its text behind: reuse the slot. */
	if (b->n_what > b->n)
		free(b->what[b->n]);
	b->what[b->n] = s;
	b->n_what = b->n + 1;
	/* Every message is acked, so a refusal can be tied to its message. */
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, family, flags | NLM_F_ACK, 0);
}

void fw_batch_commit(struct fw_batch *b, struct nlmsghdr *nlh)
{
	if (!nlh)
		return;
	/* libnftnl builds without bounds: a message larger than reserved is a bug here. */
	if (b->len + NLMSG_ALIGN(nlh->nlmsg_len) > b->cap) {
		b->error = -EMSGSIZE;
		return;
	}
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	b->n++;
}

int fw_batch_end(struct fw_batch *b)
{
	struct nlmsghdr *nlh;

	if (b->error)
		return b->error;
	if (!b->ended) {
		if (!reserve(b, MNL_NLMSG_HDRLEN + 64))
			return b->error;
		nlh = nftnl_batch_end(b->buf + b->len, 0);
		b->len += NLMSG_ALIGN(nlh->nlmsg_len);
		b->ended = true;
	}
	return 0;
}

const struct nlmsghdr *fw_batch_first(const struct fw_batch *b)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)b->buf;

	return b->len && mnl_nlmsg_ok(nlh, (int)b->len) ? nlh : NULL;
}

const struct nlmsghdr *fw_batch_next(const struct fw_batch *b, const struct nlmsghdr *nlh)
{
	int rest = (int)(b->buf + b->len - (const char *)nlh);

	nlh = mnl_nlmsg_next(nlh, &rest);
	return mnl_nlmsg_ok(nlh, rest) ? nlh : NULL;
}

void fw_batch_rule(struct fw_batch *b, struct nftnl_rule *r, const char *chain)
{
	struct nlmsghdr *nlh;

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, VNET_FW_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nlh = fw_batch_msg(b, NFT_MSG_NEWRULE, NFPROTO_INET, NLM_F_CREATE | NLM_F_APPEND,
			   4096, "add rule to chain %s", chain);
	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		fw_batch_commit(b, nlh);
	}
	nftnl_rule_free(r);
}

void fw_batch_flush_chain(struct fw_batch *b, const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!r) {
		b->error = -ENOMEM;
		return;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, VNET_FW_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nlh = fw_batch_msg(b, NFT_MSG_DELRULE, NFPROTO_INET, 0, 512, "flush chain %s", chain);
	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		fw_batch_commit(b, nlh);
	}
	nftnl_rule_free(r);
}

void fw_batch_del_chain(struct fw_batch *b, const char *chain)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c) {
		b->error = -ENOMEM;
		return;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, VNET_FW_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain);
	nlh = fw_batch_msg(b, NFT_MSG_DELCHAIN, NFPROTO_INET, 0, 512, "delete chain %s", chain);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		fw_batch_commit(b, nlh);
	}
	nftnl_chain_free(c);
}

/* Room for the whole batch going out and for every ack coming back. */
static void size_buffers(struct vnet_nl *nl, size_t out, unsigned int acks)
{
	int fd = mnl_socket_get_fd(nl->sock);
	int snd = (int)(out + 65536), rcv = (int)(acks * 1024u + 262144u);

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
}

int fw_batch_send(struct vnet_ctx *ctx, struct fw_batch *b)
{
	struct nlmsghdr *nlh;
	struct vnet_nl *nl;
	unsigned int first = 0, idx = 0, acked = 0, failed_at = 0;
	int r, error = 0, flags = 0;
	char kernel[sizeof(ctx->err.msg)];

	r = fw_batch_end(b);
	if (r < 0)
		return vnet_ctx_fail(ctx, r, "out of memory building the nftables batch");
	if (b->n == 0)
		return 0;
	r = vnet_nl_get(ctx, NETLINK_NETFILTER, &nl);
	if (r < 0)
		return r;

	/* Number the messages now: BEGIN gets first - 1, message i first + i. */
	for (nlh = (struct nlmsghdr *)fw_batch_first(b); nlh;
	     nlh = (struct nlmsghdr *)fw_batch_next(b, nlh)) {
		nlh->nlmsg_seq = vnet_nl_seq(ctx);
		if (idx++ == 1)
			first = nlh->nlmsg_seq;
	}
	size_buffers(nl, b->len, b->n);
	if (mnl_socket_sendto(nl->sock, b->buf, b->len) < 0)
		return vnet_ctx_fail_errno(ctx, -errno, "sending the nftables batch");

	kernel[0] = '\0';
	while (acked < b->n) {
		ssize_t n = recv(mnl_socket_get_fd(nl->sock), ctx->buf, ctx->buflen, flags);
		const struct nlmsghdr *m;
		int rest;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && flags)
				break; /* drained what followed a refusal */
			if (!error)
				return vnet_ctx_fail_errno(ctx, -errno, "reading nftables acks");
			break;
		}
		rest = (int)n;
		for (m = (const struct nlmsghdr *)ctx->buf; mnl_nlmsg_ok(m, rest);
		     m = mnl_nlmsg_next(m, &rest)) {
			if (m->nlmsg_type != NLMSG_ERROR || m->nlmsg_pid != nl->portid)
				continue;
			if (m->nlmsg_seq < first || m->nlmsg_seq >= first + b->n) {
				/* BEGIN itself refused (e.g. no nf_tables): nothing else follows. */
				if (m->nlmsg_seq == first - 1) {
					ctx->err.msg[0] = '\0';
					r = vnet_nl_parse_error(ctx, m);
					if (r < 0 && !error) {
						error = r;
						failed_at = UINT32_MAX;
						snprintf(kernel, sizeof(kernel), "%s", ctx->err.msg);
					}
					acked = b->n;
				}
				continue;
			}
			acked++;
			ctx->err.msg[0] = '\0';
			r = vnet_nl_parse_error(ctx, m);
			if (r < 0 && !error) {
				error = r;
				failed_at = m->nlmsg_seq - first;
				snprintf(kernel, sizeof(kernel), "%s", ctx->err.msg);
				/* Later acks may never come (the kernel stops on some errors). */
				flags = MSG_DONTWAIT;
			}
		}
	}
	if (!error)
		return 0;
	ctx->err.msg[0] = '\0';
	if (failed_at == UINT32_MAX)
		return vnet_ctx_fail(ctx, error, "the kernel refused the nftables batch: %s%s%s",
				     strerror(-error), kernel[0] ? ": " : "", kernel);
	return vnet_ctx_fail(ctx, error,
			     "the kernel refused the nftables batch at message %u of %u (%s): %s%s%s; nothing was changed",
			     failed_at + 1, b->n, b->what[failed_at], strerror(-error),
			     kernel[0] ? ": " : "", kernel);
}
