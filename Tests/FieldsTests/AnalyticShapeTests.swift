import Fields
import Geometry
import Testing
import TensorCore

/// The analytic shapes: exact distances of each primitive, the union, surface points and the
/// central-difference gradients every `DistanceSource` gets.
@Suite struct AnalyticShapeTests {
    let pool = WorkerPool(threads: 2)

    @Test func namedShapes() throws {
        #expect(AnalyticShape.names == ["sphere", "trio"])
        let sphere = try #require(AnalyticShape.named("sphere"))
        #expect(sphere.primitives == [.sphere(center: SIMD3(repeating: 0.5), radius: 0.3)])
        #expect(try #require(AnalyticShape.named("trio")).primitives.count == 3)
        #expect(AnalyticShape.named("cube") == nil)
        #expect(AnalyticShape.named("") == nil)
    }

    /// The sphere of radius 0.3 at the centre: −0.3 at the centre, 0 on it, positive outside, growing 1:1.
    @Test func sphereDistances() throws {
        let sphere = try #require(AnalyticShape.named("sphere"))
        #expect(abs(sphere.distance(SIMD3(repeating: 0.5)) + 0.3) < 1e-6)
        #expect(abs(sphere.distance(SIMD3(0.8, 0.5, 0.5))) < 1e-6)
        #expect(abs(sphere.distance(SIMD3(0.5, 0.5, 1.0)) - 0.2) < 1e-6)
        #expect(abs(sphere.distance(SIMD3(0.5, 0.1, 0.5)) - 0.1) < 1e-6)
        #expect(abs(sphere.distance(SIMD3(0, 0, 0)) - (Float(0.75).squareRoot() - 0.3)) < 1e-6)
        #expect(abs(sphere.distance(SIMD3(0.6, 0.5, 0.5)) + 0.2) < 1e-6)
        // The sign follows inside / outside at random points.
        var rng = RandomGenerator(seed: 5)
        for _ in 0..<1000 {
            let p = SIMD3(rng.nextFloat(), rng.nextFloat(), rng.nextFloat())
            let r = norm(p - SIMD3(repeating: 0.5))
            #expect(abs(sphere.distance(p) - (r - 0.3)) < 1e-6)
        }
    }

    /// The rounded box is −min(halfSize) at its centre and t at distance t outside a face; the torus is −r on
    /// its core circle and R − r at its centre.
    @Test func roundedBoxAndTorusDistances() {
        let c = SIMD3<Float>(0.4, 0.5, 0.6), h = SIMD3<Float>(0.2, 0.1, 0.15)
        let box = AnalyticShape([.roundedBox(center: c, halfSize: h, rounding: 0.03)])
        #expect(abs(box.distance(c) + 0.1) < 1e-6)
        #expect(abs(box.distance(c + SIMD3(0.2 + 0.05, 0, 0)) - 0.05) < 1e-6)
        #expect(abs(box.distance(c - SIMD3(0, 0.1 + 0.02, 0)) - 0.02) < 1e-6)
        #expect(abs(box.distance(c + SIMD3(0, 0, 0.15))) < 1e-6)
        #expect(box.distance(c + SIMD3(0.19, 0.09, 0)) < 0)
        // Off a corner the rounding puts the surface at distance `rounding` from the inner box's corner.
        let corner = c + h - SIMD3(repeating: 0.03)
        let diagonal = SIMD3<Float>(repeating: 1 / Float(3).squareRoot())
        #expect(abs(box.distance(corner + 0.13 * diagonal) - 0.1) < 1e-5)

        let t = SIMD3<Float>(0.5, 0.5, 0.5)
        let torus = AnalyticShape([.torus(center: t, majorRadius: 0.25, minorRadius: 0.05)])
        #expect(abs(torus.distance(t + SIMD3(0.25, 0, 0)) + 0.05) < 1e-6)
        #expect(abs(torus.distance(t + SIMD3(0, 0, -0.25)) + 0.05) < 1e-6)
        #expect(abs(torus.distance(t) - 0.2) < 1e-6)
        #expect(abs(torus.distance(t + SIMD3(0.25, 0.15, 0)) - 0.1) < 1e-6)   // above the core circle
    }

    /// A union's distance is the minimum of its primitives', through `distance` and the batched query alike.
    @Test func unionIsTheMinimumOfItsPrimitives() throws {
        let trio = try #require(AnalyticShape.named("trio"))
        let parts = trio.primitives.map { AnalyticShape([$0]) }
        var rng = RandomGenerator(seed: 6)
        let xyz = (0..<(3 * 2000)).map { _ in rng.nextFloat() }
        let batched = sourceDistances(trio, xyz, pool: pool)
        for i in 0..<2000 {
            let p = xyzPoint(xyz, i)
            let expected = parts.map { $0.distance(p) }.min()!
            #expect(trio.distance(p) == expected)
            #expect(batched[i] == expected)
        }
    }

    /// Surface points of both named shapes lie on the surface (|d| < 1e-4, as `surfacePoint` guarantees),
    /// spread over it, and are the same for the same seed; the default `surfaceSample` has no hint.
    @Test(arguments: AnalyticShape.names)
    func surfacePointsLieOnTheSurface(name: String) throws {
        let shape = try #require(AnalyticShape.named(name))
        var rng = RandomGenerator(seed: 7), again = RandomGenerator(seed: 7)
        var lo = SIMD3<Float>(repeating: .infinity), hi = -lo
        for _ in 0..<500 {
            let p = shape.surfacePoint(&rng)
            #expect(abs(shape.distance(p)) < 1e-4)
            #expect(p == shape.surfacePoint(&again))
            lo = pointwiseMin(lo, p); hi = pointwiseMax(hi, p)
        }
        #expect((hi - lo).min() > 0.2)                                             // not one clump
        for _ in 0..<100 {
            let (p, hint) = shape.surfaceSample(&rng)
            #expect(hint == -1)
            #expect(abs(shape.distance(p)) < 1e-4)
        }
        if name == "sphere" {
            for _ in 0..<100 { #expect(abs(norm(shape.surfacePoint(&rng) - SIMD3(repeating: 0.5)) - 0.3) < 1e-4) }
        }
    }

    /// The default hinted query ignores the hints: same distances as the plain one.
    @Test func hintedQueryOfAHintlessSourceIsThePlainQuery() throws {
        let trio = try #require(AnalyticShape.named("trio"))
        var rng = RandomGenerator(seed: 8)
        let xyz = (0..<(3 * 300)).map { _ in rng.nextFloat() }
        let hints = (0..<300).map { Int32($0 % 3) - 1 }
        var hinted = [Float](repeating: .nan, count: 300)
        trio.distances(points: xyz, hints: hints, count: 300, output: &hinted, pool: pool)
        #expect(hinted == sourceDistances(trio, xyz, pool: pool))
    }

    /// The protocol's central-difference gradients of the sphere match (p − c) / |p − c| away from the centre,
    /// and the distances they return are the exact ones.
    @Test func centralDifferenceGradientsMatchTheSphereGradient() throws {
        let sphere = try #require(AnalyticShape.named("sphere"))
        let c = SIMD3<Float>(repeating: 0.5)
        var rng = RandomGenerator(seed: 9)
        var xyz: [Float] = []
        while xyz.count < 3 * 500 {
            let p = SIMD3(rng.nextFloat(), rng.nextFloat(), rng.nextFloat())
            if norm(p - c) > 0.05 { xyz += [p.x, p.y, p.z] }
        }
        var distances = [Float](repeating: .nan, count: 500), gradients = [Float](repeating: .nan, count: 1500)
        sphere.gradients(points: xyz, count: 500, distances: &distances, gradients: &gradients, pool: pool)
        for i in 0..<500 {
            let p = xyzPoint(xyz, i)
            #expect(distances[i] == sphere.distance(p))
            let expected = (p - c) / norm(p - c)
            let g = xyzPoint(gradients, i)
            #expect(norm(g - expected) < 2e-3, "point \(i): gradient \(g) vs \(expected)")
        }
    }
}
