"""The facts about the TFLite flatbuffer schema that the test tools need, as plain Python.

Restated in our own tables from the schema's documentation (`schema.fbs` of
google-ai-edge/LiteRT, file identifier "TFL3"): the vtable slot of every field of the core
tables, TensorType and the other enums, the 210 BuiltinOperator codes, every builtin option
table (union type id, fields in slot order, scalar types, defaults) and which table each op
carries. Used by tflite_builder.py (writing) and tflite_reader.py (reading); checked against
the reader classes that ship in ai-edge-litert by test_tflite_builder.py.
"""
import re

import flatbuffers
import numpy as np

FILE_IDENTIFIER = b"TFL3"
SCHEMA_VERSION = 3

# ---------------------------------------------------------------------------------------------
# Core tables: field -> vtable slot (a union field takes two slots: its type, then its value)
# ---------------------------------------------------------------------------------------------
SLOTS = {
    "Model": {"version": 0, "operator_codes": 1, "subgraphs": 2, "description": 3,
              "buffers": 4, "metadata_buffer": 5, "metadata": 6, "signature_defs": 7,
              "external_buffer_groups": 8, "external_buffers": 9},
    "SubGraph": {"tensors": 0, "inputs": 1, "outputs": 2, "operators": 3, "name": 4,
                 "debug_metadata_index": 5},
    "Tensor": {"shape": 0, "type": 1, "buffer": 2, "name": 3, "quantization": 4,
               "is_variable": 5, "sparsity": 6, "shape_signature": 7, "has_rank": 8,
               "variant_tensors": 9, "external_buffer": 10},
    "QuantizationParameters": {"min": 0, "max": 1, "scale": 2, "zero_point": 3,
                               "details_type": 4, "details": 5, "quantized_dimension": 6},
    "SparsityParameters": {"traversal_order": 0, "block_map": 1, "dim_metadata": 2},
    "DimensionMetadata": {"format": 0, "dense_size": 1, "array_segments_type": 2,
                          "array_segments": 3, "array_indices_type": 4, "array_indices": 5},
    "IndexVector": {"values": 0},          # Int32Vector, Uint16Vector, Uint8Vector
    "OperatorCode": {"deprecated_builtin_code": 0, "custom_code": 1, "version": 2,
                     "builtin_code": 3},
    "Operator": {"opcode_index": 0, "inputs": 1, "outputs": 2, "builtin_options_type": 3,
                 "builtin_options": 4, "custom_options": 5, "custom_options_format": 6,
                 "mutating_variable_inputs": 7, "intermediates": 8,
                 "large_custom_options_offset": 9, "large_custom_options_size": 10,
                 "builtin_options_2_type": 11, "builtin_options_2": 12,
                 "debug_metadata_index": 13},
    "Buffer": {"data": 0, "offset": 1, "size": 2},
    "Metadata": {"name": 0, "buffer": 1},
    "TensorMap": {"name": 0, "tensor_index": 1},
    "SignatureDef": {"inputs": 0, "outputs": 1, "signature_key": 2, "deprecated_tag": 3,
                     "subgraph_index": 4},
}
NUM_SLOTS = {table: max(s.values()) + 1 for table, s in SLOTS.items()}
# SparseIndexVector union members (type ids) and their element types.
SPARSE_INDEX_VECTORS = {1: "int32", 2: "uint16", 3: "uint8"}

# ---------------------------------------------------------------------------------------------
# Enums
# ---------------------------------------------------------------------------------------------

# TensorType (a byte in the schema). Index = value.
TENSOR_TYPE_NAMES = (
    "FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL", "INT16", "COMPLEX64",
    "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT", "UINT32", "UINT16",
    "INT4", "BFLOAT16", "INT2", "UINT4", "FLOAT8_E4M3FN", "FLOAT8_E5M2",
)
TENSOR_TYPE = {name: i for i, name in enumerate(TENSOR_TYPE_NAMES)}

# numpy dtype -> TensorType. Types numpy cannot hold are named by string ("int4", "resource").
_NUMPY_TO_TENSOR_TYPE = {
    np.dtype(np.float32): "FLOAT32", np.dtype(np.float16): "FLOAT16",
    np.dtype(np.int32): "INT32", np.dtype(np.uint8): "UINT8", np.dtype(np.int64): "INT64",
    np.dtype(np.bool_): "BOOL", np.dtype(np.int16): "INT16",
    np.dtype(np.complex64): "COMPLEX64", np.dtype(np.int8): "INT8",
    np.dtype(np.float64): "FLOAT64", np.dtype(np.complex128): "COMPLEX128",
    np.dtype(np.uint64): "UINT64", np.dtype(np.uint32): "UINT32", np.dtype(np.uint16): "UINT16",
}
# TensorType -> numpy dtype of the values as a Python user sees them (None: no numpy type).
TENSOR_TYPE_TO_NUMPY = {v: k for k, v in _NUMPY_TO_TENSOR_TYPE.items()}
TENSOR_TYPE_TO_NUMPY["STRING"] = np.dtype(object)

# Other enums: name -> (flatbuffer scalar type of the enum, {member: value}).
ENUMS = {
    "Padding": ("int8", {"SAME": 0, "VALID": 1}),
    "ActivationFunctionType": ("int8", {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3,
                                        "TANH": 4, "SIGN_BIT": 5}),
    "LSHProjectionType": ("int8", {"UNKNOWN": 0, "SPARSE": 1, "DENSE": 2}),
    "FullyConnectedOptionsWeightsFormat": ("int8", {"DEFAULT": 0, "SHUFFLED4x16INT8": 1}),
    "LSTMKernelType": ("int8", {"FULL": 0, "BASIC": 1}),
    "CombinerType": ("int8", {"SUM": 0, "MEAN": 1, "SQRTN": 2}),
    "MirrorPadMode": ("int8", {"REFLECT": 0, "SYMMETRIC": 1}),
    "TensorType": ("int8", TENSOR_TYPE),
    "CustomOptionsFormat": ("int8", {"FLEXBUFFERS": 0}),
    "DimensionType": ("int8", {"DENSE": 0, "SPARSE_CSR": 1}),
    "RngAlgorithm": ("int8", {"DEFAULT": 0, "PHILOX": 1, "THREEFRY": 2}),
    "StablehloPrecisionConfig": ("uint32", {"DEFAULT": 0, "HIGH": 1, "HIGHEST": 2}),
    "StablehloComparisonDirection": ("uint32", {"EQ": 0, "NE": 1, "GE": 2, "GT": 3, "LE": 4,
                                                "LT": 5}),
    "StablehloComparisonType": ("uint32", {"NOTYPE": 0, "FLOAT": 1, "FLOAT_TOTAL_ORDER": 2,
                                           "SIGNED": 3, "UNSIGNED": 4}),
    "ReduceWindowFunction": ("int32", {"UNSUPPORTED": 0, "ADD": 1, "MUL": 2, "MINIMUM": 3,
                                       "MAXIMUM": 4, "ALL": 5, "ANY": 6}),
}
# Long spellings of the two Stablehlo comparison enums are accepted too.
ENUM_PREFIXES = {"StablehloComparisonDirection": "STABLEHLO_COMPARISON_DIRECTION_",
                  "StablehloComparisonType": "STABLEHLO_COMPARISON_TYPE_"}

# ---------------------------------------------------------------------------------------------
# Builtin operators: index in this tuple = BuiltinOperator value (0..209, contiguous).
# ---------------------------------------------------------------------------------------------
BUILTIN_OPS = (
    # 0
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE",
    "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED",
    # 10
    "HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION",
    "LOGISTIC", "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU",
    # 20
    "RELU_N1_TO_1", "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH",
    "SVDF", "TANH", "CONCAT_EMBEDDINGS",
    # 30
    "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD",
    "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND",
    "TRANSPOSE",
    # 40
    "MEAN", "SUB", "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE",
    "BIDIRECTIONAL_SEQUENCE_RNN", "EXP", "TOPK_V2", "SPLIT",
    # 50
    "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU", "MAXIMUM",
    "ARG_MAX", "MINIMUM", "LESS", "NEG",
    # 60
    "PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT", "SLICE", "SIN",
    "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE",
    # 70
    "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM", "SQRT", "RSQRT", "SHAPE", "POW",
    "ARG_MIN",
    # 80
    "FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND",
    "LOGICAL_NOT", "UNPACK", "REDUCE_MIN",
    # 90
    "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL", "FLOOR_MOD", "RANGE",
    "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE",
    # 100
    "MIRROR_PAD", "ABS", "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS",
    "WHERE",
    # 110
    "RANK", "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG", "ROUND",
    "HARD_SWISH", "IF", "WHILE",
    # 120
    "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5", "SCATTER_ND", "SELECT_V2", "DENSIFY",
    "SEGMENT_SUM", "BATCH_MATMUL", "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE",
    # 130
    "BROADCAST_TO", "RFFT2D", "CONV_3D", "IMAG", "REAL", "COMPLEX_ABS", "HASHTABLE",
    "HASHTABLE_FIND", "HASHTABLE_IMPORT", "HASHTABLE_SIZE",
    # 140
    "REDUCE_ALL", "CONV_3D_TRANSPOSE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE",
    "BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL", "BUCKETIZE", "RANDOM_UNIFORM", "MULTINOMIAL",
    # 150
    "GELU", "DYNAMIC_UPDATE_SLICE", "RELU_0_TO_1", "UNSORTED_SEGMENT_PROD",
    "UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_SUM", "ATAN2", "UNSORTED_SEGMENT_MIN", "SIGN",
    "BITCAST",
    # 160
    "BITWISE_XOR", "RIGHT_SHIFT", "STABLEHLO_LOGISTIC", "STABLEHLO_ADD", "STABLEHLO_DIVIDE",
    "STABLEHLO_MULTIPLY", "STABLEHLO_MAXIMUM", "STABLEHLO_RESHAPE", "STABLEHLO_CLAMP",
    "STABLEHLO_CONCATENATE",
    # 170
    "STABLEHLO_BROADCAST_IN_DIM", "STABLEHLO_CONVOLUTION", "STABLEHLO_SLICE",
    "STABLEHLO_CUSTOM_CALL", "STABLEHLO_REDUCE", "STABLEHLO_ABS", "STABLEHLO_AND",
    "STABLEHLO_COSINE", "STABLEHLO_EXPONENTIAL", "STABLEHLO_FLOOR",
    # 180
    "STABLEHLO_LOG", "STABLEHLO_MINIMUM", "STABLEHLO_NEGATE", "STABLEHLO_OR", "STABLEHLO_POWER",
    "STABLEHLO_REMAINDER", "STABLEHLO_RSQRT", "STABLEHLO_SELECT", "STABLEHLO_SUBTRACT",
    "STABLEHLO_TANH",
    # 190
    "STABLEHLO_SCATTER", "STABLEHLO_COMPARE", "STABLEHLO_CONVERT", "STABLEHLO_DYNAMIC_SLICE",
    "STABLEHLO_DYNAMIC_UPDATE_SLICE", "STABLEHLO_PAD", "STABLEHLO_IOTA", "STABLEHLO_DOT_GENERAL",
    "STABLEHLO_REDUCE_WINDOW", "STABLEHLO_SORT",
    # 200
    "STABLEHLO_WHILE", "STABLEHLO_GATHER", "STABLEHLO_TRANSPOSE", "DILATE",
    "STABLEHLO_RNG_BIT_GENERATOR", "REDUCE_WINDOW", "STABLEHLO_COMPOSITE",
    "STABLEHLO_SHIFT_LEFT", "STABLEHLO_CBRT", "STABLEHLO_CASE",
)
BUILTIN_CODE = {name: i for i, name in enumerate(BUILTIN_OPS)}
assert len(BUILTIN_OPS) == 210 and BUILTIN_CODE["STABLEHLO_CASE"] == 209
PLACEHOLDER_FOR_GREATER_OP_CODES = 127

# ---------------------------------------------------------------------------------------------
# Builtin option tables, written as in schema.fbs: Name(field field ...), in union type-id order
# (the n-th table of a block has type id n; test_tflite_builder.py checks every id against
# LiteRT's schema). union 1 is Operator.builtin_options, union 2 is Operator.builtin_options_2.
# A field is "name:type" or "name:type=default"; a leading "~" marks a deprecated field that
# still holds its slot. Types: bool int8 uint8 int32 uint32 int64 float32 string, [T] for
# vectors, or an enum name from ENUMS. Omitted defaults are 0 / false / the enum's 0 member /
# empty.
# ---------------------------------------------------------------------------------------------
_ACT = "fused_activation_function:ActivationFunctionType"
# union BuiltinOptions (Operator.builtin_options): type ids 1..126 in this order
_BUILTIN_OPTIONS = f"""
Conv2DOptions(padding:Padding stride_w:int32 stride_h:int32 {_ACT} dilation_w_factor:int32=1
    dilation_h_factor:int32=1 quantized_bias_type:TensorType)
DepthwiseConv2DOptions(padding:Padding stride_w:int32 stride_h:int32 depth_multiplier:int32
    {_ACT} dilation_w_factor:int32=1 dilation_h_factor:int32=1)
ConcatEmbeddingsOptions(num_channels:int32 num_columns_per_channel:[int32]
    embedding_dim_per_channel:[int32])
LSHProjectionOptions(type:LSHProjectionType)
Pool2DOptions(padding:Padding stride_w:int32 stride_h:int32 filter_width:int32
    filter_height:int32 {_ACT})
SVDFOptions(rank:int32 {_ACT} asymmetric_quantize_inputs:bool)
RNNOptions({_ACT} asymmetric_quantize_inputs:bool)
FullyConnectedOptions({_ACT} weights_format:FullyConnectedOptionsWeightsFormat=DEFAULT
    keep_num_dims:bool asymmetric_quantize_inputs:bool quantized_bias_type:TensorType)
SoftmaxOptions(beta:float32) ConcatenationOptions(axis:int32 {_ACT})
AddOptions({_ACT} pot_scale_int16:bool=true) L2NormOptions({_ACT})
LocalResponseNormalizationOptions(radius:int32 bias:float32 alpha:float32 beta:float32)
LSTMOptions({_ACT} cell_clip:float32 proj_clip:float32 kernel_type:LSTMKernelType=FULL
    asymmetric_quantize_inputs:bool)
ResizeBilinearOptions(~new_height:int32 ~new_width:int32 align_corners:bool
    half_pixel_centers:bool)
CallOptions(subgraph:uint32) ReshapeOptions(new_shape:[int32])
SkipGramOptions(ngram_size:int32 max_skip_size:int32 include_all_ngrams:bool)
SpaceToDepthOptions(block_size:int32) EmbeddingLookupSparseOptions(combiner:CombinerType)
MulOptions({_ACT}) PadOptions() GatherOptions(axis:int32 batch_dims:int32=0)
BatchToSpaceNDOptions() SpaceToBatchNDOptions() TransposeOptions()
ReducerOptions(keep_dims:bool) SubOptions({_ACT} pot_scale_int16:bool=true) DivOptions({_ACT})
SqueezeOptions(squeeze_dims:[int32])
SequenceRNNOptions(time_major:bool {_ACT} asymmetric_quantize_inputs:bool)
StridedSliceOptions(begin_mask:int32 end_mask:int32 ellipsis_mask:int32 new_axis_mask:int32
    shrink_axis_mask:int32 offset:bool)
ExpOptions() TopKV2Options() SplitOptions(num_splits:int32) LogSoftmaxOptions()
CastOptions(in_data_type:TensorType out_data_type:TensorType) DequantizeOptions()
MaximumMinimumOptions() ArgMaxOptions(output_type:TensorType) LessOptions() NegOptions()
PadV2Options() GreaterOptions() GreaterEqualOptions() LessEqualOptions() SelectOptions()
SliceOptions()
TransposeConvOptions(padding:Padding stride_w:int32 stride_h:int32 {_ACT}
    quantized_bias_type:TensorType)
SparseToDenseOptions(validate_indices:bool) TileOptions() ExpandDimsOptions() EqualOptions()
NotEqualOptions() ShapeOptions(out_type:TensorType) PowOptions()
ArgMinOptions(output_type:TensorType)
FakeQuantOptions(min:float32 max:float32 num_bits:int32 narrow_range:bool)
PackOptions(values_count:int32 axis:int32) LogicalOrOptions() OneHotOptions(axis:int32)
LogicalAndOptions() LogicalNotOptions() UnpackOptions(num:int32 axis:int32) FloorDivOptions()
SquareOptions() ZerosLikeOptions() FillOptions()
BidirectionalSequenceLSTMOptions({_ACT} cell_clip:float32 proj_clip:float32 merge_outputs:bool
    time_major:bool=true asymmetric_quantize_inputs:bool)
BidirectionalSequenceRNNOptions(time_major:bool {_ACT} merge_outputs:bool
    asymmetric_quantize_inputs:bool)
UnidirectionalSequenceLSTMOptions({_ACT} cell_clip:float32 proj_clip:float32 time_major:bool
    asymmetric_quantize_inputs:bool diagonal_recurrent_tensors:bool)
FloorModOptions() RangeOptions()
ResizeNearestNeighborOptions(align_corners:bool half_pixel_centers:bool)
LeakyReluOptions(alpha:float32) SquaredDifferenceOptions() MirrorPadOptions(mode:MirrorPadMode)
AbsOptions() SplitVOptions(num_splits:int32) UniqueOptions(idx_out_type:TensorType=INT32)
ReverseV2Options() AddNOptions() GatherNdOptions() CosOptions() WhereOptions() RankOptions()
ReverseSequenceOptions(seq_dim:int32 batch_dim:int32=0) MatrixDiagOptions() QuantizeOptions()
MatrixSetDiagOptions() HardSwishOptions()
IfOptions(then_subgraph_index:int32 else_subgraph_index:int32)
WhileOptions(cond_subgraph_index:int32 body_subgraph_index:int32)
DepthToSpaceOptions(block_size:int32) NonMaxSuppressionV4Options() NonMaxSuppressionV5Options()
ScatterNdOptions() SelectV2Options() DensifyOptions() SegmentSumOptions()
BatchMatMulOptions(adj_x:bool adj_y:bool asymmetric_quantize_inputs:bool)
CumsumOptions(exclusive:bool reverse:bool) CallOnceOptions(init_subgraph_index:int32)
BroadcastToOptions() Rfft2dOptions()
Conv3DOptions(padding:Padding stride_d:int32 stride_w:int32 stride_h:int32 {_ACT}
    dilation_d_factor:int32=1 dilation_w_factor:int32=1 dilation_h_factor:int32=1)
HashtableOptions(table_id:int32 key_dtype:TensorType value_dtype:TensorType)
HashtableFindOptions() HashtableImportOptions() HashtableSizeOptions()
VarHandleOptions(container:string shared_name:string) ReadVariableOptions()
AssignVariableOptions() RandomOptions(seed:int64 seed2:int64)
BucketizeOptions(boundaries:[float32]) GeluOptions(approximate:bool) DynamicUpdateSliceOptions()
UnsortedSegmentProdOptions() UnsortedSegmentMaxOptions() UnsortedSegmentMinOptions()
UnsortedSegmentSumOptions() ATan2Options() SignOptions() BitcastOptions() BitwiseXorOptions()
RightShiftOptions()
"""
# union BuiltinOptions2 (Operator.builtin_options_2): type ids 1..23 in this order
_BUILTIN_OPTIONS_2 = f"""
StablehloConcatenateOptions(dimension:int64)
StablehloBroadcastInDimOptions(broadcast_dimensions:[int64])
StablehloSliceOptions(start_indices:[int64] limit_indices:[int64] strides:[int64])
StablehloConvolutionOptions(window_strides:[int64] padding:[int64] lhs_dilation:[int64]
    rhs_dilation:[int64] window_reversal:[bool] input_batch_dimension:int64
    input_feature_dimension:int64 input_spatial_dimensions:[int64]
    kernel_input_feature_dimension:int64 kernel_output_feature_dimension:int64
    kernel_spatial_dimensions:[int64] output_batch_dimension:int64
    output_feature_dimension:int64 output_spatial_dimensions:[int64] feature_group_count:int64
    batch_group_count:int64 precision_config:[StablehloPrecisionConfig])
StablehloCustomCallOptions(call_target_name:string has_side_effect:bool backend_config:string
    api_version:int32 called_computations:[int32] custom_attributes:[uint8])
StablehloReduceOptions(dimensions:[int64] body_subgraph_index:int32)
StablehloScatterOptions(indices_are_sorted:bool update_window_dims:[int64]
    inserted_window_dims:[int64] scatter_dims_to_operand_dims:[int64] index_vector_dim:int64
    unique_indices:bool update_computation_subgraph_index:int32)
StablehloCompareOptions(comparison_direction:StablehloComparisonDirection
    compare_type:StablehloComparisonType)
StablehloDynamicSliceOptions(slice_sizes:[int64])
StablehloPadOptions(edge_padding_low:[int64] edge_padding_high:[int64] interior_padding:[int64])
StablehloIotaOptions(iota_dimension:int64)
StablehloDotGeneralOptions(lhs_batching_dimensions:[int64] rhs_batching_dimensions:[int64]
    lhs_contracting_dimensions:[int64] rhs_contracting_dimensions:[int64]
    precision_config:[StablehloPrecisionConfig])
StablehloReduceWindowOptions(window_dimensions:[int64] window_strides:[int64]
    base_dilations:[int64] window_dilations:[int64] padding:[int64] body_subgraph_index:int32)
StablehloSortOptions(dimension:int64 is_stable:bool comparator_subgraph_index:int32)
StablehloWhileOptions(cond_subgraph_index:int32 body_subgraph_index:int32)
StablehloGatherOptions(offset_dims:[int64] collapsed_slice_dims:[int64] start_index_map:[int64]
    index_vector_dim:int64 slice_sizes:[int64] indices_are_sorted:bool)
StablehloTransposeOptions(permutation:[int64]) DilateOptions()
StablehloRngBitGeneratorOptions(algorithm:RngAlgorithm)
ReduceWindowOptions(reduce_function:ReduceWindowFunction)
StableHLOCompositeOptions(name:string decomposition_subgraph_index:int32
    composite_attributes:[uint8] composite_attributes_format:CustomOptionsFormat version:int32)
StablehloShiftLeftOptions() StablehloCaseOptions(branch_subgraph_indices:[int32])
"""

# Which option table each builtin operator carries: the table named like the op (compared
# without underscores and case: CONV_2D -> Conv2DOptions, TOPK_V2 -> TopKV2Options), or one of
# these shared tables. Ops with neither take no options.
_SHARED_OPTIONS = {
    "Pool2DOptions": "AVERAGE_POOL_2D L2_POOL_2D MAX_POOL_2D",
    "ReducerOptions": "MEAN SUM REDUCE_PROD REDUCE_MAX REDUCE_MIN REDUCE_ANY REDUCE_ALL",
    "MaximumMinimumOptions": "MAXIMUM MINIMUM",
    "RandomOptions": "RANDOM_STANDARD_NORMAL RANDOM_UNIFORM MULTINOMIAL",
    "SequenceRNNOptions": "UNIDIRECTIONAL_SEQUENCE_RNN",
    "L2NormOptions": "L2_NORMALIZATION",
    "Conv3DOptions": "CONV_3D_TRANSPOSE",
}

SCALARS = {  # type name -> (flatbuffers.number_types flags, struct format)
    "bool": (flatbuffers.number_types.BoolFlags, "<?"),
    "int8": (flatbuffers.number_types.Int8Flags, "<b"),
    "uint8": (flatbuffers.number_types.Uint8Flags, "<B"),
    "int16": (flatbuffers.number_types.Int16Flags, "<h"),
    "uint16": (flatbuffers.number_types.Uint16Flags, "<H"),
    "int32": (flatbuffers.number_types.Int32Flags, "<i"),
    "uint32": (flatbuffers.number_types.Uint32Flags, "<I"),
    "int64": (flatbuffers.number_types.Int64Flags, "<q"),
    "uint64": (flatbuffers.number_types.Uint64Flags, "<Q"),
    "float32": (flatbuffers.number_types.Float32Flags, "<f"),
}


class OptionField:
    """One field of an option table: name, vtable slot, type, default."""

    __slots__ = ("name", "slot", "type", "default", "deprecated")

    def __init__(self, name, slot, type_, default, deprecated):
        self.name, self.slot, self.type, self.default = name, slot, type_, default
        self.deprecated = deprecated

    @property
    def is_vector(self):
        return self.type.startswith("[")

    @property
    def elem_type(self):
        return self.type[1:-1] if self.is_vector else self.type

    def __repr__(self):
        return (f"OptionField({self.name!r}, slot={self.slot}, {self.type}, "
                f"default={self.default!r})")


class OptionTable:
    def __init__(self, name, union, type_id, fields):
        self.name, self.union, self.type_id = name, union, type_id
        self.fields = fields
        self.by_name = {f.name: f for f in fields if not f.deprecated}

    def __repr__(self):
        return f"OptionTable({self.name}, union={self.union}, id={self.type_id}, {self.fields})"


def _parse_default(type_, text):
    if text is None:
        return None if type_.startswith("[") or type_ == "string" else (
            False if type_ == "bool" else 0.0 if type_ == "float32" else 0)
    if type_ == "bool":
        return text == "true"
    if type_ == "float32":
        return float(text)
    if type_ in ENUMS:
        return ENUMS[type_][1][text]
    return int(text)


def _parse_tables():
    tables = {}
    for union, text in ((1, _BUILTIN_OPTIONS), (2, _BUILTIN_OPTIONS_2)):
        for type_id, (name, spec) in enumerate(re.findall(r"(\w+)\(([^)]*)\)", text), start=1):
            fields = []
            for slot, item in enumerate(spec.split()):
                deprecated = item.startswith("~")
                fname, _, rest = item.lstrip("~").partition(":")
                type_, _, default = rest.partition("=")
                default = _parse_default(type_, default or None)
                fields.append(OptionField(fname, slot, type_, default, deprecated))
            tables[name] = OptionTable(name, union, type_id, fields)
    return tables


OPTION_TABLES = _parse_tables()


def _op_options():
    by_key = {name[:-len("Options")].lower(): name for name in OPTION_TABLES}
    shared = {op: name for name, ops in _SHARED_OPTIONS.items() for op in ops.split()}
    named = ((op, shared.get(op) or by_key.get(op.replace("_", "").lower())) for op in BUILTIN_OPS)
    return {op: name for op, name in named if name}


OP_OPTIONS = _op_options()


def options_table(op_name):
    """The OptionTable of a builtin op, or None when the op has no options."""
    t = OP_OPTIONS.get(op_name)
    return OPTION_TABLES[t] if t else None


def tensor_type(dtype):
    """TensorType value for a numpy dtype, a TensorType name ("INT4", "int4") or an int."""
    if isinstance(dtype, (int, np.integer)) and not isinstance(dtype, bool):
        return int(dtype)
    if isinstance(dtype, str):
        if dtype.upper() in TENSOR_TYPE:
            return TENSOR_TYPE[dtype.upper()]
        if dtype.lower() == "string":
            return TENSOR_TYPE["STRING"]
    dt = np.dtype(dtype)
    if dt.kind in "OSU":
        return TENSOR_TYPE["STRING"]
    if dt not in _NUMPY_TO_TENSOR_TYPE:
        raise ValueError(f"no TensorType for numpy dtype {dt}")
    return TENSOR_TYPE[_NUMPY_TO_TENSOR_TYPE[dt]]


def enum_value(enum, value):
    members = ENUMS[enum][1]
    if isinstance(value, str):
        key = value.upper() if value.upper() in members else value
        prefix = ENUM_PREFIXES.get(enum)
        if prefix and key.upper().startswith(prefix):
            key = key.upper()[len(prefix):]
        if key not in members:
            raise ValueError(f"{enum} has no member {value!r}; members: {sorted(members)}")
        return members[key]
    if enum == "TensorType":
        return tensor_type(value)
    return int(value)
