package io.fulcrum.forwarder.io.xdp;

/**
 * Offsets into {@code union bpf_attr} for the bpf(2) commands Fulcrum uses. Every command's struct
 * starts at offset 0 of the union; unused trailing bytes must be zero (the kernel checks the tail).
 *
 * <pre>
 * BPF_MAP_CREATE                      BPF_MAP_*_ELEM
 * +0  u32 map_type                    +0  u32 map_fd
 * +4  u32 key_size                    +4  u32 (pad)
 * +8  u32 value_size                  +8  u64 key      (pointer)
 * +12 u32 max_entries                 +16 u64 value    (pointer)
 * +16 u32 map_flags                   +24 u64 flags    (BPF_ANY / BPF_NOEXIST / BPF_EXIST)
 * +20 u32 inner_map_fd
 * +24 u32 numa_node
 * +28 char map_name[16]
 *
 * BPF_PROG_LOAD                       BPF_LINK_CREATE
 * +0  u32 prog_type                   +0  u32 prog_fd
 * +4  u32 insn_cnt                    +4  u32 target_ifindex
 * +8  u64 insns    (pointer)          +8  u32 attach_type     (BPF_XDP = 37)
 * +16 u64 license  (pointer)          +12 u32 flags           (XDP_FLAGS_DRV_MODE / SKB_MODE)
 * +24 u32 log_level
 * +28 u32 log_size                    BPF_PROG_TEST_RUN
 * +32 u64 log_buf  (pointer)          +0  u32 prog_fd        +4  u32 retval (out)
 * +40 u32 kern_version                +8  u32 data_size_in   +12 u32 data_size_out
 * +44 u32 prog_flags                  +16 u64 data_in        +24 u64 data_out
 * +48 char prog_name[16]              +32 u32 repeat         +36 u32 duration (out)
 * +64 u32 prog_ifindex
 * +68 u32 expected_attach_type
 * </pre>
 */
final class BpfAttrDescriptor {
    /** Bytes passed for every command: larger than any struct used, zero-filled. */
    static final int ATTR_SIZE = 128;

    static final int CMD_MAP_CREATE = 0;
    static final int CMD_MAP_LOOKUP_ELEM = 1;
    static final int CMD_MAP_UPDATE_ELEM = 2;
    static final int CMD_MAP_DELETE_ELEM = 3;
    static final int CMD_PROG_LOAD = 5;
    static final int CMD_PROG_TEST_RUN = 10;
    static final int CMD_LINK_CREATE = 28;

    static final int MAP_TYPE_HASH = 1;
    static final int MAP_TYPE_XSKMAP = 17;
    static final int PROG_TYPE_XDP = 6;
    static final int ATTACH_TYPE_XDP = 37;
    static final long UPDATE_ANY = 0;

    static final int MAP_CREATE_TYPE = 0;
    static final int MAP_CREATE_KEY_SIZE = 4;
    static final int MAP_CREATE_VALUE_SIZE = 8;
    static final int MAP_CREATE_MAX_ENTRIES = 12;
    static final int MAP_CREATE_FLAGS = 16;
    static final int MAP_CREATE_NAME = 28;

    static final int ELEM_MAP_FD = 0;
    static final int ELEM_KEY = 8;
    static final int ELEM_VALUE = 16;
    static final int ELEM_FLAGS = 24;

    static final int PROG_LOAD_TYPE = 0;
    static final int PROG_LOAD_INSN_CNT = 4;
    static final int PROG_LOAD_INSNS = 8;
    static final int PROG_LOAD_LICENSE = 16;
    static final int PROG_LOAD_LOG_LEVEL = 24;
    static final int PROG_LOAD_LOG_SIZE = 28;
    static final int PROG_LOAD_LOG_BUF = 32;
    static final int PROG_LOAD_NAME = 48;
    static final int PROG_LOAD_EXPECTED_ATTACH_TYPE = 68;

    static final int LINK_CREATE_PROG_FD = 0;
    static final int LINK_CREATE_TARGET_IFINDEX = 4;
    static final int LINK_CREATE_ATTACH_TYPE = 8;
    static final int LINK_CREATE_FLAGS = 12;

    static final int TEST_RUN_PROG_FD = 0;
    static final int TEST_RUN_RETVAL = 4;
    static final int TEST_RUN_DATA_SIZE_IN = 8;
    static final int TEST_RUN_DATA_SIZE_OUT = 12;
    static final int TEST_RUN_DATA_IN = 16;
    static final int TEST_RUN_DATA_OUT = 24;
    static final int TEST_RUN_REPEAT = 32;

    /** Object names are at most 15 characters plus NUL. */
    static final int OBJ_NAME_LEN = 16;

    private BpfAttrDescriptor() {
    }
}
