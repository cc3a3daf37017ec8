import Foundation

/// A small, fast, seedable random generator (PCG32, XSH-RR); its whole state is two integers,
/// so checkpoints can save it and a resumed run draws the same numbers.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The generator's state.
    public var state: UInt64
    /// The stream selector (always odd).
    public var increment: UInt64

    /// A generator seeded with `seed` on stream `stream`.
    public init(seed: UInt64, stream: UInt64 = 0x14057B7EF767814F) {
        state = 0
        increment = (stream << 1) | 1
        _ = nextUInt32()
        state &+= seed
        _ = nextUInt32()
    }

    /// A generator restored from a saved state.
    public init(state: UInt64, increment: UInt64) {
        self.state = state
        self.increment = increment | 1
    }

    /// The next 32 random bits.
    @inline(__always)
    public mutating func nextUInt32() -> UInt32 {
        let old = state
        state = old &* 6364136223846793005 &+ increment
        let xorshifted = UInt32(truncatingIfNeeded: ((old >> 18) ^ old) >> 27)
        let rot = UInt32(truncatingIfNeeded: old >> 59)
        return (xorshifted >> rot) | (xorshifted << ((0 &- rot) & 31))
    }

    /// The next 64 random bits (RandomNumberGenerator).
    public mutating func next() -> UInt64 {
        (UInt64(nextUInt32()) << 32) | UInt64(nextUInt32())
    }

    /// A uniform float in [0, 1).
    @inline(__always)
    public mutating func nextFloat() -> Float {
        Float(nextUInt32() >> 8) * (1.0 / 16_777_216.0)
    }

    /// A uniform float in [lo, hi).
    @inline(__always)
    public mutating func nextFloat(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * nextFloat() }

    /// A uniform integer in 0..<bound (bound > 0), by Lemire's multiply-shift.
    @inline(__always)
    public mutating func nextInt(below bound: Int) -> Int {
        Int((UInt64(nextUInt32()) &* UInt64(bound)) >> 32)
    }

    /// A standard normal float (Box–Muller).
    public mutating func nextGaussian() -> Float {
        let u1 = max(nextFloat(), 1e-7), u2 = nextFloat()
        return (-2 * log(u1)).squareRoot() * cos(2 * Float.pi * u2)
    }

    /// An independent generator for sub-stream `k`, derived deterministically from this one's seed state.
    public func fork(_ k: UInt64) -> RandomGenerator {
        RandomGenerator(seed: state ^ (k &* 0x9E3779B97F4A7C15), stream: increment &+ 2 &* k)
    }
}

