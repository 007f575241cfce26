/// A VietQR payment request: the EMVCo merchant-presented QR payload (EMV QRCPS-MPM) that Vietnamese banking apps
/// read through NAPAS, naming the beneficiary's bank (its BIN) and account, the amount in đồng and the purpose of the
/// transfer, closed by a CRC-16/CCITT-FALSE checksum.
public struct VietQR: Sendable, Equatable {
    /// The beneficiary bank's six-digit BIN (Bank Identification Number), as NAPAS lists it (970436: Vietcombank).
    public var bankBIN: String
    /// The beneficiary's account number.
    public var account: String
    /// The amount in đồng; nil lets the payer type it (a static code).
    public var amount: Int?
    /// What the transfer is for (the dossier's code): up to 25 characters of letters, digits, spaces and `-._/`.
    public var purpose: String

    public init(bankBIN: String, account: String, amount: Int?, purpose: String) {
        self.bankBIN = bankBIN
        self.account = account
        self.amount = amount
        self.purpose = purpose
    }

    /// Why the values cannot make a payload; nil when they can.
    public var problem: String? {
        if bankBIN.count != 6 || !bankBIN.allSatisfy(\.isASCIIDigit) { return "the bank BIN is six digits" }
        if account.isEmpty || account.count > 19 || !account.allSatisfy({ $0.isASCIIDigit || ($0.isASCII && $0.isLetter) }) {
            return "the account is 1 to 19 letters and digits"
        }
        if let amount, !(1...9_999_999_999_999).contains(amount) { return "the amount is 1 to 13 digits of đồng" }
        if purpose.count > 25 || !purpose.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || " -._/".contains($0)) }) {
            return "the purpose is up to 25 letters, digits, spaces and -._/ without diacritics"
        }
        return nil
    }

    /// The payload to put in the QR code; nil when `problem` says why not.
    public var payload: String? {
        guard problem == nil else { return nil }
        let beneficiary = Self.field("00", bankBIN) + Self.field("01", account)
        let merchant = Self.field("00", "A000000727") + Self.field("01", beneficiary) + Self.field("02", "QRIBFTTA")
        var text = Self.field("00", "01") + Self.field("01", amount == nil ? "11" : "12") + Self.field("38", merchant)
        text += Self.field("53", "704")
        if let amount { text += Self.field("54", String(amount)) }
        text += Self.field("58", "VN")
        if !purpose.isEmpty { text += Self.field("62", Self.field("08", purpose)) }
        text += "6304"
        return text + Self.hex4(Self.crc16(Array(text.utf8)))
    }

    /// An EMVCo field: its id, its length in two digits, its value.
    static func field(_ id: String, _ value: String) -> String {
        id + (value.utf8.count < 10 ? "0" : "") + String(value.utf8.count) + value
    }

    /// CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF), as EMVCo specifies for the payload's last field.
    public static func crc16(_ bytes: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return crc
    }

    static func hex4(_ value: UInt16) -> String {
        let digits = Array("0123456789ABCDEF")
        return String((0..<4).map { digits[Int(value >> (12 - 4 * $0)) & 0xF] })
    }

    /// Reads a payload back: its top-level fields by id, when its checksum holds; nil otherwise.
    public static func fields(of payload: String) -> [String: String]? {
        let bytes = Array(payload.utf8)
        guard bytes.count > 8, payload.hasSuffix(hex4(crc16(Array(bytes.dropLast(4))))) else { return nil }
        var fields: [String: String] = [:]
        var index = 0
        while index + 4 <= bytes.count {
            let id = String(decoding: bytes[index..<index + 2], as: UTF8.self)
            guard
                let length = Int(String(decoding: bytes[index + 2..<index + 4], as: UTF8.self)), index + 4 + length <= bytes.count
            else { return nil }
            fields[id] = String(decoding: bytes[index + 4..<index + 4 + length], as: UTF8.self)
            index += 4 + length
        }
        return index == bytes.count ? fields : nil
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
