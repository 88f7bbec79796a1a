# Declarations of the public C API (csrc/include/tflite_rt/c_api.h). Nothing else.
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t

cdef extern from "tflite_rt/c_api.h" nogil:
    ctypedef struct tflrt_model:
        pass
    ctypedef struct tflrt_interp:
        pass

    enum:
        TFLRT_OK
        TFLRT_ERR_RUNTIME
        TFLRT_ERR_MODEL
        TFLRT_ERR_UNSUPPORTED
        TFLRT_ERR_VALUE
        TFLRT_ERR_NOMEM
        TFLRT_ERR_CAP
        TFLRT_MAX_DIMS

    ctypedef struct tflrt_options:
        int32_t num_threads
        int32_t resolver
        int32_t preserve_all_tensors
        int32_t isa_cap
        uint64_t arena_limit

    const char* tflrt_version()
    void tflrt_options_init(tflrt_options* o)
    size_t tflrt_type_size(int32_t type)

    int tflrt_model_from_buffer(const void* data, size_t size, tflrt_model** out, char* err, size_t err_cap)
    int tflrt_model_from_file(const char* path, tflrt_model** out, char* err, size_t err_cap)
    void tflrt_model_destroy(tflrt_model* m)

    ctypedef struct tflrt_signature_info:
        const char* key
        int32_t subgraph
        int32_t n_inputs
        int32_t n_outputs
        const char* const* input_names
        const int32_t* input_tensors
        const char* const* output_names
        const int32_t* output_tensors

    int32_t tflrt_model_num_signatures(const tflrt_model* m)
    int tflrt_model_signature(const tflrt_model* m, int32_t i, tflrt_signature_info* out)
    int32_t tflrt_model_num_subgraphs(const tflrt_model* m)
    const char* tflrt_model_description(const tflrt_model* m)

    int tflrt_interp_create(const tflrt_model* m, const tflrt_options* o, tflrt_interp** out, char* err, size_t err_cap)
    void tflrt_interp_destroy(tflrt_interp* it)
    const char* tflrt_interp_error(const tflrt_interp* it)
    int tflrt_interp_allocate(tflrt_interp* it, int32_t subgraph)
    int tflrt_interp_invoke(tflrt_interp* it, int32_t subgraph)
    int tflrt_interp_is_allocated(const tflrt_interp* it, int32_t subgraph)
    int tflrt_interp_resize_input(tflrt_interp* it, int32_t subgraph, int32_t tensor, const int32_t* dims,
                                  int32_t ndims, int strict)
    int tflrt_interp_reset_variables(tflrt_interp* it)
    int tflrt_interp_set_num_threads(tflrt_interp* it, int32_t n)
    int32_t tflrt_interp_num_threads(const tflrt_interp* it)
    int tflrt_interp_set_profiling(tflrt_interp* it, int enabled)
    int tflrt_interp_node_profile(const tflrt_interp* it, int32_t subgraph, int32_t node, uint64_t* total_ns,
                                  uint64_t* count)
    const char* tflrt_interp_isa(const tflrt_interp* it)
    int32_t tflrt_interp_num_subgraphs(const tflrt_interp* it)
    int32_t tflrt_interp_num_tensors(const tflrt_interp* it, int32_t subgraph)
    int32_t tflrt_interp_num_inputs(const tflrt_interp* it, int32_t subgraph)
    int32_t tflrt_interp_num_outputs(const tflrt_interp* it, int32_t subgraph)
    int32_t tflrt_interp_input(const tflrt_interp* it, int32_t subgraph, int32_t i)
    int32_t tflrt_interp_output(const tflrt_interp* it, int32_t subgraph, int32_t i)

    ctypedef struct tflrt_tensor_info:
        const char* name
        int32_t type
        int32_t ndims
        const int32_t* dims
        const int32_t* dims_signature
        void* data
        size_t bytes
        int32_t nq
        const float* scales
        const int64_t* zero_points
        int32_t qdim
        int32_t mem
        int64_t arena_offset
        int32_t first_node
        int32_t last_node
        int32_t is_variable
        int32_t is_sparse

    int tflrt_interp_tensor(const tflrt_interp* it, int32_t subgraph, int32_t tensor, tflrt_tensor_info* out)
    int tflrt_interp_copy_in(tflrt_interp* it, int32_t subgraph, int32_t tensor, const void* src, size_t bytes)
    int tflrt_interp_copy_out(tflrt_interp* it, int32_t subgraph, int32_t tensor, void* dst, size_t bytes)

    ctypedef struct tflrt_node_info:
        const char* op_name
        int32_t builtin_code
        int32_t version
        int32_t n_inputs
        int32_t n_outputs
        const int32_t* inputs
        const int32_t* outputs

    int32_t tflrt_interp_num_nodes(const tflrt_interp* it, int32_t subgraph)
    int tflrt_interp_node(const tflrt_interp* it, int32_t subgraph, int32_t node, tflrt_node_info* out)

    ctypedef struct tflrt_memory_info:
        uint64_t arena_bytes
        uint64_t persistent_bytes
        uint64_t dynamic_bytes
        uint64_t weights_bytes
        uint64_t model_bytes

    int tflrt_interp_memory(const tflrt_interp* it, tflrt_memory_info* out)
    int32_t tflrt_num_supported_ops()
    int tflrt_supported_op(int32_t i, const char** name, int32_t* builtin_code, int32_t* min_version,
                           int32_t* max_version)
    int tflrt_op_supported(int32_t builtin_code, const char* custom_name, int32_t version)
    const char* tflrt_builtin_op_name(int32_t code)
    const char* tflrt_type_name_of(int32_t type)

# Model queries without an interpreter (inspect a model whose ops are not all supported).
cdef extern from "tflite_rt/c_api.h" nogil:
    ctypedef struct tflrt_model_subgraph_info:
        const char* name
        int32_t n_tensors
        int32_t n_ops
        int32_t n_inputs
        int32_t n_outputs
        const int32_t* inputs
        const int32_t* outputs

    ctypedef struct tflrt_model_op_info:
        const char* op_name
        const char* custom_code
        int32_t builtin_code
        int32_t version
        int32_t supported
        int32_t n_inputs
        int32_t n_outputs
        const int32_t* inputs
        const int32_t* outputs

    int tflrt_model_subgraph(const tflrt_model* m, int32_t subgraph, tflrt_model_subgraph_info* out)
    int tflrt_model_op(const tflrt_model* m, int32_t subgraph, int32_t op, tflrt_model_op_info* out)
    int tflrt_model_tensor(const tflrt_model* m, int32_t subgraph, int32_t tensor, tflrt_tensor_info* out)

    # ---- delegates (c_api.h; the plugin side is tflite_rt/delegate.h) ----
    ctypedef struct tflrt_delegate_lib:
        pass

    enum:
        TFLRT_APPLY_NO_CLUSTERING
        TFLRT_APPLY_NO_NODE_FUSION

    int tflrt_delegate_load(const char* path, const char* const* keys, const char* const* values, size_t n_options,
                            tflrt_delegate_lib** out, char* err, size_t err_cap)
    void tflrt_delegate_unload(tflrt_delegate_lib* d)
    const char* tflrt_delegate_lib_name(const tflrt_delegate_lib* d)
    const char* tflrt_delegate_lib_version(const tflrt_delegate_lib* d)
    const char* tflrt_delegate_lib_path(const tflrt_delegate_lib* d)
    uint32_t tflrt_delegate_lib_abi(const tflrt_delegate_lib* d, uint32_t* struct_size)
    int tflrt_interp_apply_delegate(tflrt_interp* it, tflrt_delegate_lib* d, uint32_t flags)

    ctypedef struct tflrt_delegation_info:
        const char* delegate
        int32_t subgraph
        int32_t n_supported
        int32_t n_partitions
        int32_t n_delegated
        int32_t n_failed
        int32_t active
        const char* reason

    int32_t tflrt_interp_num_delegations(const tflrt_interp* it)
    int tflrt_interp_delegation(const tflrt_interp* it, int32_t i, tflrt_delegation_info* out)

    ctypedef struct tflrt_partition_info:
        int32_t delegation
        int32_t subgraph
        int32_t node
        int32_t n_nodes
        const int32_t* nodes
        int32_t n_inputs
        const int32_t* inputs
        int32_t n_outputs
        const int32_t* outputs

    int32_t tflrt_interp_num_partitions(const tflrt_interp* it)
    int tflrt_interp_partition(const tflrt_interp* it, int32_t i, tflrt_partition_info* out)
    int tflrt_interp_execution_plan(const tflrt_interp* it, int32_t subgraph, const int32_t** nodes, int32_t* n)

    # custom ops (tflite_rt/custom_op.h): the binding only hands the API table's address to the
    # registerer functions that tflite_rt/custom_ops.py finds with ctypes
    ctypedef struct tflrt_custom_api:
        pass
    const tflrt_custom_api* tflrt_custom_op_api()
