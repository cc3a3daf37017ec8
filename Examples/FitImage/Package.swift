// swift-tools-version: 6.2
// An outside package that uses fieldfit as a library: fits a hash-grid field to a procedural image.
import PackageDescription

let package = Package(
    name: "FitImage",
    dependencies: [.package(name: "fieldfit", path: "../..")],
    targets: [.executableTarget(name: "FitImage", dependencies: [.product(name: "FieldFit", package: "fieldfit")])]
)
