/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the firewall: a batch of nftables messages built apart from any
 * socket (so unit tests can read it back), the rules each network needs, the
 * map elements of port forwards, and the state of the table read back from
 * the kernel. Never installed.
 */
#ifndef VNET_FIREWALL_INT_H
#define VNET_FIREWALL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vnet/firewall.h>

#include "internal.h"

struct nlmsghdr;
struct nftnl_rule;

#define NFTNL_UDATA_COMMENT_MAX 128

/* Names inside table inet vnet. */
#define FW_CHAIN_FORWARD "forward"
#define FW_CHAIN_INPUT "input"
#define FW_CHAIN_PREROUTING "prerouting"
#define FW_CHAIN_OUTPUT "output"
#define FW_CHAIN_POSTROUTING "postrouting"

/*
 * The sets and maps, in the order they are created. Every network is
 * elements in these (keyed by its bridge), never rules or chains of its
 * own: starting one adds elements, none of them a jump verdict, so the
 * kernel has no reason to validate the whole table again. All are plain
 * hashes, whose elements cost the same however many there are (interval
 * sets cost more the more they hold: pipapo's removal tens of ms at a
 * thousand). A subnet is matched as "bridge . address & mask" in the set
 * for its prefix length, which exists while some network uses that length.
 */
enum fw_set {
	FW_SET_BRIDGES,   /* every managed bridge */
	FW_SET_NONROUTED, /* bridges of networks that are not routed */
	FW_SET_FILTERED,  /* bridges vnet filters: nat, routed, isolated */
	FW_SET_NATBR,     /* bridges of nat networks */
	FW_SET_ROUTEDBR,  /* bridges of routed networks */
	FW_SET_V6BR,      /* filtered bridges with an IPv6 subnet (DHCPv6) */
	FW_SET_UPLINKED,  /* nat bridges restricted to one uplink */
	FW_SET_SAME,      /* ifname . ifname: bridge . bridge (frames within one bridge) */
	FW_SET_UPLINK,    /* ifname . ifname: bridge . its NAT uplink */
	FW_SET_SNAT4,     /* ifname : ipv4_addr, nat networks with a fixed SNAT address */
	FW_SET_FWD4,      /* l4proto . ip daddr . dport : ip addr . port */
	FW_SET_FWD4ANY,   /* l4proto . dport : ip addr . port */
	FW_SET_FWD6,
	FW_SET_FWD6ANY,
	FW_SET_FIXED,     /* the sets above always exist; those below per prefix length in use */
	FW_SET_N4 = FW_SET_FIXED,        /* + len: n4_<len>, ifname . ipv4 network of nat networks */
	FW_SET_R4 = FW_SET_N4 + 32,      /* + len: r4_<len>, ... of routed networks */
	FW_SET_A6 = FW_SET_R4 + 32,      /* + len: a6_<len>, ifname . ipv6 network of nat and routed */
	FW_SET_COUNT = FW_SET_A6 + 128,
};

#define FW_SET_NAME_MAX 16
/* The set's name ("bridges", "n4_24"), written to @buf, which is returned. */
const char *fw_set_name(enum fw_set s, char buf[FW_SET_NAME_MAX]);
/* The set for a prefix length: 0 for the fixed sets. */
unsigned int fw_set_len(enum fw_set s);
/* Which sets the table needs for @spec (the fixed ones always). */
void fw_sets_wanted(const struct vnet_fw_spec *spec, bool out[FW_SET_COUNT]);

/* The chain with the flowtable rules. */
#define FW_CHAIN_FLOW "fwd_flow"

/* Longest network name: chain names stay short enough to read. */
#define FW_NAME_MAX 64
#define FW_CHAIN_NAME_MAX (FW_NAME_MAX + 16)
/* Ports a single forward's range may cover; each port is one map element. */
#define FW_RANGE_MAX VNET_FW_RANGE_MAX

/* ---- batch (firewall-batch.c) ---- */

struct fw_batch {
	char *buf;
	size_t len, cap;
	unsigned int n;        /* messages between BEGIN and END */
	char **what;           /* what each message does, for error messages */
	unsigned int n_what;   /* entries of @what allocated (n, or n + 1) */
	bool ended;
	int error;             /* -ENOMEM while building, reported at the end */
};

void fw_batch_init(struct fw_batch *b);
void fw_batch_release(struct fw_batch *b);
/* Room for a message of up to @size bytes; returns its start or NULL. */
struct nlmsghdr *fw_batch_msg(struct fw_batch *b, uint16_t type, uint16_t family,
			      uint16_t flags, size_t size, const char *fmt, ...) VNET_PRINTF(6, 7);
/* Account the message just built at the end of the buffer. */
void fw_batch_commit(struct fw_batch *b, struct nlmsghdr *nlh);
/* Close the batch with NFNL_MSG_BATCH_END (BEGIN is written by init). */
int fw_batch_end(struct fw_batch *b);
/* Iterate the messages (BEGIN and END included). */
const struct nlmsghdr *fw_batch_first(const struct fw_batch *b);
const struct nlmsghdr *fw_batch_next(const struct fw_batch *b, const struct nlmsghdr *nlh);

/*
 * fw_batch_send - send the batch over the context's NETLINK_NETFILTER socket
 * and read one ack per message. The first refusal is returned with the
 * kernel's text prefixed by what the message did.
 */
int fw_batch_send(struct vnet_ctx *ctx, struct fw_batch *b);

/* Message helpers used by the builders. */
void fw_batch_rule(struct fw_batch *b, struct nftnl_rule *r, const char *chain);
void fw_batch_flush_chain(struct fw_batch *b, const char *chain);
void fw_batch_del_chain(struct fw_batch *b, const char *chain);

/* ---- map/set elements (firewall-forward.c) ---- */

#define FW_KEY_MAX 32
#define FW_DATA_MAX 20

struct fw_elem {
	uint8_t key[FW_KEY_MAX];
	uint8_t data[FW_DATA_MAX];
	uint8_t klen, dlen;
	char comment[FW_NAME_MAX + 1]; /* forwards: the network's name */
};

struct fw_elems {
	struct fw_elem *v;
	size_t n, cap;
};

int fw_elems_push(struct fw_elems *e, const struct fw_elem *x);
void fw_elems_release(struct fw_elems *e);
void fw_elems_sort(struct fw_elems *e);
/* Keys equal and values equal. */
bool fw_elem_same(const struct fw_elem *a, const struct fw_elem *b);
int fw_elem_keycmp(const struct fw_elem *a, const struct fw_elem *b);

/* The map (FW_SET_FWD*) one forward lives in, and its elements (one per port). */
enum fw_set fw_forward_set(const struct vnet_fw_forward *f);
int fw_forward_elems(const char *network, const struct vnet_fw_forward *f, struct fw_elems *out);
/* "tcp 192.0.2.1:8080-8090 -> 10.0.0.2:80" */
void fw_forward_format(const struct vnet_fw_forward *f, char *buf, size_t len);
/* A readable form of one element of @set, for drift messages. */
void fw_elem_format(enum fw_set set, const struct fw_elem *e, char *buf, size_t len);

/* Add (NEWSETELEM) or delete (DELSETELEM) elements, chunked to fit netlink attributes. */
void fw_batch_elems(struct fw_batch *b, bool add, enum fw_set set, const struct fw_elem *v, size_t n);

/* ---- rules (firewall-rules.c) ---- */

/*
 * Create the table, the fixed sets and maps, and every chain with the
 * rules that do not depend on the spec (the prefix chains and fwd_flow stay
 * empty: see fw_build_prefixes and fw_build_flow).
 */
void fw_build_skeleton(struct fw_batch *b);
/* The chains of the skeleton, prefix chains and fwd_flow included: their number and names. */
size_t fw_skeleton_chain_count(void);
const char *fw_skeleton_chain(size_t i);
/* Rules of skeleton chain @chain (0 for the variable ones); the layout tag on the first. */
unsigned int fw_skeleton_rule_count(const char *chain);
bool fw_skeleton_base(const char *chain);
/* Is @chain one whose rules depend on the prefix lengths in use? */
bool fw_prefix_chain(const char *chain);
const char *fw_skeleton_tag(void);

/*
 * The per-length sets and the rules of the prefix chains for the prefix
 * lengths @spec's subnets use. @fresh: the chains are empty and no
 * per-length set exists. Otherwise the chains are flushed, missing sets
 * created and the rules made again; sets no longer used are deleted by
 * fw_build_prefix_sets_delete (after their elements are no longer needed).
 * Done only when the set of lengths in use changes, which is rare.
 */
void fw_build_prefixes(struct fw_batch *b, const struct vnet_fw_spec *spec, bool fresh,
		       const bool have[FW_SET_COUNT]);
void fw_build_prefix_sets_delete(struct fw_batch *b, const bool want[FW_SET_COUNT],
				 const bool have[FW_SET_COUNT]);
/* The rules the prefix chains get, and the fingerprint on src_ok's first rule. */
unsigned int fw_prefix_rule_count(const struct vnet_fw_spec *spec, const char *chain);
void fw_prefix_tag(const struct vnet_fw_spec *spec, char *buf, size_t len);

/*
 * The flowtables (ft_<network>) of the networks that ask for one, and the
 * rules in fwd_flow that send their flows there. @fresh: fwd_flow is empty
 * and no flowtable of ours exists. Otherwise every flowtable in @have is
 * deleted and made again after the chain is flushed.
 */
void fw_build_flow(struct fw_batch *b, const struct vnet_fw_spec *spec, bool fresh,
		   char *const *have, size_t n_have);
unsigned int fw_flow_rule_count(const struct vnet_fw_spec *spec);
/* The fingerprint on fwd_flow's first rule ("" when it has none). */
void fw_flow_tag(const struct vnet_fw_spec *spec, char *buf, size_t len);
/* Delete flowtable @name (no rule may use it by then). */
void fw_build_flowtable_delete(struct fw_batch *b, const char *name);
/* The elements @n puts into each set/map, appended to @out (unsorted). */
int fw_network_elems(const struct vnet_fw_network *n, struct fw_elems out[FW_SET_COUNT]);
/* Desired elements of every set/map for @spec (sorted). */
int fw_desired_elems(const struct vnet_fw_spec *spec, struct fw_elems out[FW_SET_COUNT]);

/* ---- validation (firewall-validate.c) ---- */

int fw_validate_network(const struct vnet_fw_network *n, struct vnet_error *err);
int fw_validate_forward(const struct vnet_fw_network *n, const struct vnet_fw_forward *f,
			size_t index, struct vnet_error *err);

/* ---- the table as the kernel has it (firewall-state.c) ---- */

struct fw_chain_state {
	char name[FW_CHAIN_NAME_MAX + 16];
	bool base;
	unsigned int rules;
	char tag[NFTNL_UDATA_COMMENT_MAX + 1]; /* comment of the first rule */
	uint64_t *sigs;        /* fw_rule_sig() of each rule, in order */
};

struct fw_state {
	bool table;
	struct fw_chain_state *chains;
	size_t n_chains;
	bool sets[FW_SET_COUNT];
	struct fw_elems elems[FW_SET_COUNT];
	char **flowtables;
	size_t n_flowtables;
	bool sigs;             /* the chains' rule signatures were read (not only counted) */
	bool sorted;           /* @chains is sorted by name (fw_state_sort) */
	bool derived;          /* made from a spec (fw_state_from_spec), not read back */
};

int fw_state_read(struct vnet_ctx *ctx, struct fw_state *st);
void fw_state_release(struct fw_state *st);
/* A chain by name: a binary search once sorted, a scan before. */
struct fw_chain_state *fw_state_chain(struct fw_state *st, const char *name);
/* Sort the chains by name, so lookups stay cheap with thousands of chains. */
void fw_state_sort(struct fw_state *st);
bool fw_state_has_flowtable(const struct fw_state *st, const char *name);

/* ---- hash map of byte strings to pointers (firewall-index.c) ---- */

struct fw_map_slot {
	uint64_t h;            /* 0: empty */
	const void *key;       /* borrowed */
	size_t len;
	void *val;
};

struct fw_map {
	struct fw_map_slot *v;
	size_t cap, n;
};

uint64_t fw_hash(const void *p, size_t n);
void *fw_map_get(const struct fw_map *m, const void *key, size_t len);
/* The key as the map holds it (the pointer given to fw_map_put), or NULL. */
const void *fw_map_key(const struct fw_map *m, const void *key, size_t len);
/* Add or replace; the key's bytes must stay valid while it is in the map. */
int fw_map_put(struct fw_map *m, const void *key, size_t len, void *val);
void fw_map_del(struct fw_map *m, const void *key, size_t len);
void fw_map_release(struct fw_map *m);

/* ---- the table as this context left it (firewall-cache.c) ---- */

#define FW_TAG_MAX 64

/* One key a network puts into a set or map: every key has one owner. */
struct fw_ekey {
	uint8_t set, klen;
	uint8_t key[FW_KEY_MAX];
};

/* A network as last applied: its input (a deep copy) and the keys of its elements. */
struct fw_cnet {
	struct vnet_fw_network in;
	struct fw_ekey *keys;          /* the keys of its elements, in every set */
	size_t n_keys, cap_keys;
	size_t cap_forwards;           /* room in in.forwards (forwards added one by one) */
	size_t at;                     /* its place in the cache's array */
	size_t next;                   /* hint: the place of the network after it in the last spec */
	/* during one apply */
	uint32_t seen;                 /* the apply's epoch: still in the spec */
	bool dirty;                    /* in the spec with other input */
};

/* A network of the spec that is new or whose input differs from the cache's. */
struct fw_dirty {
	const struct vnet_fw_network *n;
	struct fw_cnet *old;           /* NULL: new */
	struct fw_ekey *keys;          /* for the index, once committed */
	size_t n_keys;
};

/*
 * The parts of the table that depend on all networks together, counted so
 * that a delta sees when they change without looking at the others: how
 * many subnets of nat and routed networks have each prefix length (the
 * per-length sets and the prefix chains exist for the lengths in use), and
 * the networks with a flowtable (fwd_flow and its fingerprint).
 */
struct fw_shared {
	unsigned int len4[33], len6[129];
	size_t n_flow;
	char flow_tag[FW_TAG_MAX];     /* fw_flow_tag as applied */
};

/*
 * What an apply changes against the cache: only networks whose input
 * differs, new ones and gone ones; the elements of those, before and after.
 */
struct fw_delta {
	const struct vnet_fw_spec *spec;
	struct fw_dirty *dirty;        /* in spec order */
	size_t n_dirty;
	struct fw_cnet **gone;
	size_t n_gone;
	struct fw_elems old[FW_SET_COUNT];  /* elements of dirty and gone networks as applied, sorted */
	struct fw_elems now[FW_SET_COUNT];  /* elements of dirty networks as wanted, sorted */
	struct fw_shared shared;       /* as it will be */
	bool have_sets[FW_SET_COUNT], want_sets[FW_SET_COUNT];
	bool prefixes;                 /* the lengths in use change: the prefix chains are made again */
	bool flow;                     /* fwd_flow and the flowtables are made again */
	char **flowtables;             /* then: the flowtables that exist now */
	size_t n_flowtables;
};

/* The nftables generation id (NFT_MSG_GETGEN): one round trip. */
int fw_gen_get(struct vnet_ctx *ctx, uint32_t *genid);
/* The state @spec's apply leaves: what fw_state_read would find, without the rule signatures. */
int fw_state_from_spec(const struct vnet_fw_spec *spec, struct fw_state *st);
/* The generation the cache was made for; false: there is no cache. */
bool fw_cache_genid(struct vnet_ctx *ctx, uint32_t *genid);
/* Is the cache what generation @genid holds? */
bool fw_cache_valid(struct vnet_ctx *ctx, uint32_t genid);
/* The cached table as a state (a derived one); -ENOENT when the generation is not @genid. */
int fw_cache_state(struct vnet_ctx *ctx, uint32_t genid, struct fw_state *st);
/* Remember that generation @genid holds exactly what @spec describes. */
void fw_cache_store(struct vnet_ctx *ctx, const struct vnet_fw_spec *spec, uint32_t genid);
/*
 * fw_cache_delta - compare @spec with the valid cache, network by network:
 * the cost is one look-up and one comparison per unchanged network. The
 * networks that differ are validated on their own and against the others
 * through the cache's indexes. -EAGAIN: the spec may be invalid (or the
 * cache cannot tell): validate the whole spec and apply without the cache.
 */
int fw_cache_delta(struct vnet_ctx *ctx, const struct vnet_fw_spec *spec, struct fw_delta *d);
/* After the delta's batch was committed as generation @genid (or nothing was sent): take it in. */
void fw_cache_commit(struct vnet_ctx *ctx, struct fw_delta *d, uint32_t genid);
void fw_delta_release(struct fw_delta *d);
/*
 * After vnet_fw_forward_add/remove of @f (network @network) in a batch made
 * for generation @before (the cache's) that the kernel took: the network's
 * entry gains or loses the forward. What the cache cannot account for
 * exactly drops it.
 */
void fw_cache_forward(struct vnet_ctx *ctx, const char *network, const struct vnet_fw_forward *f,
		      bool add, uint32_t before);
void fw_cache_drop(struct vnet_ctx *ctx);
/* Make the batch conditional on generation @genid (right after fw_batch_init). */
int fw_batch_genid(struct fw_batch *b, uint32_t genid);

/* ---- rule signatures (firewall-sig.c) ---- */

/* A hash of a rule's expressions as the kernel reports them back unchanged. */
uint64_t fw_rule_sig(struct nftnl_rule *r);
/* The signatures of the NEWRULE messages for @chain in @b, in order (caller frees *@out). */
int fw_batch_chain_sigs(const struct fw_batch *b, const char *chain, uint64_t **out,
			unsigned int *n);

/* The signatures of every chain's NEWRULE messages in a batch, read in one pass. */
struct fw_chain_sigs {
	char name[FW_CHAIN_NAME_MAX + 16];
	uint64_t *sigs;
	unsigned int n;
	size_t ord;                /* position in the batch, to keep order when folding */
};

struct fw_sig_index {
	struct fw_chain_sigs *v;   /* sorted by name */
	size_t n;
};

int fw_batch_sig_index(const struct fw_batch *b, struct fw_sig_index *out);
/* The chain's entry, or NULL when the batch has no rule for it. */
const struct fw_chain_sigs *fw_sig_index_find(const struct fw_sig_index *idx, const char *chain);
void fw_sig_index_release(struct fw_sig_index *idx);

/* ---- plan (firewall.c): what apply would send, given the state ---- */

/*
 * fw_plan - append to @b what makes @st match @spec; @changes counts what
 * differs (0: nothing to send). @why (may be NULL) gets the first differences.
 */
int fw_plan(const struct vnet_fw_spec *spec, struct fw_state *st, struct fw_batch *b,
	    unsigned int *changes, char *why, size_t whylen);
/* Delete table inet vnet (with everything in it). */
void fw_build_table_delete(struct fw_batch *b);
/* What makes the table the cache describes match the spec of @d (fw_cache_delta). */
int fw_plan_delta(const struct fw_delta *d, struct fw_batch *b, unsigned int *changes);


#endif
