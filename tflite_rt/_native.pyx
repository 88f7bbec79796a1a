# cython: language_level=3, boundscheck=False, wraparound=False
"""Thin binding over the C core (csrc/include/tflite_rt/c_api.h).

Only marshalling lives here: arguments in, status codes to typed exceptions, tensor bytes
across the buffer protocol (no numpy C API, so one build works with numpy 1.x and 2.x)."""
from cpython.buffer cimport PyBUF_WRITABLE, PyBUF_FORMAT, PyBUF_ND, PyBUF_STRIDES
from cpython.bytes cimport PyBytes_AsString
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.string cimport memcpy
from libc.stdlib cimport malloc, free

import numpy as np

from tflite_rt._native cimport *
from tflite_rt import errors as _errors

# tflrt_type value -> numpy dtype (None: no numpy equivalent; STRING reports np.bytes_ as LiteRT
# does, but get_tensor/set_tensor do not convert string tensors)
_DTYPES = {
    0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64, 5: np.bytes_,
    6: np.bool_, 7: np.int16, 8: np.complex64, 9: np.int8, 10: np.float64, 11: np.complex128,
    12: np.uint64, 13: None, 14: None, 15: np.uint32, 16: np.uint16, 17: None, 18: None,
}
_FORMATS = {0: b"f", 1: b"e", 2: b"i", 3: b"B", 4: b"q", 6: b"?", 7: b"h", 8: b"Zf", 9: b"b",
            10: b"d", 11: b"Zd", 12: b"Q", 15: b"I", 16: b"H"}
_FROM_NUMPY = {np.dtype(v): k for k, v in _DTYPES.items() if v is not None and v is not np.bytes_}

MEM_KINDS = ("none", "const", "arena", "persistent", "dynamic")

VIEW_HELD = (
    "There is at least 1 reference to internal data in the interpreter in the form of a numpy array or "
    "slice. Be sure to only hold the function returned from tensor() if you are using raw data access.")


def dtype_of(int32_t t):
    return _DTYPES.get(t)


def type_name(int32_t t):
    return tflrt_type_name_of(t).decode()


def version():
    return tflrt_version().decode()


cdef raise_status(int status, msg):
    if isinstance(msg, bytes):
        msg = msg.decode("utf-8", "replace")
    if status == TFLRT_ERR_MODEL:
        raise _errors.ModelError(msg)
    if status == TFLRT_ERR_UNSUPPORTED:
        raise _errors.UnsupportedOpError(msg)
    if status == TFLRT_ERR_VALUE:
        raise ValueError(msg)
    if status == TFLRT_ERR_NOMEM:
        raise _errors.OutOfMemoryError(msg)
    raise RuntimeError(msg)


cdef class NativeModel:
    cdef tflrt_model* m
    cdef object keepalive

    def __cinit__(self):
        self.m = NULL

    @staticmethod
    def from_bytes(data):
        cdef NativeModel self = NativeModel.__new__(NativeModel)
        cdef const unsigned char[::1] view
        cdef char err[1024]
        cdef int r
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)  # an immutable copy: the caller may change a bytearray later
        if not isinstance(data, bytes):
            raise TypeError(f"model_content must be bytes, not {type(data).__name__}")
        self.keepalive = data
        if len(data) == 0:
            raise _errors.ModelError("The model is not a valid Flatbuffer buffer: it is empty (0 bytes)")
        view = data
        err[0] = 0
        r = tflrt_model_from_buffer(&view[0], len(data), &self.m, err, sizeof(err))
        if r != TFLRT_OK:
            raise_status(r, err)
        return self

    @staticmethod
    def from_file(path):
        cdef NativeModel self = NativeModel.__new__(NativeModel)
        cdef char err[1024]
        cdef bytes p = path.encode() if isinstance(path, str) else bytes(path)
        err[0] = 0
        r = tflrt_model_from_file(p, &self.m, err, sizeof(err))
        if r != TFLRT_OK:
            raise_status(r, err)
        return self

    def __dealloc__(self):
        if self.m != NULL:
            tflrt_model_destroy(self.m)
            self.m = NULL

    def signatures(self):
        cdef tflrt_signature_info s
        out = []
        for i in range(tflrt_model_num_signatures(self.m)):
            tflrt_model_signature(self.m, i, &s)
            out.append({
                "key": s.key.decode("utf-8", "replace"),
                "subgraph": s.subgraph,
                "inputs": {s.input_names[j].decode("utf-8", "replace"): s.input_tensors[j] for j in range(s.n_inputs)},
                "outputs": {s.output_names[j].decode("utf-8", "replace"): s.output_tensors[j]
                            for j in range(s.n_outputs)},
            })
        return out

    def num_subgraphs(self):
        return tflrt_model_num_subgraphs(self.m)


cdef class TensorView:
    """Exports one tensor's memory through the buffer protocol. While any view is alive the
    interpreter refuses to reallocate (NativeInterpreter.live_views)."""
    cdef NativeInterpreter owner
    cdef void* data
    cdef Py_ssize_t shape[8]
    cdef Py_ssize_t strides[8]
    cdef int ndim
    cdef Py_ssize_t itemsize
    cdef Py_ssize_t nbytes
    cdef bytes fmt

    def __getbuffer__(self, Py_buffer* buf, int flags):
        buf.buf = self.data
        buf.obj = self
        buf.len = self.nbytes
        buf.itemsize = self.itemsize
        buf.readonly = 0
        buf.ndim = self.ndim
        buf.format = PyBytes_AsString(self.fmt) if (flags & PyBUF_FORMAT) else NULL
        buf.shape = self.shape if (flags & PyBUF_ND) else NULL
        buf.strides = self.strides if (flags & PyBUF_STRIDES) == PyBUF_STRIDES else NULL
        buf.suboffsets = NULL
        buf.internal = NULL

    def __releasebuffer__(self, Py_buffer* buf):
        pass

    def __dealloc__(self):
        if self.owner is not None:
            self.owner.live_views -= 1


cdef class NativeInterpreter:
    cdef tflrt_interp* it
    cdef NativeModel model
    cdef public int live_views
    cdef int moving  # allocate/invoke calls running without the GIL: tensor memory may move

    def __cinit__(self, NativeModel model, int num_threads=1, int resolver=0, bint preserve_all_tensors=False,
                  int isa_cap=-1, uint64_t arena_limit=0):
        cdef tflrt_options o
        cdef char err[1024]
        self.it = NULL
        self.model = model
        self.live_views = 0
        self.moving = 0
        tflrt_options_init(&o)
        o.num_threads = num_threads
        o.resolver = resolver
        o.preserve_all_tensors = preserve_all_tensors
        o.isa_cap = isa_cap
        o.arena_limit = arena_limit
        err[0] = 0
        r = tflrt_interp_create(model.m, &o, &self.it, err, sizeof(err))
        if r != TFLRT_OK:
            raise_status(r, err)

    def __dealloc__(self):
        if self.it != NULL:
            tflrt_interp_destroy(self.it)
            self.it = NULL

    cdef check(self, int r):
        if r != TFLRT_OK:
            raise_status(r, tflrt_interp_error(self.it))

    cdef int no_views(self) except -1:
        # Checked here, with the GIL, right before a call that may move tensor memory: another
        # Python thread cannot create a view between this check and the call, and tensor_view()
        # refuses while allocate/invoke run without the GIL (self.moving).
        if self.live_views > 0:
            raise RuntimeError(VIEW_HELD)
        return 0

    cdef moving_call(self, int (*fn)(tflrt_interp*, int32_t) noexcept nogil, int32_t sg):
        # allocate/invoke: may move tensor memory, so no view may exist, and none may be made
        # while the call runs without the GIL
        cdef int r
        self.no_views()
        self.moving += 1
        try:
            with nogil:
                r = fn(self.it, sg)
        finally:
            self.moving -= 1
        self.check(r)

    def allocate(self, int32_t sg=0):
        self.moving_call(tflrt_interp_allocate, sg)

    def invoke(self, int32_t sg=0):
        self.moving_call(tflrt_interp_invoke, sg)

    def is_allocated(self, int32_t sg=0):
        return bool(tflrt_interp_is_allocated(self.it, sg))

    def resize_input(self, int32_t sg, int32_t tensor, shape, bint strict):
        cdef int32_t dims[8]
        cdef int n = len(shape)
        if n > TFLRT_MAX_DIMS:
            raise ValueError(f"Shape has rank {n}; at most {TFLRT_MAX_DIMS} is supported")
        for i in range(n):
            dims[i] = shape[i]
        self.no_views()
        self.check(tflrt_interp_resize_input(self.it, sg, tensor, dims, n, strict))

    def reset_variables(self):
        self.check(tflrt_interp_reset_variables(self.it))

    def set_num_threads(self, int n):
        self.check(tflrt_interp_set_num_threads(self.it, n))

    def num_threads(self):
        return tflrt_interp_num_threads(self.it)

    def set_profiling(self, bint enabled):
        self.check(tflrt_interp_set_profiling(self.it, enabled))

    def node_profile(self, int32_t sg=0):
        """[(total_ns, count)] per node of subgraph sg, timed in C around each eval."""
        cdef uint64_t ns, cnt
        out = []
        for k in range(tflrt_interp_num_nodes(self.it, sg)):
            tflrt_interp_node_profile(self.it, sg, k, &ns, &cnt)
            out.append((ns, cnt))
        return out

    def isa(self):
        return tflrt_interp_isa(self.it).decode()

    def num_subgraphs(self):
        return tflrt_interp_num_subgraphs(self.it)

    def num_tensors(self, int32_t sg=0):
        return tflrt_interp_num_tensors(self.it, sg)

    def inputs(self, int32_t sg=0):
        return [tflrt_interp_input(self.it, sg, i) for i in range(tflrt_interp_num_inputs(self.it, sg))]

    def outputs(self, int32_t sg=0):
        return [tflrt_interp_output(self.it, sg, i) for i in range(tflrt_interp_num_outputs(self.it, sg))]

    cdef int info(self, int32_t sg, int32_t t, tflrt_tensor_info* ti) except -1:
        if tflrt_interp_tensor(self.it, sg, t, ti) != TFLRT_OK:
            n = tflrt_interp_num_tensors(self.it, sg)
            if n < 0:
                raise ValueError(f"Invalid subgraph index {sg} (the model has {tflrt_interp_num_subgraphs(self.it)})")
            raise ValueError(f"Invalid tensor index {t} exceeds max tensor index {n - 1}")
        return 0

    def tensor_info(self, int32_t sg, int32_t t):
        cdef tflrt_tensor_info ti
        self.info(sg, t, &ti)
        shape = [ti.dims[i] for i in range(ti.ndims)]
        sig = [ti.dims_signature[i] for i in range(ti.ndims)] if ti.dims_signature != NULL else list(shape)
        return {
            "name": ti.name.decode("utf-8", "replace"),
            "type": ti.type,
            "shape": shape,
            "shape_signature": sig,
            "scales": [ti.scales[i] for i in range(ti.nq)],
            "zero_points": [ti.zero_points[i] for i in range(ti.nq)],
            "quantized_dimension": ti.qdim,
            "bytes": ti.bytes,
            "has_data": ti.data != NULL,
            "mem": MEM_KINDS[ti.mem] if 0 <= ti.mem < len(MEM_KINDS) else "unknown",
            "arena_offset": ti.arena_offset,
            "first_node": ti.first_node,
            "last_node": ti.last_node,
            "is_variable": bool(ti.is_variable),
            "is_sparse": bool(ti.is_sparse),
        }

    def get_tensor(self, int32_t sg, int32_t t):
        cdef tflrt_tensor_info ti
        cdef unsigned char[::1] dst
        self.info(sg, t, &ti)
        dt = _DTYPES.get(ti.type)
        if dt is None or dt is np.bytes_:
            raise ValueError(f"Cannot get tensor {t}: type {type_name(ti.type)} is not supported")
        if ti.data == NULL and ti.bytes > 0:
            raise ValueError("Tensor data is null. Run allocate_tensors() first")
        shape = tuple(ti.dims[i] for i in range(ti.ndims))
        out = np.empty(shape, dtype=dt)
        cdef size_t nbytes = out.nbytes
        cdef void* p = NULL
        cdef int r
        if nbytes > 0:
            dst = out.reshape(-1).view(np.uint8)
            p = &dst[0]
        with nogil:
            r = tflrt_interp_copy_out(self.it, sg, t, p, nbytes)
        self.check(r)
        return out

    def set_tensor(self, int32_t sg, int32_t t, value):
        cdef tflrt_tensor_info ti
        cdef const unsigned char[::1] src
        self.info(sg, t, &ti)
        dt = _DTYPES.get(ti.type)
        if dt is None or dt is np.bytes_:
            raise ValueError(f"Cannot set tensor: type {type_name(ti.type)} of tensor {t} is not supported")
        arr = np.asarray(value)
        if arr.dtype != dt:
            got = _FROM_NUMPY.get(arr.dtype)
            got_name = type_name(got) if got is not None else str(arr.dtype).upper()
            raise ValueError(f"Cannot set tensor: Got value of type {got_name} but expected type "
                             f"{type_name(ti.type)} for input {t}, name: {ti.name.decode('utf-8', 'replace')} ")
        if arr.ndim != ti.ndims:
            raise ValueError(f"Cannot set tensor: Dimension mismatch. Got {arr.ndim} but expected {ti.ndims} "
                             f"for input {t}.")
        for i in range(ti.ndims):
            if arr.shape[i] != ti.dims[i]:
                raise ValueError(f"Cannot set tensor: Dimension mismatch. Got {arr.shape[i]} but expected "
                                 f"{ti.dims[i]} for dimension {i} of input {t}.")
        arr = np.ascontiguousarray(arr)
        cdef size_t nbytes = arr.nbytes
        cdef const void* p = NULL
        cdef int r
        if nbytes > 0:
            src = arr.reshape(-1).view(np.uint8)
            p = &src[0]
        with nogil:
            r = tflrt_interp_copy_in(self.it, sg, t, p, nbytes)
        self.check(r)

    def tensor_view(self, int32_t sg, int32_t t):
        cdef tflrt_tensor_info ti
        cdef TensorView v
        if self.moving:
            raise RuntimeError(f"Cannot view tensor {t}: another thread is running allocate_tensors() or "
                               "invoke() on this interpreter")
        self.info(sg, t, &ti)
        fmt = _FORMATS.get(ti.type)
        if fmt is None:
            raise ValueError(f"Cannot view tensor {t}: type {type_name(ti.type)} is not supported")
        if ti.data == NULL:
            raise ValueError("Tensor data is null. Run allocate_tensors() first")
        v = TensorView.__new__(TensorView)
        v.data = ti.data
        v.ndim = ti.ndims
        v.fmt = fmt
        v.itemsize = tflrt_type_size(ti.type)
        v.nbytes = ti.bytes
        stride = v.itemsize
        for i in range(ti.ndims - 1, -1, -1):
            v.shape[i] = ti.dims[i]
            v.strides[i] = stride
            stride *= ti.dims[i]
        v.owner = self
        self.live_views += 1
        return np.asarray(v)

    def nodes(self, int32_t sg=0):
        cdef tflrt_node_info ni
        out = []
        for k in range(tflrt_interp_num_nodes(self.it, sg)):
            tflrt_interp_node(self.it, sg, k, &ni)
            out.append({
                "index": k,
                "op_name": ni.op_name.decode("utf-8", "replace"),
                "builtin_code": ni.builtin_code,
                "version": ni.version,
                "inputs": [ni.inputs[i] for i in range(ni.n_inputs)],
                "outputs": [ni.outputs[i] for i in range(ni.n_outputs)],
            })
        return out

    def memory(self):
        cdef tflrt_memory_info m
        tflrt_interp_memory(self.it, &m)
        return {"arena_bytes": m.arena_bytes, "persistent_bytes": m.persistent_bytes,
                "dynamic_bytes": m.dynamic_bytes, "weights_bytes": m.weights_bytes,
                "model_bytes": m.model_bytes}

    # ---- delegates ----

    def apply_delegate(self, NativeDelegate d, bint no_clustering=False, bint no_node_fusion=False):
        """Applies a loaded delegate to every subgraph (the interpreter keeps a reference in C).
        Plugin failures do not raise: see delegations()."""
        cdef uint32_t flags = 0
        if d is None or d.d == NULL:
            raise ValueError("the delegate was not loaded")
        if no_clustering:
            flags |= TFLRT_APPLY_NO_CLUSTERING
        if no_node_fusion:
            flags |= TFLRT_APPLY_NO_NODE_FUSION
        self.check(tflrt_interp_apply_delegate(self.it, d.d, flags))

    def delegations(self):
        """One dict per (delegate, subgraph) application."""
        cdef tflrt_delegation_info di
        out = []
        for i in range(tflrt_interp_num_delegations(self.it)):
            tflrt_interp_delegation(self.it, i, &di)
            out.append({
                "delegate": di.delegate.decode("utf-8", "replace"),
                "subgraph": di.subgraph,
                "supported_nodes": di.n_supported,
                "partitions_found": di.n_partitions,
                "partitions_delegated": di.n_delegated,
                "partitions_failed": di.n_failed,
                "active": bool(di.active),
                "fallback_reason": di.reason.decode("utf-8", "replace"),
            })
        return out

    def partitions(self):
        """One dict per DELEGATE node in the execution plans."""
        cdef tflrt_partition_info pi
        out = []
        for i in range(tflrt_interp_num_partitions(self.it)):
            tflrt_interp_partition(self.it, i, &pi)
            out.append({
                "delegation": pi.delegation,
                "subgraph": pi.subgraph,
                "node": pi.node,
                "nodes": [pi.nodes[j] for j in range(pi.n_nodes)],
                "inputs": [pi.inputs[j] for j in range(pi.n_inputs)],
                "outputs": [pi.outputs[j] for j in range(pi.n_outputs)],
            })
        return out

    def execution_plan(self, int32_t sg=0):
        """Node indices in the order subgraph sg runs them."""
        cdef const int32_t* nodes
        cdef int32_t n
        if tflrt_interp_execution_plan(self.it, sg, &nodes, &n) != TFLRT_OK:
            raise ValueError(f"Invalid subgraph index {sg}")
        return [nodes[i] if nodes != NULL else i for i in range(n)]


def supported_ops():
    """[(name, builtin_code, min_version, max_version)] of the builtin ops this build runs."""
    cdef const char* name
    cdef int32_t code, lo, hi
    out = []
    for i in range(tflrt_num_supported_ops()):
        tflrt_supported_op(i, &name, &code, &lo, &hi)
        out.append((name.decode(), code, lo, hi))
    return out


def op_supported(int32_t code, custom_name, int32_t version):
    cdef bytes cn
    cdef const char* name = NULL
    if custom_name:
        cn = custom_name.encode()
        name = cn
    return bool(tflrt_op_supported(code, name, version))


def custom_op_api_address():
    """Address of the custom-op API table (tflite_rt/custom_op.h) that registerers receive."""
    return <size_t>tflrt_custom_op_api()


def builtin_name(int32_t code):
    cdef const char* s = tflrt_builtin_op_name(code)
    return s.decode() if s != NULL else None


cdef extern from "core/planner.h" nogil:
    ctypedef struct tflrt_plan_buf:
        uint64_t size
        int32_t first
        int32_t last
        uint64_t offset
    int tflrt_plan(tflrt_plan_buf* bufs, int32_t n, uint64_t align, uint64_t* total)


def plan_arena(sizes, firsts, lasts, uint64_t align=64):
    """The arena planner as a pure function (for tests and tools): returns (offsets, total)."""
    cdef int32_t n = len(sizes)
    cdef tflrt_plan_buf* bufs = <tflrt_plan_buf*>malloc(sizeof(tflrt_plan_buf) * (n + 1))
    cdef uint64_t total = 0
    if bufs == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            bufs[i].size = sizes[i]
            bufs[i].first = firsts[i]
            bufs[i].last = lasts[i]
            bufs[i].offset = 0
        if tflrt_plan(bufs, n, align, &total) != 0:
            raise MemoryError("arena plan failed")
        return [bufs[i].offset for i in range(n)], total
    finally:
        free(bufs)


# ---- model queries without an interpreter (tflite_rt.inspect_model) ----

def model_subgraphs(NativeModel model):
    """[{name, n_tensors, n_ops, inputs, outputs}] for every subgraph of the loaded model."""
    cdef tflrt_model_subgraph_info si
    out = []
    for s in range(tflrt_model_num_subgraphs(model.m)):
        tflrt_model_subgraph(model.m, s, &si)
        out.append({"index": s, "name": si.name.decode("utf-8", "replace"), "n_tensors": si.n_tensors,
                    "n_ops": si.n_ops, "inputs": [si.inputs[i] for i in range(si.n_inputs)],
                    "outputs": [si.outputs[i] for i in range(si.n_outputs)]})
    return out


def model_ops(NativeModel model, int32_t sg=0):
    """The operators of subgraph sg in execution order, with whether this build supports each."""
    cdef tflrt_model_subgraph_info si
    cdef tflrt_model_op_info oi
    if tflrt_model_subgraph(model.m, sg, &si) != TFLRT_OK:
        raise ValueError(f"Invalid subgraph index {sg}")
    out = []
    for k in range(si.n_ops):
        tflrt_model_op(model.m, sg, k, &oi)
        out.append({
            "index": k,
            "op_name": oi.op_name.decode("utf-8", "replace"),
            "custom_code": oi.custom_code.decode("utf-8", "replace") if oi.custom_code != NULL else None,
            "builtin_code": oi.builtin_code,
            "version": oi.version,
            "supported": bool(oi.supported),
            "inputs": [oi.inputs[i] for i in range(oi.n_inputs)],
            "outputs": [oi.outputs[i] for i in range(oi.n_outputs)],
        })
    return out


def model_tensors(NativeModel model, int32_t sg=0):
    """Every tensor of subgraph sg as the model declares it (no interpreter, no arena)."""
    cdef tflrt_model_subgraph_info si
    cdef tflrt_tensor_info ti
    if tflrt_model_subgraph(model.m, sg, &si) != TFLRT_OK:
        raise ValueError(f"Invalid subgraph index {sg}")
    out = []
    for t in range(si.n_tensors):
        tflrt_model_tensor(model.m, sg, t, &ti)
        shape = [ti.dims[i] for i in range(ti.ndims)]
        out.append({
            "index": t,
            "name": ti.name.decode("utf-8", "replace"),
            "type": ti.type,
            "shape": shape,
            "shape_signature": [ti.dims_signature[i] for i in range(ti.ndims)] if ti.dims_signature != NULL
                               else list(shape),
            "scales": [ti.scales[i] for i in range(ti.nq)],
            "zero_points": [ti.zero_points[i] for i in range(ti.nq)],
            "quantized_dimension": ti.qdim,
            "bytes": ti.bytes,
            "is_constant": ti.data != NULL,
            "is_variable": bool(ti.is_variable),
            "is_sparse": bool(ti.is_sparse),
        })
    return out


def model_description(NativeModel model):
    cdef const char* d = tflrt_model_description(model.m)
    return d.decode("utf-8", "replace") if d != NULL else ""


# ---- delegates ----

cdef class NativeDelegate:
    """One loaded delegate plugin instance. The C side counts references: interpreters that use
    it keep it alive, so Python may free this object in any order."""
    cdef tflrt_delegate_lib* d

    def __cinit__(self):
        self.d = NULL

    def __dealloc__(self):
        if self.d != NULL:
            tflrt_delegate_unload(self.d)
            self.d = NULL

    def name(self):
        return tflrt_delegate_lib_name(self.d).decode("utf-8", "replace")

    def version(self):
        return tflrt_delegate_lib_version(self.d).decode("utf-8", "replace")

    def path(self):
        return tflrt_delegate_lib_path(self.d).decode("utf-8", "replace")

    def abi(self):
        """(abi_version, struct_size) as the plugin reports them."""
        cdef uint32_t size = 0
        cdef uint32_t v = tflrt_delegate_lib_abi(self.d, &size)
        return v, size

    def address(self):
        return <size_t>self.d


def load_delegate(path, keys, values):
    """Loads a plugin and creates one instance; ValueError with the reason on any failure."""
    cdef bytes p = path.encode() if isinstance(path, str) else bytes(path)
    cdef list kb = [k.encode() for k in keys]
    cdef list vb = [v.encode() for v in values]
    cdef size_t n = len(kb)
    cdef const char** ck = <const char**>malloc(sizeof(char*) * (n + 1))
    cdef const char** cv = <const char**>malloc(sizeof(char*) * (n + 1))
    cdef char err[2048]
    cdef NativeDelegate self = NativeDelegate.__new__(NativeDelegate)
    cdef bytes kk, vv
    cdef int r
    if ck == NULL or cv == NULL:
        free(ck)
        free(cv)
        raise MemoryError()
    try:
        for i in range(n):
            if b"\0" in kb[i] or b"\0" in vb[i]:
                raise ValueError(f"delegate option {keys[i]!r} contains a NUL character")
            kk = kb[i]  # the lists keep the bytes alive while C reads them
            vv = vb[i]
            ck[i] = kk
            cv[i] = vv
        if b"\0" in p:
            raise ValueError("the library path contains a NUL character")
        err[0] = 0
        r = tflrt_delegate_load(p, ck, cv, n, &self.d, err, sizeof(err))
        if r != TFLRT_OK:
            raise ValueError(err.decode("utf-8", "replace"))
        return self
    finally:
        free(ck)
        free(cv)


cdef extern from "core/partition.h" nogil:
    ctypedef struct tflrt_pgraph:
        int32_t n_nodes
        int32_t n_tensors
        const int32_t* in_off
        const int32_t* in_idx
        const int32_t* out_off
        const int32_t* out_idx
        const unsigned char* supported
        const unsigned char* side_effect
    ctypedef struct tflrt_partition_opts:
        int32_t greedy
        int32_t no_fusion
        int32_t max_partitions
        int32_t min_nodes
    ctypedef struct tflrt_partition_result:
        int32_t n_subsets
        int32_t* start
        int32_t* order
        unsigned char* delegated
        int32_t n_found
        int32_t n_delegated
    int tflrt_partition_graph(const tflrt_pgraph* g, const tflrt_partition_opts* opts, tflrt_partition_result* out)
    void tflrt_partition_result_free(tflrt_partition_result* r)


def partition_graph(n_tensors, node_inputs, node_outputs, supported, side_effect=None, bint greedy=True,
                    bint no_fusion=False, int32_t max_partitions=0, int32_t min_nodes=0):
    """The delegate partitioner as a pure function (for tests and tools).
    Returns [(delegated, [node, ...]), ...] in the new execution order, or raises ValueError for a
    graph that is not in execution order."""
    cdef int32_t n = len(node_inputs)
    cdef tflrt_pgraph g
    cdef tflrt_partition_opts o
    cdef tflrt_partition_result res
    ins = [t for lst in node_inputs for t in lst]
    outs = [t for lst in node_outputs for t in lst]
    cdef int32_t[::1] in_off = np.zeros(n + 1, np.int32)
    cdef int32_t[::1] out_off = np.zeros(n + 1, np.int32)
    cdef int32_t[::1] in_idx = np.array(ins + [0], np.int32)
    cdef int32_t[::1] out_idx = np.array(outs + [0], np.int32)
    cdef unsigned char[::1] sup = np.array(list(supported) + [0], np.uint8)
    cdef unsigned char[::1] side = np.array(list(side_effect or [0] * n) + [0], np.uint8)
    if len(node_outputs) != n or len(supported) != n or len(side) != n + 1:
        raise ValueError("node_inputs, node_outputs, supported and side_effect need one entry per node")
    for k in range(n):
        in_off[k + 1] = in_off[k] + len(node_inputs[k])
        out_off[k + 1] = out_off[k] + len(node_outputs[k])
    g.n_nodes = n
    g.n_tensors = n_tensors
    g.in_off = &in_off[0]
    g.in_idx = &in_idx[0]
    g.out_off = &out_off[0]
    g.out_idx = &out_idx[0]
    g.supported = &sup[0]
    g.side_effect = &side[0]
    o.greedy = greedy
    o.no_fusion = no_fusion
    o.max_partitions = max_partitions
    o.min_nodes = min_nodes
    r = tflrt_partition_graph(&g, &o, &res)
    if r == -1:
        raise MemoryError()
    if r != 0:
        raise ValueError("the graph is not in a valid execution order")
    try:
        return [(bool(res.delegated[s]), [res.order[i] for i in range(res.start[s], res.start[s + 1])])
                for s in range(res.n_subsets)], res.n_found
    finally:
        tflrt_partition_result_free(&res)
