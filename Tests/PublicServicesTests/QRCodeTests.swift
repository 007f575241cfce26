import Testing

@testable import PublicServices

/// The QR encoder's sizes and capacities against ISO/IEC 18004's tables at level M (the pictures themselves are read
/// back by an independent decoder in the end-to-end tests).
@Suite struct QRCodeTests {
    @Test func capacitiesAtLevelM() throws {
        // Data codewords at level M: versions 1, 2, 5, 10, 20, 40.
        #expect([1, 2, 5, 10, 20, 40].map(QRCode.dataCodewords) == [16, 28, 86, 216, 669, 2334])
        // Bytes a version holds in byte mode (the table's binary capacity): 14 in version 1, 2,331 in version 40.
        #expect(try QRCode(String(repeating: "a", count: 14)).version == 1)
        #expect(try QRCode(String(repeating: "a", count: 15)).version == 2)
        #expect(try QRCode(String(repeating: "a", count: 2331)).version == 40)
        #expect(throws: QRCode.Failure.tooLong) { try QRCode(String(repeating: "a", count: 2332)) }
    }

    @Test func finderPatternsAndTiming() throws {
        let code = try QRCode("00020101021238570010A000000727")
        #expect(code.size == code.version * 4 + 17)
        for (x, y) in [(0, 0), (code.size - 7, 0), (0, code.size - 7)] {
            // The finder's dark ring and centre, its light inner ring.
            #expect(code.isDark(x: x, y: y) && code.isDark(x: x + 6, y: y + 6) && code.isDark(x: x + 3, y: y + 3))
            #expect(!code.isDark(x: x + 1, y: y + 1) && !code.isDark(x: x + 5, y: y + 5))
        }
        #expect((8..<(code.size - 8)).allSatisfy { code.isDark(x: $0, y: 6) == ($0 % 2 == 0) })
        #expect(code.isDark(x: 8, y: code.size - 8), "the dark module")
        #expect(code.svg().hasPrefix("<svg") && code.svg().contains("viewBox=\"0 0 \(code.size + 8) \(code.size + 8)\""))
    }
}
