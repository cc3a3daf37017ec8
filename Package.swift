// swift-tools-version: 6.2
// fieldfit: fit neural fields on a CPU and render them.
//
// Tools version 6.2: from it on SwiftPM accepts unsafe flags in a package that another package depends on by
// version (before, only by path or branch), so the `FieldFit` library keeps its kernel flags as a dependency.
import PackageDescription

/// Flags for the targets that hold hot kernels (release only): no overflow/exclusivity checks, AVX2 + FMA.
/// Applied while the `FastKernels` trait is on (the default); a package that depends on fieldfit and must run
/// on x86-64 CPUs without AVX2, or on another architecture, turns it off with `traits: []` on its
/// `.package(…)` line and gets portable (slower) kernels with the same results.
let kernelFlags: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-enforce-exclusivity=unchecked", "-target-cpu", "haswell"],
                 .when(configuration: .release, traits: ["FastKernels"])),
]

let package = Package(
    name: "fieldfit",
    products: [
        // The toolkit as a library: formats, tensor core, model library, geometry, tasks, renderer and the fit loop.
        .library(name: "FieldFit", targets: ["FieldFit"]),
        .executable(name: "fieldfit", targets: ["fieldfit"]),
        .executable(name: "fieldfit-bench", targets: ["fieldfit-bench"]),
        .executable(name: "fieldfit-viewer", targets: ["fieldfit-viewer"]),
    ],
    traits: [
        .trait(name: "FastKernels", description: "Build the hot kernels with -Ounchecked and AVX2 + FMA (x86-64 Haswell or newer)."),
        .default(enabledTraits: ["FastKernels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `swift package generate-documentation --target FieldFit` builds the DocC catalog (Sources/FieldFit/FieldFit.docc).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // C bridges to system libraries.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .target(name: "CImageCodecs", dependencies: ["CPNG", "CJPEG"]),
        // The one compiler intrinsic Swift lacks: software prefetch (header only).
        .systemLibrary(name: "CPrefetch"),
        // Window and OpenGL: only fieldfit-viewer links these (the CLI and the tests never need X or GL).
        .systemLibrary(name: "CGLFW", pkgConfig: "glfw3", providers: [.apt(["libglfw3-dev"])]),
        .systemLibrary(name: "CGL", pkgConfig: "gl", providers: [.apt(["libgl-dev"])]),

        // Layers, bottom to top.
        .target(name: "FieldIO", dependencies: ["CImageCodecs"]),
        .target(name: "TensorCore", dependencies: ["COpenBLAS", "FieldIO"], swiftSettings: kernelFlags),
        .target(name: "ModelLibrary", dependencies: ["TensorCore", "FieldIO", "CPrefetch"], swiftSettings: kernelFlags),
        .target(name: "Geometry", dependencies: ["TensorCore", "FieldIO"], swiftSettings: kernelFlags),
        .target(name: "Fields", dependencies: ["Geometry", "TensorCore", "FieldIO", "CPrefetch"], swiftSettings: kernelFlags),
        // The renderer takes fields through protocols (`RadianceField`, `DistanceField`): no model library.
        .target(name: "Render", dependencies: ["Geometry", "TensorCore", "FieldIO"], swiftSettings: kernelFlags),
        .target(name: "App", dependencies: ["Render", "Fields", "ModelLibrary", "Geometry", "TensorCore", "FieldIO",
                                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // The library product's one module: re-exports every layer, so `import FieldFit` is all a package needs.
        .target(name: "FieldFit", dependencies: ["App", "Render", "Fields", "ModelLibrary", "Geometry", "TensorCore", "FieldIO"]),
        .executableTarget(name: "fieldfit", dependencies: ["App"]),
        // The bench's own C reference kernels (the machine limits it measures figures against).
        .target(name: "CBenchReference", cSettings: [.unsafeFlags(["-O3", "-mavx2", "-mfma"])]),
        .executableTarget(name: "fieldfit-bench", dependencies: ["App", "ModelLibrary", "Geometry", "Fields", "Render", "TensorCore", "FieldIO",
                                                                 "COpenBLAS", "CBenchReference",
                                                                 .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: kernelFlags),
        // The viewer's GLSL shaders (top-level Shaders/), shipped as package resources.
        .target(name: "ViewerShaders", path: "Shaders", exclude: ["README.md"],
                resources: [.copy("field.vert"), .copy("field.frag")]),
        .executableTarget(name: "fieldfit-viewer", dependencies: ["App", "Render", "TensorCore", "FieldIO", "ViewerShaders", "CGLFW", "CGL"]),

        // Temporary folders for the tests, removed when the test process exits.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "FieldIOTests", dependencies: ["FieldIO", "TestSupport"]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
        .testTarget(name: "ModelLibraryTests", dependencies: ["ModelLibrary", "TensorCore", "FieldIO"]),
        .testTarget(name: "GeometryTests", dependencies: ["Geometry", "TensorCore", "FieldIO"]),
        .testTarget(name: "FieldsTests", dependencies: ["Fields", "Geometry", "TensorCore", "FieldIO"]),
        .testTarget(name: "RenderTests", dependencies: ["TestSupport", "Render", "Geometry", "TensorCore", "FieldIO"]),
        .testTarget(name: "AppTests", dependencies: ["TestSupport", "App", "Render", "ModelLibrary", "Geometry", "TensorCore", "FieldIO"]),
    ]
)
