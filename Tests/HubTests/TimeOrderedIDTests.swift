import Foundation
import Testing

@testable import Hub

/// The ids the gateway makes are RFC 9562 version-7 UUIDs: the time in the first 48 bits, then the random bits with
/// the version and variant set.
@Suite struct TimeOrderedIDTests {
    @Test func anIdCarriesItsMillisecondsTheVersionAndTheVariant() throws {
        let time = Date(timeIntervalSince1970: 1_764_720_000.123)
        let allOnes = TimeOrderedID.string(random: ArraySlice(repeating: 0xFF, count: 16), at: time)
        #expect(allOnes == "019ae182-3c7b-7fff-bfff-ffffffffffff")
        let allZeros = TimeOrderedID.string(random: ArraySlice(repeating: 0, count: 16), at: time)
        #expect(allZeros == "019ae182-3c7b-7000-8000-000000000000")
        #expect(UUID(uuidString: allOnes) != nil)
        #expect(UInt64(allOnes.prefix(8) + allOnes.dropFirst(9).prefix(4), radix: 16) == 1_764_720_000_123)
    }

    @Test func idsMadeLaterSortAfter() {
        let random = ArraySlice((0..<16).map { UInt8($0 * 17) })
        let earlier = TimeOrderedID.string(random: random, at: Date(timeIntervalSince1970: 1_764_720_000))
        let later = TimeOrderedID.string(random: random, at: Date(timeIntervalSince1970: 1_764_720_000.001))
        #expect(earlier < later)
    }
}
