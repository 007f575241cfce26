import PublicServices
import Testing

@Suite struct VietQRTests {
    @Test func theChecksumIsCRC16CCITTFalse() {
        // The catalogue's check value of CRC-16/CCITT-FALSE.
        #expect(VietQR.crc16(Array("123456789".utf8)) == 0x29B1)
    }

    @Test func aDossiersFeeAsAPayload() throws {
        let request = VietQR(bankBIN: "970436", account: "0011001234567", amount: 75000, purpose: "HS H38.2602170001")
        let payload = try #require(request.payload)
        #expect(payload.hasPrefix("000201010212"))
        let fields = try #require(VietQR.fields(of: payload))
        #expect(fields["38"] == "0010A000000727012700069704360113001100123456702" + "08QRIBFTTA")
        #expect(fields["53"] == "704" && fields["54"] == "75000" && fields["58"] == "VN" && fields["62"] == "0817HS H38.2602170001")
        // One character changed and the checksum no longer holds.
        #expect(VietQR.fields(of: payload.replacingOccurrences(of: "75000", with: "76000")) == nil)
        // Without an amount the code is static: the payer types it.
        #expect(VietQR(bankBIN: "970436", account: "0011001234567", amount: nil, purpose: "").payload?.hasPrefix("000201010211") == true)
    }

    @Test func badValuesMakeNoPayload() {
        #expect(VietQR(bankBIN: "97043", account: "1", amount: 1, purpose: "").payload == nil)
        #expect(VietQR(bankBIN: "970436", account: "", amount: 1, purpose: "").problem == "the account is 1 to 19 letters and digits")
        #expect(VietQR(bankBIN: "970436", account: "1", amount: 0, purpose: "").payload == nil)
        #expect(VietQR(bankBIN: "970436", account: "1", amount: 1, purpose: "Lệ phí").payload == nil)
        #expect(VietQR(bankBIN: "970436", account: "1", amount: 1, purpose: String(repeating: "a", count: 26)).payload == nil)
    }
}
