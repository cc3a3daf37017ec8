import ArgumentParser
import FieldIO
import Foundation
import Geometry

/// `fieldfit shapes --out DIR`: writes the procedural labelled shape set (synthetic meshes, one folder per family).
struct ShapesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shapes",
        abstract: "Write procedural labelled shapes (synthetic meshes, one folder per family) for classification.",
        discussion: """
        Writes DIR/<family>/<family>-NNN.obj for the families \(ShapeFamily.allCases.map(\.rawValue).joined(separator: ", ")), \
        each with random proportions and a random pose drawn from --seed, and DIR/README.txt and DIR/shapes.json \
        saying how they were made. Fit them with `fieldfit batch DIR --template scenes/triplane-shape.json --out RUNS` \
        and classify the fits with `fieldfit classify RUNS`.
        """)

    @Option(name: .customLong("out"), help: ArgumentHelp("The folder to write.", valueName: "dir"))
    var output: String

    @Option(name: .customLong("per-family"), help: ArgumentHelp("Shapes per family, 1...10000.", valueName: "n"))
    var perFamily = 20

    @Option(help: ArgumentHelp("Seed of the shapes' proportions and poses.", valueName: "n"))
    var seed: UInt64 = 1

    func validate() throws {
        guard (1...10_000).contains(perFamily) else { throw ValidationError("--per-family: expected an integer in 1...10000, got \(perFamily)") }
    }

    func run() throws {
        let count = try ShapeSetWriter.write(to: output, perFamily: perFamily, seed: seed)
        print("fieldfit shapes: wrote \(count) meshes of \(ShapeFamily.allCases.count) families to \(output)")
    }
}
