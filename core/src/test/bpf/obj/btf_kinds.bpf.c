// Exercises every BTF kind clang emits: ENUM64, signed ENUM, FLOAT, DECL_TAG (on a type, a
// member, a parameter, a variable and a function), TYPE_TAG, bitfields (kind_flag), unions,
// typedef/const/volatile/restrict, forward declarations, arrays and function prototypes.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

#define __tag(x) __attribute__((btf_decl_tag(x)))
#define __ttag(x) __attribute__((btf_type_tag(x)))

/* The underlying type must be a basic type for clang-16 to emit ENUM64 (a typedef gives ENUM). */
enum big_values : unsigned long long {
    BIG_SMALL = 1,
    BIG_LARGE = 0xfedcba9876543210ULL,
};

enum signed_values {
    NEG_ONE = -1,
    POS_TWO = 2,
};

struct opaque_fwd;
union opaque_union_fwd;

struct bits {
    unsigned int low : 3;
    unsigned int mid : 13;
    int high : 16;
    __u64 wide;
    float ratio;
    double precise;
    enum big_values big;
    enum signed_values sv;
    struct opaque_fwd *fwd;
    union opaque_union_fwd *ufwd;
    int tagged_member __tag("member_tag");
} __tag("struct_tag");

union either {
    __u32 as_int;
    float as_float;
    char bytes[4];
};

typedef volatile const __u32 vc_u32;

struct holder {
    int __ttag("user") * user_ptr;
    struct bits * __ttag("kptr") kptr_like;
    vc_u32 vc;
    union either e;
    struct bits arr[2];
};

struct holder holder_var __tag("var_tag");
double pi = 3.14159;
float half = 0.5f;
enum big_values last_big = BIG_LARGE;
enum signed_values last_sv = NEG_ONE;

__attribute__((noinline)) int __tag("func_tag") tagged_func(int a __tag("param_tag"), int *__restrict b)
{
    return a + *b;
}

SEC("raw_tp/sys_enter")
int use_kinds(void *ctx)
{
    int x = 1;
    holder_var.arr[0].low = 5;
    holder_var.arr[1].high = -3;
    holder_var.e.as_int = holder_var.vc;
    /* Floats are only stored, never computed: BPF has no floating point instructions. */
    holder_var.arr[1].ratio = half;
    holder_var.arr[1].precise = pi;
    return tagged_func(holder_var.arr[0].low, &x) + (last_big == BIG_SMALL) + last_sv;
}
