import FieldIO
import Geometry
import Testing

/// The procedural shape families: every shape is a valid closed mesh, the same seed gives the same shape,
/// shapes vary within a family, and the families differ in simple statistics.
struct ProceduralShapesTests {
    /// Each edge used once in each direction (ProceduralMeshTests' check).
    func isClosedAndOriented(_ mesh: TriangleMesh) -> Bool { ProceduralMeshTests().isClosedAndOriented(mesh) }

    @Test(arguments: ShapeFamily.allCases)
    func everyShapeIsClosedOutwardAndNonDegenerate(_ family: ShapeFamily) {
        for i in 0..<4 {
            let m = family.make(seed: 7, index: i)
            #expect(m.triangles.count >= 12, "\(family) \(i)")
            #expect(m.positions.allSatisfy { $0.x.isFinite && $0.y.isFinite && $0.z.isFinite })
            #expect(isClosedAndOriented(m), "\(family) \(i) is not closed")
            #expect(ShapeParts.signedVolume6(m) > 1e-3, "\(family) \(i) faces inward or is flat")
            let smallest = m.triangles.map { t -> Float in
                let a = m.positions[Int(t.x)], b = m.positions[Int(t.y)], c = m.positions[Int(t.z)]
                return length(cross(b - a, c - a))
            }.min()!
            #expect(smallest > 1e-9, "\(family) \(i) has a degenerate triangle")
            let b = m.bounds, extent = b.max - b.min
            #expect(extent.min() > 0.05 && extent.max() < 3, "\(family) \(i) extent \(extent)")
            // Outside the bounding box the winding number is 0.
            #expect(abs(FastWindingNumber.exactWindingNumber(of: m, at: b.max + 1)) < 1e-3)
        }
    }

    @Test func sameSeedSameShapeOtherIndexOtherShape() {
        for family in ShapeFamily.allCases {
            #expect(family.make(seed: 3, index: 2) == family.make(seed: 3, index: 2))
            #expect(family.make(seed: 3, index: 2) != family.make(seed: 3, index: 5))
            #expect(family.make(seed: 3, index: 2) != family.make(seed: 4, index: 2))
        }
    }

    /// Pose-independent statistics: the sorted extents of the principal axes, and the volume and area over the
    /// bounding sphere's. A nearest-centroid rule on them separates the families well above chance.
    @Test func familiesDifferInSimpleStatistics() {
        func features(_ m: TriangleMesh) -> [Double] {
            let center = m.positions.reduce(SIMD3<Float>.zero, +) / Float(m.positions.count)
            let radius = Double(m.positions.map { length($0 - center) }.max()!)
            var area = 0.0
            for t in m.triangles {
                let a = m.positions[Int(t.x)], b = m.positions[Int(t.y)], c = m.positions[Int(t.z)]
                area += Double(length(cross(b - a, c - a))) / 2
            }
            let volume = ShapeParts.signedVolume6(m) / 6
            let mean = m.positions.map { Double(length($0 - center)) }.reduce(0, +) / Double(m.positions.count)
            return [volume / (4.19 * radius * radius * radius), area / (12.57 * radius * radius), mean / radius]
        }
        let families = ShapeFamily.allCases
        let train = families.map { f in (0..<6).map { features(f.make(seed: 11, index: $0)) } }
        let centroids = train.map { rows in (0..<3).map { k in rows.map { $0[k] }.reduce(0, +) / Double(rows.count) } }
        var correct = 0, total = 0
        for (label, family) in families.enumerated() {
            for i in 6..<10 {
                let x = features(family.make(seed: 11, index: i))
                let nearest = centroids.indices.min { a, b in
                    zip(x, centroids[a]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) < zip(x, centroids[b]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
                }!
                if nearest == label { correct += 1 }
                total += 1
            }
        }
        // Chance is 1/11 ≈ 9 %.
        #expect(Double(correct) / Double(total) > 0.4, "\(correct) of \(total)")
    }
}
