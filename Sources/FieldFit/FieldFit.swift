// FieldFit: the library product. One import brings every layer of the toolkit, bottom to top:
// FieldIO (file formats), TensorCore (buffers, GEMM, optimisers), ModelLibrary (encodings, decoders, the
// factory), Geometry, Fields (the tasks' data and samplers), Render (cameras, ray marching, sphere tracing,
// metrics) and App (scene files, the fit loop, run folders).
@_exported import App
@_exported import FieldIO
@_exported import Fields
@_exported import Geometry
@_exported import ModelLibrary
@_exported import Render
@_exported import TensorCore
