/// Text as XML character data or an attribute value.
public enum XMLText {
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // Characters XML 1.0 cannot carry at all are left out.
                if character.value < 0x20 && character != "\t" && character != "\n" && character != "\r" { continue }
                out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
